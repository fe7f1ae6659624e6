"""Follows Theano 1.0's theano/tests/test_gradient.py (class test_grad and the module's
test functions): the same graphs and the behaviour Theano's tests assert."""
import numpy as np
import pytest

import symconv.theano as theano
import symconv.theano.tensor as T
from symconv.theano import gradient

RNG = np.random.RandomState([2012, 8, 28])
VX, VA = RNG.randn(2), RNG.randn(2, 2)


# test_grad.test_grad_quadratic, test_grad_quadratic_vector, test_grad_cubic,
# test_grad_grad_quadratic, test_grad_grad_cubic: verify_grad on the same graphs
@pytest.mark.parametrize("fn", [
    lambda x, A: T.dot(x, T.dot(A, x)),
    lambda x, A: T.dot(x * x, A),
    lambda x, A: T.dot(x * x, T.dot(A, x)),
    lambda x, A: theano.grad(T.dot(x, T.dot(A, x)), x),
    lambda x, A: theano.grad(T.dot(x * x, T.dot(A, x)), x),
], ids=["quadratic", "quadratic_vector", "cubic", "grad_grad_quadratic", "grad_grad_cubic"])
def test_grad_on_small_graphs(fn):
    gradient.verify_grad(fn, [VX, VA])


def test_grad_disconnected():
    # test_grad.test_grad_disconnected: alloc(total / n, n).sum() is total; its gradient is ones
    x = T.vector("x")
    total = x.sum()
    n = x.shape[0]
    cost = T.alloc(total / n, n).sum()
    f = theano.function([x], theano.grad(cost, x))
    value = np.random.RandomState([2012, 9, 5]).randn(3)
    np.testing.assert_allclose(f(value), np.ones(3))


def test_downcast_dtype():
    # test_grad.test_downcast_dtype: the gradient wrt a float32 variable stays float32
    x = T.fscalar("x")
    y = x * 2
    z = T.lscalar("z")
    c = y + z
    dc_dx, dc_dy, dc_dz, dc_dc = theano.grad(c, [x, y, z, c])
    assert dc_dx.dtype == "float32"
    assert {dc_dy.dtype, dc_dz.dtype, dc_dc.dtype} <= {"float32", "float64"}


def test_grad_constant_and_consider_constant():
    # test_grad.test_grad_constant: consider_constant=[x] gives what a constant gets (zero
    # through x, the path through y is untouched)
    x, y = T.scalar(), T.scalar()
    g_x = T.grad(x + y, y, consider_constant=[x])
    g_y = T.grad(x * y, x, consider_constant=[y])
    f = theano.function([x, y], [g_x, g_y], on_unused_input="ignore")
    np.testing.assert_allclose(f(1.0, 0.5), [1.0, 0.5])


def test_dxdx():
    # test_dxdx: the gradient of an integer scalar with respect to itself is 1
    x = T.iscalar()
    assert np.allclose(T.grad(x, x).eval({x: 12}), 1.0)


def test_integer_wrt_gets_float_gradient():
    # test_grad.test_grad_int: an integer wrt gets a float gradient; here it is zeros, since
    # symconv's ops pass no gradient to integer inputs (Theano's would carry W's rows)
    W, b = T.matrix(), T.vector()
    X = T.imatrix()
    g = gradient.grad(T.nnet.sigmoid(T.dot(X, W) + b).sum(), X)
    assert g.dtype == theano.config.floatX
    f = theano.function([X, W, b], g, on_unused_input="ignore")
    out = f(np.ones((5, 3), dtype="int32"), np.ones((3, 4)), np.ones(4))
    np.testing.assert_array_equal(out, np.zeros((5, 3)))


def test_integer_cost_reaches_float_wrt_as_zeros():
    # test_undefined_cost_grad / test_disconnected_cost_grad: an integer cost is no error; the
    # integer-valued ops between it and x pass no gradient on
    x = T.vector("x")
    cost = T.cast(x.sum(), "int64") * 3
    g = theano.grad(cost, x)
    np.testing.assert_array_equal(g.eval({x: np.ones(3)}), np.zeros(3))


def test_known_grads():
    # test_known_grads: seeding an intermediate with its true gradient gives the same result
    x = T.scalar("x")
    t = T.iscalar("t")
    coeffs = T.vector("c")
    ft = T.arange(10)[t].astype(theano.config.floatX)
    ct = coeffs[t]
    p = x ** ft
    y = ct * p
    cost = T.sqr(y)
    inputs = [coeffs, t, x]
    rng = np.random.RandomState([2012, 11, 15])
    values = [rng.randn(10), np.int32(rng.randint(10)), rng.randn()]
    true = theano.function(inputs, T.grad(cost, [coeffs, x]))(*values)
    for layer in ([y], [ct, p]):
        first = T.grad(cost, layer)
        full = T.grad(None, [coeffs, x], known_grads=dict(zip(layer, first)))
        got = theano.function(inputs, full, on_unused_input="ignore")(*values)
        for a, b in zip(true, got):
            np.testing.assert_allclose(a, b)


def test_disconnected_inputs_raise_or_give_zeros():
    # test_grad's disconnected_inputs='raise' (DisconnectedInputError) and 'ignore' (zeros)
    x, y = T.vector("x"), T.vector("y")
    with pytest.raises(gradient.DisconnectedInputError):
        theano.grad(x.sum(), y)
    g = theano.grad(x.sum(), y, disconnected_inputs="ignore")
    np.testing.assert_array_equal(g.eval({y: np.ones(2)}), np.zeros(2))
