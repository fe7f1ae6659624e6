"""Property tests: random elementwise/broadcast/reduction graphs against NumPy and finite
differences. Hypothesis draws the structure (shapes, expression, axes); the values come
from a seeded NumPy generator, so they are continuous and free of exact ties."""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symconv as sc
import symconv.tensor as T
from tests.helpers import check_graph

# derandomize: the same examples on every run, so a CI run never fails by chance
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# (symbolic, NumPy) pairs; each keeps values bounded and smooth on the values drawn
UNARY = [
    (lambda a: -a, lambda a: -a),
    (T.tanh, np.tanh),
    (T.sigmoid, np_sigmoid),
    (T.sin, np.sin),
    (T.softplus, lambda a: np.logaddexp(0, a)),
    (lambda a: T.sqr(a) * 0.5, lambda a: np.square(a) * 0.5),
    (lambda a: T.log1p(T.sqr(a)), lambda a: np.log1p(np.square(a))),
    (lambda a: T.exp(T.tanh(a)), lambda a: np.exp(np.tanh(a))),
    (lambda a: T.sqrt(1 + a * a), lambda a: np.sqrt(1 + a * a)),
]
BINARY = [
    (lambda a, b: a + b, np.add),
    (lambda a, b: a - b, np.subtract),
    (lambda a, b: a * b, np.multiply),
    (lambda a, b: a / (1.5 + T.sin(b)), lambda a, b: a / (1.5 + np.sin(b))),
    (T.maximum, np.maximum),
    (T.minimum, np.minimum),
    (lambda a, b: T.switch(a > b, a * 2, b), lambda a, b: np.where(a > b, a * 2, b)),
    (lambda a, b: 2.0 * a - b * 0.5, lambda a, b: 2.0 * a - b * 0.5),
]
REDUCTIONS = [(T.sum, np.sum), (T.mean, np.mean), (T.max, np.max), (T.min, np.min),
              (T.prod, np.prod)]


@st.composite
def broadcast_shapes(draw, n_operands):
    """A result shape and ``n_operands`` shapes that broadcast to it (NumPy's rules)."""
    ndim = draw(st.integers(1, 3))
    result = draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim))
    shapes = []
    for _ in range(n_operands):
        k = draw(st.integers(0, ndim))  # operands may have fewer dimensions
        shapes.append(tuple(1 if draw(st.booleans()) else s for s in result[ndim - k:]))
    return tuple(result), shapes


