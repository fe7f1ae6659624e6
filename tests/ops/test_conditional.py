"""ifelse: Theano's values and gradients (both branches computed, one passed on)."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from tests.helpers import check_grad, raises_naming, random_array

X, Y = random_array((2, 3), seed=31), random_array((4,), seed=32)


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN"])
def test_ifelse_passes_the_chosen_branch_and_its_gradient(mode):
    c, x, y = T.lscalar("c"), T.dmatrix("x"), T.dvector("y")
    z = T.ifelse(c, (x ** 2).sum(), T.exp(y).mean())
    f = sc.function([c, x, y], [z] + sc.grad(z, [x, y]), mode=mode)
    value, gx, gy = f(1, X, Y)
    np.testing.assert_allclose(value, (X ** 2).sum())
    np.testing.assert_allclose(gx, 2 * X)
    np.testing.assert_array_equal(gy, 0)
    value, gx, gy = f(0, X, Y)
    np.testing.assert_allclose(value, np.exp(Y).mean())
    np.testing.assert_array_equal(gx, 0)
    np.testing.assert_allclose(gy, np.exp(Y) / 4)


def test_branches_of_other_shapes_and_lists():
    c, x = T.lscalar("c"), T.dmatrix("x")
    first, second = T.ifelse(c, [x, x.sum()], [x[:1] * 2, x.max()])
    assert first.type.shape == (None, None)
    f = sc.function([c, x], [first, second])
    a, b = f(0, X)
    np.testing.assert_array_equal(a, X[:1] * 2)
    assert float(b) == X.max()
    a, b = f(5, X)
    np.testing.assert_array_equal(a, X)


def test_ifelse_gradients_agree_with_finite_differences():
    for cond in (0, 1):
        check_grad(lambda x, y: T.ifelse(T.constant(cond), T.tanh(x).sum() * y.sum(),
                                          (x * 3).sum() + (y ** 2).sum()), [X, Y])


def test_ifelse_errors_name_what_is_wrong():
    x = T.dmatrix("x")
    with raises_naming(TypeError, "ifelse", "scalar"):
        T.ifelse(T.dvector("c"), x, x)
    with raises_naming(TypeError, "ifelse", "dimensions"):
        T.ifelse(T.lscalar("c"), x, T.dvector("v"))
    with raises_naming(ValueError, "ifelse", "2 value(s) when true, 1 when false"):
        T.ifelse(T.lscalar("c"), [x, x], [x])


def test_theano_route_import():
    from symconv.theano.ifelse import ifelse
    import symconv.theano as theano
    a = theano.tensor.dscalar("a")
    f = theano.function([a], ifelse(theano.tensor.lt(a, 0), -a, a))
    assert float(f(-2.0)) == 2.0 and float(f(3.0)) == 3.0
