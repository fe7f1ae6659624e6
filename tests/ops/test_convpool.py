"""The fused conv-pool kernels against the separate network ops and finite differences."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from symconv.ops.conv import Conv2d
from symconv.ops.convpool import ConvPool, ConvPoolGrad, convpool_backward, convpool_forward

RNG = np.random.default_rng(0)


def _reference(x, w, b, act, border_mode, ws):
    """Output and input/filter gradients of sum(out * r) through the separate ops."""
    xs, ws_, bs = T.dtensor4("x"), T.dtensor4("w"), T.dvector("b")
    pooled = nnet.pool_2d(nnet.conv2d(xs, ws_, border_mode=border_mode), ws=ws)
    z = pooled + bs.dimshuffle("x", 0, "x", "x")
    out = {None: lambda v: v, "relu": nnet.relu, "sigmoid": nnet.sigmoid, "tanh": T.tanh}[act](z)
    r = T.dtensor4("r")
    grads = sc.grad((out * r).sum(), [xs, ws_, pooled])
    return sc.function([xs, ws_, bs, r], [out] + grads, mode="FAST_COMPILE")


@pytest.mark.parametrize("act,border_mode,ws,size", [
    ("relu", "valid", (2, 2), 8), ("sigmoid", "valid", (2, 2), 9), ("tanh", (1, 1), (2, 3), 7),
    (None, "full", (3, 3), 6)])
def test_forward_and_backward_equal_the_separate_ops(act, border_mode, ws, size):
    x = RNG.standard_normal((3, 2, size, size))
    x[0, :, :4, :4] = 0.0                          # tied maxima
    w = RNG.standard_normal((4, 2, 3, 3))
    b = RNG.standard_normal(4)
    ref = _reference(x, w, b, act, border_mode, ws)
    conv = Conv2d(border_mode=border_mode)
    out, pre, mask, cols = convpool_forward(x, w, b, conv, ws, act)
    r = RNG.standard_normal(out.transpose(3, 0, 1, 2).shape)
    want_out, want_gx, want_gw, want_gpooled = ref(x, w, b, r)
    np.testing.assert_allclose(out.transpose(3, 0, 1, 2), want_out, rtol=1e-12, atol=1e-12)
    got = convpool_backward(want_gpooled, mask, cols, x.shape, w, conv, ws, ("gw", "gx"))
    np.testing.assert_allclose(got["gw"], want_gw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got["gx"], want_gx, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("act,border_mode,ws,size,stride", [
    ("relu", "valid", (2, 2), 8, (1, 1)), ("sigmoid", "valid", (2, 2), 9, (1, 1)),
    ("tanh", (1, 1), (2, 3), 7, (1, 1)), (None, "full", (3, 3), 6, (1, 1)),
    ("relu", "valid", (2, 2), 11, (2, 1))])
def test_window_major_order_computes_the_same(act, border_mode, ws, size, stride):
    x = RNG.standard_normal((3, 2, size, size))
    x[0, :, :4, :4] = 0.0                          # tied maxima
    w = RNG.standard_normal((4, 2, 3, 3))
    b = RNG.standard_normal(4)
    conv = Conv2d(border_mode=border_mode, subsample=stride)
    out, pre, mask, cols = convpool_forward(x, w, b, conv, ws, act)
    wout, wpre, wmask, wcols = convpool_forward(x, w, b, conv, ws, act, window_major=True)
    np.testing.assert_allclose(wout, out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(wpre, pre, rtol=1e-12, atol=1e-14)
    pooled = out.shape[1] * out.shape[2] * out.shape[3]
    assert wmask.shape == (4, ws[0] * ws[1], pooled) and wcols.shape == (18, ws[0] * ws[1] * pooled)
    # the mask marks the same positions, reordered (F, u, v, OH, OW, B)
    oh, ow = out.shape[1] * ws[0], out.shape[2] * ws[1]
    same = mask[:, :oh, :ow].reshape(4, out.shape[1], ws[0], out.shape[2], ws[1], 3)
    np.testing.assert_array_equal(wmask, same.transpose(0, 2, 4, 1, 3, 5).reshape(wmask.shape))
    g = RNG.standard_normal(out.transpose(3, 0, 1, 2).shape)
    want = convpool_backward(g, mask, cols, x.shape, w, conv, ws, ("gw",))["gw"]
    got = convpool_backward(g, wmask, wcols, x.shape, w, conv, ws, ("gw",), window_major=True)
    np.testing.assert_allclose(got["gw"], want, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="no input gradient"):
        convpool_backward(g, wmask, wcols, x.shape, w, conv, ws, ("gw", "gx"),
                          window_major=True)


def test_backward_by_finite_differences():
    x = RNG.standard_normal((2, 1, 6, 6))
    w = RNG.standard_normal((3, 1, 3, 3))
    conv = Conv2d()
    out, pre, mask, cols = convpool_forward(x, w, None, conv, (2, 2), None)
    g = RNG.standard_normal(out.transpose(3, 0, 1, 2).shape)
    got = convpool_backward(g, mask, cols, x.shape, w, conv, (2, 2), ("gw", "gx"))

    def cost(xv, wv):
        o = convpool_forward(xv, wv, None, conv, (2, 2), None, want_mask=False)[0]
        return float((o.transpose(3, 0, 1, 2) * g).sum())
    eps = 1e-6
    for name, arr, grad in (("gx", x, got["gx"]), ("gw", w, got["gw"])):
        direction = RNG.standard_normal(arr.shape)
        plus = cost(x + eps * direction, w) if name == "gx" else cost(x, w + eps * direction)
        minus = cost(x - eps * direction, w) if name == "gx" else cost(x, w - eps * direction)
        np.testing.assert_allclose((plus - minus) / (2 * eps), (grad * direction).sum(),
                                   rtol=1e-6, err_msg=name)


def test_ops_and_their_types():
    x = T.tensor4("x", dtype="float32", shape=(10, 1, 28, 28))
    w = sc.shared(np.zeros((20, 1, 5, 5), "float32"), shape=(20, 1, 5, 5))
    b = sc.shared(np.zeros(20, "float32"), shape=(20,))
    op = ConvPool(Conv2d(), (2, 2), "relu", bias=True, keep_for_grad=True)
    out, pre, mask, cols = op(x, w, b)
    assert out.type.short() == "f32[10,20,12,12]" == pre.type.short()
    assert mask.type.short() == "b1[10,20,24,24]" and cols.type.short() == "f32[25,5760]"
    assert str(op) == "conv_pool{conv2d{valid},maxpool(2,2),bias,relu,+grad}"
    gw, gx = ConvPoolGrad(Conv2d(), (2, 2))(out, mask, cols, x, w)
    assert gw.type.short() == "f32[20,1,5,5]" and gx.type.short() == "f32[10,1,28,28]"
    wm = ConvPool(Conv2d(), (2, 2), "relu", bias=True, keep_for_grad=True, window_major=True)
    _, _, wmask, wcols = wm(x, w, b)
    assert wmask.type.short() == "b1[20,4,1440]" and wcols.type.short() == "f32[25,5760]"
    assert str(wm) == "conv_pool{conv2d{valid},maxpool(2,2),windows,bias,relu,+grad}"
    wgw = ConvPoolGrad(Conv2d(), (2, 2), ("gw",), window_major=True)(out, wmask, wcols, x, w)
    assert wgw.type.short() == "f32[20,1,5,5]"
    with pytest.raises(ValueError, match="no input gradient"):
        ConvPoolGrad(Conv2d(), (2, 2), ("gw", "gx"), window_major=True)
    values = sc.function([], [out, gw], mode="FAST_COMPILE", givens={
        x: T.constant(RNG.standard_normal((10, 1, 28, 28)).astype("float32"))})()
    assert values[0].dtype == np.float32 and values[0].shape == (10, 20, 12, 12)
    assert (values[0] >= 0).all()


@pytest.mark.parametrize("window_major", [False, True])
@pytest.mark.parametrize("border_mode,flip", [("valid", True), ((1, 1), True), ("valid", False)])
def test_a_kept_patch_view_reads_each_calls_input(window_major, border_mode, flip):
    conv = Conv2d(border_mode=border_mode, filter_flip=flip)
    w = RNG.standard_normal((4, 2, 3, 3))
    nchw = RNG.standard_normal((3, 2, 8, 8))
    chwb = np.empty((2, 8, 8, 3)).transpose(3, 0, 1, 2)     # CHWB memory: read in place
    for x in (nchw, chwb):
        cache = {}
        for step in range(3):
            x[...] = RNG.standard_normal(x.shape)              # new values, same array
            want = convpool_forward(x, w, None, conv, (2, 2), "relu",
                                    window_major=window_major)[0]
            got = convpool_forward(x, w, None, conv, (2, 2), "relu", window_major=window_major,
                                   cache=cache)[0]
            np.testing.assert_allclose(got, want, rtol=1e-12)
            assert ("x" in cache) == (x is chwb and border_mode == "valid")


def test_the_gradient_method_is_not_shadowed_by_a_setting():
    op = ConvPool(Conv2d(), (2, 2), "relu", bias=True, keep_for_grad=True)
    assert callable(op.grad)
    with pytest.raises(NotImplementedError, match="original graph"):
        op.grad([], [], [])
