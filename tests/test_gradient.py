"""symconv.grad: gradient graphs, its options and errors; verify_grad itself."""
import warnings

import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.gradient import DisconnectedInputError, grad
from symconv.verify import GradientError, verify_grad
from symconv.graph.basic import Apply, Op, Variable
from symconv.graph.tensor import TensorVariable, as_tensor_variable
from tests.helpers import check_grad, raises_naming, random_array


def test_grad_builds_graphs_of_the_variable_types():
    x = T.fmatrix("x", shape=(None, 3))
    g = sc.grad((x * x).sum(), x)
    assert isinstance(g, Variable) and g.owner is not None
    assert g.dtype == "float32" and g.ndim == 2
    f = sc.function([x], g)
    data = random_array((2, 3), seed=1).astype("float32")
    np.testing.assert_allclose(f(data), 2 * data, rtol=1e-6)


def test_list_wrt_gives_a_list_single_gives_one():
    x, y = T.dvector("x"), T.dvector("y")
    cost = (x * y).sum()
    assert isinstance(sc.grad(cost, x), Variable)
    gs = sc.grad(cost, [x, y])
    assert isinstance(gs, list) and len(gs) == 2
    assert isinstance(sc.grad(cost, (x,)), list)
    gx, gy = sc.function([x, y], gs)(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.testing.assert_array_equal(gx, [3.0, 4.0])
    np.testing.assert_array_equal(gy, [1.0, 2.0])


def test_gradient_of_a_shared_subexpression_adds_up():
    x = T.dvector("x")
    h = T.exp(x)
    cost = (h * h + h).sum()
    g = sc.function([x], sc.grad(cost, x))(np.array([0.5, -1.0]))
    e = np.exp(np.array([0.5, -1.0]))
    np.testing.assert_allclose(g, 2 * e * e + e)


def test_grad_with_respect_to_intermediate_and_shared_variables():
    x = T.dvector("x")
    w = sc.shared(np.array([2.0, 3.0]), name="w")
    h = x * w
    cost = (h ** 2).sum()
    gh, gw = sc.grad(cost, [h, w])
    vals = sc.function([x], [gh, gw])(np.array([1.0, -1.0]))
    np.testing.assert_allclose(vals[0], 2 * np.array([2.0, -3.0]))
    np.testing.assert_allclose(vals[1], 2 * np.array([2.0, -3.0]) * np.array([1.0, -1.0]))


def test_second_derivatives():
    x = T.dvector("x")
    g = sc.grad((x ** 3).sum(), x)
    h = sc.grad(g.sum(), x)
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(sc.function([x], h)(v), 6 * v)


def test_consider_constant_stops_the_gradient():
    x = T.dvector("x")
    h = x * x
    cost = (h * x).sum()
    v = np.array([1.0, 2.0, 3.0])
    g_full = sc.function([x], sc.grad(cost, x))(v)
    g_const = sc.function([x], sc.grad(cost, x, consider_constant=[h]))(v)
    np.testing.assert_allclose(g_full, 3 * v ** 2)
    np.testing.assert_allclose(g_const, v ** 2)


def test_consider_constant_keeps_the_variables_own_gradient():
    # Theano: consider_constant stops back-propagation through an expression, not
    # the gradient with respect to the variable itself
    x, y = T.dscalar("x"), T.dscalar("y")
    g = sc.grad(x + y, x, consider_constant=[x])
    assert float(sc.function([x, y], g, on_unused_input="ignore")(2.0, 3.0)) == 1.0
    z = x * x
    gz, gx = sc.grad(z * 3 + x * z, [z, x], consider_constant=[z])
    np.testing.assert_allclose(sc.function([x], [gz, gx])(2.0), [5.0, 4.0])


def test_consider_constant_cuts_the_only_path():
    x = T.dscalar("x")
    z = x * x
    with raises_naming(DisconnectedInputError, "'x'"):
        sc.grad(z * 3, x, consider_constant=[z])
    g = sc.grad(z * 3, x, consider_constant=[z], disconnected_inputs="ignore")
    assert float(sc.function([x], g, on_unused_input="ignore")(2.0)) == 0.0


def test_gradient_with_respect_to_a_constant():
    # Theano and PyTensor: grad(sum(c * c), c) is 2 c for a constant c too
    c = T.constant(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(sc.function([], sc.grad(T.sum(c * c), c))(), [2.0, 4.0, 6.0])
    x = T.dvector("x")
    g = sc.grad(T.sum(c * x), [c, x])
    np.testing.assert_allclose(sc.function([x], g)(np.array([4.0, 5.0, 6.0]))[0], [4, 5, 6])


def test_disconnected_inputs():
    x, y = T.dvector("x"), T.dmatrix("y")
    cost = x.sum()
    with raises_naming(DisconnectedInputError, "grad", "'y'", "f64[?,?]", "disconnected_inputs"):
        sc.grad(cost, [x, y])
    with pytest.warns(UserWarning, match="'y'"):
        gx, gy = sc.grad(cost, [x, y], disconnected_inputs="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gx, gy = sc.grad(cost, [x, y], disconnected_inputs="ignore")
    f = sc.function([x, y], [gx, gy])
    _, zeros = f(np.ones(2), np.ones((2, 3)))
    np.testing.assert_array_equal(zeros, np.zeros((2, 3)))
    with raises_naming(ValueError, "disconnected_inputs", "'sometimes'"):
        sc.grad(cost, x, disconnected_inputs="sometimes")


def test_inputs_reached_only_through_integer_paths_get_zeros():
    x = T.dvector("x")
    cost = T.cast(T.argmax(x), "float64") + T.cast(x.shape[0], "float64")
    g = sc.function([x], sc.grad(cost, x))(np.array([1.0, 3.0, 2.0]))
    np.testing.assert_array_equal(g, np.zeros(3))


def test_known_grads():
    x = T.dvector("x")
    h = x * x
    v = np.array([1.0, 2.0, 3.0])
    # seed the walk at an intermediate variable, with no cost
    g = sc.grad(None, x, known_grads={h: T.ones_like(h)})
    np.testing.assert_allclose(sc.function([x], g)(v), 2 * v)
    # together with a cost, the contributions add up
    g = sc.grad(x.sum(), x, known_grads={h: T.ones_like(h) * 2})
    np.testing.assert_allclose(sc.function([x], g)(v), 1 + 4 * v)
    with raises_naming(ValueError, "grad", "known_grads"):
        sc.grad(None, x)


def test_grad_errors():
    x, i = T.dmatrix("x"), T.lscalar("i")
    with raises_naming(ValueError, "grad", "scalar", "output of mul", "f64[?,?]", "2 dimensions"):
        sc.grad(x * 2, x)
    with raises_naming(TypeError, "grad", "wrt", "ndarray"):
        sc.grad(x.sum(), np.ones(2))
    with raises_naming(TypeError, "grad", "cost", "Variable", "float"):
        sc.grad(1.0, x)


def test_integer_wrt_and_cost_give_float_gradients():
    # as in Theano: integer variables are not differentiated through, and gradients are floats
    x, i = T.dmatrix("x"), T.lscalar("i")
    g_int_cost = sc.grad((i * 2).sum() + 0 * T.cast(x.sum(), "int64"), x)
    assert g_int_cost.dtype == "float64"
    np.testing.assert_array_equal(sc.function([x], g_int_cost)(np.ones((2, 2))), np.zeros((2, 2)))
    g_i = sc.grad(x.sum() * i, i)
    assert g_i.dtype == sc.config.floatX
    assert float(g_i.eval({i: 3})) == 0.0
    assert float(sc.grad(i, i).eval({i: 12})) == 1.0


class SplitHalves(Op):
    """Two outputs: the first and the second half of a vector (for multi-output gradients)."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        outs = [TensorVariable(x.type), TensorVariable(x.type)]
        return Apply(self, [x], outs)

    def perform(self, node, inputs):
        (x,) = inputs
        half = len(x) // 2
        return [x[:half].copy(), x[half:].copy()]

    def grad(self, inputs, outputs, output_grads):
        g1, g2 = output_grads
        half = g1.shape[0]
        zeros = T.zeros_like(inputs[0])
        return [T.set_subtensor(T.set_subtensor(zeros[:half], g1)[half:], g2)]


def test_gradient_through_a_multi_output_op():
    x = T.dvector("x")
    first, second = SplitHalves()(x)
    v = np.array([1.0, 2.0, 3.0, 4.0])
    # only one output used: the other output's gradient is zeros
    g = sc.function([x], sc.grad((first ** 2).sum(), x))(v)
    np.testing.assert_allclose(g, [2.0, 4.0, 0.0, 0.0])
    g = sc.function([x], sc.grad((second * 3).sum(), x))(v)
    np.testing.assert_allclose(g, [0.0, 0.0, 3.0, 3.0])
    g = sc.function([x], sc.grad((first * second).sum(), x))(v)
    np.testing.assert_allclose(g, [3.0, 4.0, 1.0, 2.0])
    check_grad(lambda a: SplitHalves()(a)[0] * SplitHalves()(a)[1], [v])


def test_softmax_regression_gradient_matches_the_hand_derivation():
    x, y = T.dmatrix("x"), T.lvector("y")
    w = sc.shared(random_array((4, 3), seed=2), name="w")
    z = T.dot(x, w)
    p = T.exp(z - z.max(axis=1, keepdims=True))
    p = p / p.sum(axis=1, keepdims=True)
    cost = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
    xv, yv = random_array((5, 4), seed=3), np.array([0, 2, 2, 1, 0])
    gw = sc.function([x, y], sc.grad(cost, w))(xv, yv)
    zv = xv @ w.get_value()
    pv = np.exp(zv - zv.max(axis=1, keepdims=True))
    pv /= pv.sum(axis=1, keepdims=True)
    onehot = np.eye(3)[yv]
    np.testing.assert_allclose(gw, xv.T @ (pv - onehot) / 5, rtol=1e-10)


SOFTMAX_SPELLINGS = {
    "stable": lambda z: (lambda e: e / e.sum(axis=1, keepdims=True))(
        T.exp(z - z.max(axis=1, keepdims=True))),
    "naive": lambda z: T.exp(z) / T.exp(z).sum(axis=1, keepdims=True),
    "theano": lambda z: (lambda e: e / e.sum(axis=1).dimshuffle(0, "x"))(
        T.exp(z - z.max(axis=1).dimshuffle(0, "x"))),
}


@pytest.mark.parametrize("spelling", sorted(SOFTMAX_SPELLINGS))
def test_a_softmax_written_out_is_differentiated_as_a_softmax(spelling):
    from symconv.ops.softmax import SoftmaxGrad
    softmax = SOFTMAX_SPELLINGS[spelling]
    z = T.dmatrix("z")
    weights = T.constant(random_array((4, 3), seed=7))
    g = sc.grad((softmax(z) * weights).sum(), z)
    assert isinstance(g.owner.op, SoftmaxGrad)     # straight to the logits
    zv = random_array((4, 3), seed=8)
    sm = np.exp(zv - zv.max(axis=1, keepdims=True))
    sm /= sm.sum(axis=1, keepdims=True)
    wv = weights.data
    expected = sm * (wv - (wv * sm).sum(axis=1, keepdims=True))
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        np.testing.assert_allclose(sc.function([z], g, mode=mode)(zv), expected, rtol=1e-12)
    check_grad(lambda a: softmax(a) * weights, [zv])


def test_a_written_out_softmax_whose_parts_are_needed_keeps_their_gradients():
    from symconv.ops.softmax import SoftmaxGrad
    z = T.dmatrix("z")
    e = T.exp(z - z.max(axis=1, keepdims=True))
    total = e.sum(axis=1, keepdims=True)
    p = e / total
    wv = random_array((4, 3), seed=9)
    cost = (p * T.constant(wv)).sum()
    zv = random_array((4, 3), seed=10)
    # asked for, blocked, or given a gradient: the parts are differentiated one by one
    for kwargs in ({"wrt": [z, e]}, {"wrt": z, "consider_constant": [total]}):
        g = sc.grad(cost, **kwargs)
        g = g[0] if isinstance(g, list) else g
        assert not isinstance(g.owner.op, SoftmaxGrad)
    # with the row sum held constant, p is exp(z - max(z)) / c, and the row maximum
    # passes its part to the largest entry of each row
    g = sc.function([z], sc.grad(cost, z, consider_constant=[total]))(zv)
    ev = np.exp(zv - zv.max(axis=1, keepdims=True))
    through_exp = wv / ev.sum(axis=1, keepdims=True) * ev
    largest = np.eye(3)[zv.argmax(axis=1)]
    expected = through_exp - largest * through_exp.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(g, expected, rtol=1e-10, atol=1e-15)
    # a part read again elsewhere still gets that gradient as well
    zv2 = random_array((4, 3), seed=11)
    check_grad(lambda a: (lambda e_, t_: (e_ / t_ * wv).sum() + t_.sum())(
        T.exp(a - a.max(axis=1, keepdims=True)),
        T.exp(a - a.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)), [zv2])


# --- verify_grad --------------------------------------------------------------------

class WrongSquare(Op):
    """x**2 with a deliberately wrong gradient (3x instead of 2x)."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorVariable(x.type)])

    def perform(self, node, inputs):
        return [inputs[0] ** 2]

    def grad(self, inputs, outputs, output_grads):
        return [output_grads[0] * inputs[0] * 3]


def test_verify_grad_catches_a_wrong_gradient_and_names_the_input():
    with raises_naming(GradientError, "verify_grad", "input 1", "(3,)", "float64"):
        verify_grad(lambda a, b: a * WrongSquare()(b), [np.ones(3), np.full(3, 2.0)])


def test_verify_grad_passes_correct_gradients_in_float32_and_with_integer_inputs():
    verify_grad(lambda a: T.tanh(a) * 2, [random_array((3,), seed=4).astype("float32")])
    verify_grad(lambda a, k: a[k] * 2, [random_array((4, 2), seed=5), np.array([0, 3, 3])])
    with raises_naming(TypeError, "verify_grad", "no float input"):
        verify_grad(lambda k: k * 2, [np.array([1, 2])])
    with raises_naming(TypeError, "verify_grad", "not a float"):
        verify_grad(lambda a: a > 0, [np.ones(2)])


def test_verify_grad_fails_where_finite_differences_are_nan():
    with pytest.raises(GradientError, match="nan"), np.errstate(invalid="ignore"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        verify_grad(lambda v: T.log(-v), [np.array([1.0, 2.0])])


# --- Lop and Rop ---------------------------------------------------------------------

def test_lop_and_rop_are_the_products_with_the_jacobian():
    from symconv.gradient import Lop, Rop
    W, V = T.dmatrix("W"), T.dmatrix("V")
    x, v = T.dvector("x"), T.dvector("v")
    y = T.tanh(T.dot(x, W))
    rng = np.random.default_rng(5)
    Wv, Vv, xv, vv = rng.random((3, 2)), rng.random((3, 2)), rng.random(3), rng.random(2)
    slope = 1 - np.tanh(xv @ Wv) ** 2
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        jv = sc.function([W, V, x], Rop(y, W, V), mode=mode)(Wv, Vv, xv)
        np.testing.assert_allclose(jv, slope * (xv @ Vv), rtol=1e-12)
        vj = sc.function([W, v, x], Lop(y, W, v), mode=mode)(Wv, vv, xv)
        np.testing.assert_allclose(vj, np.outer(xv, vv * slope), rtol=1e-12)
    # lists: two outputs, two variables
    a, b = T.dvector("a"), T.dvector("b")
    da, db = T.dvector("da"), T.dvector("db")
    outs = Rop([a * b, T.exp(a)], [a, b], [da, db])
    av, bv, dav, dbv = rng.random(4), rng.random(4), rng.random(4), rng.random(4)
    got = sc.function([a, b, da, db], outs)(av, bv, dav, dbv)
    np.testing.assert_allclose(got[0], dav * bv + av * dbv, rtol=1e-12)
    np.testing.assert_allclose(got[1], np.exp(av) * dav, rtol=1e-12)
    with raises_naming(ValueError, "Rop", "2 variable(s) and 1 eval point(s)"):
        Rop(a * b, [a, b], [da])


# --- jacobian and hessian ------------------------------------------------------------

def test_jacobian_and_hessian_of_known_lengths():
    from symconv.gradient import hessian, jacobian
    x = T.dvector("x", shape=(3,))
    y = x ** 2 * x.sum()
    xv = np.array([1.0, 2.0, 3.0])
    J, H = sc.function([x], [jacobian(y, x), hessian((x ** 3).sum() * x[0], x)])(xv)
    want_j = np.diag(2 * xv * xv.sum()) + (xv ** 2)[:, None]
    np.testing.assert_allclose(J, want_j)
    want_h = np.diag(6 * xv * xv[0])
    want_h[0, :] += 3 * xv ** 2
    want_h[:, 0] += 3 * xv ** 2
    np.testing.assert_allclose(H, want_h)
    # a scalar's Jacobian is its gradient; lists give lists
    a, b = sc.function([x], jacobian((x ** 2).sum(), [x, x]))(xv)
    np.testing.assert_allclose(a, 2 * xv)
    # a length known only at run time: specify_shape gives it
    v = T.dvector("v")
    with raises_naming(ValueError, "jacobian", "specify_shape"):
        jacobian(v * 2, v)
    sized = T.specify_shape(v, (3,))
    got = sc.function([v], jacobian(T.exp(sized), v))(xv)
    np.testing.assert_allclose(got, np.diag(np.exp(xv)))


def test_jacobian_of_an_empty_vector_and_hessian_through_specify_shape():
    from symconv.gradient import hessian, jacobian
    v = T.dvector("v")
    empty = sc.function([v], jacobian(T.specify_shape(v, (0,)) * 2, v),
                        on_unused_input="ignore")(np.zeros(4))
    assert empty.shape == (0, 4)
    sized = T.specify_shape(v, (3,))
    H = sc.function([v], hessian((sized ** 3).sum(), v))(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(H, np.diag([6.0, 12.0, 18.0]))
