"""network3 on symconv: the networks of chapter 6 of Nielsen's *Neural Networks and
Deep Learning*, with his API, defaults and printed output.

A script written for Nielsen's ``network3.py`` runs with one changed import::

    import symconv.network3 as network3
    from symconv.network3 import Network, ConvPoolLayer, FullyConnectedLayer, SoftmaxLayer, ReLU

    training_data, validation_data, test_data = network3.load_data_shared()
    mini_batch_size = 10
    net = Network([
        ConvPoolLayer(image_shape=(mini_batch_size, 1, 28, 28), filter_shape=(20, 1, 5, 5),
                      poolsize=(2, 2), activation_fn=ReLU),
        FullyConnectedLayer(n_in=20 * 12 * 12, n_out=100, activation_fn=ReLU),
        SoftmaxLayer(n_in=100, n_out=10)], mini_batch_size)
    net.SGD(training_data, 60, mini_batch_size, 0.03, validation_data, test_data, lmbda=0.1)

What is kept exactly: the layers build symbolic graph nodes; weights start as
in network3 (drawn from NumPy's global random state, in the same order); each
layer has a clean path and a dropout path (a binomial keep-mask on the input
during training, weights scaled by ``1 - p_dropout`` when evaluating); the cost
is the last layer's cost on the dropout path plus ``0.5 * lmbda * sum(w**2) /
num_training_batches``; SGD visits the mini-batches in stored order and prints
the same lines.

Parameters are shared variables with static shapes (network3's have none), so
shape mistakes show when the graph is built and printed graphs carry every size.

What is added, all optional: ``ConvPoolLayer(pool_mode=..., stride=...)``, an
``rng`` for the initial weights, a ``seed`` for the dropout masks,
``load_data_shared(expanded=..., train_size=...)``, and keyword options of
``SGD`` for progress lines, per-epoch records, checkpoints and resuming (see
:mod:`symconv.training.sgd`).
"""
import numpy as np

import symconv
from symconv import nnet
from symconv import tensor as T
from symconv.config import config
from symconv.graph.basic import SharedVariable

__all__ = ["load_data_shared", "Network", "ConvPoolLayer", "FullyConnectedLayer", "SoftmaxLayer",
           "size", "dropout_layer", "linear", "ReLU", "sigmoid", "tanh"]


# ---------------------------------------------------------------------------
# activation functions


def linear(z):
    """The identity: ``linear(z) = z``."""
    return z


def ReLU(z):
    """The rectified linear unit, ``max(0, z)``."""
    return nnet.relu(z)


sigmoid = T.sigmoid
tanh = T.tanh

# how checkpoints name an activation, so that a saved network can be rebuilt
ACTIVATIONS = {"linear": linear, "ReLU": ReLU, "sigmoid": sigmoid, "tanh": tanh}


def activation_name(fn):
    """The name under which ``fn`` is stored in a checkpoint, or None if it has none."""
    for name, known in ACTIVATIONS.items():
        if fn is known:
            return name
    aliases = {id(getattr(nnet, "sigmoid", None)): "sigmoid", id(getattr(nnet, "relu", None)): "ReLU"}
    return aliases.get(id(fn))


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

    def SGD(self, training_data, epochs, mini_batch_size, eta, validation_data, test_data,
            lmbda=0.0, **options):
        """Train with mini-batch stochastic gradient descent, as network3 does.

        Parameters
        ----------
        training_data, validation_data, test_data : pairs of shared variables
            As returned by :func:`load_data_shared`.
        epochs : int
        mini_batch_size : int
            Must equal the network's mini-batch size.
        eta : float
            The learning rate.
        lmbda : float
            The L2 regularization parameter.
        **options
            Keyword options of :class:`symconv.training.sgd.Trainer` (``report``,
            ``record``, ``checkpoint``, ``resume``, ``on_epoch``, ...).

        Returns
        -------
        symconv.training.sgd.TrainingResult
            Best validation accuracy, its iteration, the corresponding test
            accuracy and one record per epoch (network3 returns nothing).
        """
        from symconv.training.sgd import Trainer

        trainer = Trainer(self, training_data, mini_batch_size, eta, validation_data, test_data,
                          lmbda=lmbda, **options)
        return trainer.run(epochs)

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
# layers

_POOL_MODES = {"max": "max", "l2": "l2", "average": "average_inc_pad"}


