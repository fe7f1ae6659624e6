"""Tensor-building ops: arange, alloc and the zeros/ones family."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.ops.basic import Alloc
from tests.helpers import check_grad, check_graph, check_op, raises_naming, random_array


@pytest.mark.parametrize("args", [(5,), (2, 7), (7, 2, -2), (0,), (3, 3), (1, 10, 3)], ids=str)
def test_arange_with_constant_bounds(args):
    out = T.arange(*args)
    assert out.dtype == "int64"
    assert out.type.shape == (len(np.arange(*args)),)
    np.testing.assert_array_equal(sc.function([], out)(), np.arange(*args))


def test_arange_with_symbolic_bounds():
    check_op(lambda n: T.arange(n), [np.array(4)], lambda n: np.arange(n))
    check_op(lambda a, b: T.arange(a, b, 2), [np.array(1, dtype="int32"), np.array(8, dtype="int32")],
             lambda a, b: np.arange(a, b, 2, dtype="int64"))
    check_op(lambda x: T.arange(x.shape[0]), [np.ones((3, 2))], lambda x: np.arange(3))
    assert T.arange(T.lscalar()).type.shape == (None,)


def test_arange_of_floats_and_explicit_dtype():
    out = T.arange(0.0, 1.0, 0.25)
    assert out.dtype == sc.config.floatX
    np.testing.assert_allclose(sc.function([], out)(), np.arange(0.0, 1.0, 0.25))
    check_op(lambda n: T.arange(n, dtype="int32"), [np.array(3)], lambda n: np.arange(n, dtype="int32"))


def test_arange_errors():
    with raises_naming(ValueError, "arange", "step", "zero"):
        T.arange(0, 5, 0)
    with raises_naming(TypeError, "arange", "stop", "scalar", "'v'"):
        T.arange(T.lvector("v"))
    s = T.lscalar("s")
    f = sc.function([s], T.arange(0, 5, s))
    with raises_naming(ValueError, "arange", "zero"):
        f(0)


def test_alloc():
    n = T.lscalar("n")
    f = sc.function([n], T.alloc(2.5, n, 3))
    np.testing.assert_array_equal(f(2), np.full((2, 3), 2.5))
    check_op(lambda v, k: T.alloc(v, k, 3), [np.array([1.0, 2.0, 3.0]), np.array(2)],
             lambda v, k: np.broadcast_to(v, (k, 3)).copy())
    check_op(lambda v: T.alloc(v, 2, 3), [np.array([[1.0], [2.0]])],
             lambda v: np.broadcast_to(v, (2, 3)).copy())
    check_grad(lambda v: T.alloc(v, 4, 3), [np.array([1.0, 2.0, 3.0])])
    check_grad(lambda v: T.alloc(v, 2, 4, 3), [np.array([[1.0], [2.0], [3.0], [4.0]])])


def test_alloc_static_shapes_and_errors():
    n = T.lscalar("n")
    assert T.alloc(0.0, 2, n).type.shape == (2, None)
    assert T.alloc(T.dvector(shape=(3,)), n, n).type.shape == (None, 3)
    with raises_naming(ValueError, "alloc", "'v'", "[2,4]", "3 != 4"):
        T.alloc(T.dvector("v", shape=(3,)), 2, 4)
    with raises_naming(ValueError, "alloc", "more dimensions"):
        T.alloc(T.dmatrix("m"), 3)
    with raises_naming(TypeError, "alloc", "integer scalar", "f64[]"):
        T.alloc(0.0, T.dscalar())


@pytest.mark.parametrize("fn,ref", [(T.zeros_like, np.zeros_like), (T.ones_like, np.ones_like)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_zeros_and_ones_like(fn, ref, dtype):
    data = random_array((3, 2), seed=1).astype(dtype)
    check_op(fn, [data], ref)
    check_op(lambda x: fn(x, dtype="int8"), [data], lambda x: ref(x, dtype="int8"))


def test_full_like_zeros_ones():
    check_op(lambda x: T.full_like(x, 7), [np.ones((2, 3))], lambda x: np.full_like(x, 7))
    check_op(lambda x: T.full_like(x, 1.5),
             [np.ones((2, 3), dtype="float32")], lambda x: np.full_like(x, 1.5))
    n = T.lscalar("n")
    f = sc.function([n], [T.zeros((n, 2)), T.ones((2, n), dtype="int32")])
    z, o = f(3)
    assert z.dtype == sc.config.floatX and o.dtype == np.int32
    np.testing.assert_array_equal(z, np.zeros((3, 2)))
    np.testing.assert_array_equal(o, np.ones((2, 3)))


def test_zeros_like_of_static_shapes_needs_no_shape_node():
    out = T.zeros_like(T.dmatrix(shape=(2, 3)))
    assert out.type.shape == (2, 3)
    assert all(v.owner is None for v in out.owner.inputs)


def test_zeros_like_has_zero_gradient():
    x = T.dmatrix("x")
    g = sc.function([x], sc.grad((T.zeros_like(x) + x).sum(), x))(np.ones((2, 2)))
    np.testing.assert_array_equal(g, np.ones((2, 2)))


def test_infer_shape_and_static_types():
    x, n = T.dmatrix("x"), T.lscalar("n")
    outs = [T.arange(n), T.alloc(x[0], n, x.shape[1]), T.zeros_like(x), Alloc()(1.0, 2, 3)]
    check_graph(outs, [x, n], [random_array((3, 4)), 5])
