"""The issue's example end to end: softmax regression on MNIST, trained by mini-batch SGD
through ``givens`` slices of shared data, as network3 does."""
import time

import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from tests.helpers import mnist_arrays


@pytest.fixture(scope="module")
def mnist_slice():
    # the bundled MNIST, read once per test session (shared() copies what it keeps)
    (train_x, train_y), _, _ = mnist_arrays()
    return (train_x[:5000], train_y[:5000]), (train_x[5000:6000], train_y[5000:6000])


def build(data_x, data_y, eta=0.1, batch=10):
    """The issue's graph, unchanged: returns the training step, a predictor and W, b."""
    x = T.matrix("x")
    y = T.ivector("y")
    i = T.lscalar("i")
    W = sc.shared(np.zeros((784, 10), dtype=sc.config.floatX), name="W")
    b = sc.shared(np.zeros(10, dtype=sc.config.floatX), name="b")
    z = T.dot(x, W) + b.dimshuffle("x", 0)
    p = T.exp(z - z.max(axis=1, keepdims=True))
    p = p / p.sum(axis=1, keepdims=True)
    cost = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
    gW, gb = sc.grad(cost, [W, b])
    train = sc.function([i], cost, updates=[(W, W - eta * gW), (b, b - eta * gb)],
                        givens={x: data_x[i * batch:(i + 1) * batch],
                                y: data_y[i * batch:(i + 1) * batch]})
    predict = sc.function([x], T.argmax(p, axis=1))
    return train, predict, W, b, gW


def test_logistic_regression_trains_on_mnist(mnist_slice):
    (train_x, train_y), (test_x, test_y) = mnist_slice
    data_x = sc.shared(train_x, name="data_x")
    # labels stored as floats and cast, as network3's load_data_shared does
    data_y = T.cast(sc.shared(train_y.astype(sc.config.floatX), name="data_y"), "int32")
    train, predict, W, b, gW = build(data_x, data_y)

    start = time.perf_counter()
    costs = [float(train(k)) for k in range(len(train_x) // 10)]
    elapsed = time.perf_counter() - start

    accuracy = float(np.mean(predict(test_x) == test_y))
    assert accuracy > 0.85, f"accuracy {accuracy:.3f} after one epoch ({elapsed:.1f} s)"
    assert np.mean(costs[-50:]) < 0.5 * np.mean(costs[:50])
    assert W.get_value().dtype == np.float32 and b.get_value().dtype == np.float32
    assert costs[0] == pytest.approx(np.log(10.0), rel=1e-5)  # zero weights: uniform p
    # the gradient graph prints and converts, as the issue shows
    assert "dot" in sc.printing.debugprint(gW, file="str")
    assert sc.printing.to_networkx(gW).number_of_nodes() > 10


def test_one_step_matches_numpy(mnist_slice):
    (train_x, train_y), _ = mnist_slice
    data_x = sc.shared(train_x[:20], name="data_x")
    data_y = T.cast(sc.shared(train_y[:20].astype(sc.config.floatX), name="data_y"), "int32")
    train, _, W, b, _ = build(data_x, data_y, eta=0.5)
    rng = np.random.default_rng(0)
    W.set_value(rng.normal(0, 0.01, (784, 10)).astype("float32"))
    w0, b0 = W.get_value(), b.get_value()
    cost = train(1)  # the second mini-batch: rows 10..19

    xb, yb = train_x[10:20].astype(np.float64), train_y[10:20]
    z = xb @ w0 + b0
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    delta = (p - np.eye(10)[yb]) / 10
    assert float(cost) == pytest.approx(-np.mean(np.log(p[np.arange(10), yb])), rel=1e-5)
    np.testing.assert_allclose(W.get_value(), w0 - 0.5 * xb.T @ delta, atol=1e-6)
    np.testing.assert_allclose(b.get_value(), b0 - 0.5 * delta.sum(axis=0), atol=1e-6)