class ConvPoolLayer:
    """A convolutional layer followed by pooling, then bias and activation.

    Parameters
    ----------
    filter_shape : tuple of 4 ints
        (number of filters, input feature maps, filter rows, filter columns).
    image_shape : tuple of 4 ints
        (mini-batch size, input feature maps, image rows, image columns).
    poolsize : tuple of 2 ints
        The pooling window (and step): (2, 2) halves each side.
    activation_fn : callable
    pool_mode : {"max", "l2", "average"}
        How a window is pooled: its maximum (network3), the square root of its
        sum of squares, or its mean.
    stride : tuple of 2 ints
        The convolution's step (network3 uses 1).
    rng : numpy RandomState or Generator, optional
        Draws the initial weights; by default NumPy's global random state, as
        in network3.
    """

    def __init__(self, filter_shape, image_shape, poolsize=(2, 2), activation_fn=sigmoid,
                 pool_mode="max", stride=(1, 1), rng=None):
        self.filter_shape = tuple(int(s) for s in filter_shape)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.poolsize = tuple(int(s) for s in poolsize)
        self.activation_fn = activation_fn
        if pool_mode not in _POOL_MODES:
            raise ValueError(f"ConvPoolLayer: pool_mode must be one of {sorted(_POOL_MODES)}, "
                             f"got {pool_mode!r}")
        self.pool_mode = pool_mode
        self.stride = tuple(int(s) for s in stride)
        self._check_shapes()
        rng = np.random if rng is None else rng
        n_out = (self.filter_shape[0] * np.prod(self.filter_shape[2:]) / np.prod(self.poolsize))
        self.w = symconv.shared(
            np.asarray(rng.normal(loc=0, scale=np.sqrt(1.0 / n_out), size=self.filter_shape),
                       dtype=config.floatX), borrow=True, shape=self.filter_shape)
        self.b = symconv.shared(
            np.asarray(rng.normal(loc=0, scale=1.0, size=(self.filter_shape[0],)),
                       dtype=config.floatX), borrow=True, shape=self.filter_shape[:1])
        self.params = [self.w, self.b]

    def _check_shapes(self):
        if len(self.filter_shape) != 4 or len(self.image_shape) != 4:
            raise ValueError(f"ConvPoolLayer: filter_shape {self.filter_shape} and image_shape "
                             f"{self.image_shape} must each have 4 entries")
        if self.filter_shape[1] != self.image_shape[1]:
            raise ValueError(f"ConvPoolLayer: filter_shape {self.filter_shape} expects "
                             f"{self.filter_shape[1]} input feature maps but image_shape "
                             f"{self.image_shape} has {self.image_shape[1]}")
        rows, cols = self.conv_output_size()
        if rows < 1 or cols < 1 or rows < self.poolsize[0] or cols < self.poolsize[1]:
            raise ValueError(f"ConvPoolLayer: {self.filter_shape[2]}x{self.filter_shape[3]} "
                             f"filters with stride {self.stride} on {self.image_shape[2]}x"
                             f"{self.image_shape[3]} images give {rows}x{cols} maps, too small "
                             f"for {self.poolsize} pooling")

    def conv_output_size(self):
        """(rows, columns) of each feature map after the valid convolution."""
        return tuple((self.image_shape[2 + k] - self.filter_shape[2 + k]) // self.stride[k] + 1
                     for k in range(2))

    def output_shape(self):
        """(mini-batch, filters, rows, columns) after pooling (the border is ignored)."""
        rows, cols = self.conv_output_size()
        return (self.image_shape[0], self.filter_shape[0],
                rows // self.poolsize[0], cols // self.poolsize[1])

    def n_inputs_per_example(self):
        return int(np.prod(self.image_shape[1:]))

    def n_outputs_per_example(self):
        return int(np.prod(self.output_shape()[1:]))

    def set_inpt(self, inpt, inpt_dropout, mini_batch_size):
        self.inpt = inpt.reshape(self.image_shape)
        conv_out = nnet.conv2d(input=self.inpt, filters=self.w, filter_shape=self.filter_shape,
                               image_shape=self.image_shape, subsample=self.stride)
        pooled_out = nnet.pool_2d(conv_out, ws=self.poolsize, ignore_border=True,
                                  mode=_POOL_MODES[self.pool_mode])
        self.output = self.activation_fn(pooled_out + self.b.dimshuffle("x", 0, "x", "x"))
        self.output_dropout = self.output  # no dropout in the convolutional layers

    def spec(self):
        return {"type": "ConvPoolLayer", "filter_shape": list(self.filter_shape),
                "image_shape": list(self.image_shape), "poolsize": list(self.poolsize),
                "activation_fn": activation_name(self.activation_fn),
                "pool_mode": self.pool_mode, "stride": list(self.stride)}

    def short_name(self):
        return f"CP{self.filter_shape[0]}"


class _DenseLayer:
    """What the fully connected and softmax layers share: sizes, the dropout
    path's input and the accuracy of the clean path's predictions."""

    def n_inputs_per_example(self):
        return self.n_in

    def n_outputs_per_example(self):
        return self.n_out

    def _dropout_input(self, inpt_dropout, mini_batch_size):
        self.random_streams = []
        return dropout_layer(
            inpt_dropout.reshape((mini_batch_size, self.n_in)), self.p_dropout,
            getattr(self, "dropout_seed", None), self.random_streams)

    def accuracy(self, y):
        """The fraction of the mini-batch classified correctly."""
        return T.mean(T.eq(y, self.y_out))


class FullyConnectedLayer(_DenseLayer):
    """A fully connected layer with optional dropout on its input.

    Parameters
    ----------
    n_in, n_out : int
    activation_fn : callable
    p_dropout : float
        The probability of dropping each input during training.
    rng : numpy RandomState or Generator, optional
        Draws the initial weights (NumPy's global random state by default).
    """

    def __init__(self, n_in, n_out, activation_fn=sigmoid, p_dropout=0.0, rng=None):
        self.n_in = int(n_in)
        self.n_out = int(n_out)
        self.activation_fn = activation_fn
        self.p_dropout = _check_probability(p_dropout, type(self).__name__)
        rng = np.random if rng is None else rng
        # the scale uses n_out where n_in would be usual: network3's choice, kept
        self.w = symconv.shared(
            np.asarray(rng.normal(loc=0.0, scale=np.sqrt(1.0 / n_out), size=(n_in, n_out)),
                       dtype=config.floatX), name="w", borrow=True, shape=(self.n_in, self.n_out))
        self.b = symconv.shared(
            np.asarray(rng.normal(loc=0.0, scale=1.0, size=(n_out,)), dtype=config.floatX),
            name="b", borrow=True, shape=(self.n_out,))
        self.params = [self.w, self.b]

    def set_inpt(self, inpt, inpt_dropout, mini_batch_size):
        self.inpt = inpt.reshape((mini_batch_size, self.n_in))
        self.output = self.activation_fn(
            (1 - self.p_dropout) * T.dot(self.inpt, self.w) + self.b)
        self.y_out = T.argmax(self.output, axis=1)
        self.inpt_dropout = self._dropout_input(inpt_dropout, mini_batch_size)
        self.output_dropout = self.activation_fn(T.dot(self.inpt_dropout, self.w) + self.b)

    def spec(self):
        return {"type": "FullyConnectedLayer", "n_in": self.n_in, "n_out": self.n_out,
                "activation_fn": activation_name(self.activation_fn), "p_dropout": self.p_dropout}

    def short_name(self):
        return f"FC{self.n_out}"


class SoftmaxLayer(_DenseLayer):
    """The output layer: softmax probabilities, log-likelihood cost, accuracy.

    Parameters
    ----------
    n_in, n_out : int
    p_dropout : float
        The probability of dropping each input during training.
    """

    def __init__(self, n_in, n_out, p_dropout=0.0):
        self.n_in = int(n_in)
        self.n_out = int(n_out)
        self.p_dropout = _check_probability(p_dropout, type(self).__name__)
        self.w = symconv.shared(np.zeros((n_in, n_out), dtype=config.floatX), name="w",
                                borrow=True, shape=(self.n_in, self.n_out))
        self.b = symconv.shared(np.zeros((n_out,), dtype=config.floatX), name="b", borrow=True,
                                shape=(self.n_out,))
        self.params = [self.w, self.b]

    def set_inpt(self, inpt, inpt_dropout, mini_batch_size):
        self.inpt = inpt.reshape((mini_batch_size, self.n_in))
        self.output = nnet.softmax((1 - self.p_dropout) * T.dot(self.inpt, self.w) + self.b)
        self.y_out = T.argmax(self.output, axis=1)
        self.inpt_dropout = self._dropout_input(inpt_dropout, mini_batch_size)
        self.output_dropout = nnet.softmax(T.dot(self.inpt_dropout, self.w) + self.b)

    def cost(self, net):
        """The mean negative log-likelihood of the labels (on the dropout path)."""
        return -T.mean(T.log(self.output_dropout)[T.arange(net.y.shape[0]), net.y])

    def spec(self):
        return {"type": "SoftmaxLayer", "n_in": self.n_in, "n_out": self.n_out,
                "p_dropout": self.p_dropout}

    def short_name(self):
        return "SM"


def _check_probability(p, owner):
    p = float(p)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"{owner}: p_dropout must be in [0, 1), got {p}")
    return p


# ---------------------------------------------------------------------------
# dropout

# network3 seeds every dropout stream with this number
NETWORK3_DROPOUT_SEED = int(np.random.RandomState(0).randint(999999))


def dropout_layer(layer, p_dropout, seed=None, streams=None):
    """``layer`` times a fresh binomial keep-mask (keep probability ``1 - p_dropout``).

    As in network3 the kept values are not rescaled; the layers scale their
    weights by ``1 - p_dropout`` on the evaluation path instead. With
    ``p_dropout == 0`` the mask would be all ones, so ``layer`` is returned as is.

    Parameters
    ----------
    layer : Variable
    p_dropout : float
    seed : int, optional
        Seeds the mask's random stream (network3's fixed seed by default).
    streams : list, optional
        The random stream is appended to it (checkpoints save its state).
    """
    if p_dropout == 0:
        return layer
    srng = symconv.RandomStreams(NETWORK3_DROPOUT_SEED if seed is None else seed)
    if streams is not None:
        streams.append(srng)
    mask = srng.binomial(n=1, p=1 - p_dropout, size=layer.shape, dtype=config.floatX)
    return layer * T.cast(mask, config.floatX)
