"""The conv-pool rewrite: network3's ConvPoolLayer and its gradient as two fused nodes."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from symconv.ops.conv import Conv2d, Conv2dGradInputs, Conv2dGradWeights
from symconv.ops.convpool import ConvPool, ConvPoolGrad
from symconv.ops.pool import MaxPoolGrad, Pool
from tests.helpers import check_rewrite, compiled_ops

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 2, 9, 9))
X[:, :, :3, :3] = 0.0                    # blank corners: windows of tied maxima, as MNIST has
W = RNG.standard_normal((4, 2, 3, 3)) * 0.5
B = RNG.standard_normal(4)
UNFUSED = (Conv2d, Pool, MaxPoolGrad, Conv2dGradWeights, Conv2dGradInputs)


def _conv(static, border_mode="valid"):
    """The layer's shared variables (with their shapes, or unknown ones) and its conv2d."""
    shapes = {"w": W.shape, "b": B.shape, "x": X.shape} if static else {}
    w = sc.shared(W, name="w", shape=shapes.get("w"))
    b = sc.shared(B, name="b", shape=shapes.get("b"))
    x = sc.shared(X, name="x", shape=shapes.get("x"))
    hints = dict(filter_shape=W.shape, input_shape=X.shape) if static else {}
    return w, b, x, nnet.conv2d(x, w, border_mode=border_mode, **hints)


def _layer(act, bias=True, border_mode="valid", ws=(2, 2), with_gx=True, cost_of=None,
           static=True):
    def build(mode):
        w, b, x, c = _conv(static, border_mode)
        p = nnet.pool_2d(c, ws=ws, ignore_border=True)
        z = p + b.dimshuffle("x", 0, "x", "x") if bias else p
        out = act(z) if act else z
        cost = ((out - 0.3) ** 2).sum() if cost_of is None else cost_of(out)
        params = [w, b, x] if with_gx else [w, b]
        if not bias:
            params.remove(b)
        grads = sc.grad(cost, params)
        updates = [(q, q - 0.01 * g) for q, g in zip(params, grads)]
        return sc.function([], [out, cost], updates=updates, mode=mode), params
    return build


@pytest.mark.parametrize("act", [nnet.relu, nnet.sigmoid, T.tanh, None])
def test_conv_pool_bias_activation_and_gradient_fuse(act):
    f = check_rewrite(_layer(act), calls=[()] * 2, present=(ConvPool, ConvPoolGrad),
                      absent=UNFUSED, rtol=1e-10, atol=1e-12)
    (fwd,) = [op for op in compiled_ops(f) if isinstance(op, ConvPool)]
    assert fwd.bias and fwd.keep_for_grad and fwd.act == {nnet.relu: "relu", nnet.sigmoid: "sigmoid",
                                                 T.tanh: "tanh", None: None}[act]
    (bwd,) = [op for op in compiled_ops(f) if isinstance(op, ConvPoolGrad)]
    assert bwd.want == ("gw", "gx")
    assert not fwd.window_major and not bwd.window_major   # col2im needs the plain order
    assert f.rewrites.fired("conv_pool") == 1


@pytest.mark.parametrize("act", [nnet.relu, lambda z: T.maximum(0, z), lambda z: T.maximum(z, 0.0)],
                         ids=["relu", "maximum(0, z)", "maximum(z, 0.0)"])
def test_hand_written_layer_without_static_shapes_fuses_once(act):
    # shapes unknown until run time: the bias gradient reads the pooled values for
    # their shape (sum_to(g, p)), which must not keep a second forward alive
    f = check_rewrite(_layer(act, static=False), calls=[()] * 2, present=(ConvPool, ConvPoolGrad),
                      absent=UNFUSED, rtol=1e-10, atol=1e-12)
    ops = compiled_ops(f)
    assert sum(isinstance(op, ConvPool) for op in ops) == 1
    assert sum(isinstance(op, ConvPoolGrad) for op in ops) == 1
    (fwd,) = [op for op in ops if isinstance(op, ConvPool)]
    assert fwd.act == "relu" and fwd.bias and fwd.keep_for_grad
    assert f.rewrites.fired("conv_pool") == 1


