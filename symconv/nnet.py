"""Neural-network functions, in Theano's spelling: convolution, pooling,
activations, softmax and cross-entropies.

Every function builds graph nodes (the ops live in :mod:`symconv.ops`), so
their gradients are graphs too and can be printed or compiled.

Examples
--------
Network3's ConvPoolLayer, in symbols:

>>> import numpy as np, symconv as sc, symconv.tensor as T
>>> from symconv import nnet
>>> x = T.tensor4("x")
>>> w = sc.shared(np.zeros((20, 1, 5, 5), dtype="float32"), name="w")
>>> b = sc.shared(np.zeros(20, dtype="float32"), name="b")
>>> conv = nnet.conv2d(input=x, filters=w, filter_shape=(20, 1, 5, 5),
...                    image_shape=(10, 1, 28, 28))
>>> pooled = nnet.max_pool_2d(conv, ds=(2, 2), ignore_border=True)
>>> out = nnet.relu(pooled + b.dimshuffle("x", 0, "x", "x"))
>>> out.type
TensorType(float32, (10, 20, 12, 12))
"""
import numpy as np

from .graph.basic import Constant, Variable
from .ops.conv import Conv2d
from .ops.elemwise import maximum, mul, sigmoid, softplus, switch, gt
from .ops.pool import Pool
from .ops.softmax import binary_crossentropy, categorical_crossentropy, log_softmax, softmax
from .graph.tensor import as_tensor_variable

__all__ = ["conv2d", "pool_2d", "max_pool_2d", "softmax", "log_softmax", "relu", "sigmoid",
           "softplus", "categorical_crossentropy", "binary_crossentropy"]


def conv2d(input, filters, input_shape=None, filter_shape=None, border_mode="valid",
           subsample=(1, 1), filter_flip=True, image_shape=None, filter_dilation=(1, 1)):
    """2-d convolution of a batch of multi-channel images with a bank of filters.

    The arguments come in Theano's order: ``conv2d(input, filters, input_shape,
    filter_shape)`` positionally means what it means in Theano.

    Parameters
    ----------
    input : 4-d tensor (batch, channels, rows, cols)
    filters : 4-d tensor (out channels, in channels, rows, cols)
    input_shape, filter_shape : tuple of 4 (int or None), optional
        Shapes known in advance; they must agree with the static shapes of
        ``input`` and ``filters``, refine the output's static shape and are
        checked when the graph runs. Constant tensors (``T.constant([...])``, a
        tuple of constant scalars) count as known; other symbolic entries as unknown.
    border_mode : {"valid", "full", "half"}, int or (int, int)
        ``"valid"``: windows inside the input only; ``"full"``: every overlap
        (zero padding of kernel size - 1); ``"half"``: padding of half the
        kernel, keeping the size for odd kernels at stride 1; an int or pair:
        that much zero padding on each side.
    subsample : (int, int)
        The stride along rows and columns.
    filter_flip : bool
        True (default) computes a true convolution (the kernel is flipped, as
        in Theano); False a cross-correlation (as in PyTorch).
    image_shape : tuple, optional
        Network3's (Theano's former) name for ``input_shape``.
    filter_dilation : (1, 1)
        Only the default: dilated filters are not implemented.

    Returns
    -------
    4-d tensor (batch, out channels, out rows, out cols)
        With ``out = (size + 2 * pad - kernel) // stride + 1`` on each axis.

    Raises
    ------
    ValueError
        When the channels disagree, the window is larger than the padded input,
        the stride is not positive, the border mode is unknown or a declared
        shape contradicts a static one.
    """
    input_shape = shape_hint(input_shape, "input_shape")
    image_shape = shape_hint(image_shape, "image_shape")
    filter_shape = shape_hint(filter_shape, "filter_shape")
    if image_shape is not None:
        if input_shape is not None and tuple(input_shape) != tuple(image_shape):
            raise ValueError(f"conv2d: input_shape {tuple(input_shape)} and image_shape "
                             f"{tuple(image_shape)} disagree (image_shape is its former name)")
        input_shape = image_shape
    if tuple(filter_dilation) != (1, 1):
        raise NotImplementedError(f"conv2d: filter_dilation={tuple(filter_dilation)} is not "
                                  "implemented; only (1, 1)")
    op = Conv2d(border_mode=border_mode, subsample=subsample, filter_flip=filter_flip,
                input_shape=input_shape, filter_shape=filter_shape)
    return op(input, filters)


