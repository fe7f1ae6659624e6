"""Random streams: fresh draws per call, reproducible seeds, symbolic sizes,
distributions' moments, statefulness, and bad parameters."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.ops.random import RandomOp
from tests.helpers import raises_naming


def test_each_call_draws_fresh_values_and_same_seed_gives_same_sequence():
    def draws(seed):
        srng = sc.RandomStreams(seed)
        f = sc.function([], [srng.uniform((3, 4)), srng.normal((2,)), srng.binomial((5,), p=0.3)])
        return [f() for _ in range(3)]
    first, again, other = draws(123), draws(123), draws(124)
    for a, b in zip(first, again):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)
    assert not np.array_equal(first[0][0], first[1][0])     # the state advances
    assert not np.array_equal(first[0][0], other[0][0])     # another seed, another sequence
    assert not np.array_equal(first[0][0][:2, :2], first[0][1].reshape(1, 2))


def test_two_draws_of_one_stream_are_independent_and_never_merged():
    srng = sc.RandomStreams(0)
    a, b = srng.uniform((1000,)), srng.uniform((1000,))
    assert a.owner.op != b.owner.op and a.owner.op.is_stateful
    va, vb = sc.function([], [a, b])()
    assert not np.array_equal(va, vb)
    assert abs(np.corrcoef(va, vb)[0, 1]) < 0.1


def test_symbolic_sizes():
    srng = sc.RandomStreams(1)
    x = T.matrix("x")
    mask = srng.binomial(n=1, p=0.5, size=x.shape)
    assert mask.type.shape == (None, None) and mask.dtype == "int64"
    n = T.lscalar("n")
    tuple_size = srng.normal(size=(n, 3))
    assert tuple_size.type.shape == (None, 3)
    static = srng.uniform(size=T.matrix(shape=(10, 640)).shape)
    assert static.type.shape == (10, 640)
    f = sc.function([x, n], [mask, tuple_size])
    m, t = f(np.zeros((4, 7), dtype="float32"), 5)
    assert m.shape == (4, 7) and t.shape == (5, 3)
    assert set(np.unique(m)) <= {0, 1}


def test_network3_dropout():
    srng = sc.RandomStreams(np.random.RandomState(0).randint(999999))
    layer = T.matrix("layer")
    p_dropout = 0.25
    mask = srng.binomial(n=1, p=1 - p_dropout, size=layer.shape)
    dropped = layer * T.cast(mask, sc.config.floatX)
    f = sc.function([layer], dropped)
    out = f(np.ones((200, 500), dtype="float32"))
    assert out.dtype == np.float32
    assert set(np.unique(out)) == {0.0, 1.0}
    assert abs(out.mean() - 0.75) < 0.01           # 100,000 Bernoulli(0.75) draws


def test_moments_and_dtypes():
    srng = sc.RandomStreams(7)
    u = srng.uniform((20000,), low=-2.0, high=4.0)
    z = srng.normal((20000,), avg=3.0, std=0.5, dtype="float64")
    b = srng.binomial((20000,), n=10, p=0.2, dtype="int32")
    vu, vz, vb = sc.function([], [u, z, b])()
    assert vu.dtype == np.dtype(sc.config.floatX)
    assert vz.dtype == np.float64 and vb.dtype == np.int32
    assert vu.min() >= -2 and vu.max() <= 4 and abs(vu.mean() - 1) < 0.05
    assert abs(vz.mean() - 3) < 0.02 and abs(vz.std() - 0.5) < 0.02
    assert abs(vb.mean() - 2) < 0.05 and vb.min() >= 0 and vb.max() <= 10


def test_symbolic_probability():
    srng = sc.RandomStreams(3)
    p = T.dvector("p")
    mask = srng.binomial(size=(50000, 2), p=p)
    got = sc.function([p], mask)(np.array([0.1, 0.9]))
    np.testing.assert_allclose(got.mean(axis=0), [0.1, 0.9], atol=0.01)


def test_seed_restarts_every_draw():
    srng = sc.RandomStreams(5)
    f = sc.function([], srng.normal((4,)))
    first = f()
    f()
    srng.seed(5)
    np.testing.assert_array_equal(f(), first)


def test_gradients_treat_the_sample_as_a_constant():
    srng = sc.RandomStreams(2)
    x = T.dmatrix("x")
    mask = T.cast(srng.binomial(size=x.shape, p=0.5), "float64")
    g = sc.grad((x * mask).sum(), x)
    f = sc.function([x], [g, mask])
    # one call draws one mask, shared by both outputs
    gv, mv = f(np.ones((3, 4)))
    np.testing.assert_array_equal(gv, mv)


@pytest.mark.parametrize("p", [1.5, -0.1, np.array([0.5, 2.0])], ids=str)
def test_probability_outside_unit_interval_at_build_time(p):
    srng = sc.RandomStreams(0)
    with raises_naming(ValueError, "binomial", "[0, 1]"):
        srng.binomial(size=(2,), p=p)


def test_probability_outside_unit_interval_at_run_time():
    srng = sc.RandomStreams(0)
    p = T.dscalar("p")
    f = sc.function([p], srng.binomial(size=(2,), p=p))
    f(0.5)
    with raises_naming(ValueError, "binomial", "[0, 1]", "1.2"):
        f(1.2)


def test_other_bad_parameters():
    srng = sc.RandomStreams(0)
    with raises_naming(ValueError, "binomial", "n"):
        srng.binomial(size=(2,), n=1.5)
    with raises_naming(ValueError, "binomial", "n", "-1"):
        srng.binomial(size=(2,), n=-1)
    with raises_naming(ValueError, "normal", "std"):
        srng.normal(size=(2,), std=-1.0)
    with raises_naming(ValueError, "uniform", "size"):
        srng.uniform()
    with raises_naming(ValueError, "uniform", "size"):
        srng.uniform(size=(2, -3))
    with raises_naming(TypeError, "uniform", "integer vector"):
        srng.uniform(size=T.vector())
    with raises_naming(ValueError, "ndim"):
        srng.uniform(size=T.lvector())
    with raises_naming(ValueError, "does not broadcast"):
        srng.binomial(size=(3, 4), p=np.full(5, 0.5))


def test_ops_print_and_compare_by_identity():
    srng = sc.RandomStreams(0)
    op = srng.uniform((2,)).owner.op
    assert isinstance(op, RandomOp) and RandomOp.is_stateful
    assert str(op).startswith("uniform{float32") or str(op).startswith("uniform{float64")
    assert op == op and op != srng.uniform((2,)).owner.op


def test_random_integers_cover_both_bounds_and_repeat_for_a_seed():
    def draws(seed):
        srng = sc.RandomStreams(seed)
        x = T.dvector("x")
        f = sc.function([x], [srng.random_integers(x.shape, low=5, high=7),
                              srng.random_integers((3, 4), high=1, dtype="int32")])
        return f(np.zeros(400))
    a, b = draws(2)
    assert a.shape == (400,) and set(np.unique(a)) == {5, 6, 7} and a.dtype == np.int64
    assert b.shape == (3, 4) and b.dtype == np.int32 and set(np.unique(b)) <= {0, 1}
    np.testing.assert_array_equal(draws(2)[0], a)
    with pytest.raises(TypeError, match="integers"):
        sc.RandomStreams(0).random_integers((2,), low=0.0, high=3)


def test_multinomial_counts_follow_the_probabilities_of_each_row():
    srng = sc.RandomStreams(seed=5)
    p = T.dmatrix("p")
    pv = np.array([[0.1, 0.9, 0.0], [0.5, 0.25, 0.25]])
    one_hot = sc.function([p], srng.multinomial(pvals=p))
    draws = np.stack([one_hot(pv) for _ in range(3000)])
    assert draws.dtype == np.int64 and draws.shape == (3000, 2, 3)
    np.testing.assert_array_equal(draws.sum(axis=2), 1)           # one category per row
    np.testing.assert_allclose(draws.mean(axis=0), pv, atol=0.03)
    assert draws[:, 0, 2].sum() == 0                               # probability 0: never
    counts = sc.function([], srng.multinomial(size=(4, 5), n=7, pvals=np.array([0.2, 0.8]),
                                              dtype="int32"))()
    assert counts.shape == (4, 5, 2) and counts.dtype == np.int32
    np.testing.assert_array_equal(counts.sum(axis=-1), 7)


def test_multinomial_repeats_for_a_seed_and_checks_its_arguments():
    p = T.dmatrix("p")
    pv = np.full((3, 4), 0.25)
    first = [sc.function([p], sc.RandomStreams(seed=2).multinomial(pvals=p), mode=mode)(pv)
             for mode in ("FAST_RUN", "FAST_COMPILE")]
    np.testing.assert_array_equal(first[0], first[1])
    srng = sc.RandomStreams(seed=2)
    with raises_naming(TypeError, "multinomial", "pvals"):
        srng.multinomial(size=(2,))
    with raises_naming(ValueError, "multinomial", "n must be an integer"):
        srng.multinomial(n=1.5, pvals=p)
    with raises_naming(ValueError, "multinomial", "[0, 1]"):
        srng.multinomial(pvals=np.array([[1.5, -0.5]]))
    f = sc.function([p], srng.multinomial(pvals=p))
    with raises_naming(ValueError, "[0, 1]"):
        f(np.array([[2.0, -1.0]]))
