"""Pooling in every mode and its gradient ops against loop-based references,
finite differences, the max-pool tie rule, and bad input."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from symconv.graph.traversal import toposort
from symconv.ops.pool import (AveragePoolGrad, L2PoolGrad, MaxPoolGrad, MaxPoolGradGrad, Pool,
                              POOL_MODES)
from tests.helpers import check_grad, check_op, raises_naming, random_array
from tests.reference import reference_max_pool_grad, reference_pool

# (ws, stride, pad, ignore_border): disjoint, overlapping, strided gaps, padded, partial windows
GEOMETRIES = [
    ((2, 2), None, (0, 0), True),
    ((3, 2), (1, 1), (0, 0), True),
    ((2, 2), (3, 2), (0, 0), True),
    ((3, 3), (2, 2), (1, 2), True),
    ((2, 3), None, (0, 0), False),
    ((3, 2), (2, 1), (0, 0), False),
]
X = random_array((2, 3, 7, 8), seed=21)  # distinct values: no ties


# --- loop-based reference ---------------------------------------------------------------------


def geometry_id(g):
    ws, stride, pad, ib = g
    return f"ws{ws}-st{stride}-pad{pad}-{'ib' if ib else 'keep'}"


# --- forward ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", POOL_MODES)
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=geometry_id)
def test_pool_matches_loops(mode, geometry):
    ws, stride, pad, ib = geometry
    check_op(lambda x: nnet.pool_2d(x, ws=ws, ignore_border=ib, stride=stride, pad=pad, mode=mode),
             [X], lambda x: reference_pool(x, ws, stride, pad, ib, mode))


def test_pool_any_leading_dims_and_float32():
    x = random_array((5, 6), dtype="float32", seed=22)
    check_op(lambda v: nnet.pool_2d(v, ws=(2, 3), mode="average_exc_pad"), [x],
             lambda v: reference_pool(v, (2, 3), None, (0, 0), True, "average_exc_pad"))
    x5 = random_array((2, 1, 2, 4, 4), dtype="float32", seed=23)
    check_op(lambda v: nnet.pool_2d(v, mode="l2"), [x5],
             lambda v: reference_pool(v, (2, 2), None, (0, 0), True, "l2"))


def test_max_pool_of_integers_and_padding_never_wins():
    x = -random_array((1, 1, 4, 4), dtype="int32", low=1, high=50, seed=24)
    check_op(lambda v: nnet.pool_2d(v, ws=(3, 3), stride=(2, 2), pad=(1, 1)), [x],
             lambda v: reference_pool(v, (3, 3), (2, 2), (1, 1), True, "max"))


def test_max_pool_2d_spelling():
    x = T.dtensor4("x")
    f = sc.function([x], [nnet.max_pool_2d(x, ds=(2, 2), ignore_border=True),
                          nnet.max_pool_2d(x, ws=(3, 2), ignore_border=False),
                          nnet.max_pool_2d(x, (2, 2), st=(1, 1))])
    got = f(X)
    np.testing.assert_array_equal(got[0], reference_pool(X, (2, 2), None, (0, 0), True, "max"))
    np.testing.assert_array_equal(got[1], reference_pool(X, (3, 2), None, (0, 0), False, "max"))
    np.testing.assert_array_equal(got[2], reference_pool(X, (2, 2), (1, 1), (0, 0), True, "max"))


def test_static_shapes():
    x = T.tensor4(shape=(10, 20, 24, 24))
    assert nnet.max_pool_2d(x, ds=(2, 2)).type.shape == (10, 20, 12, 12)
    assert nnet.pool_2d(T.tensor4(shape=(None, 3, 7, 8)), ws=(2, 3), ignore_border=False
                        ).type.shape == (None, 3, 4, 3)
    assert nnet.pool_2d(x, ws=(3, 3), stride=(2, 2), pad=(1, 1)).type.shape == (10, 20, 12, 12)


# --- gradients ------------------------------------------------------------------------------

@pytest.mark.parametrize("geometry", GEOMETRIES, ids=geometry_id)
def test_max_pool_grad_matches_loops(geometry):
    ws, stride, pad, ib = geometry
    op = Pool(ws, ib, stride, pad, "max")
    y = reference_pool(X, ws, stride, pad, ib, "max")
    gy = random_array(y.shape, seed=25)
    check_op(lambda x, y, g: op._same(MaxPoolGrad)(x, y, g), [X, y, gy],
             lambda x, y, g: reference_max_pool_grad(x, g, ws, stride, pad, ib))


def test_max_pool_tie_rule_gives_every_tied_maximum_the_gradient():
    x = np.array([[[[1.0, 3.0, 2.0, 2.0],
                    [3.0, 0.0, 2.0, 2.0]]]])
    xs = T.dtensor4("x")
    gx = sc.function([xs], sc.grad(nnet.max_pool_2d(xs, (2, 2)).sum(), xs))(x)
    np.testing.assert_array_equal(gx, [[[[0, 1, 1, 1],
                                         [1, 0, 1, 1]]]])
    # overlapping windows: a value that is the maximum of two windows gets both gradients
    x2 = np.array([[[[0.0, 5.0, 1.0]]]])
    gx2 = sc.function([xs], sc.grad(nnet.pool_2d(xs, ws=(1, 2), stride=(1, 1)).sum(), xs))(x2)
    np.testing.assert_array_equal(gx2, [[[[0, 2, 0]]]])


@pytest.mark.parametrize("mode", POOL_MODES)
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=geometry_id)
def test_pool_gradient(mode, geometry):
    ws, stride, pad, ib = geometry
    x = random_array((1, 2, 7, 8), seed=26) + (0.0 if mode != "l2" else 0.1)
    check_grad(lambda v: nnet.pool_2d(v, ws=ws, ignore_border=ib, stride=stride, pad=pad,
                                      mode=mode), [x])


@pytest.mark.parametrize("geometry", [GEOMETRIES[0], GEOMETRIES[3], GEOMETRIES[5]],
                         ids=geometry_id)
def test_gradient_ops_are_differentiable(geometry):
    ws, stride, pad, ib = geometry
    base = Pool(ws, ib, stride, pad)
    x = random_array((1, 2, 7, 8), seed=27)
    y = reference_pool(x, ws, stride, pad, ib, "max")
    l2 = reference_pool(x, ws, stride, pad, ib, "l2")
    gy = random_array(y.shape, seed=28)
    check_grad(lambda g: base._same(MaxPoolGrad)(x, y, g), [gy])
    check_grad(lambda g: base._same(MaxPoolGradGrad)(x, y, g), [x * 0.5])
    for mode in ("sum", "average_inc_pad", "average_exc_pad"):
        check_grad(lambda g: base._same(AveragePoolGrad, mode)(x, g), [gy])
    check_grad(lambda x, y, g: base._same(L2PoolGrad, "l2")(x, y, g), [x, l2 + 0.5, gy])


def test_gradient_graphs_show_the_gradient_ops():
    x = T.dtensor4("x")
    expected = {"max": MaxPoolGrad, "sum": AveragePoolGrad, "average_inc_pad": AveragePoolGrad,
                "average_exc_pad": AveragePoolGrad, "l2": L2PoolGrad}
    for mode, op_class in expected.items():
        g = sc.grad(nnet.pool_2d(x, mode=mode).sum(), x)
        assert op_class in {type(n.op) for n in toposort([g])}, mode


def test_l2_gradient_of_an_all_zero_window_is_zero():
    x = np.zeros((1, 1, 2, 4))
    x[0, 0, :, 2:] = [[3.0, 4.0], [0.0, 0.0]]
    xs = T.dtensor4("x")
    gx = sc.function([xs], sc.grad(nnet.pool_2d(xs, mode="l2").sum(), xs))(x)
    np.testing.assert_allclose(gx, [[[[0, 0, 0.6, 0.8], [0, 0, 0, 0]]]])


# --- bad input ------------------------------------------------------------------------------

def test_window_larger_than_input():
    with raises_naming(ValueError, "pool", "window (5)", "(3, 3, 4, 4)"):
        nnet.pool_2d(T.tensor4(shape=(3, 3, 4, 4)), ws=(5, 2))
    f = sc.function([x := T.dtensor4("x")], nnet.pool_2d(x, ws=(3, 3)))
    with raises_naming(ValueError, "pool", "larger than the padded input"):
        f(np.zeros((1, 1, 2, 5)))


@pytest.mark.parametrize("kwargs,fragment", [
    (dict(mode="mean"), "unknown mode"),
    (dict(ws=(0, 2)), "ws"),
    (dict(stride=(2, -1)), "stride"),
    (dict(stride=0), "stride"),
    (dict(pad=(1, 1), ignore_border=False), "ignore_border=True"),
    (dict(pad=(2, 0)), "smaller than the window"),
    (dict(pad=(-1, 0)), "padding"),
], ids=lambda v: str(v))
def test_bad_parameters(kwargs, fragment):
    with raises_naming(ValueError, "pool", fragment):
        nnet.pool_2d(T.tensor4(), **kwargs)


def test_bad_inputs():
    with raises_naming(TypeError, "pool", "at least 2 dimensions"):
        nnet.pool_2d(T.vector())
    with raises_naming(TypeError, "pool", "float"):
        nnet.pool_2d(T.itensor4(), mode="sum")
    with raises_naming(ValueError, "max_pool_grad", "pooled shape"):
        MaxPoolGrad()(T.tensor4(shape=(1, 1, 4, 4)), T.tensor4(shape=(1, 1, 3, 2)), T.tensor4())
    with raises_naming(TypeError, "max_pool_2d", "ds"):
        nnet.max_pool_2d(T.tensor4())


def test_pooled_inputs_checked_at_run_time():
    x, y, g = T.dtensor4("x"), T.dtensor4("y"), T.dtensor4("g")
    f = sc.function([x, y, g], MaxPoolGrad()(x, y, g))
    with raises_naming(ValueError, "max_pool_grad", "output gradient", "(1, 1, 2, 2)"):
        f(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 3)))


def test_props():
    assert Pool((2, 2)) == Pool(2, True, (2, 2), 0, "max")
    assert Pool((2, 2)) != Pool((2, 2), mode="sum")
    text = str(Pool((3, 3), True, (2, 2), (1, 1), "l2"))
    assert text == "pool{l2,ws=(3,3),stride=(2,2),pad=(1,1)}"


@pytest.mark.parametrize("mode", POOL_MODES)
def test_any_memory_layout(mode):
    # conv outputs are stored channel-major with the batch innermost; the
    # gradients of tiling windows then take a path of their own
    x = random_array((3, 2, 6, 4), seed=29)
    layouts = [x, np.asfortranarray(x), x.transpose(1, 2, 3, 0).copy().transpose(3, 0, 1, 2),
               x.transpose(1, 0, 2, 3).copy().transpose(1, 0, 2, 3), x[:, :, ::-1][:, :, ::-1]]
    xs = T.dtensor4("x")
    y = nnet.pool_2d(xs, ws=(2, 2), mode=mode)
    gy = T.dtensor4("gy")
    gx = sc.grad(None, xs, known_grads={y: gy})
    f = sc.function([xs, gy], [y, gx])
    g = random_array(reference_pool(x, (2, 2), None, (0, 0), True, mode).shape, seed=30)
    want_y, want_gx = f(x, g)
    np.testing.assert_allclose(want_y, reference_pool(x, (2, 2), None, (0, 0), True, mode))
    if mode == "max":
        np.testing.assert_allclose(want_gx, reference_max_pool_grad(x, g, (2, 2), None, (0, 0),
                                                                    True))
    for layout in layouts[1:]:
        for got, want in zip(f(layout, g), (want_y, want_gx)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        for got, want in zip(f(layout, layout_of(g, layout)), (want_y, want_gx)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def layout_of(a, like):
    """``a`` copied into the memory order of ``like``."""
    order = sorted(range(like.ndim), key=lambda k: -abs(like.strides[k]))
    return a.transpose(order).copy().transpose(np.argsort(order))
