"""Follows Theano 1.0's theano/tensor/tests/test_shared_randomstreams.py
(T_SharedRandomStreams): the values Theano draws for a seed, state updates,
no_default_updates and reseeding."""
import numpy as np
import pytest

import symconv.theano.tensor as T
from symconv.theano import function
from symconv.theano.tensor.shared_randomstreams import RandomStreams

SEED = 4242  # Theano's utt.fetch_seed() default is a fixed seed too


def numpy_stream(seed, draws=1):
    """The RandomStates Theano gives the first ``draws`` draws of RandomStreams(seed)."""
    seedgen = np.random.RandomState(seed)
    return [np.random.RandomState(int(seedgen.randint(2 ** 30))) for _ in range(draws)]


def test_tutorial():
    # T_SharedRandomStreams.test_tutorial
    srng = RandomStreams(seed=234)
    rv_u = srng.uniform((2, 2))
    rv_n = srng.normal((2, 2))
    f = function([], rv_u)
    g = function([], rv_n, no_default_updates=True)
    nearly_zeros = function([], rv_u + rv_u - 2 * rv_u)
    assert np.all(f() != f())
    assert np.all(g() == g())
    assert np.all(abs(nearly_zeros()) < 1e-5)
    assert isinstance(rv_u.rng.get_value(borrow=True), np.random.RandomState)


def test_basics():
    # T_SharedRandomStreams.test_basics: updates=random.updates(), NumPy's values
    random = RandomStreams(SEED)
    fn = function([], random.uniform((2, 2)), updates=random.updates())
    (rng,) = numpy_stream(SEED)
    np.testing.assert_allclose(fn(), rng.uniform(size=(2, 2)))
    np.testing.assert_allclose(fn(), rng.uniform(size=(2, 2)))


def test_seed_fn():
    # T_SharedRandomStreams.test_seed_fn: seed() after the draw was made
    random = RandomStreams(234)
    fn = function([], random.uniform((2, 2)), updates=random.updates())
    random.seed(SEED)
    (rng,) = numpy_stream(SEED)
    np.testing.assert_allclose(fn(), rng.uniform(size=(2, 2)))
    np.testing.assert_allclose(fn(), rng.uniform(size=(2, 2)))


def test_getitem_and_setitem():
    # T_SharedRandomStreams.test_getitem, test_setitem
    random = RandomStreams(234)
    out = random.uniform((2, 2))
    fn = function([], out, updates=random.updates())
    random.seed(SEED)
    rng = np.random.RandomState()
    rng.set_state(random[out.rng].get_state())
    np.testing.assert_allclose(fn(), rng.uniform(size=(2, 2)))
    random[out.rng] = np.random.RandomState(SEED)
    rng = np.random.RandomState(SEED)
    np.testing.assert_allclose(fn(), rng.uniform(size=(2, 2)))


def test_ndim():
    # T_SharedRandomStreams.test_ndim
    val1 = function([], RandomStreams(SEED).uniform((2, 2)))()
    val2 = function([], RandomStreams(SEED).uniform((2, 2), ndim=2))()
    assert np.all(val1 == val2)
    with pytest.raises(ValueError):
        RandomStreams(SEED).uniform((2, 2), ndim=1)


@pytest.mark.parametrize("draw,reference", [
    (lambda r: r.uniform((2, 2), -1, 1), lambda g: g.uniform(-1, 1, size=(2, 2))),
    (lambda r: r.normal((2, 2), -1, 2), lambda g: g.normal(-1, 2, size=(2, 2))),
    (lambda r: r.binomial((4, 5), 5, 0.8), lambda g: g.binomial(5, 0.8, size=(4, 5))),
], ids=["uniform", "normal", "binomial"])
def test_distribution_matches_numpy(draw, reference):
    # T_SharedRandomStreams.test_uniform, test_normal, test_binomial: two calls
    fn = function([], draw(RandomStreams(SEED)))
    (rng,) = numpy_stream(SEED)
    np.testing.assert_allclose(fn(), reference(rng))
    np.testing.assert_allclose(fn(), reference(rng))


