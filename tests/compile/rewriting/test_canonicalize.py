"""Canonicalize: each simplification, by the graph it leaves and by its results."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.ops.elemwise import Cast
from symconv.ops.reduction import BroadcastLike, SumTo
from symconv.ops.shape import DimShuffle, Reshape, Shape
from tests.helpers import check_rewrite, compiled_ops

NO_FUSION = sc.Mode(exclude=["fusion"])
RNG = np.random.default_rng(0)


def _ops(f):
    return [str(op) for op in compiled_ops(f)]


@pytest.mark.parametrize("expr", [
    lambda x: x * 1, lambda x: 1 * x, lambda x: x + 0, lambda x: 0 + x, lambda x: x - 0,
    lambda x: x / 1, lambda x: x ** 1, lambda x: -(-x)])
def test_useless_arithmetic_disappears(expr):
    x = T.dmatrix("x")
    f = sc.function([x], T.exp(expr(x)), mode=NO_FUSION)
    assert _ops(f) == ["exp"]
    v = RNG.standard_normal((2, 3))
    np.testing.assert_allclose(f(v), np.exp(v))


def test_a_constant_that_broadcasts_is_kept():
    x = T.dvector("x")
    ones = T.constant(np.ones((2, 1)))
    f = sc.function([x], x * ones, mode=NO_FUSION)
    assert _ops(f) == ["mul"]
    assert f(np.array([1.0, 2.0, 3.0])).shape == (2, 3)


def test_add_of_a_negation_becomes_a_subtraction():
    x, y = T.dvector("x"), T.dvector("y")
    f = sc.function([x, y], [x + (-y), x - (-y)], mode=NO_FUSION)
    assert sorted(_ops(f)) == ["add", "sub"]
    a, b = RNG.standard_normal(3), RNG.standard_normal(3)
    r = f(a, b)
    np.testing.assert_allclose(r[0], a - b)
    np.testing.assert_allclose(r[1], a + b)


def test_scalar_constants_gather():
    x = T.dvector("x")
    f = sc.function([x], 3.0 * (2.0 * x), mode=NO_FUSION)
    assert _ops(f) == ["mul"]
    node = f.fgraph.nodes[0]
    assert float(np.ravel([v.data for v in node.inputs if hasattr(v, "data")])[0]) == 6.0
    np.testing.assert_allclose(f(np.array([1.0, 2.0])), [6.0, 12.0])


def test_chains_of_dimshuffles_and_reshapes_collapse():
    x = T.dmatrix("x")
    y = x.dimshuffle(1, 0).dimshuffle("x", 1, 0).dimshuffle(1, 2)
    z = x.reshape((6,)).reshape((3, 2))
    f = sc.function([x], [y * 2, z * 2], mode=NO_FUSION)
    ops = compiled_ops(f)
    assert sum(isinstance(op, DimShuffle) for op in ops) == 0   # the round trip vanishes
    assert sum(isinstance(op, Reshape) for op in ops) == 1
    v = RNG.standard_normal((2, 3))
    r = f(v)
    np.testing.assert_allclose(r[0], v * 2)
    np.testing.assert_allclose(r[1], v.reshape(3, 2) * 2)


def test_static_shapes_become_constants():
    x = T.dmatrix("x", shape=(2, 3))
    f = sc.function([x], x.sum() * x.shape[0] + x.shape[1], mode=NO_FUSION)
    assert not any(isinstance(op, Shape) for op in compiled_ops(f))
    v = RNG.standard_normal((2, 3))
    np.testing.assert_allclose(f(v), v.sum() * 2 + 3)


def test_sum_to_and_broadcast_like_between_equal_shapes_vanish():
    # unknown sizes, yet log(x) has x's shape: the gradient needs no sum_to
    x = T.dmatrix("x")
    g = sc.grad(T.log(x).sum() + (T.exp(x) * 2).sum(), x)
    f = sc.function([x], g, mode=NO_FUSION)
    ops = compiled_ops(f)
    assert not any(isinstance(op, SumTo) for op in ops)
    assert sum(isinstance(op, BroadcastLike) for op in ops) == 1   # ones like x, once
    v = RNG.uniform(0.5, 2.0, (2, 3))
    np.testing.assert_allclose(f(v), 1 / v + 2 * np.exp(v))


def test_shapes_are_read_from_the_earliest_variable():
    x = T.dmatrix("x")
    y = T.log(T.exp(x) + 1)
    f = sc.function([x], T.zeros_like(y) + x.shape[0], mode=NO_FUSION)
    shapes = [node for node in f.fgraph.nodes if isinstance(node.op, Shape)]
    assert shapes and all(node.inputs[0] is f.fgraph.inputs[0] for node in shapes)
    assert all(str(op) != "log" for op in compiled_ops(f))   # no longer needed for its shape


def test_useless_cast_goes():
    x = T.dvector("x")
    f = sc.function([x], T.cast(T.cast(x, "float32"), "float32") * 1, mode=NO_FUSION)
    assert sum(isinstance(op, Cast) for op in compiled_ops(f)) == 1


def test_canonical_graphs_compute_the_same():
    def build(mode):
        x, y = T.dmatrix("x"), T.dvector("y")
        out = ((x * 1 + 0) - (-y)).dimshuffle(1, 0).dimshuffle(1, 0) * (2.0 * (3.0 * x))
        return sc.function([x, y], [out, sc.grad(out.sum(), x)], mode=mode), []
    v, w = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    check_rewrite(build, calls=[(v, w)])


def test_broadcasts_that_the_elementwise_op_makes_anyway_go():
    # the gradient of 0.5 * sum(w ** 2) is broadcast_like(0.5, w) * (2 * w): 1.0 * w
    w = T.dmatrix("w")
    g = sc.grad(0.5 * (w ** 2).sum(), w)
    f = sc.function([w], g, mode=NO_FUSION)
    assert compiled_ops(f) == []      # 0.5 and 2 gathered into 1, and w * 1 is w
    assert f.rewrites.fired("implicit_broadcast") == 1
    v = RNG.standard_normal((2, 3))
    got = f(v)
    np.testing.assert_allclose(got, v)
    assert got is not v                # a result never aliases an input


@pytest.mark.parametrize("dtype,value", [("uint8", [1, 2]), ("int8", [-128, 5])])
def test_an_integer_negation_stays_inside_the_sum(dtype, value):
    # -x wraps around in x's dtype before the sum widens it: -sum(x) would differ
    x = T.vector("x", dtype=dtype)
    data = np.array(value, dtype=dtype)
    got = sc.function([x], T.sum(-x))(data)
    assert got == np.sum(-data) and got.dtype == np.sum(-data).dtype


def test_a_float_negation_leaves_the_sum():
    x = T.dvector("x")
    f = check_rewrite(lambda mode: (sc.function([x], -T.sum(-x) + T.mean(-x), mode=mode), []),
                      calls=[(np.array([1.0, -2.0, 4.0]),)])
    assert sum(str(op) == "neg" for op in compiled_ops(f)) <= 1
