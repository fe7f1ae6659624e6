"""The public front ``symconv.nnet``: activations, re-exports, and network3's
layers built from it end to end (values and gradients)."""
import numpy as np

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from symconv.ops import elemwise
from tests.helpers import check_grad, check_op, raises_naming, random_array
from tests.reference import reference_conv2d, reference_pool, reference_softmax


def test_public_names():
    for name in nnet.__all__:
        assert callable(getattr(nnet, name)), name
    assert nnet.sigmoid is elemwise.sigmoid and nnet.softplus is elemwise.softplus
    assert sc.nnet is nnet and "RandomStreams" in sc.__all__


def test_relu_values_and_gradient_at_zero():
    x = np.array([[-2.0, -0.0, 0.0, 0.5, 3.0]])
    check_op(nnet.relu, [x], lambda v: np.array([[max(0.0, a) for a in v[0]]]))
    xs = T.dmatrix("x")
    g = sc.function([xs], sc.grad(nnet.relu(xs).sum(), xs))(x)
    np.testing.assert_array_equal(g, [[0, 0, 0, 1, 1]])     # the derivative at 0 is 0
    check_grad(nnet.relu, [random_array((3, 4), seed=41) + 0.01])


def test_leaky_relu():
    x = random_array((3, 4), seed=42)
    check_op(lambda v: nnet.relu(v, alpha=0.1), [x],
             lambda v: np.array([[a if a > 0 else 0.1 * a for a in row] for row in v]))
    check_grad(lambda v: nnet.relu(v, alpha=0.1), [x])


def test_relu_keeps_float32():
    assert nnet.relu(T.fmatrix()).dtype == "float32"
    assert nnet.relu(T.fmatrix(), alpha=0.5).dtype == "float32"


def test_sigmoid_and_softplus():
    x = random_array((2, 3), low=-5, high=5, seed=43)
    check_op(nnet.sigmoid, [x], lambda v: 1 / (1 + np.exp(-v)))
    check_op(nnet.softplus, [x], lambda v: np.log1p(np.exp(v)))


def conv_pool_layer(x, w, b, activation):
    """Network3's ConvPoolLayer: valid convolution, 2x2 max pooling, bias, activation."""
    conv = nnet.conv2d(input=x, filters=w, filter_shape=(3, 2, 3, 3), image_shape=(2, 2, 8, 8))
    pooled = nnet.max_pool_2d(conv, ds=(2, 2), ignore_border=True)
    return activation(pooled + b.dimshuffle("x", 0, "x", "x"))


def test_network3_conv_pool_softmax_stack_matches_numpy():
    x = random_array((2, 2, 8, 8), seed=44)
    w = random_array((3, 2, 3, 3), seed=45)
    b = random_array((3,), seed=46)
    v = random_array((27, 4), seed=47)

    def symbolic(x, w, b, v):
        hidden = conv_pool_layer(x, w, b, nnet.relu)
        return nnet.softmax(T.dot(hidden.flatten(2), v))

    def numpy_reference(x, w, b, v):
        pooled = reference_pool(reference_conv2d(x, w), (2, 2), None, (0, 0), True, "max")
        hidden = np.maximum(0, pooled + b[None, :, None, None])
        return reference_softmax(hidden.reshape(2, -1) @ v)
    check_op(symbolic, [x, w, b, v], numpy_reference)


def test_network3_stack_gradient_and_cost():
    x = random_array((2, 2, 8, 8), seed=48)
    labels = np.array([1, 3], dtype="int32")

    def cost(w, b, v):
        hidden = conv_pool_layer(x, w, b, nnet.sigmoid)
        p = nnet.softmax(T.dot(hidden.flatten(2), v))
        return nnet.categorical_crossentropy(p, labels).mean()
    check_grad(cost, [random_array((3, 2, 3, 3), seed=49), random_array((3,), seed=50),
                      random_array((27, 4), seed=51)])


def test_dropout_layer_trains_with_a_fresh_mask_each_step():
    srng = sc.RandomStreams(11)
    x = T.fmatrix("x")
    w = sc.shared(np.ones((6, 2), dtype="float32"), name="w")
    mask = srng.binomial(n=1, p=0.5, size=x.shape)
    out = T.dot(x * T.cast(mask, "float32"), w)
    step = sc.function([x], out, updates=[(w, w - 0.1 * sc.grad(out.sum(), w))])
    data = np.ones((50, 6), dtype="float32")
    before = w.get_value()
    first, second = step(data), step(data)
    assert not np.array_equal(first, second)
    assert not np.array_equal(before, w.get_value()) and w.get_value().dtype == np.float32


def test_conv2d_takes_theanos_positional_order_and_constant_shapes():
    x, w = T.tensor4("x"), T.tensor4("w")
    y = nnet.conv2d(x, w, (10, 1, 28, 28), (20, 1, 5, 5))
    assert y.type.shape == (10, 20, 24, 24)
    y = nnet.conv2d(x, w, input_shape=T.constant(np.array([10, 1, 28, 28])),
                    filter_shape=(T.constant(20), 1, T.constant(5), 5))
    assert y.type.shape == (10, 20, 24, 24)
    n = T.lscalar("n")
    assert nnet.conv2d(x, w, (n, 1, 28, 28), (20, 1, 5, 5)).type.shape == (None, 20, 24, 24)
    with raises_naming(ValueError, "conv2d", "filter_shape", "'s'"):
        nnet.conv2d(x, w, filter_shape=T.lmatrix("s"))
    with raises_naming(NotImplementedError, "conv2d", "filter_dilation=(2, 2)"):
        nnet.conv2d(x, w, filter_dilation=(2, 2))


def test_pool_2d_takes_theanos_former_argument_names():
    x = T.dtensor4("x")
    data = np.arange(2 * 36, dtype="float64").reshape(1, 2, 6, 6)
    f = sc.function([x], [nnet.pool_2d(x, ds=(3, 3), st=(2, 2), padding=(1, 1), mode="sum"),
                          nnet.pool_2d(x, ws=(3, 3), stride=(2, 2), pad=(1, 1), mode="sum")])
    old, new = f(data)
    np.testing.assert_array_equal(old, new)
    assert old.shape == (1, 2, 3, 3)
    with raises_naming(ValueError, "pool_2d", "ws=(2, 2)", "ds=(3, 3)"):
        nnet.pool_2d(x, ws=(2, 2), ds=(3, 3))
    with raises_naming(ValueError, "pool_2d", "pad=(1, 1)", "padding=(2, 2)"):
        nnet.pool_2d(x, pad=(1, 1), padding=(2, 2))