def test_default_updates():
    # T_SharedRandomStreams.test_default_updates
    out_a = RandomStreams(SEED).uniform((2, 2))
    fn_a = function([], out_a)
    a0, a1 = fn_a(), fn_a()
    assert not np.all(a0 == a1)
    assert np.all(abs(function([], out_a + out_a - 2 * out_a)()) < 1e-5)
    random_b = RandomStreams(SEED)
    fn_b = function([], random_b.uniform((2, 2)), updates=random_b.updates())
    assert np.all(fn_b() == a0) and np.all(fn_b() == a1)
    fn_d = function([], RandomStreams(SEED).uniform((2, 2)), no_default_updates=True)
    d0, d1 = fn_d(), fn_d()
    assert np.all(d0 == a0) and np.all(d1 == d0)
    out_e = RandomStreams(SEED).uniform((2, 2))
    fn_e = function([], out_e, no_default_updates=[out_e.rng])
    e0, e1 = fn_e(), fn_e()
    assert np.all(e0 == a0) and np.all(e1 == e0)


def test_symbolic_shape():
    # T_SharedRandomStreams.test_symbolic_shape
    shape = T.lvector()
    f = function([shape], RandomStreams(SEED).uniform(size=shape, ndim=2))
    assert f([2, 3]).shape == (2, 3) and f([4, 8]).shape == (4, 8)
    with pytest.raises(ValueError):
        f([4])


def test_mixed_shape():
    # T_SharedRandomStreams.test_mixed_shape, test_mixed_shape_bcastable
    shape0 = T.lscalar()
    u = RandomStreams(SEED).uniform(size=(shape0, 3), ndim=2)
    f = function([shape0], u)
    assert f(2).shape == (2, 3) and f(8).shape == (8, 3)
    v = RandomStreams(SEED).uniform(size=(shape0, 1))
    assert v.broadcastable == (False, True)
    assert function([shape0], v)(4).shape == (4, 1)


def test_default_shape():
    # T_SharedRandomStreams.test_default_shape: size=() is one scalar draw
    f = function([], RandomStreams(SEED).uniform())
    (rng,) = numpy_stream(SEED)
    np.testing.assert_allclose(f(), rng.uniform())
    np.testing.assert_allclose(f(), rng.uniform())


def test_dtype():
    # T_SharedRandomStreams.test_dtype, test_default_dtype
    random = RandomStreams(SEED)
    assert random.uniform((2,)).dtype == "float64"  # floatX
    assert random.uniform((2,), dtype="float32").dtype == "float32"
    assert random.binomial((2,)).dtype == "int64"
    assert function([], random.binomial((3,), dtype="int8"))().dtype == "int8"


def test_second_draw_gets_the_second_seed():
    # RandomStreams.gen: each draw seeds its own RandomState from the stream's seed generator
    random = RandomStreams(SEED)
    first, second = random.uniform((3,)), random.normal((3,))
    _, rng2 = numpy_stream(SEED, 2)
    np.testing.assert_allclose(function([], second)(), rng2.normal(size=(3,)))
    assert first is not second


# --- theano.sandbox.rng_mrg.MRG_RandomStreams -----------------------------------------

