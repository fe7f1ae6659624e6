"""Elementwise fusion: maximal convex groups become one generated kernel of ufunc calls."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.compile.rewriting.fusion import find_groups
from symconv.compile.fgraph import FunctionGraph
from symconv.ops.elemwise import Elemwise
from symconv.ops.fused import FusedElemwise
from symconv.ops.reduction import Sum
from tests.helpers import check_rewrite, compiled_ops

RNG = np.random.default_rng(0)


def _fused(f):
    return [op for op in compiled_ops(f) if isinstance(op, FusedElemwise)]


def test_a_chain_becomes_one_kernel_of_ufunc_calls():
    x, b = T.dmatrix("x"), T.dvector("b")
    y = T.tanh(x * 2 + b.dimshuffle("x", 0)) - T.exp(-x)
    f = sc.function([x, b], y)
    (op,) = _fused(f)
    assert len(compiled_ops(f)) == 1
    assert [i.kind for i in op.program].count("dimshuffle") == 1   # the bias view is inside
    v, w = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    np.testing.assert_allclose(f(v, w), np.tanh(v * 2 + w) - np.exp(-v))
    source = f.kernel_source()
    assert "def fused_" in source and "out=o0" in source
    assert "for " not in source.split("# kernel")[1]      # no Python loop in the kernel


def test_reductions_and_bias_gradients_join_the_group():
    x, b = T.dmatrix("x"), T.dvector("b")
    z = T.sigmoid(x + b)
    cost = (z * z).sum()
    gb = sc.grad(cost, b)
    f = sc.function([x, b], [cost, gb])
    assert all(isinstance(op, FusedElemwise) for op in compiled_ops(f))
    kinds = {i.kind for op in _fused(f) for i in op.program}
    assert {"reduce", "sum_to"} <= kinds


def test_groups_are_convex():
    # a = exp(x) feeds b = log(a) and, through the non-fusable sum, c = a + s: putting
    # a and c in one group would need s, computed from a, before the group runs
    x = T.dvector("x")
    a = T.exp(x)
    s = a.sum()
    c = a + s
    fgraph = FunctionGraph([x], [T.log(a), c])
    for group in find_groups(fgraph):
        inside = set(group)
        for node in group:
            for v in node.inputs:
                if v.owner is not None and v.owner not in inside:
                    # an input from outside must not depend on the group itself
                    upstream = {n for n in fgraph.nodes if n in inside}
                    from symconv.graph.traversal import toposort
                    assert not set(toposort([v])) & upstream
    f = sc.function([x], [T.log(a), c])
    v = np.array([0.1, 0.2])
    r = f(v)
    np.testing.assert_allclose(r[1], np.exp(v) + np.exp(v).sum())


def test_a_value_needed_outside_leaves_the_group_as_an_extra_output():
    x = T.dvector("x")
    h = T.exp(x) * 2
    f = sc.function([x], [h + 1, T.dot(h, h)])
    (op,) = _fused(f)
    assert len(op.outputs) == 2
    v = np.array([0.5, 1.5])
    r = f(v)
    np.testing.assert_allclose(r[1], np.dot(2 * np.exp(v), 2 * np.exp(v)))


def test_temporaries_are_reused_inside_a_kernel():
    x = T.dmatrix("x")
    y = x
    for k in range(6):
        y = T.tanh(y * 1.5 + k)
    f = sc.function([x], y)
    f(RNG.standard_normal((5, 5)))
    kernel = f.kernel_source().split("# kernel")[1]
    assert "t1" not in kernel          # the whole chain runs in the output and one temporary


def test_fused_results_equal_the_reference():
    def build(mode):
        x, y = T.dmatrix("x"), T.dmatrix("y")
        z = T.switch(T.gt(x, 0), x, 0.1 * x) + T.sqrt(T.abs(y)) * T.cast(x > y, "float64")
        m = z.max(axis=1, keepdims=True)
        out = T.exp(z - m) / T.exp(z - m).sum(axis=1, keepdims=True)
        return sc.function([x, y], [out, out.mean(), sc.grad(out.sum() * 2, x)], mode=mode), []
    v, w = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    f = check_rewrite(build, calls=[(v, w), (w, v)], present=(FusedElemwise,),
                      absent=(Elemwise, Sum), rtol=1e-12, atol=1e-12)
    assert len(_fused(f)) <= 4


def test_a_sum_of_squares_is_one_dot_product():
    # the L2 term of a cost: sum(w ** 2) over every axis, the squares read by nothing else
    rng = np.random.default_rng(3)
    w0, v0 = rng.standard_normal((64, 30)), rng.standard_normal((5, 4, 3))

    def build(mode, dtype):
        w = sc.shared(w0.astype(dtype), name="w")
        v = sc.shared(v0.astype(dtype), name="v")
        return sc.function([], 0.5 * (T.sum(w ** 2) + T.sum(T.sqr(v))), mode=mode), [w, v]
    for dtype, tol in (("float64", 1e-12), ("float32", 1e-5)):
        f = check_rewrite(lambda mode: build(mode, dtype), rtol=tol, atol=tol)
        source = f.kernel_source()
        assert source.count("_vdot(") == 2 and "_square" not in source


def test_squares_read_elsewhere_are_still_written():
    x = T.dmatrix("x")
    f = sc.function([x], [T.sum(x ** 2), x ** 2 + 1])
    data = np.arange(6.0).reshape(2, 3)
    total, shifted = f(data)
    assert total == (data ** 2).sum()
    np.testing.assert_array_equal(shifted, data ** 2 + 1)
    assert "_vdot" not in f.kernel_source()


def test_a_nan_in_a_sum_of_squares_is_caught_by_the_guard():
    x = T.dmatrix("x")
    f = sc.function([x], T.sum(x ** 2) * 2, mode=sc.Mode(nan_guard=True))
    f(np.ones((2, 2)))
    assert "_vdot" in f.kernel_source()
    with pytest.raises(sc.compile.NanGuardError):
        f(np.array([[1.0, np.inf], [0.0, 1.0]]))
