"""The compiled SGD step of chapter 6's network equals the plain reference's."""
import numpy as np

import symconv as sc
import symconv.tensor as T
from symconv.network3 import (ConvPoolLayer, FullyConnectedLayer, Network, ReLU, SoftmaxLayer,
                              sigmoid)
from symconv.ops.conv import Conv2d, Conv2dGradInputs, Conv2dGradWeights
from symconv.ops.convpool import ConvPool, ConvPoolGrad
from symconv.ops.affine import Affine
from symconv.ops.softmax_nll import SoftmaxNLL, SoftmaxNLLGrad
from symconv.ops.pool import MaxPoolGrad, Pool
from symconv.ops.softmax import Softmax, SoftmaxGrad
from symconv.training.sgd import training_step
from tests.helpers import check_rewrite

MB, N = 4, 12
RNG = np.random.default_rng(3)
IMAGES = RNG.random((N, 784)).astype("float32")
IMAGES[:, :100] = 0.0                          # blank rows, as MNIST's borders
LABELS = RNG.integers(0, 10, N).astype("int32")


def _step(layers, lmbda):
    def build(mode):
        net = Network(layers(), MB)
        x, y = sc.shared(IMAGES, name="x"), sc.shared(LABELS, name="y")
        cost, _, updates = training_step(net, 0.03, lmbda, N // MB)
        i = T.lscalar("i")
        f = sc.function([i], cost, updates=updates, mode=mode,
                        givens={net.x: x[i * MB:(i + 1) * MB], net.y: y[i * MB:(i + 1) * MB]})
        return f, net.params
    return build


def _cnn():
    rng = np.random.RandomState(0)
    return [ConvPoolLayer((20, 1, 5, 5), (MB, 1, 28, 28), activation_fn=ReLU, rng=rng),
            ConvPoolLayer((40, 20, 5, 5), (MB, 20, 12, 12), activation_fn=ReLU, rng=rng),
            FullyConnectedLayer(640, 100, ReLU, rng=rng), SoftmaxLayer(100, 10)]


def test_cp20_cp40_fc100_sm_relu_with_l2():
    f = check_rewrite(_step(_cnn, lmbda=0.1), calls=[(0,), (1,), (2,), (0,)],
                      present=(ConvPool, ConvPoolGrad, Affine, SoftmaxNLL, SoftmaxNLLGrad),
                      absent=(Conv2d, Pool, MaxPoolGrad, Conv2dGradWeights, Conv2dGradInputs,
                              Softmax, SoftmaxGrad), rtol=2e-4, atol=2e-6)
    ops = [type(n.op) for n in f.fgraph.nodes]
    assert ops.count(ConvPool) == 2 and ops.count(ConvPoolGrad) == 2
    assert len(f.program.plans) == 1


def test_shallow_sigmoid_network():
    def layers():
        rng = np.random.RandomState(1)
        return [FullyConnectedLayer(784, 30, sigmoid, rng=rng), SoftmaxLayer(30, 10)]
    f = check_rewrite(_step(layers, lmbda=0.0), calls=[(0,), (1,), (2,)],
                      present=(Affine, SoftmaxNLL, SoftmaxNLLGrad), absent=(Softmax,),
                      rtol=1e-4, atol=1e-6)
    assert f.rewrites.fired("affine") == 2