def test_without_bias_odd_sizes_and_padding():
    # a 7x7 conv output pooled 2x2 drops its last row and column
    f = check_rewrite(_layer(nnet.relu, bias=False, border_mode=(1, 1)), calls=[()] * 2,
                      present=(ConvPool, ConvPoolGrad), absent=UNFUSED, rtol=1e-10, atol=1e-12)
    (fwd,) = [op for op in compiled_ops(f) if isinstance(op, ConvPool)]
    assert not fwd.bias and fwd.act is None   # no bias: the activation stays elementwise


def test_first_layer_needs_no_input_gradient():
    f = check_rewrite(_layer(nnet.relu, with_gx=False), calls=[()] * 2,
                      present=(ConvPoolGrad,), absent=UNFUSED, rtol=1e-10, atol=1e-12)
    (bwd,) = [op for op in compiled_ops(f) if isinstance(op, ConvPoolGrad)]
    assert bwd.want == ("gw",)
    (fwd,) = [op for op in compiled_ops(f) if isinstance(op, ConvPool)]
    assert fwd.window_major and bwd.window_major            # pooling over contiguous slabs


@pytest.mark.parametrize("border_mode,ws", [((1, 1), (2, 2)), ("valid", (2, 3))])
def test_window_major_first_layers_with_odd_sizes(border_mode, ws):
    f = check_rewrite(_layer(nnet.relu, with_gx=False, border_mode=border_mode, ws=ws),
                      calls=[()] * 2, present=(ConvPoolGrad,), absent=UNFUSED, rtol=1e-10,
                      atol=1e-12)
    assert all(op.window_major for op in compiled_ops(f)
               if isinstance(op, (ConvPool, ConvPoolGrad)))


def test_forward_only_function():
    x = T.tensor4("x", dtype="float64")
    w = sc.shared(W)
    out = nnet.relu(nnet.max_pool_2d(nnet.conv2d(x, w), ds=(2, 2)))
    f = sc.function([x], out)
    (fwd,) = [op for op in compiled_ops(f) if isinstance(op, ConvPool)]
    assert not fwd.keep_for_grad and len(f.fgraph.nodes[0].outputs) == 1 and fwd.window_major
    ref = sc.function([x], out, mode="FAST_COMPILE")
    np.testing.assert_allclose(f(X), ref(X), rtol=1e-12)


def test_overlapping_windows_and_other_uses_are_left_alone():
    x = T.tensor4("x", dtype="float64")
    w = sc.shared(W)
    c = nnet.conv2d(x, w)
    overlapping = nnet.pool_2d(c, ws=(3, 3), stride=(1, 1))
    f = sc.function([x], overlapping.sum())
    assert not any(isinstance(op, ConvPool) for op in compiled_ops(f))
    pooled = nnet.max_pool_2d(c, ds=(2, 2))
    g = sc.function([x], [pooled.sum(), c.sum()])     # the convolution is needed on its own
    assert not any(isinstance(op, ConvPool) for op in compiled_ops(g))
    np.testing.assert_allclose(g(X)[1], sc.function([x], c.sum(), mode="FAST_COMPILE")(X))


def test_can_be_switched_off():
    f, _ = _layer(nnet.relu)(sc.Mode(exclude=["convpool"]))
    ops = compiled_ops(f)
    assert not any(isinstance(op, (ConvPool, ConvPoolGrad)) for op in ops)
    assert any(isinstance(op, MaxPoolGrad) for op in ops)


def test_ties_get_the_full_gradient_as_in_the_reference():
    # every window of a blank image ties at 0: each tied position gets the gradient
    def cost_of(out):
        return out.sum()
    check_rewrite(_layer(None, bias=False, cost_of=cost_of), calls=[()], present=(ConvPoolGrad,),
                  rtol=1e-12, atol=1e-12)


