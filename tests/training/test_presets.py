"""Chapter 6's networks by name."""
import pytest

from symconv.network3 import ConvPoolLayer, FullyConnectedLayer, Network, SoftmaxLayer
from symconv.training import presets
from tests.helpers import raises_naming


def test_table_rows_and_published_accuracies():
    table = {p.row: (p.architecture, p.published) for p in presets.PRESETS.values() if p.row}
    assert table == {
        "1": ("FC100-SM", 0.9780), "2": ("CP20-FC100-SM", 0.9878),
        "3": ("CP20-CP40-FC100-SM", 0.9906), "4": ("CP20-CP40-FC100-SM", 0.9923),
        "5": ("CP20-CP40-FC100-SM", 0.9937), "6a": ("CP20-CP40-FC100-FC100-SM", 0.9943),
        "6b": ("CP20-CP40-FC300-FC300-SM", 0.9948), "6c": ("CP20-CP40-FC1000-FC1000-SM", 0.9947),
        "7": ("CP20-CP40-FC1000-FC1000-SM", 0.9960), "8": ("CP20-CP40-FC1000-FC1000-SM", 0.9967)}
    relu = presets.get("relu")
    assert (relu.activation, relu.eta, relu.lmbda, relu.epochs) == ("relu", 0.03, 0.1, 60)
    assert presets.get("dropout").dropout == 0.5 and presets.get("ensemble").ensemble == 5
    assert presets.get("expanded").expanded and not presets.get("relu").expanded


def test_layers_are_nielsens():
    layers = presets.get("conv2").layers(mini_batch_size=10)
    assert [type(layer) for layer in layers] == [ConvPoolLayer, ConvPoolLayer, FullyConnectedLayer,
                                                 SoftmaxLayer]
    assert layers[0].image_shape == (10, 1, 28, 28) and layers[0].filter_shape == (20, 1, 5, 5)
    assert layers[1].image_shape == (10, 20, 12, 12) and layers[1].filter_shape == (40, 20, 5, 5)
    assert (layers[2].n_in, layers[2].n_out) == (40 * 4 * 4, 100)
    dropout = presets.get("dropout").layers(mini_batch_size=4)
    assert [getattr(layer, "p_dropout", None) for layer in dropout] == [None, None, 0.5, 0.5, 0.5]


@pytest.mark.parametrize("name", ["shallow", "quick"])
def test_networks_build(name):
    preset = presets.get(name)
    net = Network(preset.layers(preset.mini_batch_size), preset.mini_batch_size)
    assert net.describe() == preset.architecture


def test_unknown_preset_lists_the_names():
    with raises_naming(ValueError, "'nope'", "shallow", "dropout"):
        presets.get("nope")
