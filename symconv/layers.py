"""network3's layers: activation functions, ``ConvPoolLayer``, ``FullyConnectedLayer``,
``SoftmaxLayer``, dropout, and the descriptions that save and rebuild a layer.

Each layer holds its parameters as shared variables and, once given its input
(``set_inpt``), the symbolic graph of a clean path (``output``, used to
evaluate) and a dropout path (``output_dropout``, used to train). The layers
are Nielsen's, with his initial weights and dropout scheme; a layer's
:meth:`spec` describes it as a JSON-ready dict and :func:`from_spec` builds a
fresh layer from one (checkpoints keep the descriptions).

:mod:`symconv.network` wires layers into a network; training sits above both
and :mod:`symconv.network3` re-exports them under Nielsen's names.
"""
import warnings

import numpy as np

import symconv
from symconv import nnet
from symconv import tensor as T
from symconv.config import config

__all__ = ["ConvPoolLayer", "FullyConnectedLayer", "SoftmaxLayer", "dropout_layer", "from_spec",
           "linear", "ReLU", "sigmoid", "tanh", "ACTIVATIONS", "activation", "activation_name",
           "canonical_activation"]


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

# One name per activation, lowercase, the same in presets, checkpoints, the command line
# and the compiler's fused kernels (symconv.ops.affine.AFFINE_ACTIVATIONS), so that a
# name read anywhere needs no translation. The functions keep Nielsen's names (ReLU).
ACTIVATIONS = {"sigmoid": sigmoid, "relu": ReLU, "tanh": tanh, "linear": linear}


def activation_name(fn):
    """The canonical name of the activation function ``fn``, or None if it has none.

    ``symconv.nnet.relu`` and ``symconv.nnet.sigmoid`` are named like
    network3's ``ReLU`` and ``sigmoid``.
    """
    for name, known in ACTIVATIONS.items():
        if fn is known:
            return name
    aliases = {id(getattr(nnet, "sigmoid", None)): "sigmoid", id(getattr(nnet, "relu", None)): "relu"}
    return aliases.get(id(fn))


def canonical_activation(name):
    """The canonical name of the activation called ``name``, in any case (``"ReLU"`` -> ``"relu"``).

    Raises
    ------
    ValueError
        Naming ``name`` and the activations there are.
    """
    canonical = name.lower() if isinstance(name, str) else name
    if canonical not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: use one of {', '.join(ACTIVATIONS)}")
    return canonical


def activation(name):
    """The activation function called ``name``, in any case: ``activation("ReLU") is ReLU``.

    Raises
    ------
    ValueError
        Naming ``name`` and the activations there are.
    """
    return ACTIVATIONS[canonical_activation(name)]


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
    subsample : tuple of 2 ints
        The convolution's step along rows and columns (network3 uses 1):
        Theano's name in ``conv2d``.
    rng : numpy RandomState or Generator, optional
        Draws the initial weights; by default NumPy's global random state, as
        in network3.
    stride : tuple of 2 ints, optional
        Deprecated: the former name of ``subsample``. It warns, since in
        ``pool_2d`` ``stride`` is the pooling step instead.
    """

    def __init__(self, filter_shape, image_shape, poolsize=(2, 2), activation_fn=sigmoid,
                 pool_mode="max", subsample=(1, 1), rng=None, *, stride=None):
        self.filter_shape = tuple(int(s) for s in filter_shape)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.poolsize = tuple(int(s) for s in poolsize)
        self.activation_fn = activation_fn
        if pool_mode not in _POOL_MODES:
            raise ValueError(f"ConvPoolLayer: pool_mode must be one of {sorted(_POOL_MODES)}, "
                             f"got {pool_mode!r}")
        self.pool_mode = pool_mode
        self.subsample = _subsample_or_stride(subsample, stride)
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
                             f"filters with subsample {self.subsample} on {self.image_shape[2]}x"
                             f"{self.image_shape[3]} images give {rows}x{cols} maps, too small "
                             f"for {self.poolsize} pooling")

    @property
    def stride(self):
        """Deprecated: the former name of :attr:`subsample`, the convolution's step."""
        warnings.warn("ConvPoolLayer.stride is now ConvPoolLayer.subsample (the convolution's "
                      "step, as Theano's conv2d names it)", DeprecationWarning, stacklevel=2)
        return self.subsample

    def conv_output_size(self):
        """(rows, columns) of each feature map after the valid convolution."""
        return tuple((self.image_shape[2 + k] - self.filter_shape[2 + k]) // self.subsample[k] + 1
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
                               image_shape=self.image_shape, subsample=self.subsample)
        pooled_out = nnet.pool_2d(conv_out, ws=self.poolsize, ignore_border=True,
                                  mode=_POOL_MODES[self.pool_mode])
        self.output = self.activation_fn(pooled_out + self.b.dimshuffle("x", 0, "x", "x"))
        self.output_dropout = self.output  # no dropout in the convolutional layers

    def spec(self):
        return {"type": "ConvPoolLayer", "filter_shape": list(self.filter_shape),
                "image_shape": list(self.image_shape), "poolsize": list(self.poolsize),
                "activation_fn": activation_name(self.activation_fn),
                "pool_mode": self.pool_mode, "subsample": list(self.subsample)}

    def short_name(self):
        return f"CP{self.filter_shape[0]}"