ORDERS = {
    "pool, +b, act": lambda c, b, act: act(nnet.pool_2d(c, (2, 2), ignore_border=True) + b),
    "+b, pool, act": lambda c, b, act: act(nnet.pool_2d(c + b, (2, 2), ignore_border=True)),
    "+b, pool": lambda c, b, act: nnet.pool_2d(c + b, (2, 2), ignore_border=True),
    "+b, act, pool": lambda c, b, act: nnet.pool_2d(act(c + b), (2, 2), ignore_border=True),
}
ACTS = {"relu": nnet.relu, "maximum(z, 0)": lambda z: T.maximum(z, 0), "sigmoid": nnet.sigmoid,
        "tanh": T.tanh}


def _ordered_layer(order, act, with_gx=True, static=True, extra=None):
    def build(mode):
        w, b, x, c = _conv(static)
        out = ORDERS[order](c, b.dimshuffle("x", 0, "x", "x"), ACTS[act])
        cost = ((out - 0.3) ** 2).sum()
        if extra is not None:
            cost = cost + extra(c, b.dimshuffle("x", 0, "x", "x"))
        params = [w, b, x] if with_gx else [w, b]
        grads = sc.grad(cost, params)
        updates = [(q, q - 0.01 * g) for q, g in zip(params, grads)]
        return sc.function([], [out, cost], updates=updates, mode=mode), params
    return build


@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize("order", sorted(ORDERS))
def test_every_order_of_bias_activation_and_pooling_fuses(order, act):
    # X's blank corner makes windows of tied maxima: a bias added before the pooling
    # gets the gradient of each tied position, as the unfused graph gives it
    f = check_rewrite(_ordered_layer(order, act), calls=[()] * 2,
                      present=(ConvPool, ConvPoolGrad), absent=UNFUSED, rtol=1e-10, atol=1e-12)
    ops = compiled_ops(f)
    (fwd,) = [op for op in ops if isinstance(op, ConvPool)]
    # the activation is in the kernel wherever it is written
    assert fwd.act == (None if order == "+b, pool" else
                       {"relu": "relu", "maximum(z, 0)": "relu"}.get(act, act))
    (bwd,) = [op for op in ops if isinstance(op, ConvPoolGrad)]
    assert bwd.want == (("gw", "gx") if order == "pool, +b, act" else ("gw", "gx", "gb"))


@pytest.mark.parametrize("order", ["+b, act, pool", "+b, pool"])
def test_a_first_layer_in_pytorch_order_gets_window_major_patches(order):
    f = check_rewrite(_ordered_layer(order, "relu", with_gx=False), calls=[()] * 2,
                      present=(ConvPool, ConvPoolGrad), absent=UNFUSED, rtol=1e-10, atol=1e-12)
    (fwd,) = [op for op in compiled_ops(f) if isinstance(op, ConvPool)]
    (bwd,) = [op for op in compiled_ops(f) if isinstance(op, ConvPoolGrad)]
    assert fwd.window_major and bwd.window_major and bwd.want == ("gw", "gb")


def test_pytorch_order_without_static_shapes_fuses_once():
    f = check_rewrite(_ordered_layer("+b, act, pool", "relu", static=False), calls=[()] * 2,
                      present=(ConvPool, ConvPoolGrad), absent=UNFUSED, rtol=1e-10, atol=1e-12)
    assert sum(isinstance(op, ConvPool) for op in compiled_ops(f)) == 1


def test_values_before_the_pooling_read_elsewhere_keep_the_layer_unfused():
    # the cost also reads conv + b: it must be computed at full resolution anyway
    f = check_rewrite(_ordered_layer("+b, act, pool", "relu",
                                     extra=lambda c, b: 0.1 * ((c + b) ** 2).sum()),
                      calls=[()] * 2, rtol=1e-10, atol=1e-12)
    assert not any(isinstance(op, ConvPool) for op in compiled_ops(f))