def shape_hint(shape, what):
    """A declared shape as a tuple of ints and Nones: constant tensors and constant
    scalars become ints, other symbolic entries None (unknown until the graph runs)."""
    if shape is None:
        return None
    if isinstance(shape, Constant):
        shape = shape.data
    if isinstance(shape, Variable):
        return (None,) * 4 if shape.ndim == 1 and shape.type.shape[0] == 4 else _bad_hint(
            shape.describe(), what)
    if isinstance(shape, np.ndarray):
        shape = shape.tolist()
    if not isinstance(shape, (list, tuple)):
        _bad_hint(repr(shape), what)
    hint = []
    for entry in shape:
        if isinstance(entry, Constant):
            entry = entry.data.item() if entry.ndim == 0 else _bad_hint(repr(shape), what)
        elif isinstance(entry, Variable):
            entry = None
        hint.append(entry)
    return tuple(hint)


def _bad_hint(text, what):
    raise ValueError(f"conv2d: {what} must be a tuple of 4 ints (or None), or a constant "
                     f"vector of 4 ints, got {text}")


def pool_2d(input, ws=None, ignore_border=True, stride=None, pad=(0, 0), mode="max",
            ds=None, st=None, padding=None):
    """Pooling over the last two axes of ``input``.

    Parameters
    ----------
    input : tensor of 2 or more dimensions
    ws : (int, int)
        The window's rows and columns; (2, 2) when neither it nor ``ds`` is given.
    ignore_border : bool
        True: only whole windows (the default). False: partial windows at the
        bottom and right border are kept and cover what remains of the input.
        (Theano 1.0 defaults to False; ``symconv.theano``'s ``pool_2d`` does too.)
    stride : (int, int), optional
        Step between windows; the window size by default (non-overlapping).
    pad : (int, int)
        Padding on each side (needs ``ignore_border=True``, smaller than ``ws``).
    mode : {"max", "sum", "average_inc_pad", "average_exc_pad", "l2"}
        ``l2`` is the square root of the sum of squares over the window.
        Averages divide by the number of window positions inside the padded
        input (``inc_pad``) or inside the input (``exc_pad``); padding never
        wins a max.
    ds, st, padding : optional
        Theano's former names for ``ws``, ``stride`` and ``pad``.

    Notes
    -----
    Gradient of max pooling: when several values of a window equal its
    maximum, each of them receives the window's full gradient (Theano's rule).
    """
    ws, stride, pad = pool_arguments(ws, stride, pad, ds, st, padding, "pool_2d")
    return Pool(ws=ws, ignore_border=ignore_border, stride=stride, pad=pad, mode=mode)(input)


def pool_arguments(ws, stride, pad, ds, st, padding, name):
    """``(ws, stride, pad)`` from the current and the former (``ds``, ``st``,
    ``padding``) names; a value given under both names is an error."""
    def pick(new, old, new_name, old_name, unset=(None,)):
        if old is None:
            return new
        if new not in unset and tuple(new) != tuple(old):
            raise ValueError(f"{name}: {new_name}={tuple(new)} and {old_name}={tuple(old)} "
                             f"disagree ({old_name} is the former name of {new_name})")
        return old

    ws = pick(ws, ds, "ws", "ds")
    stride = pick(stride, st, "stride", "st")
    pad = pick(pad, padding, "pad", "padding", unset=(None, (0, 0)))
    return (2, 2) if ws is None else ws, stride, (0, 0) if pad is None else pad


def max_pool_2d(input, ds=None, ignore_border=True, st=None, padding=(0, 0), ws=None):
    """Max pooling with windows ``ds`` (network3's spelling; ``ws=`` works too).

    ``st`` is the stride (the window by default) and ``padding`` the padding,
    as in Theano's former ``max_pool_2d``. See :func:`pool_2d`.
    """
    if ds is None and ws is None:
        raise TypeError("max_pool_2d: give the window size ds (or ws)")
    if ds is not None and ws is not None and tuple(ds) != tuple(ws):
        raise ValueError(f"max_pool_2d: ds {tuple(ds)} and ws {tuple(ws)} disagree")
    return pool_2d(input, ws=ds if ds is not None else ws, ignore_border=ignore_border,
                   stride=st, pad=padding, mode="max")


def relu(x, alpha=0):
    """Rectified linear unit, ``max(0, x)``; with ``alpha``, ``x`` where positive
    and ``alpha * x`` elsewhere (leaky).

    The derivative at exactly 0 is taken to be 0 (as in PyTorch).
    """
    x = as_tensor_variable(x)
    if alpha == 0:
        # the zero goes first: ``maximum`` gives a tie's gradient to its first operand
        return maximum(0, x)
    return switch(gt(x, 0), x, mul(alpha, x))
