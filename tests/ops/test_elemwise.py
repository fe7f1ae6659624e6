"""Elementwise ops: every scalar op against NumPy, its gradient, broadcasting and dtype rules."""
import numpy as np
import pytest
import scipy.special

import symconv as sc
import symconv.tensor as T
from symconv.ops.elemwise import (GRADIENT_IDENTITIES, SCALAR_OPS, Elemwise, identity_op,
                                  sigmoid_into)
from tests.helpers import check_grad, check_graph, check_op, raises_naming, random_array
from tests.reference import np_sigmoid



def np_softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


A = random_array((3, 4), seed=1)
B = random_array((3, 4), seed=2)
POS = random_array((3, 4), low=0.5, high=2.0, seed=3)
AWAY = np.where(np.abs(A) < 0.1, 0.5, A)  # kinks of abs/sign stay away from 0

# name -> (symbolic function, NumPy reference, domain of the arguments)
UNARY = {
    "neg": (lambda x: -x, np.negative, A),
    "abs": (T.abs, np.abs, AWAY),
    "sign": (T.sign, np.sign, AWAY),
    "sqr": (T.sqr, np.square, A),
    "sqrt": (T.sqrt, np.sqrt, POS),
    "exp": (T.exp, np.exp, A),
    "expm1": (T.expm1, np.expm1, A),
    "log": (T.log, np.log, POS),
    "log1p": (T.log1p, np.log1p, A * 0.9),
    "log2": (T.log2, np.log2, POS),
    "log10": (T.log10, np.log10, POS),
    "tanh": (T.tanh, np.tanh, A),
    "sigmoid": (T.sigmoid, np_sigmoid, A * 4),
    "softplus": (T.softplus, np_softplus, A * 4),
    "sin": (T.sin, np.sin, A),
    "cos": (T.cos, np.cos, A),
    "floor": (T.floor, np.floor, A * 3),
    "ceil": (T.ceil, np.ceil, A * 3),
    "round": (T.round, np.round, A * 3 + 0.1),
    "identity": (identity_op, np.positive, A),
    "xlogx": (T.math.xlogx, lambda x: x * np.log(x), POS),
    "tan": (T.tan, np.tan, A),
    "arcsin": (T.arcsin, np.arcsin, A * 0.9),
    "arccos": (T.arccos, np.arccos, A * 0.9),
    "arctan": (T.arctan, np.arctan, A * 3),
    "sinh": (T.sinh, np.sinh, A),
    "cosh": (T.cosh, np.cosh, A),
    "arcsinh": (T.arcsinh, np.arcsinh, A * 3),
    "arccosh": (T.arccosh, np.arccosh, POS + 1.0),
    "arctanh": (T.arctanh, np.arctanh, A * 0.9),
    "exp2": (T.exp2, np.exp2, A),
    "deg2rad": (T.deg2rad, np.deg2rad, A * 90),
    "rad2deg": (T.rad2deg, np.rad2deg, A),
    "trunc": (T.trunc, np.trunc, A * 3 + 0.1),
    "erf": (T.erf, scipy.special.erf, A * 2),
    "erfc": (T.erfc, scipy.special.erfc, A * 2),
    "erfinv": (T.erfinv, scipy.special.erfinv, A * 0.9),
    "erfcinv": (T.erfcinv, scipy.special.erfcinv, A * 0.9 + 1),
    "gammaln": (T.gammaln, scipy.special.gammaln, POS * 3),
    "gamma": (T.gamma, scipy.special.gamma, POS * 3),
    "psi": (T.psi, scipy.special.psi, POS * 3),
    "tri_gamma": (T.tri_gamma, lambda x: scipy.special.polygamma(1, x), POS * 3),
}
BINARY = {
    "add": (lambda x, y: x + y, np.add, (A, B)),
    "sub": (lambda x, y: x - y, np.subtract, (A, B)),
    "mul": (lambda x, y: x * y, np.multiply, (A, B)),
    "true_div": (lambda x, y: x / y, np.true_divide, (A, POS)),
    "floor_div": (lambda x, y: x // y, np.floor_divide, (A * 5, POS)),
    "mod": (lambda x, y: x % y, np.mod, (A * 5 + 0.05, POS)),
    "pow": (lambda x, y: x ** y, np.power, (POS, B)),
    "maximum": (T.maximum, np.maximum, (A, B)),
    "minimum": (T.minimum, np.minimum, (A, B)),
    "xlogy0": (T.math.xlogy0, lambda x, y: x * np.log(y), (A, POS)),
    "arctan2": (T.arctan2, np.arctan2, (A, B)),
}
COMPARISONS = {
    "eq": (T.eq, np.equal), "neq": (T.neq, np.not_equal), "lt": (T.lt, np.less),
    "le": (T.le, np.less_equal), "gt": (T.gt, np.greater), "ge": (T.ge, np.greater_equal),
}
LOGIC = {"and": (T.and_, np.logical_and), "or": (T.or_, np.logical_or),
         "xor": (T.xor, np.logical_xor)}
UNARY_PREDICATES = {"isnan": (T.isnan, np.isnan), "isinf": (T.isinf, np.isinf),
                    "invert": (T.invert, np.logical_not)}
DIFFERENTIABLE = {"neg", "abs", "sqr", "sqrt", "exp", "expm1", "log", "log1p", "log2", "log10",
                  "tanh",
                  "sigmoid", "softplus", "sin", "cos", "identity", "add", "sub", "mul",
                  "true_div", "mod", "pow", "maximum", "minimum", "xlogx", "xlogy0", "tan",
                  "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "arcsinh", "arccosh",
                  "arctanh", "exp2", "deg2rad", "rad2deg", "erf", "erfc", "erfinv", "erfcinv",
                  "gammaln", "gamma", "psi"}
FLAT = {"sign", "floor", "ceil", "round", "trunc", "floor_div"}  # derivative zero almost everywhere


def test_every_scalar_op_is_covered():
    covered = set(UNARY) | set(BINARY) | set(COMPARISONS) | set(LOGIC) | set(UNARY_PREDICATES)
    # the gradient-only identities: test_gradient_identities_pass_the_value_and_shape_the_gradient
    assert covered | {"switch"} | set(GRADIENT_IDENTITIES) == set(SCALAR_OPS)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_unary_against_numpy(name, dtype):
    fn, ref, domain = UNARY[name]
    check_op(fn, [domain.astype(dtype)], ref)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_binary_against_numpy(name, dtype):
    fn, ref, (a, b) = BINARY[name]
    check_op(fn, [a.astype(dtype), b.astype(dtype)], ref)


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
def test_gradient(name):
    if name in UNARY:
        fn, _, domain = UNARY[name]
        check_grad(fn, [domain])
    else:
        fn, _, args = BINARY[name]
        check_grad(fn, list(args))


@pytest.mark.parametrize("name", sorted(FLAT))
def test_flat_ops_have_zero_gradient(name):
    x = T.dmatrix("x")
    if name in UNARY:
        fn, _, domain = UNARY[name]
        out = fn(x)
    else:
        fn, _, (domain, divisor) = BINARY[name]
        out = fn(x, divisor)
    g = sc.function([x], sc.grad(out.sum(), x))(domain)
    np.testing.assert_array_equal(g, np.zeros_like(domain))


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparisons(name):
    fn, ref = COMPARISONS[name]
    a = np.array([[1.0, 2.0, 3.0]])
    b = np.array([[3.0], [2.0]])  # broadcast (1,3) against (2,1), with ties
    out = check_op(fn, [a, b], ref)
    assert out.dtype == np.bool_
    check_op(lambda x: fn(x, 2), [a], lambda x: ref(x, 2))
    check_op(lambda x: fn(2.0, x), [a], lambda x: ref(2.0, x))


@pytest.mark.parametrize("name", sorted(LOGIC))
def test_logic_on_booleans_and_integers(name):
    fn, ref = LOGIC[name]
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    check_op(fn, [p, q], ref)
    bitwise = {"and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}[name]
    check_op(fn, [np.array([5, 6, 12], dtype="int32"), np.array([3, 3, 10], dtype="int32")], bitwise)


def test_logic_operators():
    x = T.dvector("x")
    f = sc.function([x], [(x > 0) & (x < 2), (x < 0) | (x > 2), (x > 0) ^ (x > 1), ~(x > 0)])
    v = np.array([-1.0, 0.5, 1.5, 3.0])
    for got, want in zip(f(v), [(v > 0) & (v < 2), (v < 0) | (v > 2), (v > 0) ^ (v > 1), ~(v > 0)]):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", sorted(UNARY_PREDICATES))
def test_unary_predicates(name):
    fn, ref = UNARY_PREDICATES[name]
    if name == "invert":
        check_op(fn, [np.array([True, False])], ref)
        check_op(fn, [np.array([0, 5, -3], dtype="int16")], np.invert)
    else:
        check_op(fn, [np.array([1.0, np.nan, np.inf, -np.inf])], ref)


def test_logic_on_floats_is_a_clear_error():
    x = T.fvector("x")
    with raises_naming(TypeError, "and", "float32", "'x'"):
        T.and_(x, x)


def test_switch():
    c = np.array([[True], [False], [True]])
    check_op(T.switch, [c, A, B], np.where)
    check_op(lambda c_, a: T.switch(c_, a, 0.0), [c, A], lambda c_, a: np.where(c_, a, 0.0))
    # a numeric condition counts as true where it is non-zero
    check_op(lambda x, a, b: T.switch(x, a, b), [np.array([0.0, 2.0, -1.0]), A[0, :3], B[0, :3]],
             np.where)


def test_switch_gradient_goes_to_the_chosen_branch():
    cond = np.array([[True], [False], [True]])
    check_grad(lambda a, b: T.switch(cond, a, b), [A, B[0]])
    x = T.dmatrix("x")
    g = sc.function([x], sc.grad(T.switch(x > 0, x, 0.0).sum(), x))(A)
    np.testing.assert_array_equal(g, (A > 0).astype(float))


def test_relu_and_clip():
    check_op(lambda x: T.maximum(x, 0.0), [A], lambda x: np.maximum(x, 0.0))
    check_op(lambda x: T.clip(x, -0.5, 0.5), [A], lambda x: np.clip(x, -0.5, 0.5))
    check_grad(lambda x: T.clip(x, -0.5, 0.5), [np.where(np.abs(np.abs(A) - 0.5) < 0.05, 0.2, A)])


# --- broadcasting ---------------------------------------------------------------

BROADCAST_CASES = [((3, 1), (1, 4)), ((5,), (2, 5)), ((), (2, 3)), ((2, 1, 4), (3, 1)),
                   ((1, 1), (3, 4)), ((4, 3), (4, 3))]


@pytest.mark.parametrize("sa,sb", BROADCAST_CASES)
def test_broadcasting_values_and_gradients(sa, sb):
    a, b = random_array(sa, seed=4), random_array(sb, seed=5)
    check_op(lambda x, y: x * y + x, [a, b], lambda x, y: x * y + x)
    check_grad(lambda x, y: x * y + x, [a, b])  # the gradient sums over broadcast axes


def test_broadcasting_of_unknown_dims_at_run_time():
    # both inputs are (?, ?): the (3,1) x (1,4) broadcast is only known at run time
    x, y = T.dmatrix("x"), T.dmatrix("y")
    out = x + y
    assert out.type.shape == (None, None)
    a, b = random_array((3, 1), seed=6), random_array((1, 4), seed=7)
    np.testing.assert_allclose(sc.function([x, y], out)(a, b), a + b)
    gx, gy = sc.function([x, y], sc.grad((out * out).sum(), [x, y]))(a, b)
    np.testing.assert_allclose(gx, (2 * (a + b)).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(gy, (2 * (a + b)).sum(axis=0, keepdims=True))


def test_static_broadcast_shapes():
    assert (T.dmatrix(shape=(3, 1)) + T.dmatrix(shape=(1, 4))).type.shape == (3, 4)
    assert (T.dvector(shape=(5,)) + T.dmatrix(shape=(2, 5))).type.shape == (2, 5)
    assert (T.dmatrix(shape=(None, 1)) + T.dmatrix(shape=(1, 4))).type.shape == (None, 4)
    assert (T.dmatrix(shape=(None, 1)) + T.dmatrix(shape=(1, None))).type.shape == (None, None)
    assert (T.dmatrix(shape=(1, 1)) + 2.0).type.shape == (1, 1)


def test_static_broadcast_mismatch_is_a_build_time_error():
    a, b = T.dmatrix("a", shape=(3, 4)), T.dmatrix("b", shape=(3, 5))
    with raises_naming(ValueError, "add", "[3,4]", "[3,5]", "'a'", "'b'"):
        a + b


def test_run_time_broadcast_mismatch_names_the_node():
    v, w = T.dvector("v"), T.dvector("w")
    f = sc.function([v, w], v * w)
    with raises_naming(ValueError, "mul", "'v'", "(3,)", "'w'", "(4,)"):
        f(np.ones(3), np.ones(4))


def test_wrong_number_of_inputs():
    with raises_naming(TypeError, "add", "2 inputs", "got 1"):
        T.add(T.dvector())


# --- dtypes -----------------------------------------------------------------------

def test_float32_stays_float32():
    x = T.fmatrix("x")
    for expr in [x * 2, x * 2.5, 2.5 / x, x ** 2, T.exp(x), T.sigmoid(x), T.softplus(x),
                 T.tanh(x) - 1.0, T.maximum(x, 0), T.switch(x > 0, x, 0.0), -x, abs(x)]:
        assert expr.dtype == "float32", expr
    out = sc.function([x], T.sigmoid(x * 2.5) + 1)(A.astype("float32"))
    assert out.dtype == np.float32


@pytest.mark.parametrize("expr,dtype", [
    (lambda: T.fmatrix() * 2, "float32"),            # a Python int takes the tensor's kind
    (lambda: T.fmatrix() * 2.5, "float32"),          # a Python float does not upcast float32
    (lambda: T.dmatrix() * 2.5, "float64"),
    (lambda: T.ivector() * 2, "int32"),
    (lambda: T.ivector() * 2.5, "float64"),           # int32 with a floatX float, as NumPy
    (lambda: T.ivector() / 2, "float64"),
    (lambda: T.ivector() // 2, "int32"),
    (lambda: T.bvector() + 1000, "int16"),            # 1000 does not fit int8: value-based upcast
    (lambda: T.tensor("uint8", ndim=1) + -1, "int16"),
    (lambda: T.ivector() + 2 ** 40, "int64"),
    (lambda: T.fvector() > 0, "bool"),
    (lambda: (T.fvector() > 0) + 1, "int64"),
    (lambda: (T.fvector() > 0) * 1.0, "float32"),
    (lambda: T.ivector() * T.fvector(), "float64"),   # strong dtypes follow NumPy
    (lambda: T.fvector() * np.ones(3), "float64"),    # an array constant is strong
    (lambda: np.ones(3) * T.fvector(), "float64"),    # on either side
    (lambda: T.fvector() * np.float32(2), "float32"),
    (lambda: T.exp(T.ivector()), "float64"),
    (lambda: T.sigmoid(T.ivector()), "float64"),
    (lambda: T.switch(T.fvector() > 0, 1, 0), "int64"),
])
def test_dtype_rules(expr, dtype):
    assert expr().dtype == dtype


def test_weak_scalars_match_numpy_values():
    check_op(lambda x: x * 2 + 1, [np.arange(4, dtype="int8")], lambda x: x * 2 + 1)
    check_op(lambda x: x + 1000, [np.arange(4, dtype="int8")],
             lambda x: x.astype("int16") + 1000)
    check_op(lambda x: 1.5 * x - 2, [A.astype("float32")], lambda x: 1.5 * x - 2)


def test_numpy_array_on_the_left_builds_one_node():
    x = T.dvector("x")
    out = np.array([1.0, 2.0, 3.0]) * x
    assert isinstance(out, T.TensorVariable)
    np.testing.assert_allclose(sc.function([x], out)(np.ones(3)), [1, 2, 3])
    out = np.float64(3.0) - x
    assert isinstance(out, T.TensorVariable)
    np.testing.assert_allclose(sc.function([x], out)(np.ones(3)), [2, 2, 2])


def test_reflected_operators():
    x = T.dvector("x")
    v = np.array([0.5, 1.0, 2.0])
    ops = [(lambda s: 2 - s, lambda s: 2 - s), (lambda s: 1.0 / s, lambda s: 1.0 / s),
           (lambda s: 2 ** s, lambda s: 2.0 ** s), (lambda s: 3 // s, lambda s: 3 // s),
           (lambda s: 3 % s, lambda s: 3 % s), (lambda s: 2 * s + 1, lambda s: 2 * s + 1),
           (lambda s: +s, lambda s: s)]
    for fn, ref in ops:
        check_op(fn, [v], ref)


def test_symbolic_truth_value_is_an_error():
    x = T.dscalar("x")
    with raises_naming(TypeError, "comparison", "'x' (f64[]) > 0", "switch"):
        if x > 0:
            pass


# --- cast -------------------------------------------------------------------------

@pytest.mark.parametrize("src,dst", [("float64", "float32"), ("float32", "float64"),
                                     ("float64", "int32"), ("int64", "float32"),
                                     ("int32", "int8"), ("bool", "float64")])
def test_cast(src, dst):
    data = (A * 10).astype(src) if src != "bool" else A > 0
    check_op(lambda x: T.cast(x, dst), [data], lambda x: x.astype(dst))
    check_op(lambda x: x.astype(dst), [data], lambda x: x.astype(dst))


def test_cast_to_same_dtype_adds_no_node():
    x = T.fvector("x")
    assert T.cast(x, "float32") is x


def test_cast_gradient():
    check_grad(lambda x: T.cast(x, "float32") * 2, [A], eps=1e-3, abs_tol=1e-3, rel_tol=1e-3)
    x = T.fvector("x")
    g = sc.grad(T.cast(x, "float64").sum(), x)
    assert g.dtype == "float32"
    np.testing.assert_array_equal(sc.function([x], g)(np.ones(3, "float32")), np.ones(3))


def test_no_gradient_through_a_cast_to_integers():
    x = T.dvector("x")
    cost = (T.cast(x * 2, "int64") * x).sum()  # d/dx = int(2x): the rounding is flat
    g = sc.function([x], sc.grad(cost, x))(np.array([1.3, 2.6]))
    np.testing.assert_array_equal(g, [2.0, 5.0])
    # connected only through the rounding: zeros, not an error
    cost = T.cast(T.cast(x, "int64"), "float64").sum()
    g = sc.function([x], sc.grad(cost, x))(np.array([1.3, 2.6]))
    np.testing.assert_array_equal(g, [0.0, 0.0])


# --- numerics and graph -------------------------------------------------------------

def test_sigmoid_and_softplus_do_not_overflow():
    x = T.dvector("x")
    big = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s, p = sc.function([x], [T.sigmoid(x), T.softplus(x)])(big)
    np.testing.assert_allclose(s, [0.0, np_sigmoid(-50.0), 0.5, 1.0, 1.0], atol=1e-300)
    np.testing.assert_allclose(p, [0.0, np.log1p(np.exp(-50.0)), np.log(2.0), 50.0, 1000.0])


def test_elemwise_ops_compare_by_scalar_op():
    assert Elemwise(SCALAR_OPS["add"]) == Elemwise(SCALAR_OPS["add"])
    assert hash(Elemwise(SCALAR_OPS["add"])) == hash(Elemwise(SCALAR_OPS["add"]))
    assert Elemwise(SCALAR_OPS["add"]) != Elemwise(SCALAR_OPS["mul"])


def test_infer_shape_of_broadcast():
    x, y = T.dmatrix("x"), T.dvector("y")
    check_graph([T.exp(x) * y + 1.0], [x, y], [np.ones((2, 3)), np.ones(3)])
    node = (x * y).owner
    assert node.op.infer_shape(node, [(2, 3), (3,)]) == [(2, 3)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_into_matches_the_reference_kernel(dtype):
    # the kernel of every mode against the true value (in long double, where
    # exp(800) is finite), from far below the overflow of exp(-x) to far above,
    # and into its own input
    info = np.finfo(dtype)
    x = np.concatenate([np.linspace(-800, 800, 20001), [-1e30, 1e30, 0.0, -0.0,
                                                        -np.inf, np.inf]]).astype(dtype)
    wide = x.astype(np.longdouble)
    with np.errstate(over="ignore"):
        true = (1 / (1 + np.exp(-wide))).astype(dtype)
        overflows = ~np.isfinite(np.exp(-x))
    got = sigmoid_into(x, np.empty_like(x))
    np.testing.assert_array_equal(SCALAR_OPS["sigmoid"].kernel(x), got)   # one kernel
    normal = true > info.tiny
    np.testing.assert_allclose(got[normal], true[normal], rtol=4 * info.eps, atol=0)
    assert np.all(np.abs(got - true)[~normal] <= info.tiny)  # elsewhere: subnormal or 0
    assert np.all(got[overflows] == 0)                       # as NumPy's 1 / (1 + exp(-x))
    assert np.all((got >= 0) & (got <= 1))
    with np.errstate(over="raise", invalid="raise"):    # no warning escapes
        same = sigmoid_into(x, x)
    np.testing.assert_array_equal(same, got)


def test_infinity_times_a_sigmoid_that_underflows_is_nan_in_every_mode():
    x = T.dvector("x")
    values = np.array([-800.0, -745.0, 0.0])
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        f = sc.function([x], np.inf * sc.nnet.sigmoid(x), mode=mode)
        for _ in range(2):
            with np.errstate(invalid="ignore"):
                got = f(values)
            assert np.isnan(got[0]) and np.isnan(got[1]) and got[2] == np.inf, (mode, got)


# --- log2, log10 and the gradient-only identities -----------------------------------

def test_gradient_identities_pass_the_value_and_shape_the_gradient():
    from symconv.gradient import disconnected_grad, grad_clip, zero_grad
    x = T.dvector("x")
    xv = np.array([-2.0, 0.5, 3.0])
    for wrap in (zero_grad, disconnected_grad, lambda v: grad_clip(v, -1.0, 1.0)):
        for mode in ("FAST_COMPILE", "FAST_RUN"):
            np.testing.assert_array_equal(sc.function([x], wrap(x) * 2, mode=mode)(xv), xv * 2)
    # zero_grad: zeros, still connected; disconnected_grad: not connected at all
    f = sc.function([x], sc.grad((zero_grad(x) * x).sum(), x))
    np.testing.assert_array_equal(f(xv), xv)
    np.testing.assert_array_equal(sc.function([x], sc.grad(zero_grad(x).sum(), x))(xv), 0)
    with raises_naming(sc.gradient.DisconnectedInputError, "'x'"):
        sc.grad((disconnected_grad(x) ** 2).sum(), x)
    # grad_clip: the gradient clipped on its way back, the value untouched
    g = sc.grad((grad_clip(x ** 2, -1.0, 1.5) * 1.0).sum(), x)
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        np.testing.assert_allclose(sc.function([x], g, mode=mode)(xv), 2 * xv * 1.0)
    g = sc.grad((grad_clip(x, -1.0, 1.5) * T.constant(np.array([-5.0, 0.3, 5.0]))).sum(), x)
    np.testing.assert_allclose(sc.function([x], g)(xv), [-1.0, 0.3, 1.5])
    with raises_naming(ValueError, "grad_clip", "scalars"):
        grad_clip(x, T.dvector("lo"), 1.0)
    with raises_naming(ValueError, "grad_clip", "lower bound 2.0 is above the upper 1.0"):
        grad_clip(x, 2.0, 1.0)


def test_the_compiler_removes_the_gradient_identities():
    from symconv.gradient import disconnected_grad, grad_clip, zero_grad
    from tests.helpers import compiled_ops
    x = T.dvector("x")
    f = sc.function([x], [zero_grad(x), disconnected_grad(x) + 1, grad_clip(x, 0.0, 1.0)],
                    mode=sc.Mode(exclude=["fusion"]))
    assert [str(op) for op in compiled_ops(f)] == ["add"]


def test_xlogx_and_xlogy0_are_zero_where_x_is():
    x, y = np.array([0.0, 0.0, 0.5, 2.0]), np.array([0.0, 3.0, 0.0, 2.0])
    got = sc.function([], [T.math.xlogx(x), T.math.xlogy0(x, y)])()
    np.testing.assert_array_equal(got[0], [0.0, 0.0, 0.5 * np.log(0.5), 2.0 * np.log(2.0)])
    np.testing.assert_array_equal(got[1], [0.0, 0.0, -np.inf, 2.0 * np.log(2.0)])
    assert T.math.xlogx(T.fvector()).dtype == "float32"


def test_tri_gamma_has_no_gradient_and_says_so():
    x = T.dvector("x")
    with raises_naming(NotImplementedError, "tri_gamma", "no gradient"):
        sc.grad(T.tri_gamma(x).sum(), x)

