"""A network of :mod:`symconv.layers` as one symbolic graph, and the data it reads.

:class:`Network` wires its layers for a fixed mini-batch size: the clean path
(``output``) and the dropout path (``output_dropout``) from the symbolic
inputs ``x`` (images) and ``y`` (labels), with every layer's sizes checked
when the network is built. Training it is :mod:`symconv.training`'s job;
``symconv.network3.Network`` adds Nielsen's ``SGD`` method on top.

The data are network3's: pairs ``(images, labels)`` of shared variables, as
:func:`load_data_shared` returns them and :func:`size` counts them.
"""
import numpy as np

import symconv
from symconv import tensor as T
from symconv.config import config
from symconv.graph.basic import SharedVariable

__all__ = ["Network", "load_data_shared", "size", "label_values"]


# ---------------------------------------------------------------------------
# the network


class Network:
    """A stack of layers, wired into a symbolic graph for a fixed mini-batch size.

    Parameters
    ----------
    layers : list
        ``ConvPoolLayer``, ``FullyConnectedLayer`` and ``SoftmaxLayer`` objects,
        the last one giving the cost and the accuracy.
    mini_batch_size : int
    seed : int, optional
        Seeds the dropout masks (layer by layer). By default every dropout
        layer uses network3's fixed seed.
    """

    def __init__(self, layers, mini_batch_size, seed=None):
        if not layers:
            raise ValueError("Network: needs at least one layer")
        self.layers = layers
        self.mini_batch_size = mini_batch_size
        self.seed = seed
        self.params = [param for layer in self.layers for param in layer.params]
        for j, layer in enumerate(self.layers):
            for param, role in zip(layer.params, ("w", "b")):
                param.name = f"layer{j}.{role}"
            if seed is not None:
                layer.dropout_seed = int(np.random.RandomState(seed + 7919 * j).randint(999999))
        _check_layer_sizes(layers, mini_batch_size)
        self.x = T.matrix("x")
        self.y = T.ivector("y")
        init_layer = self.layers[0]
        init_layer.set_inpt(self.x, self.x, self.mini_batch_size)
        for j in range(1, len(self.layers)):
            prev_layer, layer = self.layers[j - 1], self.layers[j]
            layer.set_inpt(prev_layer.output, prev_layer.output_dropout, self.mini_batch_size)
        self.output = self.layers[-1].output
        self.output_dropout = self.layers[-1].output_dropout

    def describe(self):
        """The architecture in chapter 6's notation, e.g. ``CP20-FC100-SM``."""
        return "-".join(layer.short_name() for layer in self.layers)


def _check_layer_sizes(layers, mini_batch_size):
    """Catch wiring mistakes when the network is built, not at the first mini-batch."""
    for j, layer in enumerate(layers):
        shape = getattr(layer, "image_shape", None)
        if shape is not None and shape[0] != mini_batch_size:
            raise ValueError(f"Network: layer {j} ({type(layer).__name__}) has image_shape "
                             f"{tuple(shape)} for mini-batches of {shape[0]}, but the network's "
                             f"mini_batch_size is {mini_batch_size}")
        if j == 0:
            continue
        produced = layers[j - 1].n_outputs_per_example()
        wanted = layer.n_inputs_per_example()
        if produced != wanted:
            raise ValueError(
                f"Network: layer {j - 1} ({type(layers[j - 1]).__name__}) gives {produced} values "
                f"per example but layer {j} ({type(layer).__name__}) expects {wanted}"
                + (f" (its image_shape is {tuple(shape)})" if shape is not None else
                   f" (n_in={wanted})"))


# ---------------------------------------------------------------------------
# data


def load_data_shared(filename=None, expanded=False, train_size=None):
    """MNIST as three ``(images, labels)`` pairs of shared variables.

    Parameters
    ----------
    filename : str, optional
        Nielsen's ``mnist.pkl.gz`` (read with an unpickler that builds arrays
        only), a folder of MNIST IDX files, or None for the bundled copy.
    expanded : bool
        Replace the training set by chapter 6's expanded set (each image plus
        its four one-pixel shifts: 250,000 images), cached after the first use.
    train_size : int, optional
        Keep only the first ``train_size`` training images (for quick runs).

    Returns
    -------
    list
        ``[training_data, validation_data, test_data]``, each ``(x, y)`` with
        ``x`` float32 (N, 784) in [0, 1] and ``y`` int32 labels. (network3
        stores the labels as floats and casts them in the graph, a GPU-era
        detail; here they are int32 from the start, which is the same to the graph.)
    """
    from symconv.data.loaders import load_expanded, load_split

    training, validation, test = load_split(filename)
    if expanded:
        training = load_expanded(*training)
    if train_size is not None:
        if train_size < 1:
            raise ValueError(f"load_data_shared: train_size must be at least 1, got {train_size}")
        training = (training[0][:train_size], training[1][:train_size])

    def shared(data):
        shared_x = symconv.shared(np.asarray(data[0], dtype=config.floatX), borrow=True)
        shared_y = symconv.shared(np.asarray(data[1], dtype="int32"), borrow=True)
        return shared_x, shared_y

    return [shared(training), shared(validation), shared(test)]


def size(data):
    """The number of examples in ``data``, a pair of shared variables."""
    return data[0].get_value(borrow=True).shape[0]


def label_values(data):
    """The labels of ``data`` as an ndarray (the shared value, or the one a cast reads)."""
    y = data[1]
    while not isinstance(y, SharedVariable):
        if y.owner is None or len(y.owner.inputs) != 1:
            raise TypeError(f"labels {y.describe()} are neither a shared variable nor a cast of one")
        y = y.owner.inputs[0]
    return np.asarray(y.get_value(borrow=True)).astype(np.int64)
