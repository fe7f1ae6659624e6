"""Follows Theano 1.0's theano/tensor/nnet/tests/test_nnet.py (T_Softmax, T_LogSoftmax,
T_CrossentropySoftmax1Hot, T_CrossentropyCategorical1Hot, test_binary_crossentropy,
test_relu) and test_conv.py's references."""
import numpy as np
import pytest

import symconv.theano as theano
import symconv.theano.tensor as T
from symconv.theano.tensor.nnet import conv

RNG = np.random.RandomState(9)
X34 = RNG.rand(3, 4)


def np_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("column", [0, 1, 2, 3])
def test_softmax_gradient_of_each_column(column):
    # T_Softmax.test0..test3: verify_grad of softmax(x)[:, k]
    theano.gradient.verify_grad(lambda a: T.nnet.softmax(a)[:, column], [X34])


def test_softmax_values_and_vector_input():
    # T_Softmax.test_vector: softmax of a row
    x = T.matrix()
    np.testing.assert_allclose(T.nnet.softmax(x).eval({x: X34}), np_softmax(X34))


@pytest.mark.parametrize("column", [0, 3])
def test_log_softmax_gradient(column):
    # T_LogSoftmax.test0, test1
    theano.gradient.verify_grad(lambda a: T.nnet.logsoftmax(a)[:, column], [X34])


def test_log_softmax_is_stable():
    # T_LogSoftmax.test_local_softmax_optimization / test_isclose: finite where softmax underflows
    x = T.matrix()
    data = np.array([[0.0, 1000.0]])
    np.testing.assert_allclose(T.nnet.logsoftmax(x).eval({x: data}), [[-1000.0, 0.0]])


def test_crossentropy_softmax_1hot():
    # T_CrossentropySoftmax1Hot.test0: nll, softmax and argmax, and the nll's gradient
    y_idx = np.array([0, 1, 3], dtype="int64")
    x, y = T.matrix(), T.lvector()
    nll, sm, am = T.nnet.crossentropy_softmax_1hot(x, y)
    f = theano.function([x, y], [nll, sm, am])
    got_nll, got_sm, got_am = f(X34, y_idx)
    want_sm = np_softmax(X34)
    np.testing.assert_allclose(got_sm, want_sm)
    np.testing.assert_allclose(got_nll, -np.log(want_sm[np.arange(3), y_idx]))
    np.testing.assert_array_equal(got_am, X34.argmax(axis=1))
    assert am.dtype == "int64"
    theano.gradient.verify_grad(lambda a: T.nnet.crossentropy_softmax_1hot(a, y_idx)[0], [X34])


def test_crossentropy_softmax_1hot_with_bias():
    # T_CrossentropySoftmax1HotWithBias.test0
    b = RNG.rand(4)
    y_idx = np.array([0, 1, 3], dtype="int64")
    theano.gradient.verify_grad(
        lambda a, c: T.nnet.crossentropy_softmax_1hot_with_bias(a, c, y_idx)[0], [X34, b])


def test_categorical_crossentropy_one_hot_labels():
    # T_CrossentropyCategorical1Hot.test_grad and its values: -log p[i, y_i]
    y_idx = np.array([1, 0, 3], dtype="int32")
    p = T.matrix()
    out = T.nnet.categorical_crossentropy(T.nnet.softmax(p), T.as_tensor_variable(y_idx))
    np.testing.assert_allclose(out.eval({p: X34}), -np.log(np_softmax(X34)[np.arange(3), y_idx]))
    theano.gradient.verify_grad(
        lambda a: T.nnet.categorical_crossentropy(T.nnet.softmax(a), y_idx), [X34])


def test_categorical_crossentropy_target_distributions():
    # test_categorical_crossentropy with a matrix of targets: -sum(t * log p, axis=1)
    targets = np_softmax(RNG.rand(3, 4))
    p, t = T.matrix(), T.matrix()
    out = T.nnet.categorical_crossentropy(p, t)
    sm = np_softmax(X34)
    np.testing.assert_allclose(out.eval({p: sm, t: targets}), -(targets * np.log(sm)).sum(axis=1))


