"""symconv.layers and symconv.network: the layers below training, their descriptions, and the
network3 facade above them."""
import os
import subprocess
import sys

import pytest

import symconv
from symconv import layers, network, network3
from symconv.layers import ConvPoolLayer, FullyConnectedLayer, SoftmaxLayer
from tests.helpers import raises_naming

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_network3_is_a_facade_over_the_layers_and_the_network():
    for name in ("ConvPoolLayer", "FullyConnectedLayer", "SoftmaxLayer", "dropout_layer",
                 "linear", "ReLU", "sigmoid", "tanh"):
        assert getattr(network3, name) is getattr(layers, name), name
    for name in ("load_data_shared", "size", "label_values"):
        assert getattr(network3, name) is getattr(network, name), name
    assert issubclass(network3.Network, network.Network)
    assert hasattr(network3.Network, "SGD") and not hasattr(network.Network, "SGD")


def test_training_runs_without_loading_network3():
    """Training sits below the facade: building, rebuilding and training a network from a
    checkpoint never imports symconv.network3."""
    script = (
        "import sys\n"
        "from symconv.training import checkpoint, ensemble, estimate, evaluate, jobs, presets, "
        "runs, sgd, sweep\n"
        "saved = checkpoint.load('tests/data/checkpoint-v1.npz')\n"
        "net = saved.build_network()\n"
        "data = jobs.shared_data([(x[:20], y[:20]) for x, y in "
        "__import__('symconv.data.loaders', fromlist=['load_split']).load_split()])\n"
        "sgd.train(net, data[0], 1, 10, 0.1, data[1], data[2], report='quiet')\n"
        "assert 'symconv.network3' not in sys.modules, 'network3 was imported'\n"
        "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr


@pytest.mark.parametrize("make", [
    lambda: ConvPoolLayer((4, 1, 5, 5), (10, 1, 28, 28), (2, 2), layers.ReLU, pool_mode="l2"),
    lambda: FullyConnectedLayer(30, 20, layers.tanh, p_dropout=0.25),
    lambda: SoftmaxLayer(20, 10, p_dropout=0.5),
])
def test_a_layer_is_rebuilt_from_its_description(make):
    layer = make()
    again = layers.from_spec(layer.spec(), 10)
    assert type(again) is type(layer) and again.spec() == layer.spec()
    assert [p.get_value().shape for p in again.params] == [p.get_value().shape
                                                           for p in layer.params]


def test_a_conv_layer_is_rebuilt_for_another_mini_batch_size():
    layer = ConvPoolLayer((4, 1, 5, 5), (10, 1, 28, 28))
    assert layers.from_spec(layer.spec(), 3).image_shape == (3, 1, 28, 28)


def test_descriptions_symconv_cannot_rebuild_are_named():
    with raises_naming(ValueError, "MaxoutLayer", "cannot rebuild"):
        layers.from_spec({"type": "MaxoutLayer"}, 10)
    spec = dict(FullyConnectedLayer(30, 20).spec(), activation_fn=None)
    with raises_naming(ValueError, "activation function symconv cannot name"):
        layers.from_spec(spec, 10)


def test_one_name_per_activation_the_compilers():
    from symconv.ops.affine import AFFINE_ACTIVATIONS

    assert list(layers.ACTIVATIONS) == ["sigmoid", "relu", "tanh", "linear"]
    assert set(layers.ACTIVATIONS) - {"linear"} == set(AFFINE_ACTIVATIONS) - {None}
    for fn, name in [(layers.ReLU, "relu"), (layers.sigmoid, "sigmoid"), (layers.tanh, "tanh"),
                     (layers.linear, "linear"), (symconv.nnet.relu, "relu")]:
        assert layers.activation_name(fn) == name
        assert layers.activation(name) is layers.ACTIVATIONS[name]
    assert layers.activation("ReLU") is layers.ReLU and layers.canonical_activation("ReLU") == "relu"
    assert FullyConnectedLayer(30, 20, layers.ReLU).spec()["activation_fn"] == "relu"
    with raises_naming(ValueError, "'softplus'", "sigmoid, relu, tanh, linear"):
        layers.activation("softplus")


def test_a_description_written_with_ReLU_is_rebuilt():
    spec = dict(FullyConnectedLayer(30, 20, layers.ReLU).spec(), activation_fn="ReLU")
    assert layers.from_spec(spec, 10).activation_fn is layers.ReLU


def test_the_convolutions_step_is_subsample_and_stride_still_works_with_a_warning():
    layer = ConvPoolLayer((4, 1, 5, 5), (10, 1, 28, 28), subsample=(2, 2))
    assert layer.subsample == (2, 2) and layer.conv_output_size() == (12, 12)
    assert layer.spec()["subsample"] == [2, 2] and "stride" not in layer.spec()
    with pytest.warns(DeprecationWarning, match="stride= is deprecated, use subsample="):
        old = ConvPoolLayer((4, 1, 5, 5), (10, 1, 28, 28), stride=(2, 2))
    assert old.subsample == (2, 2) and old.spec() == layer.spec()
    with pytest.warns(DeprecationWarning, match="ConvPoolLayer.stride is now"):
        assert old.stride == (2, 2)
    with pytest.warns(DeprecationWarning), \
            raises_naming(ValueError, "subsample=(2, 2)", "stride=(3, 3)", "give subsample only"):
        ConvPoolLayer((4, 1, 5, 5), (10, 1, 28, 28), subsample=(2, 2), stride=(3, 3))
    with raises_naming(ValueError, "subsample (3, 3)", "too small"):
        ConvPoolLayer((4, 1, 5, 5), (10, 1, 7, 7), subsample=(3, 3))
