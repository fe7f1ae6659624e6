"""Reductions against NumPy for every kind of axis, their gradients, and SumTo/BroadcastLike."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.ops.reduction import BroadcastLike, SumTo
from tests.helpers import check_grad, check_graph, check_op, raises_naming, random_array

X = random_array((2, 3, 4), seed=11)  # distinct values: no ties for max/min/argmax
AXES = [None, 0, 1, 2, -1, -3, (0, 2), (2, 0), (-1, 1), (0, 1, 2), ()]

REDUCTIONS = {
    "sum": (T.sum, np.sum),
    "mean": (T.mean, np.mean),
    "max": (T.max, np.max),
    "min": (T.min, np.min),
    "prod": (T.prod, np.prod),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_against_numpy(name, axis, keepdims):
    fn, ref = REDUCTIONS[name]
    check_op(lambda x: fn(x, axis=axis, keepdims=keepdims), [X],
             lambda x: ref(x, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", [None, 1, -1, (0, 2)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_gradient(name, axis, keepdims):
    fn, _ = REDUCTIONS[name]
    point = X + 2.0 if name == "prod" else X  # prod's gradient divides by x: keep it away from 0
    check_grad(lambda x: fn(x, axis=axis, keepdims=keepdims), [point])


def test_methods_match_functions():
    x = T.dtensor3("x")
    f = sc.function([x], [x.sum(axis=1), x.mean(axis=(0, 2)), x.max(axis=-1, keepdims=True),
                          x.min(), x.prod(axis=0), x.argmax(axis=1), x.argmin()])
    got = f(X)
    want = [X.sum(axis=1), X.mean(axis=(0, 2)), X.max(axis=-1, keepdims=True), X.min(),
            X.prod(axis=0), X.argmax(axis=1), X.argmin()]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


@pytest.mark.parametrize("name,ref", [("argmax", np.argmax), ("argmin", np.argmin)])
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_arg_reductions(name, ref, axis, keepdims):
    fn = getattr(T, name)
    out = check_op(lambda x: fn(x, axis=axis, keepdims=keepdims), [X],
                   lambda x: ref(x, axis=axis, keepdims=keepdims).astype("int64"))
    assert out.dtype == np.int64


def test_arg_reductions_have_no_gradient_but_pass_one_through_indexing():
    x = T.dmatrix("x")
    best = x[T.arange(x.shape[0]), x.argmax(axis=1)]  # the row maxima, picked by index
    g = sc.function([x], sc.grad(best.sum(), x))(X[0])
    want = np.zeros_like(X[0])
    want[np.arange(3), X[0].argmax(axis=1)] = 1
    np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("op,np_fn", [(T.argmax, np.argmax), (T.argmin, np.argmin)])
@pytest.mark.parametrize("axis", [(0, 1), (0, 2), (1, 2), (0, 1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_arg_reduction_over_several_axes_indexes_them_flattened(op, np_fn, axis, keepdims):
    def reference(a):
        kept = [k for k in range(a.ndim) if k not in axis]
        moved = np.transpose(a, kept + list(axis))
        out = np_fn(moved.reshape(moved.shape[:len(kept)] + (-1,)), axis=-1)
        if keepdims:
            out = out.reshape([1 if k in axis else n for k, n in enumerate(a.shape)])
        return out

    check_op(lambda x: op(x, axis=axis, keepdims=keepdims), [X], reference)


@pytest.mark.parametrize("axis", [T.constant(1), np.array(1), np.array([0, 2]),
                                  T.constant(np.array([0, 2]))])
def test_axis_as_constant_tensor_or_array(axis):
    want = np.asarray(axis.data if hasattr(axis, "data") else axis)
    want = int(want) if want.ndim == 0 else tuple(int(a) for a in want)
    check_op(lambda x: T.sum(x, axis=axis), [X], lambda a: a.sum(axis=want))
    check_op(lambda x: T.max(x, axis=axis), [X], lambda a: a.max(axis=want))


def test_axis_errors_name_it():
    x = T.dtensor3("x")
    with raises_naming(TypeError, "sum", "axis", "symbolic", "'i'"):
        T.sum(x, axis=T.lscalar("i"))
    with raises_naming(TypeError, "sum", "axis", "float64"):
        T.sum(x, axis=np.array(1.0))


@pytest.mark.parametrize("dtype,want", [("bool", "int64"), ("int8", "int64"), ("int32", "int64"),
                                        ("float32", "float32"), ("float64", "float64")])
def test_sum_dtype_follows_numpy(dtype, want):
    data = (X * 5).astype(dtype) if dtype != "bool" else X > 0
    out = check_op(lambda x: x.sum(axis=1), [data], lambda x: np.sum(x, axis=1))
    assert out.dtype == want


def test_sum_with_dtype():
    check_op(lambda x: x.sum(axis=0, dtype="float64"), [X.astype("float32")],
             lambda x: x.sum(axis=0).astype("float64"), rtol=1e-6)


@pytest.mark.parametrize("name", ["sum", "mean", "prod"])
def test_dtype_is_the_accumulators_and_the_results_as_numpy(name):
    np_fn = getattr(np, name)
    small = (X * 5).astype("int8")
    out = check_op(lambda x: getattr(T, name)(x, axis=1, dtype="int8"), [small],
                   lambda x: np_fn(x, axis=1, dtype="int8"))   # wraps around in int8, as NumPy
    assert out.dtype == np.int8
    check_op(lambda x: getattr(x, name)(axis=0, dtype="float64"), [X.astype("float32")],
             lambda x: np_fn(x, axis=0, dtype="float64"))
    check_op(lambda m: getattr(m > 0, name)(dtype="float32"), [X],
             lambda m: np_fn(m > 0, dtype="float32"))


@pytest.mark.parametrize("name", ["sum", "mean", "prod"])
def test_acc_dtype_accumulates_and_dtype_gives_the_result(name):
    np_fn = getattr(np, name)
    data = X.astype("float32")
    out = check_op(lambda x: getattr(x, name)(axis=1, dtype="float32", acc_dtype="float64"),
                   [data], lambda x: np_fn(x.astype("float64"), axis=1).astype("float32"))
    assert out.dtype == np.float32
    check_grad(lambda x: getattr(T, name)(x, axis=0, acc_dtype="float64"), [X])


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_mean_of_integers_is_float64(dtype):
    data = (X * 5).astype(dtype) if dtype != "bool" else X > 0
    out = check_op(lambda x: x.mean(axis=-1), [data], lambda x: np.mean(x, axis=-1))
    assert out.dtype == np.float64


def test_float32_reductions_stay_float32():
    x = T.ftensor3("x")
    for expr in [x.sum(), x.mean(axis=1), x.max(axis=0), x.prod(axis=(1, 2))]:
        assert expr.dtype == "float32"
        g = sc.grad(expr.sum(), x)
        assert g.dtype == "float32"
    check_grad(lambda x: x.mean(axis=1), [X])


def test_max_gradient_is_split_evenly_among_ties():
    x = T.dmatrix("x")
    data = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]])
    g = sc.function([x], sc.grad(x.max(axis=1).sum(), x))(data)
    np.testing.assert_array_equal(g, [[0, 0.5, 0.5], [1, 0, 0]])
    g = sc.function([x], sc.grad(x.min().sum(), x))(data)
    np.testing.assert_array_equal(g, [[0, 0, 0], [0, 1, 0]])
    # ties made by broadcasting: max over copies of x is x, with gradient 1
    check_grad(lambda v: T.max(T.alloc(v, 3, 2), axis=0), [np.array([0.3, -0.2])])
    check_grad(lambda v: T.min(T.alloc(v, 4, 2), axis=(0, 1)), [np.array([0.3, -0.2])])


def test_mean_gradient_of_run_time_shapes():
    # the count comes from the run-time shape, not from a static one
    x = T.dmatrix("x")
    f = sc.function([x], sc.grad(x.mean(axis=0).sum(), x))
    np.testing.assert_allclose(f(np.ones((4, 2))), np.full((4, 2), 0.25))
    np.testing.assert_allclose(f(np.ones((5, 3))), np.full((5, 3), 0.2))


def test_static_shapes_of_reductions():
    x = T.dtensor3(shape=(2, None, 4))
    assert x.sum(axis=1).type.shape == (2, 4)
    assert x.sum(axis=(0, 2), keepdims=True).type.shape == (1, None, 1)
    assert x.max().type.shape == ()
    assert x.argmax(axis=-1).type.shape == (2, None)
    assert x.argmax(keepdims=True).type.shape == (1, 1, 1)


def test_reduction_errors():
    x = T.dmatrix("x")
    with raises_naming(ValueError, "sum", "axis 2", "'x'"):
        x.sum(axis=2)
    with raises_naming(ValueError, "max", "axis -3", "'x'"):
        x.max(axis=-3)
    with raises_naming(ValueError, "mean", "repeated axis"):
        x.mean(axis=(1, -1))
    with raises_naming(TypeError, "sum", "axis"):
        x.sum(axis=1.5)
    with raises_naming(ValueError, "max", "zero-size", "'e'"):
        T.dmatrix("e", shape=(0, 3)).max(axis=0)


def test_reduction_ops_compare_by_parameters():
    x = T.dmatrix("x")
    assert x.sum(axis=1).owner.op == x.sum(axis=-1).owner.op
    assert x.sum(axis=1).owner.op != x.sum(axis=1, keepdims=True).owner.op
    assert x.sum(axis=1).owner.op != x.mean(axis=1).owner.op
    assert str(x.max(axis=1, keepdims=True).owner.op) == "max{axis=(1,),keepdims}"


# --- SumTo and BroadcastLike: the gradient of broadcasting and its transpose ------

@pytest.mark.parametrize("gshape,xshape", [((3, 4), (3, 1)), ((3, 4), (1, 4)), ((2, 3, 4), (3, 4)),
                                           ((2, 3, 4), (1,)), ((3, 4), (3, 4)), ((3, 4), ())])
def test_sum_to(gshape, xshape):
    g, x = random_array(gshape, seed=1), random_array(xshape, seed=2)

    def ref(g_, x_):
        lead = g_.ndim - x_.ndim
        out = g_.sum(axis=tuple(range(lead))) if lead else g_
        axes = tuple(i for i, s in enumerate(x_.shape) if s == 1 and out.shape[i] != 1)
        return out.sum(axis=axes, keepdims=True) if axes else out

    check_op(lambda a, b: SumTo()(a, b), [g, x], ref)
    check_grad(lambda a, b: SumTo()(a, b), [g, x])


@pytest.mark.parametrize("gshape,xshape", [((3, 1), (3, 4)), ((4,), (3, 4)), ((), (2, 3)),
                                           ((1, 4), (2, 3, 4))])
def test_broadcast_like(gshape, xshape):
    g, x = random_array(gshape, seed=1), random_array(xshape, seed=2)
    check_op(lambda a, b: BroadcastLike()(a, b), [g, x], lambda a, b: np.broadcast_to(a, b.shape))
    check_grad(lambda a, b: BroadcastLike()(a, b), [g, x])


def test_broadcast_like_static_shape():
    out = BroadcastLike()(T.dmatrix(shape=(None, 4)), T.dmatrix(shape=(3, None)))
    assert out.type.shape == (3, 4)
    with raises_naming(ValueError, "broadcast_like", "f64[5]", "f64[3,4]"):
        BroadcastLike()(T.dvector(shape=(5,)), T.dmatrix(shape=(3, 4)))
    with raises_naming(ValueError, "more dimensions"):
        BroadcastLike()(T.dmatrix(), T.dvector())


def test_infer_shape_of_reductions():
    x = T.dtensor3("x")
    outs = [x.sum(axis=(0, 2)), x.mean(keepdims=True), x.argmax(axis=1), x.max(axis=-1),
            SumTo()(x, x[0]), BroadcastLike()(x[0, 0], x)]
    check_graph(outs, [x], [X])


def test_prod_gradient_at_zeros():
    # the derivative of a product is the product of the other entries, zeros or not
    x = T.dmatrix("x")
    grad = sc.function([x], sc.grad(T.prod(x, axis=1).sum() + T.prod(x), x))
    data = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]])
    got = grad(data)
    want = np.zeros_like(data)
    for i in range(3):
        for j in range(3):
            others = np.delete(data[i], j)
            want[i, j] = others.prod() + np.delete(data.ravel(), 3 * i + j).prod()
    np.testing.assert_allclose(got, want)
    check_grad(lambda v: T.prod(v, axis=0), [np.array([[2.0, 0.5], [0.3, 4.0]])])


def test_reductions_take_numpys_positional_order_and_refuse_a_dtype_for_keepdims():
    x = T.dmatrix("x")
    assert x.sum(0, "float32").dtype == "float32" and x.sum(0, "float32").ndim == 1
    assert T.mean(x, 1, "float32", True).ndim == 2
    with raises_naming(TypeError, "keepdims must be True or False", "'float32'"):
        T.max(x, 0, "float32")


def test_acc_dtype_keeps_the_result_dtype_and_must_hold_the_input():
    assert T.fvector().sum(acc_dtype="float64").dtype == "float32"
    assert T.ivector().sum(acc_dtype="int64").dtype == "int64"
    assert T.fvector().mean(acc_dtype="float64").dtype == "float32"
    with raises_naming(TypeError, "sum", "acc_dtype float32", "lose precision"):
        T.dvector().sum(acc_dtype="float32")
    data = np.array([100, 100, 100, 27], dtype="int8")
    check_op(lambda v: v.mean(dtype="int8"), [data], lambda v: np.mean(v, dtype="int8"))


def test_any_and_all_of_nothing():
    x = T.dmatrix("x")
    got = sc.function([x], [x.any(), x.all(), x.any(axis=0), x.all(axis=0)])(np.zeros((0, 3)))
    assert got[0] == np.False_ and got[1] == np.True_
    np.testing.assert_array_equal(got[2], [False] * 3)
    np.testing.assert_array_equal(got[3], [True] * 3)