def test_binary_crossentropy():
    # test_binary_crossentropy_reshape / T_sigmoid_binary_crossentropy: values and gradient
    out, tgt = RNG.uniform(0.1, 0.9, (5, 4)), (RNG.rand(5, 4) > 0.5).astype("float64")
    o, t = T.matrix(), T.matrix()
    got = T.nnet.binary_crossentropy(o, t).eval({o: out, t: tgt})
    np.testing.assert_allclose(got, -(tgt * np.log(out) + (1 - tgt) * np.log(1 - out)))
    theano.gradient.verify_grad(lambda a: T.nnet.binary_crossentropy(T.nnet.sigmoid(a), tgt),
                                [RNG.randn(5, 4)])


@pytest.mark.parametrize("alpha", [0, 0.1, 0.5])
def test_relu(alpha):
    # test_relu: np.maximum(X, alpha * X) for alpha <= 1 (Theano's reference)
    X = RNG.randn(20, 30)
    x = T.matrix()
    np.testing.assert_allclose(T.nnet.relu(x, alpha).eval({x: X}), np.maximum(X, alpha * X))
    theano.gradient.verify_grad(lambda a: T.nnet.relu(a, alpha), [X])


def test_sigmoid_values_and_gradient():
    # test_sigm.py T_sigmoid: 1 / (1 + exp(-x)), and its gradient
    X = RNG.randn(4, 5)
    x = T.matrix()
    np.testing.assert_allclose(T.nnet.sigmoid(x).eval({x: X}), 1 / (1 + np.exp(-X)))
    theano.gradient.verify_grad(T.nnet.sigmoid, [X])


