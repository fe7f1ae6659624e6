"""The logistic function as users write it: symconv.grad differentiates it and the logs
of it in closed form, and the compiler computes them as sigmoid and softplus, so that
a saturated unit has finite values and gradients in both modes."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.ops.sigmoid_forms import closed_form_gradient, sigmoid_form, written_out_sigmoid
from tests.helpers import check_grad, compiled_ops

EXTREME = np.array([-800.0, -40.0, -20.0, -1.0, 0.0, 1.0, 20.0, 40.0, 800.0])


def softplus(a):
    return np.logaddexp(0.0, a)


def sigmoid(a):
    return np.exp(-softplus(-a))


# spelling: (expression of x, its value, its derivative), all in float64 NumPy
FORMS = {
    "sigmoid written": (lambda x: 1 / (1 + T.exp(-x)), sigmoid,
                        lambda a: sigmoid(a) * sigmoid(-a)),
    "sigmoid written, exp + 1": (lambda x: 1 / (T.exp(-x) + 1), sigmoid,
                                 lambda a: sigmoid(a) * sigmoid(-a)),
    "sigmoid of -x written": (lambda x: 1 / (1 + T.exp(x)), lambda a: sigmoid(-a),
                              lambda a: -sigmoid(a) * sigmoid(-a)),
    "log sigmoid": (lambda x: T.log(T.sigmoid(x)), lambda a: -softplus(-a), lambda a: sigmoid(-a)),
    "log sigmoid written": (lambda x: T.log(1 / (1 + T.exp(-x))), lambda a: -softplus(-a),
                            lambda a: sigmoid(-a)),
    "log sigmoid of -x written": (lambda x: T.log(1 / (1 + T.exp(x))), lambda a: -softplus(a),
                                  lambda a: -sigmoid(a)),
    "log 1 - sigmoid": (lambda x: T.log(1 - T.sigmoid(x)), lambda a: -softplus(a),
                        lambda a: -sigmoid(a)),
    "log 1 - sigmoid written": (lambda x: T.log(1 - 1 / (1 + T.exp(-x))), lambda a: -softplus(a),
                                lambda a: -sigmoid(a)),
    "log 1 - sigmoid of -x written": (lambda x: T.log(1 - 1 / (1 + T.exp(x))),
                                      lambda a: -softplus(-a), lambda a: sigmoid(-a)),
    "log 1 + exp": (lambda x: T.log(1 + T.exp(x)), softplus, sigmoid),
    "log1p exp": (lambda x: T.log1p(T.exp(x)), softplus, sigmoid),
}


@pytest.mark.parametrize("spelling", sorted(FORMS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_spelling_has_a_finite_value_and_gradient_in_fast_run(spelling, dtype):
    build, value, slope = FORMS[spelling]
    x = T.vector("x", dtype=dtype)
    y = build(x)
    f = sc.function([x], [y, sc.grad(y.sum(), x)], mode="FAST_RUN")
    xv = EXTREME.astype(dtype)
    with np.errstate(over="ignore"):
        got, g = f(xv)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(g, slope(EXTREME), rtol=tol, atol=tol)
    np.testing.assert_allclose(got, value(EXTREME), rtol=tol, atol=tol)


@pytest.mark.parametrize("spelling", sorted(FORMS))
def test_fast_compile_gradients_are_finite_too(spelling):
    # FAST_COMPILE does not rewrite the values (log of an underflowed 0 stays -inf
    # there), but its gradient graph is the closed form as well (the logistic's own
    # slope p * (1 - p) is as exact as p: 0 where 1 - p rounds to 0, as sigmoid's)
    build, _, slope = FORMS[spelling]
    x = T.dvector("x")
    y = build(x)
    f = sc.function([x], sc.grad(y.sum(), x), mode="FAST_COMPILE")
    with np.errstate(over="ignore", divide="ignore"):
        g = f(EXTREME)
    assert np.isfinite(g).all()
    np.testing.assert_allclose(g, slope(EXTREME), rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("spelling", sorted(FORMS))
def test_the_closed_forms_agree_with_finite_differences(spelling):
    build = FORMS[spelling][0]
    check_grad(lambda a: build(a) * np.linspace(0.5, 2.0, 7), [np.linspace(-3, 3, 7)])


def test_written_out_sigmoid_becomes_the_sigmoid_op():
    x = T.dvector("x")
    f = sc.function([x], [1 / (1 + T.exp(-x)), 1 / (1 + T.exp(x))],
                    mode=sc.Mode(exclude=["fusion"]))
    assert sorted(str(op) for op in compiled_ops(f)) == ["neg", "sigmoid", "sigmoid"]
    a, b = f(np.array([-3.0, 0.0, 2.0]))
    np.testing.assert_allclose(a, sigmoid(np.array([-3.0, 0.0, 2.0])), rtol=1e-15)
    np.testing.assert_allclose(b, sigmoid(np.array([3.0, 0.0, -2.0])), rtol=1e-15)


def test_log1p_of_exp_becomes_softplus():
    x = T.dvector("x")
    f = sc.function([x], T.log1p(T.exp(x)), mode=sc.Mode(exclude=["fusion"]))
    assert [str(op) for op in compiled_ops(f)] == ["softplus"]
    assert f(np.array([800.0]))[0] == 800.0


def test_the_matchers_refuse_near_misses():
    x = T.dvector("x")
    for v in (2 / (1 + T.exp(-x)), 1 / (2 + T.exp(-x)), 1 / (1 + T.log(-x)),
              1 / (T.constant(np.ones(3)) + T.exp(-T.dvector("s", shape=(1,)))), 1 - T.exp(x)):
        assert written_out_sigmoid(v) is None and sigmoid_form(v) is None
    for y in (T.log(2 - T.sigmoid(x)), T.log(2 + T.exp(x)), T.log(T.tanh(x)), T.log1p(x),
              T.exp(T.sigmoid(x))):
        assert closed_form_gradient(y) is None
    u, sign, between = written_out_sigmoid(1 / (1 + T.exp(-x)))
    assert u is x and sign == 1 and len(between) == 3
    u, sign, _ = written_out_sigmoid(1 / (1 + T.exp(x)))
    assert u is x and sign == -1


def test_a_part_asked_for_or_held_constant_is_differentiated_through_the_pieces():
    x = T.dvector("x")
    p = T.sigmoid(x)
    cost = T.log(p).sum()
    gx, gp = sc.grad(cost, [x, p])
    xv = np.array([-2.0, 0.5, 3.0])
    f = sc.function([x], [gx, gp])
    got_x, got_p = f(xv)
    np.testing.assert_allclose(got_x, sigmoid(-xv), rtol=1e-12)
    np.testing.assert_allclose(got_p, 1 / sigmoid(xv), rtol=1e-12)
    # held constant, p passes nothing back to x: x is disconnected
    assert np.all(sc.function([x], sc.grad(cost + x.sum(), x, consider_constant=[p]))(xv) == 1)


def test_a_saturated_logistic_regression_trains_without_nan():
    # Theano's tutorial example: p = 1 / (1 + exp(-x.w - b)) on 784 N(0, 1) features,
    # whose scores reach +-100, so that 1 - p rounds to 0
    rng = np.random.RandomState(0)
    xv, yv = rng.randn(400, 784), rng.randint(size=400, low=0, high=2).astype("float64")
    x, y = T.dmatrix("x"), T.dvector("y")
    w = sc.shared(rng.randn(784), name="w")
    b = sc.shared(0.0, name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = sc.grad(cost, [w, b])
    train = sc.function([x, y], xent.mean(), updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)])
    first = train(xv, yv)
    for _ in range(299):
        last = train(xv, yv)
    assert np.isfinite(first) and first > 5          # saturated at the start
    assert np.isfinite(w.get_value()).all() and np.isfinite(b.get_value())
    assert last < 0.1
    predict = sc.function([x], p_1 > 0.5)
    assert (predict(xv) == yv).mean() == 1.0


def test_integer_inputs_get_no_gradient_through_the_closed_forms():
    ix = T.ivector("ix")
    xi = np.array([-2, 0, 3], dtype="int32")
    for y in (T.log(1 + T.exp(ix)), T.log1p(T.exp(ix)), T.log(T.sigmoid(ix)),
              T.log(1 - T.sigmoid(ix)), T.exp(ix)):
        for mode in ("FAST_COMPILE", "FAST_RUN"):
            np.testing.assert_array_equal(sc.function([ix], sc.grad(y.sum(), ix), mode=mode)(xi), 0)