@st.composite
def expressions(draw, n_leaves, depth=3):
    """A random expression over the leaves, as a function of (leaves, table index)."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        leaf = draw(st.integers(0, n_leaves - 1))
        return lambda leaves, which: leaves[leaf]
    if draw(st.booleans()):
        k = draw(st.integers(0, len(UNARY) - 1))
        inner = draw(expressions(n_leaves, depth - 1))
        return lambda leaves, which: UNARY[k][which](inner(leaves, which))
    k = draw(st.integers(0, len(BINARY) - 1))
    left = draw(expressions(n_leaves, depth - 1))
    right = draw(expressions(n_leaves, depth - 1))
    return lambda leaves, which: BINARY[k][which](left(leaves, which), right(leaves, which))


@st.composite
def axis_choices(draw):
    """A function of the reduced tensor's ndim giving an axis: None, an int, a negative
    int or a tuple (the expression may use fewer dimensions than its inputs have)."""
    kind = draw(st.sampled_from(["none", "int", "negative", "tuple"]))
    picks = draw(st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True))

    def choose(ndim):
        if kind == "none" or ndim == 0:
            return None
        if kind == "int":
            return picks[0] % ndim
        if kind == "negative":
            return picks[0] % ndim - ndim
        return tuple(sorted({p % ndim for p in picks}, reverse=True))
    return choose


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 3))
    result, shapes = draw(broadcast_shapes(n))
    expr = draw(expressions(n))
    reduce_k = draw(st.integers(0, len(REDUCTIONS) - 1))
    axis = draw(axis_choices())
    keepdims = draw(st.booleans())
    static = [draw(st.booleans()) for _ in range(n)]
    seed = draw(st.integers(0, 2 ** 16))
    return shapes, expr, reduce_k, axis, keepdims, static, seed


def _inputs(shapes, static, dtype):
    return [T.tensor(dtype, s if is_static else (None,) * len(s), name=f"x{k}")
            for k, (s, is_static) in enumerate(zip(shapes, static))]


def _values(shapes, seed, dtype="float64"):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, size=s).astype(dtype) for s in shapes]


@SETTINGS
@given(graphs())
def test_random_graphs_match_numpy(graph):
    shapes, expr, reduce_k, axis, keepdims, static, seed = graph
    values = _values(shapes, seed)
    inputs = _inputs(shapes, static, "float64")
    body = expr(inputs, 0)
    out = REDUCTIONS[reduce_k][0](body, axis=axis(body.ndim), keepdims=keepdims)
    want_body = np.asarray(expr(values, 1), dtype="float64")
    want = REDUCTIONS[reduce_k][1](want_body, axis=axis(body.ndim), keepdims=keepdims)
    got_body, got = sc.function(inputs, [body, out], on_unused_input="ignore")(*values)
    assert got.shape == np.shape(want) and got.dtype == np.float64
    np.testing.assert_allclose(got_body, want_body, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    check_graph([body, out], inputs, values)  # static shapes, dtypes and infer_shape per node


@SETTINGS
@given(graphs())
def test_random_graphs_have_correct_gradients(graph):
    shapes, expr, reduce_k, axis, keepdims, static, seed = graph
    values = _values(shapes, seed)

    def fn(*leaves):
        body = expr(list(leaves), 0)
        return REDUCTIONS[reduce_k][0](body, axis=axis(body.ndim), keepdims=keepdims)

    sc.verify_grad(fn, values, n_tests=2, rng=np.random.default_rng(seed))


@SETTINGS
@given(graphs())
def test_random_graphs_stay_float32(graph):
    shapes, expr, reduce_k, axis, keepdims, static, seed = graph
    values = _values(shapes, seed, "float32")
    inputs = _inputs(shapes, static, "float32")
    body = expr(inputs, 0)
    out = REDUCTIONS[reduce_k][0](body, axis=axis(body.ndim), keepdims=keepdims)
    grads = sc.grad(out.sum(), inputs, disconnected_inputs="ignore")
    assert out.dtype == "float32" and all(g.dtype == "float32" for g in grads)
    got, *got_grads = sc.function(inputs, [out] + grads, on_unused_input="ignore")(*values)
    assert got.dtype == np.float32 and all(g.dtype == np.float32 for g in got_grads)
    want = REDUCTIONS[reduce_k][1](np.asarray(expr([v.astype("float64") for v in values], 1)),
                                   axis=axis(body.ndim), keepdims=keepdims)
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
    for g, v in zip(got_grads, values):
        assert g.shape == v.shape


@SETTINGS
@given(broadcast_shapes(2), st.integers(0, 2 ** 16))
def test_broadcast_gradients_sum_back_to_each_shape(shapes_pair, seed):
    _, shapes = shapes_pair
    a, b = _values(shapes, seed)
    x, y = _inputs(shapes, [False, False], "float64")
    gx, gy = sc.function([x, y], sc.grad((x * y).sum(), [x, y]))(a, b)
    full = np.broadcast_shapes(a.shape, b.shape)
    want_gx = np.broadcast_to(b, full)
    want_gy = np.broadcast_to(a, full)

    def sum_to(g, shape):
        g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
        axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
        return g.sum(axis=axes, keepdims=True) if axes else g

    np.testing.assert_allclose(gx, sum_to(want_gx, a.shape), rtol=1e-12)
    np.testing.assert_allclose(gy, sum_to(want_gy, b.shape), rtol=1e-12)
