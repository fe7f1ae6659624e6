"""``theano.scan`` and its relatives on the Theano route, with the examples of
Theano's tutorial on loops (``doc/tutorial/loop.txt``: power, polynomial, Jacobian,
Gibbs sampling) and the values it gives for them."""
import numpy as np

import symconv.theano as theano
import symconv.theano.tensor as T
from symconv.scan import foldl, foldr, map, reduce, until


def test_names_are_where_theano_keeps_them():
    assert theano.scan_module.until is until and theano.map is map
    assert theano.reduce is reduce and theano.foldl is foldl and theano.foldr is foldr
    assert theano.scan_module.scan is theano.scan


def test_power_by_n_steps():
    k = T.iscalar("k")
    A = T.vector("A")
    result, updates = theano.scan(fn=lambda prior_result, A: prior_result * A,
                                  outputs_info=T.ones_like(A), non_sequences=A, n_steps=k)
    power = theano.function(inputs=[A, k], outputs=result[-1], updates=updates)
    np.testing.assert_allclose(power(np.arange(10, dtype="float64"), 2), np.arange(10) ** 2)


def test_polynomial_from_its_coefficients():
    coefficients = T.vector("coefficients")
    x = T.scalar("x")
    components, _ = theano.scan(fn=lambda c, power, free_var: c * (free_var ** power),
                                outputs_info=None,
                                sequences=[coefficients, T.arange(1000)], non_sequences=x)
    polynomial = theano.function(inputs=[coefficients, x], outputs=components.sum())
    assert polynomial(np.array([1, 0, 2], dtype="float64"), 3) == 19.0


def test_jacobian_by_scan_over_the_output_entries():
    x = T.dvector("x")
    y = x ** 2
    J, updates = theano.scan(lambda i, y, x: T.grad(y[i], x), sequences=T.arange(y.shape[0]),
                             non_sequences=[y, x])
    f = theano.function([x], J, updates=updates)
    np.testing.assert_allclose(f([4, 4]), [[8, 0], [0, 8]])


def test_gibbs_chain_draws_in_every_step():
    rng = np.random.default_rng(0)
    W = theano.shared(rng.normal(size=(4, 3)))
    bvis = theano.shared(np.zeros(4))
    bhid = theano.shared(np.zeros(3))
    trng = T.shared_randomstreams.RandomStreams(1234)

    def one_step(vsample):
        hmean = T.nnet.sigmoid(theano.dot(vsample, W) + bhid)
        hsample = trng.binomial(size=hmean.shape, n=1, p=hmean, dtype="float64")
        vmean = T.nnet.sigmoid(theano.dot(hsample, W.T) + bvis)
        return trng.binomial(size=vsample.shape, n=1, p=vmean, dtype="float64")

    sample = T.vector()
    values, updates = theano.scan(one_step, outputs_info=sample, n_steps=10)
    gibbs10 = theano.function([sample], values, updates=updates)
    chains = [gibbs10(np.zeros(4)) for _ in range(5)]
    assert chains[0].shape == (10, 4)
    assert set(np.unique(np.concatenate(chains))) <= {0.0, 1.0}
    assert len({c.tobytes() for c in chains}) > 1          # the stream moves on per call


def test_a_running_total_stops_with_until():
    limit = T.scalar("limit")

    def step(total):
        total = total + 1
        return total, theano.scan_module.until(total >= limit)

    totals, _ = theano.scan(step, outputs_info=T.constant(np.array(0.0)), n_steps=100)
    f = theano.function([limit], totals)
    np.testing.assert_allclose(f(4.0), [1, 2, 3, 4])