def test_mrg_streams_draw_with_mrg_signatures_and_repeat_for_a_seed():
    import numpy as np
    import symconv.theano as theano
    import symconv.theano.tensor as TT
    from symconv.theano.missing import NotImplementedInSymconv
    from symconv.theano.sandbox.rng_mrg import MRG_RandomStreams

    def draws(seed):
        srng = MRG_RandomStreams(seed)
        x = TT.dmatrix("x")
        outs = [srng.uniform((3, 4), low=-1.0, high=2.0), srng.normal((5,), avg=3.0, std=0.1),
                srng.binomial(size=x.shape, p=0.3, dtype="float64") * x,
                srng.binomial(p=np.full((2, 2), 0.5))]       # size from p, as MRG
        f = theano.function([x], outs)
        return [f(np.ones((30, 30))) for _ in range(2)]
    (u, n, b, b2), again = draws(7)
    assert u.dtype == n.dtype == theano.config.floatX and b2.dtype == np.int64
    assert u.shape == (3, 4) and (-1 <= u).all() and (u < 2).all()
    assert n.shape == (5,) and abs(n.mean() - 3) < 0.3 and b2.shape == (2, 2)
    assert set(np.unique(b)) <= {0.0, 1.0} and 0.2 < b.mean() < 0.4
    assert not np.array_equal(u, again[0])             # each call advances the state
    for first, second in zip(draws(7), draws(7)):      # the same seed, the same values
        for a, c in zip(first, second):
            np.testing.assert_array_equal(a, c)
    assert not np.array_equal(draws(8)[0][0], u)
    assert MRG_RandomStreams().default_instance_seed == 12345
    srng = MRG_RandomStreams(1)
    with pytest.raises(ValueError, match="give size"):
        srng.binomial(p=0.5)
    with pytest.raises(NotImplementedInSymconv, match="MRG_RandomStreams.choice"):
        srng.choice(size=2, p=np.ones((2, 3)) / 3)


def test_a_missing_draw_says_so():
    from symconv.theano.missing import NotImplementedInSymconv
    srng = RandomStreams(3)
    for name in ("permutation", "choice"):
        with pytest.raises(NotImplementedInSymconv, match=f"RandomStreams.{name}"):
            getattr(srng, name)
    with pytest.raises(NotImplementedInSymconv, match="RandomStreams.multinomial .*MRG"):
        srng.multinomial(pvals=[0.5, 0.5])
    assert not hasattr(srng, "shuffle_row_elements")


def test_random_integers_include_high_and_follow_the_seed():
    srng = RandomStreams(11)
    draw = srng.random_integers((500,), low=-2, high=3)
    f = function([], draw)
    a, b = f(), f()
    assert a.dtype == np.int64 and set(np.unique(a)) == {-2, -1, 0, 1, 2, 3}
    assert not np.array_equal(a, b)
    # Theano's values: a RandomState seeded from the stream's generator, randint(low, high + 1)
    seed = np.random.RandomState(11).randint(2 ** 30)
    np.testing.assert_array_equal(a, np.random.RandomState(seed).randint(-2, 4, size=500))
    with pytest.raises(TypeError, match="integers"):
        srng.random_integers((2,), low=0.5, high=2)


def test_state_updates_copy_one_streams_state_into_another():
    # Theano's tutorial (examples.txt, "Copying Random State Between Theano Graphs")
    g1, g2 = RandomStreams(123), RandomStreams(987)
    f1, f2 = function([], g1.uniform(size=(1,))), function([], g2.uniform(size=(1,)))
    for (su1, _), (su2, _) in zip(g1.state_updates, g2.state_updates):
        su2.set_value(su1.get_value())
    np.testing.assert_array_equal(f1(), f2())
    assert len(g1.state_updates) == 1 and g1.state_updates[0][1] is None


def test_mrg_multinomial_takes_a_matrix_of_probabilities_and_no_size():
    import numpy as np
    from symconv.theano.sandbox.rng_mrg import MRG_RandomStreams
    trng = MRG_RandomStreams(1234)
    probs = T.dmatrix("probs")
    sample = trng.multinomial(pvals=probs, dtype="float64")
    got = function([probs], sample)(np.array([[0.0, 1.0], [1.0, 0.0]]))
    np.testing.assert_array_equal(got, [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="size"):
        trng.multinomial(size=(2, 2), pvals=probs)
    with pytest.raises(NotImplementedError, match="matrix"):
        trng.multinomial(pvals=T.dvector())
