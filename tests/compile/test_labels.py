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


def test_the_gradient_kernel_reads_the_index_the_forward_kernel_checked():
    f = _cost_and_grad("FAST_RUN")
    scores = np.random.default_rng(1).standard_normal((4, 3)).astype("float32")
    labels = np.array([2, -1, 0, 1], dtype="int32")
    cost, grad = f(scores, labels)
    want_cost, want_grad = _reference(scores, labels)
    np.testing.assert_allclose(cost, want_cost, rtol=1e-5)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-5, atol=1e-7)
    plan = f.kernel_source().split("# kernel")[0]
    forward = [line for line in plan.splitlines() if "_softmax_nll" in line and "grad" not in line]
    backward = [line for line in plan.splitlines() if "_softmax_nll_grad" in line]
    index = forward[0].rstrip(")").split(", ")[-1]
    assert index.startswith("_index") and backward[0].rstrip(")").endswith(index)
    # new labels on the next call: the index is the forward's of this call
    labels2 = np.array([0, 0, 2, -3], dtype="int32")
    np.testing.assert_allclose(f(scores, labels2)[1], _reference(scores, labels2)[1],
                               rtol=1e-5, atol=1e-7)
    with pytest.raises(IndexError, match="label 3 at position 1"):
        f(scores, np.array([0, 3, 0, 0], dtype="int32"))


@pytest.mark.parametrize("mode", MODES)
def test_a_gradient_without_its_forward_kernel_checks_the_labels_itself(mode):
    x, y = T.matrix("x"), T.ivector("y")
    p = nnet.softmax(x)
    cost = nnet.categorical_crossentropy(p, y).sum()
    f = sc.function([x, y], sc.grad(cost, x), mode=mode)
    scores = np.zeros((2, 3), dtype="float32")
    np.testing.assert_allclose(f(scores, np.array([-1, 0], dtype="int32")),
                               [[1 / 3, 1 / 3, -2 / 3], [-2 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    with pytest.raises(IndexError, match="label -4 at position 0"):
        f(scores, np.array([-4, 0], dtype="int32"))
