"""A small convolutional network written against Theano 1.0, in the style of
Nielsen's network3.py and conv.py: it imports theano and nothing of symconv.

It learns to tell images with a bright upper half from images with a bright lower
half, then prints its test accuracy. Run it with ``python -m symconv.theano``.
"""
import sys

import numpy as np
import theano
import theano.tensor as T
from theano.tensor import shared_randomstreams
from theano.tensor.nnet import conv
from theano.tensor.signal import downsample


def make_data(n, rng):
    images = rng.uniform(0, 0.5, size=(n, 1, 10, 10))
    labels = rng.randint(0, 2, size=n)
    for k, label in enumerate(labels):
        half = slice(0, 5) if label == 0 else slice(5, 10)
        images[k, 0, half, :] += 0.5
    return (theano.shared(np.asarray(images.reshape(n, 100), dtype=theano.config.floatX)),
            T.cast(theano.shared(np.asarray(labels, dtype=theano.config.floatX)), "int32"))


def dropout(layer, p):
    srng = shared_randomstreams.RandomStreams(np.random.RandomState(0).randint(999999))
    mask = srng.binomial(n=1, p=1 - p, size=layer.shape)
    return layer * T.cast(mask, theano.config.floatX)


def main(epochs):
    rng = np.random.RandomState(1)
    train_x, train_y = make_data(200, rng)
    test_x, test_y = make_data(100, rng)
    mini_batch_size = 10

    x, y = T.matrix("x"), T.ivector("y")
    w = theano.shared(np.asarray(rng.normal(0, 0.5, size=(4, 1, 3, 3)),
                                 dtype=theano.config.floatX), name="w", borrow=True)
    b = theano.shared(np.zeros(4, dtype=theano.config.floatX), name="b", borrow=True)
    image = x.reshape((mini_batch_size, 1, 10, 10))
    conv_out = conv.conv2d(input=image, filters=w, filter_shape=(4, 1, 3, 3),
                           image_shape=(mini_batch_size, 1, 10, 10))
    pooled = downsample.max_pool_2d(input=conv_out, ds=(2, 2), ignore_border=True)
    hidden = T.nnet.sigmoid(pooled + b.dimshuffle("x", 0, "x", "x")).flatten(2)
    # the pooled maps and their row means side by side, as one feature vector
    features = T.concatenate([hidden, hidden.reshape((mini_batch_size, 4, 16)).mean(axis=2)],
                             axis=1)
    features = dropout(features, 0.1)
    v = theano.shared(np.zeros((68, 2), dtype=theano.config.floatX), name="v", borrow=True)
    c = theano.shared(np.zeros(2, dtype=theano.config.floatX), name="c", borrow=True)
    p_y = T.nnet.softmax(T.dot(features, v) + c)
    cost = -T.mean(T.log(p_y)[T.arange(y.shape[0]), y])
    params = [w, b, v, c]
    grads = T.grad(cost, params)
    updates = [(param, param - 0.5 * grad) for param, grad in zip(params, grads)]
    accuracy = T.mean(T.eq(T.argmax(p_y, axis=1), y))

    i = T.lscalar()
    batch = slice(i * mini_batch_size, (i + 1) * mini_batch_size)
    train = theano.function([i], cost, updates=updates,
                            givens={x: train_x[batch], y: train_y[batch]})
    test = theano.function([i], accuracy, givens={x: test_x[batch], y: test_y[batch]})
    for epoch in range(epochs):
        costs = [train(k) for k in range(20)]
        print("Epoch {0}: mean cost {1:.4f}".format(epoch, float(np.mean(costs))))
    score = np.mean([test(k) for k in range(10)])
    print("Test accuracy: {0:.2%}".format(score))
    print("First-layer bias after training:", np.round(b.eval(), 3))
    print("Graph of the test accuracy:")
    theano.printing.debugprint(accuracy)
    return score


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
