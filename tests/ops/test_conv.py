"""conv2d and its gradient ops against loop-based references, finite differences,
static shapes, and every bad input the op must reject."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from symconv.ops.conv import Conv2d, Conv2dGradInputs, Conv2dGradWeights
from symconv.graph.traversal import toposort
from tests.helpers import check_grad, check_op, raises_naming, random_array
from tests.reference import reference_conv2d, reference_grads

BORDER_MODES = ["valid", "full", "half", 1, (2, 1)]
STRIDES = [(1, 1), (2, 2), (2, 3)]


# --- loop-based references ------------------------------------------------------------


X = random_array((2, 3, 7, 6), seed=1)
W = random_array((4, 3, 3, 2), seed=2)


# --- forward --------------------------------------------------------------------------

@pytest.mark.parametrize("border_mode", BORDER_MODES, ids=str)
@pytest.mark.parametrize("stride", STRIDES, ids=str)
@pytest.mark.parametrize("flip", [True, False])
def test_conv2d_matches_loops(border_mode, stride, flip):
    check_op(lambda x, w: nnet.conv2d(x, w, border_mode=border_mode, subsample=stride,
                                      filter_flip=flip),
             [X, W], lambda x, w: reference_conv2d(x, w, border_mode, stride, flip))


def test_conv2d_float32_stays_float32_and_accepts_any_memory_layout():
    x = random_array((3, 2, 9, 8), dtype="float32", seed=3)
    w = random_array((5, 2, 4, 3), dtype="float32", seed=4)
    xs, ws = T.ftensor4("x"), T.ftensor4("w")
    f = sc.function([xs, ws], nnet.conv2d(xs, ws, border_mode=(1, 2), subsample=(2, 1)))
    want = reference_conv2d(x.astype("float64"), w.astype("float64"), (1, 2), (2, 1))
    for layout in (x, np.asfortranarray(x), x.transpose(1, 2, 3, 0).copy().transpose(3, 0, 1, 2),
                   x[:, :, ::-1][:, :, ::-1]):
        y = f(layout, w)
        assert y.dtype == np.float32
        np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


def test_grad_ops_match_loops():
    for border_mode, stride, flip in [("valid", (1, 1), True), ("full", (2, 2), False),
                                      ((2, 1), (2, 3), True), ("half", (1, 2), True)]:
        gy = random_array(reference_conv2d(X, W, border_mode, stride).shape, seed=5)
        want_gx, want_gw = reference_grads(X, W, gy, border_mode, stride, flip)
        op = Conv2d(border_mode, stride, flip)
        shape = np.array(X.shape[2:], dtype="int64"), np.array(W.shape[2:], dtype="int64")
        check_op(lambda w, g, s: op._same(Conv2dGradInputs)(w, g, s), [W, gy, shape[0]],
                 lambda *_: want_gx)
        check_op(lambda x, g, s: op._same(Conv2dGradWeights)(x, g, s), [X, gy, shape[1]],
                 lambda *_: want_gw)


def test_network3_call_form_and_static_shapes():
    x = T.matrix("x")
    w = sc.shared(np.zeros((20, 1, 5, 5), dtype="float32"), name="w")
    image = x.reshape((10, 1, 28, 28))
    y = nnet.conv2d(input=image, filters=w, filter_shape=(20, 1, 5, 5), image_shape=(10, 1, 28, 28))
    assert y.type.shape == (10, 20, 24, 24) and y.dtype == "float32"
    y2 = nnet.conv2d(T.tensor4(shape=(None, 3, 8, 8)), T.tensor4(shape=(6, 3, 3, 3)),
                     border_mode="full", subsample=(2, 2))
    assert y2.type.shape == (None, 6, 5, 5)
    y3 = nnet.conv2d(T.tensor4(shape=(None, 3, 8, 7)), T.tensor4(), filter_shape=(6, 3, 3, 3),
                     border_mode="half")
    assert y3.type.shape == (None, 6, 8, 7)


def test_gradient_graph_shows_the_gradient_ops():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    gx, gw = sc.grad(nnet.conv2d(x, w).sum(), [x, w])
    ops = {type(node.op) for node in toposort([gx, gw])}
    assert {Conv2dGradInputs, Conv2dGradWeights} <= ops
    text = sc.printing.debugprint([gx, gw], file="str")
    assert "conv2d_grad_inputs{valid}" in text and "conv2d_grad_weights{valid}" in text


# --- gradients by finite differences ------------------------------------------------------

@pytest.mark.parametrize("border_mode,stride,flip", [
    ("valid", (1, 1), True), ("full", (1, 1), False), ("half", (2, 2), True),
    ((1, 2), (2, 3), True), ("valid", (3, 2), False)], ids=str)
def test_conv2d_gradient(border_mode, stride, flip):
    x, w = random_array((2, 2, 6, 5), seed=6), random_array((3, 2, 3, 2), seed=7)
    check_grad(lambda x, w: nnet.conv2d(x, w, border_mode=border_mode, subsample=stride,
                                        filter_flip=flip), [x, w])


@pytest.mark.parametrize("border_mode,stride", [("valid", (1, 1)), ((1, 2), (2, 2))], ids=str)
def test_gradient_ops_are_differentiable(border_mode, stride):
    op = Conv2d(border_mode, stride)
    x, w = random_array((2, 2, 6, 5), seed=8), random_array((3, 2, 3, 2), seed=9)
    gy = random_array(reference_conv2d(x, w, border_mode, stride).shape, seed=10)
    check_grad(lambda x, g: op._same(Conv2dGradWeights)(x, g, np.array([3, 2])), [x, gy])
    check_grad(lambda w, g: op._same(Conv2dGradInputs)(w, g, np.array([6, 5])), [w, gy])


def test_second_order_gradient_of_a_convolution():
    # d/dw of sum(grad_x(sum(conv(x, w)**2))**2): goes through GradInputs' own gradient
    def fn(x, w):
        y = nnet.conv2d(x, w, subsample=(2, 1))
        gx = sc.grad((y ** 2).sum(), x)
        return (gx ** 2).sum()
    check_grad(fn, [random_array((1, 2, 5, 5), seed=11), random_array((2, 2, 2, 2), seed=12)])


# --- bad input -----------------------------------------------------------------------------

def test_channel_mismatch_at_build_time():
    with raises_naming(ValueError, "conv2d", "3 channels", "expect 2", "(4, 2, 3, 3)"):
        nnet.conv2d(T.tensor4(shape=(None, 3, 8, 8)), T.tensor4(shape=(4, 2, 3, 3)))


def test_channel_mismatch_at_run_time():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    f = sc.function([x, w], nnet.conv2d(x, w))
    with raises_naming(ValueError, "conv2d", "3 channels", "expect 2"):
        f(np.zeros((1, 3, 5, 5)), np.zeros((4, 2, 3, 3)))


@pytest.mark.parametrize("border_mode,size", [("valid", 4), ((1, 0), 2)], ids=str)
def test_window_larger_than_padded_input(border_mode, size):
    with raises_naming(ValueError, "conv2d", "larger than the padded input", "5 rows"):
        nnet.conv2d(T.tensor4(shape=(1, 1, size, 9)), T.tensor4(shape=(1, 1, 5, 5)),
                    border_mode=border_mode)


def test_window_larger_than_input_at_run_time():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    f = sc.function([x, w], nnet.conv2d(x, w))
    with raises_naming(ValueError, "larger than the padded input"):
        f(np.zeros((1, 1, 3, 9)), np.zeros((1, 1, 5, 5)))


@pytest.mark.parametrize("stride", [0, (1, 0), (-1, 1), (1.5, 1), (1, 2, 3)], ids=str)
def test_bad_stride(stride):
    with raises_naming(ValueError, "conv2d", "subsample"):
        nnet.conv2d(T.tensor4(), T.tensor4(), subsample=stride)


@pytest.mark.parametrize("mode", ["same", "VALID", -1, (1, -2), (1, 2, 3), 1.5], ids=str)
def test_bad_border_mode(mode):
    with raises_naming(ValueError, "conv2d", "border_mode" if mode != (1, -2) else "padding"):
        nnet.conv2d(T.tensor4(), T.tensor4(), border_mode=mode)


def test_declared_shapes_must_agree_with_static_shapes():
    x = T.tensor4(shape=(10, 1, 28, 28))
    with raises_naming(ValueError, "conv2d", "input", "(10, 1, 32, 32)"):
        nnet.conv2d(x, T.tensor4(), input_shape=(10, 1, 32, 32))
    with raises_naming(ValueError, "filters", "(20, 1, 3, 3)"):
        nnet.conv2d(x, T.tensor4(shape=(20, 1, 5, 5)), filter_shape=(20, 1, 3, 3))
    with raises_naming(ValueError, "image_shape", "input_shape"):
        nnet.conv2d(x, T.tensor4(), input_shape=(10, 1, 28, 28), image_shape=(5, 1, 28, 28))
    with raises_naming(ValueError, "filter_shape", "4 entries"):
        nnet.conv2d(x, T.tensor4(), filter_shape=(20, 5, 5))


def test_declared_shapes_are_checked_at_run_time():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    f = sc.function([x, w], nnet.conv2d(x, w, input_shape=(2, 1, 6, 6)))
    assert f(np.zeros((2, 1, 6, 6)), np.zeros((1, 1, 3, 3))).shape == (2, 1, 4, 4)
    with raises_naming(ValueError, "conv2d", "(3, 1, 6, 6)", "declared input shape"):
        f(np.zeros((3, 1, 6, 6)), np.zeros((1, 1, 3, 3)))


def test_inputs_must_be_4d_float_tensors():
    with raises_naming(TypeError, "conv2d", "input", "4-d"):
        nnet.conv2d(T.matrix(), T.tensor4())
    with raises_naming(TypeError, "conv2d", "filters", "float"):
        nnet.conv2d(T.tensor4(), T.itensor4())


def test_output_gradient_of_wrong_shape():
    op = Conv2d()
    x, g = T.dtensor4("x"), T.dtensor4("g")
    f = sc.function([x, g], op._same(Conv2dGradWeights)(x, g, np.array([3, 3])))
    with raises_naming(ValueError, "conv2d_grad_weights", "output gradient", "(1, 2, 4, 4)"):
        f(np.zeros((1, 1, 6, 6)), np.zeros((1, 2, 5, 5)))


def test_props_make_equal_ops_equal():
    assert Conv2d("valid", 1) == Conv2d((0, 0), (1, 1))
    assert Conv2d("full") != Conv2d("valid")
    assert len({Conv2d(), Conv2d(), Conv2d(subsample=2)}) == 2
    assert str(Conv2d((1, 2), (2, 1), False)) == "conv2d{pad=(1,2),stride=(2,1),no_flip}"
