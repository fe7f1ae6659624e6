"""Chapter 6's networks, by name, with the hyper-parameters and accuracies it publishes.

``PRESETS`` maps a name to a :class:`Preset`; ``Preset.layers(mini_batch_size)``
builds fresh :mod:`symconv.layers`. The ``quick`` preset is not in the chapter: it
is what ``symconv train`` runs with no arguments: 3 epochs of a small ReLU
convolutional network, which reach about 98% test accuracy in two to three
minutes on two cores.
"""
from dataclasses import dataclass

from ..layers import ConvPoolLayer, FullyConnectedLayer, SoftmaxLayer
from ..layers import activation as activation_named


@dataclass(frozen=True)
class Preset:
    """One network of chapter 6 and how the chapter trains it.

    Attributes
    ----------
    name : str
    row : str
        The row of chapter 6's results table ("" when not from the chapter).
    conv_layers : tuple of int
        Filters of each 5x5 conv + 2x2 max-pool layer.
    fc_layers : tuple of int
        Neurons of each fully connected layer.
    activation : str
        The canonical name of the activation function (see
        :data:`symconv.layers.ACTIVATIONS`): "sigmoid" or "relu".
    epochs, eta, lmbda
        network3's ``SGD`` arguments (mini-batch 10).
    expanded : bool
        Train on the expanded (250,000 image) training set.
    dropout : float
        ``p_dropout`` of the fully connected and softmax layers.
    ensemble : int
        How many such networks vote.
    published : float or None
        The test accuracy the chapter reports (a fraction).
    """
    name: str
    row: str
    conv_layers: tuple
    fc_layers: tuple
    activation: str
    epochs: int
    eta: float
    lmbda: float
    expanded: bool = False
    dropout: float = 0.0
    ensemble: int = 1
    published: float = None
    mini_batch_size: int = 10

    @property
    def architecture(self):
        parts = [f"CP{k}" for k in self.conv_layers] + [f"FC{k}" for k in self.fc_layers] + ["SM"]
        return "-".join(parts)

    def describe(self):
        """One line for ``symconv presets``."""
        extras = [self.activation, f"eta {self.eta:g}", f"lmbda {self.lmbda:g}",
                  f"{self.epochs} epochs", "expanded data" if self.expanded else "50k images"]
        if self.dropout:
            extras.append(f"dropout {self.dropout:g}")
        if self.ensemble > 1:
            extras.append(f"vote of {self.ensemble}")
        return f"{self.architecture} ({', '.join(extras)})"

    def layers(self, mini_batch_size=None, dropout=None, activation=None, rng=None):
        """Fresh layers for this network.

        Parameters
        ----------
        mini_batch_size : int, optional
            Default: the preset's (10).
        dropout, activation : optional
            Override the preset's ``p_dropout`` (fully connected and softmax
            layers) and activation function name (in any case: "ReLU" is "relu").
        rng : numpy RandomState, optional
            Draws the initial weights (NumPy's global state by default).
        """
        mbs = mini_batch_size or self.mini_batch_size
        p = self.dropout if dropout is None else dropout
        fn = activation_named(activation or self.activation)
        layers, maps, side = [], 1, 28
        for filters in self.conv_layers:
            layers.append(ConvPoolLayer(image_shape=(mbs, maps, side, side),
                                        filter_shape=(filters, maps, 5, 5), poolsize=(2, 2),
                                        activation_fn=fn, rng=rng))
            maps, side = filters, (side - 4) // 2
        n_in = maps * side * side
        for n_out in self.fc_layers:
            layers.append(FullyConnectedLayer(n_in=n_in, n_out=n_out, activation_fn=fn,
                                              p_dropout=p, rng=rng))
            n_in = n_out
        layers.append(SoftmaxLayer(n_in=n_in, n_out=10, p_dropout=p))
        return layers


_CONV2 = (20, 40)
PRESETS = {p.name: p for p in [
    Preset("shallow", "1", (), (100,), "sigmoid", 60, 0.1, 0.0, published=0.9780),
    Preset("conv", "2", (20,), (100,), "sigmoid", 60, 0.1, 0.0, published=0.9878),
    Preset("conv2", "3", _CONV2, (100,), "sigmoid", 60, 0.1, 0.0, published=0.9906),
    Preset("relu", "4", _CONV2, (100,), "relu", 60, 0.03, 0.1, published=0.9923),
    Preset("expanded", "5", _CONV2, (100,), "relu", 60, 0.03, 0.1, expanded=True,
           published=0.9937),
    Preset("fc100", "6a", _CONV2, (100, 100), "relu", 60, 0.03, 0.1, expanded=True,
           published=0.9943),
    Preset("fc300", "6b", _CONV2, (300, 300), "relu", 60, 0.03, 0.1, expanded=True,
           published=0.9948),
    Preset("fc1000", "6c", _CONV2, (1000, 1000), "relu", 60, 0.03, 0.1, expanded=True,
           published=0.9947),
    Preset("dropout", "7", _CONV2, (1000, 1000), "relu", 40, 0.03, 0.0, expanded=True,
           dropout=0.5, published=0.9960),
    Preset("ensemble", "8", _CONV2, (1000, 1000), "relu", 40, 0.03, 0.0, expanded=True,
           dropout=0.5, ensemble=5, published=0.9967),
    Preset("quick", "", (20,), (100,), "relu", 3, 0.03, 0.1),
]}

DEFAULT = "quick"


def get(name):
    """The preset called ``name``; a clear error listing the names otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; the presets are: {', '.join(PRESETS)}") \
            from None