def _subsample_or_stride(subsample, stride):
    subsample = tuple(int(s) for s in subsample)
    if stride is None:
        return subsample
    # pool_2d's stride is the pooling step: one word for two steps misled, so it is renamed
    warnings.warn("ConvPoolLayer: stride= is deprecated, use subsample= (the convolution's "
                  "step, as Theano's conv2d names it)", DeprecationWarning, stacklevel=3)
    stride = tuple(int(s) for s in stride)
    if subsample != (1, 1) and subsample != stride:
        raise ValueError(f"ConvPoolLayer: subsample={subsample} and stride={stride} name the "
                         "same step; give subsample only")
    return stride


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


# ---------------------------------------------------------------------------
# rebuilding a layer from its description

LAYER_TYPES = {"ConvPoolLayer": ConvPoolLayer, "FullyConnectedLayer": FullyConnectedLayer,
               "SoftmaxLayer": SoftmaxLayer}


def from_spec(spec, mini_batch_size, rng=None):
    """A fresh layer of the kind and sizes that ``spec`` (a layer's :meth:`spec`) describes.

    Parameters
    ----------
    spec : dict
        As ``layer.spec()`` returns it, e.g. read back from a checkpoint.
    mini_batch_size : int
        The mini-batch size of the network the layer goes into (a convolutional
        layer's ``image_shape`` starts with it).
    rng : numpy RandomState, optional
        Draws the initial weights, which the caller usually overwrites with
        saved ones; by default ``RandomState(0)``, so that rebuilding leaves
        NumPy's global random state alone.

    Raises
    ------
    ValueError
        When the layer type or its activation function has no name symconv knows.
    """
    kind = spec.get("type")
    if kind not in LAYER_TYPES:
        raise ValueError(f"is a {kind}, which symconv cannot rebuild")
    rng = np.random.RandomState(0) if rng is None else rng
    if kind == "SoftmaxLayer":
        return SoftmaxLayer(spec["n_in"], spec["n_out"], spec["p_dropout"])
    try:
        # any case: descriptions written before the names were lowercase say "ReLU"
        fn = activation(spec.get("activation_fn", "sigmoid"))
    except ValueError:
        raise ValueError("uses an activation function symconv cannot name, so the network "
                         "cannot be rebuilt") from None
    if kind == "ConvPoolLayer":
        return ConvPoolLayer(spec["filter_shape"], [mini_batch_size] + spec["image_shape"][1:],
                             spec["poolsize"], fn, pool_mode=spec["pool_mode"],
                             subsample=spec["subsample"], rng=rng)
    return FullyConnectedLayer(spec["n_in"], spec["n_out"], fn, spec["p_dropout"], rng=rng)