def np_conv2d(img, kern, mode="valid"):
    """Theano test_conv.py's reference: a true convolution (kernel flipped)."""
    b, c, h, w = img.shape
    k, _, kh, kw = kern.shape
    if mode == "full":
        img = np.pad(img, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
        h, w = h + 2 * (kh - 1), w + 2 * (kw - 1)
    flipped = kern[:, :, ::-1, ::-1]
    out = np.zeros((b, k, h - kh + 1, w - kw + 1))
    for i in range(h - kh + 1):
        for j in range(w - kw + 1):
            out[:, :, i, j] = np.tensordot(img[:, :, i:i + kh, j:j + kw], flipped,
                                           axes=([1, 2, 3], [1, 2, 3]))
    return out


@pytest.mark.parametrize("mode", ["valid", "full"])
@pytest.mark.parametrize("shapes", [((3, 2, 8, 8), (4, 2, 5, 5)), ((2, 1, 6, 7), (3, 1, 2, 3))])
def test_conv2d_former_interface(mode, shapes):
    # test_conv.TestConv2D.validate: theano.tensor.nnet.conv.conv2d against the reference, with
    # image_shape and filter_shape given, positionally in Theano's order
    ishape, kshape = shapes
    img, kern = RNG.rand(*ishape), RNG.rand(*kshape)
    x, w = T.tensor4(), T.tensor4()
    out = conv.conv2d(x, w, ishape, kshape, border_mode=mode)
    np.testing.assert_allclose(theano.function([x, w], out)(img, kern),
                               np_conv2d(img, kern, mode), rtol=1e-10)


def test_conv2d_subsample_and_gradient():
    # test_conv.TestConv2D.test_subsample and validate's verify_grad
    img, kern = RNG.rand(2, 2, 7, 7), RNG.rand(3, 2, 3, 3)
    x, w = T.tensor4(), T.tensor4()
    out = T.nnet.conv2d(x, w, subsample=(2, 2)).eval({x: img, w: kern})
    np.testing.assert_allclose(out, np_conv2d(img, kern)[:, :, ::2, ::2], rtol=1e-10)
    theano.gradient.verify_grad(lambda a, b: conv.conv2d(a, b, subsample=(2, 2)), [img, kern])


def test_conv2d_shapes_as_constant_tensors():
    # test_conv.TestConv2D.test_shape_Constant_tensor: shapes given as constant tensors
    img, kern = RNG.rand(3, 2, 8, 8), RNG.rand(4, 2, 5, 5)
    x, w = T.tensor4(), T.tensor4()
    out = conv.conv2d(x, w, image_shape=T.constant(np.array(img.shape)),
                      filter_shape=T.as_tensor_variable(np.array(kern.shape)))
    assert out.type.shape == (3, 4, 4, 4)
    np.testing.assert_allclose(out.eval({x: img, w: kern}), np_conv2d(img, kern), rtol=1e-10)


def test_conv2d_wrong_shape_raises():
    # test_conv.TestConv2D.test_wrong_input: declared shapes the data contradict
    x, w = T.tensor4(), T.tensor4()
    f = theano.function([x, w], conv.conv2d(x, w, (3, 2, 8, 8), (4, 2, 5, 5)))
    with pytest.raises(ValueError):
        f(RNG.rand(3, 2, 9, 8), RNG.rand(4, 2, 5, 5))


# --- activations and batch normalization of theano.tensor.nnet (Theano 1.0's formulas) ---

def test_elu_softsign_hard_and_ultra_fast_sigmoid():
    import symconv as sc
    x = T.dvector("x")
    v = np.array([-5.0, -2.0, -0.3, 0.0, 0.3, 2.0, 5.0])
    got = theano.function([x], [T.nnet.elu(x, alpha=0.5), T.nnet.softsign(x),
                                T.nnet.hard_sigmoid(x), T.nnet.ultra_fast_sigmoid(x)])(v)
    np.testing.assert_allclose(got[0], np.where(v > 0, v, 0.5 * np.expm1(v)))
    np.testing.assert_allclose(got[1], v / (1 + np.abs(v)))
    np.testing.assert_allclose(got[2], np.clip(0.2 * v + 0.5, 0, 1))
    # Theano's approximation: tanh(x/2) piecewise (1.5u/(1+u), then a line, then a constant)
    u = np.abs(v) / 2
    tanh_u = np.where(u < 1.7, 1.5 * u / (1 + u),
                      np.where(u < 3, 0.935409070603099 + 0.0458812946797165 * (u - 1.7),
                               0.99505475368673))
    np.testing.assert_allclose(got[3], 0.5 * (np.sign(v) * tanh_u + 1))
    assert np.abs(got[3] - 1 / (1 + np.exp(-v))).max() < 0.025
    assert T.nnet.sigm.hard_sigmoid is T.nnet.hard_sigmoid
    away = np.array([-2.3, -0.7, 0.4, 1.9])                     # away from the kinks
    for fn in (T.nnet.elu, T.nnet.softsign, T.nnet.hard_sigmoid, T.nnet.ultra_fast_sigmoid):
        sc.verify_grad(fn, [away])


def test_batch_normalization_train_and_test_against_numpy():
    import symconv as sc
    rng = np.random.default_rng(0)
    X, g, b, rm, rv = (T.dmatrix("X"), T.dvector("g"), T.dvector("b"), T.dvector("rm"),
                       T.dvector("rv"))
    out, mean, invstd, new_rm, new_rv = T.nnet.bn.batch_normalization_train(
        X, g, b, epsilon=1e-3, running_average_factor=0.2, running_mean=rm, running_var=rv)
    Xv, gv, bv = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=3)
    rmv, rvv = rng.normal(size=3), rng.uniform(1, 2, size=3)
    got = theano.function([X, g, b, rm, rv], [out, mean, invstd, new_rm, new_rv])(
        Xv, gv, bv, rmv, rvv)
    m, var = Xv.mean(0), Xv.var(0)
    inv = 1 / np.sqrt(var + 1e-3)
    want = [(Xv - m) * gv * inv + bv, m, inv, 0.8 * rmv + 0.2 * m,
            0.8 * rvv + 0.2 * var * 5 / 4]
    for a, w in zip(got, want):
        np.testing.assert_allclose(a, w, rtol=1e-12)
    test_out = T.nnet.bn.batch_normalization_test(X, g, b, rm, rv, epsilon=1e-3)
    np.testing.assert_allclose(theano.function([X, g, b, rm, rv], test_out)(Xv, gv, bv, m, var),
                               want[0], rtol=1e-12)
    plain = T.nnet.bn.batch_normalization(X, g, b, X.mean(0), X.std(0))
    np.testing.assert_allclose(theano.function([X, g, b], plain)(Xv, gv, bv),
                               (Xv - m) * gv / np.sqrt(var) + bv, rtol=1e-12)
    sc.verify_grad(lambda x, gamma, beta: T.nnet.bn.batch_normalization_train(x, gamma, beta)[0],
                   [Xv, gv, bv])


