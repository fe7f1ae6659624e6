"""Merge (common subexpressions, equal constants), dead-code removal, constant folding."""
import numpy as np

import symconv as sc
import symconv.tensor as T
from symconv import RandomStreams
from symconv.ops.elemwise import Elemwise
from tests.helpers import check_rewrite, compiled_ops

NO_FUSION = sc.Mode(exclude=["fusion"])


def _count(f, name):
    return sum(1 for op in compiled_ops(f) if str(op) == name)


def test_merge_equal_subexpressions_and_constants():
    x = T.dvector("x")
    y = T.exp(x + 2.0) * T.exp(x + 2.0) + T.exp(x + 2.0)
    f = sc.function([x], y, mode=NO_FUSION)
    assert _count(f, "exp") == 1 and _count(f, "add") == 2
    assert f.rewrites.fired("merge") >= 3
    v = np.array([0.5, -1.0])
    np.testing.assert_allclose(f(v), np.exp(v + 2) ** 2 + np.exp(v + 2))


def test_merge_keeps_different_ops_apart():
    x = T.dmatrix("x")
    f = sc.function([x], [x.sum(axis=0), x.sum(axis=1)], mode=NO_FUSION)
    assert len(compiled_ops(f)) == 2


def test_random_draws_are_never_merged():
    srng = RandomStreams(5)
    a = srng.uniform((3,))
    b = srng.uniform((3,))
    f = sc.function([], [a, b])
    ra, rb = f()
    assert not np.array_equal(ra, rb)
    assert len([op for op in compiled_ops(f) if getattr(op, "is_stateful", False)]) == 2


def test_dead_code_is_reported():
    x = T.dvector("x")
    unused_by_output = T.log(x)
    y = T.switch(T.gt(x, 0), x, x)  # the log is never built into the output
    f = sc.function([x], y * 1)
    assert unused_by_output not in f.fgraph.variables
    assert all(str(op) != "log" for op in compiled_ops(f))


def test_constant_folding():
    x = T.dvector("x")
    c = T.constant(np.array([1.0, 2.0]))
    y = x * (T.exp(c) * 2.0 + 1.0)
    f = sc.function([x], y, mode=NO_FUSION)
    assert f.rewrites.fired("constant_fold") >= 2
    assert [str(op) for op in compiled_ops(f)] == ["mul"]
    np.testing.assert_allclose(f(np.array([1.0, 1.0])), np.exp([1.0, 2.0]) * 2 + 1)


def test_constant_folding_never_runs_random_draws():
    srng = RandomStreams(1)
    draw = srng.normal((2,), avg=0.0, std=1.0)
    f = sc.function([], draw)
    assert not np.array_equal(f(), f())


def test_merge_results_equal_the_reference():
    def build(mode):
        x = T.dmatrix("x")
        s = (x * x).sum(axis=1)
        return sc.function([x], [s + (x * x).sum(axis=1), T.exp(s)], mode=mode), []
    v = np.random.default_rng(0).standard_normal((3, 4))
    check_rewrite(build, calls=[(v,)], present=(), absent=())
    check_rewrite(build, calls=[(v,)], mode=NO_FUSION, absent=())
    f, _ = build(NO_FUSION)
    assert _count(f, "sqr") == 1 and isinstance(compiled_ops(f)[0], Elemwise)
