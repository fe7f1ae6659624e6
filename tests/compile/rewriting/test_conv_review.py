"""conv_bias_pool's edge cases, found by review: a bias of one value for every
filter, derivative pieces read elsewhere, and gradients that overflow."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from symconv.ops.conv import Conv2d
from symconv.ops.convpool import ConvPool
from tests.helpers import compiled_ops

RNG = np.random.default_rng(1)
X = RNG.standard_normal((3, 2, 9, 9))
X[:, :, :4, :4] = 0.0
W = RNG.standard_normal((4, 2, 3, 3)) * 0.5
B = RNG.standard_normal(4)


def _build(mode, bias, bshape, with_grad):
    x, w = sc.shared(X, name="x", shape=X.shape), sc.shared(W, name="w", shape=W.shape)
    b = sc.shared(bias, name="b", shape=bshape)
    c = nnet.conv2d(x, w, filter_shape=W.shape, input_shape=X.shape)
    y = nnet.pool_2d(nnet.relu(c + b.dimshuffle("x", 0, "x", "x")), (2, 2), ignore_border=True)
    cost = ((y - 0.3) ** 2).sum()
    outs = [y, cost] + (sc.grad(cost, [w, b]) if with_grad else [])
    return sc.function([], outs, mode=mode)


@pytest.mark.parametrize("bshape", [(1,), None], ids=["static (1,)", "unknown shape"])
@pytest.mark.parametrize("with_grad", [False, True], ids=["forward", "with gradient"])
def test_length_one_bias_broadcast_over_filters(bshape, with_grad):
    # b of length 1, dimshuffled to (1, 1, 1, 1), broadcasts over the 4 filters: the
    # reference computes it; the fused ConvPool does b.reshape(F, 1, 1, 1) (and the
    # gradient would be per filter, shape (4,), where b's is (1,)).
    bias = np.array([0.7])
    want = _build("FAST_COMPILE", bias, bshape, with_grad)()
    got = _build("FAST_RUN", bias, bshape, with_grad)()
    for g, r in zip(got, want):
        assert np.shape(g) == np.shape(r)
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("act,monitor", [
    (nnet.sigmoid, lambda a, z: (1 - a).mean()),
    (T.tanh, lambda a, z: (1.0 - T.sqr(a)).sum()),
    (nnet.relu, lambda a, z: T.ge(0, z).mean()),
], ids=["sigmoid 1-a", "tanh 1-a^2", "relu ge(0,z)"])
def test_full_resolution_read_through_the_gradients_inner_nodes_keeps_it_unfused(act, monitor):
    # an extra output equal to a sub-expression of the activation's derivative (merged
    # with the gradient's own node) reads a / z at full resolution; those inner nodes
    # count as "replaced" readers, so the rewrite fires and the graph computes the
    # convolution twice (ConvPool and a Conv2d kept for the extra output)
    def build(mode):
        x, w = sc.shared(X, name="x", shape=X.shape), sc.shared(W, name="w", shape=W.shape)
        b = sc.shared(B, name="b", shape=B.shape)
        z = nnet.conv2d(x, w, filter_shape=W.shape, input_shape=X.shape) + \
            b.dimshuffle("x", 0, "x", "x")
        a = act(z)
        y = nnet.pool_2d(a, (2, 2), ignore_border=True)
        cost = ((y - 0.3) ** 2).sum()
        return sc.function([], [y, cost, monitor(a, z)] + sc.grad(cost, [w, b, x]), mode=mode)
    f, ref = build("FAST_RUN"), build("FAST_COMPILE")
    for g, r in zip(f(), ref()):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)   # values are right
    ops = compiled_ops(f)
    assert not (any(isinstance(op, ConvPool) for op in ops) and
                any(isinstance(op, Conv2d) for op in ops)), [str(op) for op in ops]


@pytest.mark.parametrize("order", ["pytorch", "network3"])
def test_an_overflowing_gradient(order):
    # exp(1000 y) overflows: the pooled gradient holds infinities. In network3's order
    # the fused gradient has the unfused graph's infinities and NaNs exactly; in
    # PyTorch's order the unfused graph's ReLU derivative, applied at full resolution,
    # turns some of the spread's NaNs (0 * inf) back into 0, which the fused kernel,
    # applying it to the pooled values, cannot: there FAST_RUN has NaN where the
    # reference has 0 or inf (the README says so), and agrees wherever both are finite
    def build(mode):
        x, w = sc.shared(X, name="x", shape=X.shape), sc.shared(W, name="w", shape=W.shape)
        b = sc.shared(B, name="b", shape=B.shape)
        c = nnet.conv2d(x, w, filter_shape=W.shape, input_shape=X.shape)
        bias = b.dimshuffle("x", 0, "x", "x")
        if order == "pytorch":
            y = nnet.pool_2d(nnet.relu(c + bias), (2, 2), ignore_border=True)
        else:
            y = nnet.relu(nnet.pool_2d(c, (2, 2), ignore_border=True) + bias)
        cost = T.exp(y * 1000).sum()
        return sc.function([], sc.grad(cost, [w, b, x]), mode=mode)
    with np.errstate(over="ignore", invalid="ignore"):
        f, ref = build("FAST_RUN"), build("FAST_COMPILE")
        got, want = f(), ref()
    assert any(isinstance(op, ConvPool) for op in compiled_ops(f))
    assert not np.isfinite(want[2]).all()
    for g, r in zip(got, want):
        both = np.isfinite(g) & np.isfinite(r)
        np.testing.assert_allclose(g[both], r[both], rtol=1e-10)
        if order == "network3":
            np.testing.assert_array_equal(np.isnan(g), np.isnan(r))
            np.testing.assert_array_equal(np.isinf(g), np.isinf(r))
        else:
            assert not (np.isfinite(g) & ~np.isfinite(r)).any()   # no overflow hidden
