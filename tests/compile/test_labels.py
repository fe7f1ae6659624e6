"""Labels in the fused softmax-NLL kernels follow NumPy's indexing in every mode:
a negative label counts from the last class, one out of range raises an
IndexError that names the labels and the bad value."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from symconv.ops.softmax_nll import SoftmaxNLL, SoftmaxNLLGrad

MODES = ["FAST_COMPILE", "FAST_RUN"]


def _cost_and_grad(mode):
    x = T.matrix("x"); y = T.ivector("y")
    cost = -T.mean(T.log(nnet.softmax(x))[T.arange(y.shape[0]), y])
    return sc.function([x, y], [cost, sc.grad(cost, x)], mode=mode)


def _reference(scores, labels):
    scores = scores.astype(np.float64)
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    cost = -np.mean(np.log(p[rows, labels]))
    grad = p.copy()
    grad[rows, labels] -= 1
    return cost, grad / len(labels)


def test_fast_run_uses_the_fused_kernels():
    ops = {type(n.op) for n in _cost_and_grad("FAST_RUN").fgraph.nodes}
    assert SoftmaxNLL in ops and SoftmaxNLLGrad in ops


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("labels", [[0, 1, 2], [0, 1, -1], [-4, 3, -2], [3, 3, 3]])
def test_labels_in_range_and_negative_labels(mode, labels):
    scores = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    f = _cost_and_grad(mode)
    for _ in range(2):     # the recording call and the plan
        cost, grad = f(scores, np.array(labels, "int32"))
        want_cost, want_grad = _reference(scores, np.array(labels))
        np.testing.assert_allclose(cost, want_cost, rtol=1e-5)
        np.testing.assert_allclose(grad, want_grad, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad", [4, 5, -5, 100])
def test_labels_out_of_range_raise(mode, bad):
    scores = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    f = _cost_and_grad(mode)
    f(scores, np.array([0, 1, 2], "int32"))           # builds the plan
    with pytest.raises(IndexError, match=str(bad)):
        f(scores, np.array([0, bad, 2], "int32"))


def test_fast_run_error_names_the_labels_and_position():
    scores = np.zeros((3, 4), "float32")
    f = _cost_and_grad("FAST_RUN")
    f(scores, np.array([0, 1, 2], "int32"))
    with pytest.raises(IndexError, match=r"labels 'y'.*label 4 at position 1 .*4 classes"):
        f(scores, np.array([0, 4, 2], "int32"))


def test_network3_step_rejects_a_label_past_the_classes():
    from symconv.network3 import FullyConnectedLayer, Network, SoftmaxLayer
    rng = np.random.RandomState(0)
    x = rng.rand(20, 784).astype("float32")
    y = rng.randint(0, 10, 20)
    y[13] = 10
    data = (sc.shared(x), T.cast(sc.shared(y.astype("int32")), "int32"))
    net = Network([FullyConnectedLayer(784, 8, rng=rng), SoftmaxLayer(8, 10)], 10)
    with pytest.raises(IndexError, match="label 10"):
        net.SGD(data, 1, 10, 0.1, data, data)
