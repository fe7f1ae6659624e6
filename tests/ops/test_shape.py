"""shape ops: shape, reshape, flatten, dimshuffle, transpose and stacking scalars."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.ops.shape import DimShuffle, Reshape
from tests.helpers import check_grad, check_graph, check_op, raises_naming, random_array

X = random_array((2, 3, 4), seed=21)


def test_shape():
    out = check_op(lambda x: x.shape, [X], lambda x: np.array(x.shape, dtype="int64"))
    assert out.dtype == np.int64
    check_op(lambda x: x.shape[1] * 2, [X], lambda x: np.int64(x.shape[1] * 2))
    check_op(lambda x: T.shape(x)[-1], [X], lambda x: np.int64(x.shape[-1]))
    check_op(lambda x: x.size, [X], lambda x: np.int64(x.size))
    assert T.dtensor3().shape.type.shape == (3,)


def test_symbolic_shape_changes_with_the_input():
    x = T.dmatrix("x")
    f = sc.function([x], [x.shape[0], x.shape[1]])
    assert [int(v) for v in f(np.ones((2, 5)))] == [2, 5]
    assert [int(v) for v in f(np.ones((7, 1)))] == [7, 1]


def test_stack_scalars():
    check_op(lambda a, b: T.stack_scalars([a, b, 3], dtype="float64"), [np.array(1.5), np.array(2.5)],
             lambda a, b: np.array([a, b, 3.0]))
    check_grad(lambda a, b: T.stack_scalars([a, b * 2], dtype="float64"),
               [np.array(1.5), np.array(-0.5)])
    with raises_naming(TypeError, "make_vector", "scalars", "'v'"):
        T.stack_scalars([T.dvector("v")], dtype="float64")


@pytest.mark.parametrize("newshape", [(6, 4), (4, -1), (-1,), (2, 3, 2, 2), (24, 1), (1, 24)])
def test_reshape_to_constant_shapes(newshape):
    check_op(lambda x: x.reshape(newshape), [X], lambda x: x.reshape(newshape))
    check_grad(lambda x: x.reshape(newshape), [X])


def test_reshape_spellings():
    x = T.dtensor3("x")
    for out in [x.reshape(6, 4), x.reshape((6, 4)), x.reshape([6, 4]), T.reshape(x, (6, 4))]:
        np.testing.assert_array_equal(sc.function([x], out)(X), X.reshape(6, 4))


def test_reshape_to_symbolic_shapes():
    check_op(lambda x: x.reshape((x.shape[0], -1)), [X], lambda x: x.reshape(x.shape[0], -1))
    check_op(lambda x: x.reshape((x.shape[0] * x.shape[1], x.shape[2])), [X],
             lambda x: x.reshape(6, 4))
    check_op(lambda x: x.reshape(x.shape[::-1], ndim=3), [X], lambda x: x.reshape(4, 3, 2))
    check_grad(lambda x: x.reshape((x.shape[0], -1)), [X])


def test_reshape_static_shapes():
    x = T.dtensor3(shape=(2, 3, 4))
    assert x.reshape((6, -1)).type.shape == (6, 4)
    assert x.reshape((x.shape[0], -1)).type.shape == (2, 12)
    assert T.dtensor3().reshape((5, -1)).type.shape == (5, None)
    assert T.dtensor3().reshape((5, 2)).type.shape == (5, 2)
    # sizes read from another tensor's static shape are static too
    images = T.ftensor4(shape=(10, 1, 28, 28))
    assert images.reshape((images.shape[0], -1)).type.shape == (10, 784)
    assert T.dvector().reshape(x.shape).type.shape == (2, 3, 4)
    assert T.dvector().reshape((x.shape[-1], x.shape[0] * 3)).type.shape == (4, None)
    assert sc.grad(images.reshape((10, -1)).sum(), images).type.shape == (10, 1, 28, 28)


def test_reshape_errors():
    x = T.dtensor3("x", shape=(2, 3, 4))
    with raises_naming(ValueError, "reshape", "(2, 3, 4)", "(5, -1)"):
        x.reshape((5, -1))
    with raises_naming(ValueError, "reshape", "(2, 3, 4)", "24 elements", "(5, 5)"):
        x.reshape((5, 5))
    with raises_naming(ValueError, "reshape", "one -1"):
        x.reshape((-1, -1))
    with raises_naming(TypeError, "reshape", "integer vector"):
        Reshape(2)(x, T.dvector())
    with raises_naming(ValueError, "reshape", "ndim"):
        T.reshape(T.dtensor3(), T.lvector())
    with raises_naming(TypeError, "make_vector", "output of true_div", "f64[]", "//"):
        x.reshape((x.shape[0] / 2, -1))
    y = T.dmatrix("y")
    f = sc.function([y], y.reshape((5, -1)))
    with raises_naming(ValueError, "reshape", "(3, 4)", "(5, -1)"):
        f(np.ones((3, 4)))


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_flatten(ndim):
    check_op(lambda x: x.flatten(ndim), [X], lambda x: x.reshape(x.shape[:ndim - 1] + (-1,)))
    check_grad(lambda x: T.flatten(x, ndim), [X])


def test_flatten_static_shape_and_empty_arrays():
    assert T.dtensor3(shape=(2, 3, 4)).flatten(2).type.shape == (2, 12)
    assert T.dtensor3(shape=(2, None, 4)).flatten(2).type.shape == (2, None)
    assert T.dscalar().flatten().type.shape == (1,)
    empty = np.ones((0, 3, 4))
    check_op(lambda x: x.flatten(2), [empty], lambda x: x.reshape(0, 12))
    check_op(lambda x: x.flatten(1), [empty], lambda x: x.reshape(0))
    with raises_naming(ValueError, "flatten", "ndim=4", "'x'"):
        T.dtensor3("x").flatten(4)


PATTERNS = [(1, 0, 2), (2, 1, 0), ("x", 0, 1, 2), (0, "x", 1, 2, "x"), (2, "x", 0, 1)]


@pytest.mark.parametrize("pattern", PATTERNS, ids=str)
def test_dimshuffle(pattern):
    def ref(x):
        out = np.transpose(x, [p for p in pattern if p != "x"])
        for k, p in enumerate(pattern):
            if p == "x":
                out = np.expand_dims(out, k)
        return out
    check_op(lambda x: x.dimshuffle(*pattern), [X], ref)
    check_grad(lambda x: x.dimshuffle(pattern), [X])


def test_dimshuffle_drops_length_one_axes():
    data = random_array((2, 1, 3), seed=5)
    check_op(lambda x: x.dimshuffle(0, 2), [data], lambda x: x[:, 0, :])
    check_op(lambda x: x.dimshuffle(2, "x", 0), [data], lambda x: x[:, 0, :].T[:, None, :])
    check_grad(lambda x: x.dimshuffle(2, "x", 0), [data])
    # down to a scalar: the result is still an array
    one = np.array([[4.0]])
    out = check_op(lambda x: x.dimshuffle(), [one], lambda x: x.reshape(()))
    assert isinstance(out, np.ndarray)
    check_grad(lambda x: x.dimshuffle() * 3, [one])


def test_dimshuffle_of_a_scalar():
    check_op(lambda s: s.dimshuffle("x", "x"), [np.array(3.0)], lambda s: s.reshape(1, 1))
    check_grad(lambda s: s.dimshuffle("x"), [np.array(3.0)])


def test_dimshuffle_identity_adds_no_node():
    x = T.dtensor3("x")
    assert x.dimshuffle(0, 1, 2) is x


def test_dimshuffle_static_shapes():
    x = T.dtensor3(shape=(2, 1, None))
    assert x.dimshuffle(2, "x", 0).type.shape == (None, 1, 2)
    assert x.dimshuffle(0, 2).type.shape == (2, None)


def test_dimshuffle_errors():
    x = T.dtensor3("x", shape=(2, 3, 4))
    with raises_naming(ValueError, "dimshuffle{0,2}", "axis 1", "'x'", "3, not 1"):
        x.dimshuffle(0, 2)
    with raises_naming(ValueError, "dimshuffle", "(0, 0, 1)", "3-d"):
        x.dimshuffle(0, 0, 1)
    with raises_naming(ValueError, "dimshuffle", "(0, 3)"):
        x.dimshuffle(0, 3)
    with raises_naming(TypeError, "dimshuffle", "'X'"):
        x.dimshuffle("X", 0, 1, 2)
    with raises_naming(ValueError, "dimshuffle", "2-d", "'m'"):
        DimShuffle(2, (1, 0))(T.dtensor3("m"))
    y = T.dtensor3("y")
    f = sc.function([y], y.dimshuffle(0, 2))  # axis 1 of unknown size: checked at run time
    with raises_naming(ValueError, "dimshuffle{0,2}", "(2, 2, 3)", "length 1"):
        f(np.ones((2, 2, 3)))


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 0, 1), (-1, 0, 1)], ids=str)
def test_transpose(axes):
    check_op(lambda x: x.transpose(axes) if axes else x.transpose(), [X],
             lambda x: np.transpose(x, axes))
    check_op(lambda x: T.transpose(x, axes), [X], lambda x: np.transpose(x, axes))
    check_grad(lambda x: T.transpose(x, axes), [X])


def test_transpose_spellings():
    m = random_array((3, 5), seed=3)
    check_op(lambda x: x.T, [m], lambda x: x.T)
    check_op(lambda x: x.transpose(1, 0), [m], lambda x: x.T)
    check_op(lambda x: x.transpose([1, 0]), [m], lambda x: x.T)


def test_transpose_errors():
    x = T.dtensor3("x")
    for bad in [(0, 1), (0, 0, 1), (0, 1, 3), (0, 1, -4)]:
        with raises_naming(ValueError, "transpose", str(bad), "'x'"):
            x.transpose(bad)


def test_shape_padding():
    v = random_array((3,), seed=1)
    check_op(lambda x: T.shape_padleft(x), [v], lambda x: x[None, :])
    check_op(lambda x: T.shape_padright(x, 2), [v], lambda x: x[:, None, None])
    check_grad(lambda x: T.shape_padleft(x, 2), [v])


def test_infer_shape_of_shape_ops():
    x = T.dtensor3("x")
    outs = [x.shape, x.flatten(2), x.dimshuffle(2, "x", 0, 1), x.T, T.stack_scalars([x.shape[0], 3])]
    check_graph(outs, [x], [X])
    node = x.dimshuffle(2, "x", 0, 1).owner
    assert node.op.infer_shape(node, [(2, 3, 4)]) == [(4, 1, 2, 3)]
    node = x.flatten(2).owner
    assert node.op.infer_shape(node, [(2, 3, 4)]) == [(2, 12)]


# --- specify_shape ----------------------------------------------------------------------

def test_specify_shape_types_checks_and_passes_the_gradient():
    x = T.dmatrix("x")
    y = T.specify_shape(x, (2, None))
    assert y.type.shape == (2, None)
    xv = random_array((2, 3), seed=41)
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        f = sc.function([x], [y * 3, sc.grad((y ** 2).sum(), x)], mode=mode)
        value, g = f(xv)
        np.testing.assert_allclose(value, xv * 3)
        np.testing.assert_allclose(g, 2 * xv)
        with raises_naming(ValueError, "specify_shape", "(3, 3)", "axis 0"):
            f(np.ones((3, 3)))
    n = T.lscalar("n")
    f = sc.function([x, n], T.specify_shape(x, (n, 3)).sum())
    assert float(f(np.ones((4, 3)), 4)) == 12.0
    with raises_naming(ValueError, "specify_shape", "axis 0"):
        f(np.ones((4, 3)), 5)
    check_grad(lambda a: T.specify_shape(a, (2, 3)) ** 2, [xv])


def test_specify_shape_refuses_what_the_static_shape_contradicts():
    with raises_naming(ValueError, "specify_shape", "size 3 on axis 1, not 4"):
        T.specify_shape(T.dmatrix("x", shape=(None, 3)), (None, 4))
    with raises_naming(ValueError, "specify_shape", "1 sizes", "2 dimensions"):
        T.specify_shape(T.dmatrix("x"), (2,))
    with raises_naming(TypeError, "specify_shape", "integer scalar"):
        T.specify_shape(T.dmatrix("x"), (T.dscalar("s"), None))


def test_theano_broadcast_patterns():
    import symconv.theano.tensor as TT
    x = TT.dmatrix("x")
    row = TT.addbroadcast(x, 0)
    assert row.broadcastable == (True, False)
    assert TT.unbroadcast(row, 0).broadcastable == (False, False)
    assert TT.patternbroadcast(x, (False, True)).type.shape == (None, 1)
    f = sc.function([x], sc.grad((TT.unbroadcast(TT.addbroadcast(x, 0), 0) * 2).sum(), x))
    np.testing.assert_array_equal(f(np.ones((1, 3))), np.full((1, 3), 2.0))
    with raises_naming(ValueError, "specify_shape", "axis 0"):
        f(np.ones((2, 3)))