def test_spatial_batch_normalization_and_its_errors():
    rng = np.random.default_rng(1)
    X = T.dtensor4("X")
    g, b = T.dvector("g"), T.dvector("b")
    out, mean, invstd = T.nnet.bn.batch_normalization_train(X, g, b, axes="spatial")
    assert (mean.ndim, invstd.ndim) == (1, 1)
    Xv, gv, bv = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=3), rng.normal(size=3)
    got = theano.function([X, g, b], [out, mean])(Xv, gv, bv)
    m = Xv.mean(axis=(0, 2, 3), keepdims=True)
    inv = 1 / np.sqrt(Xv.var(axis=(0, 2, 3), keepdims=True) + 1e-4)
    np.testing.assert_allclose(got[0], (Xv - m) * gv[:, None, None] * inv + bv[:, None, None])
    np.testing.assert_allclose(got[1], m.ravel())
    with pytest.raises(ValueError, match="epsilon"):
        T.nnet.bn.batch_normalization_train(X, g, b, epsilon=1e-6)
    with pytest.raises(ValueError, match="gamma has 2 dimensions"):
        T.nnet.bn.batch_normalization_train(X, T.dmatrix(), b, axes="spatial")
    with pytest.raises(ValueError, match="both"):
        T.nnet.bn.batch_normalization_train(X, g, b, axes="spatial", running_mean=g)
    full = T.dtensor4("full")
    out_full = T.nnet.bn.batch_normalization_train(X, full, full, axes="spatial")[0]
    f = theano.function([X, full], out_full)
    ones = np.ones((1, 3, 1, 1))
    np.testing.assert_allclose(f(Xv, ones), theano.function([X, g, b], out)(Xv, np.ones(3),
                                                                           np.ones(3)))
    with pytest.raises(ValueError):
        f(Xv, np.ones((2, 3, 1, 1)))           # the batch axis of gamma must have size 1



@pytest.mark.parametrize("border_mode,subsample", [("valid", (1, 1)), ("full", (1, 1)),
                                                   ("half", (2, 2)), ((1, 2), (2, 1))])
def test_conv2d_gradients_as_functions_and_the_transposed_convolution(border_mode, subsample):
    import symconv as sc
    from symconv.theano.tensor.nnet import abstract_conv
    rng = np.random.default_rng(0)
    x, w, gy = T.dtensor4("x"), T.dtensor4("w"), T.dtensor4("gy")
    X, W = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2))
    y = T.nnet.conv2d(x, w, border_mode=border_mode, subsample=subsample)
    Y = theano.function([x, w], y)(X, W)
    GY = rng.normal(size=Y.shape)
    gx_want, gw_want = theano.function([x, w, gy], T.grad(None, [x, w], known_grads={y: gy}))(
        X, W, GY)
    gx = abstract_conv.conv2d_grad_wrt_inputs(gy, w, (x.shape[0], 3, 7, 6),
                                              border_mode=border_mode, subsample=subsample)
    gw = abstract_conv.conv2d_grad_wrt_weights(x, gy, W.shape, border_mode=border_mode,
                                               subsample=subsample)
    up = T.nnet.conv2d_transpose(gy, w, X.shape, border_mode=border_mode,
                                 input_dilation=subsample)
    got = theano.function([x, w, gy], [gx, gw, up], on_unused_input="ignore")(X, W, GY)
    for g, want in zip(got, [gx_want, gw_want, gx_want]):
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-12)
    assert abstract_conv.get_conv_output_shape(X.shape, W.shape, border_mode, subsample) == Y.shape
    sc.verify_grad(lambda g, f: abstract_conv.conv2d_grad_wrt_inputs(
        g, f, X.shape, border_mode=border_mode, subsample=subsample), [GY, W])


def test_abstract_conv_takes_an_int_border_and_a_symbolic_shape():
    from symconv.theano.tensor.nnet import abstract_conv
    assert abstract_conv.get_conv_output_shape((2, 3, 7, 8), (4, 3, 3, 2), 1, (1, 1)) == (2, 4, 7, 9)
    x, w, gy = T.dtensor4("x"), T.dtensor4("w"), T.dtensor4("gy")
    gx = abstract_conv.conv2d_grad_wrt_inputs(gy, w, x.shape)
    got = theano.function([x, w, gy], gx, on_unused_input="ignore")(
        np.ones((2, 3, 7, 6)), np.ones((4, 3, 3, 2)), np.ones((2, 4, 5, 5)))
    assert got.shape == (2, 3, 7, 6)
    with pytest.raises(ValueError, match="4 entries"):
        abstract_conv.conv2d_grad_wrt_inputs(gy, w, (2, 3, 7))
