"""``theano.tensor.nnet``: activations, softmax, cross-entropies and ``conv2d``."""
import warnings

from ....nnet import (binary_crossentropy, categorical_crossentropy, conv2d,  # noqa: F401
                      relu, sigmoid, softplus)
from ....nnet import log_softmax as _log_softmax, softmax as _softmax
from ....graph.tensor import as_tensor_variable
from ....tensor.basic import arange
from ....tensor.math import argmax, cast, neg
from ....tensor.shapes import shape_padleft
from ...missing import missing_attribute
from ....tensor.math import abs as _abs, expm1, gt, switch
from . import abstract_conv, bn, conv, neighbours, sigm  # noqa: F401
from .neighbours import images2neibs, neibs2images  # noqa: F401
from .abstract_conv import conv2d_grad_wrt_inputs, conv2d_grad_wrt_weights  # noqa: F401
from .sigm import hard_sigmoid, ultra_fast_sigmoid  # noqa: F401


def _rows(x, name):
    """Theano 1.0's softmax of a vector is that of a one-row matrix (with its
    deprecation warning): code that indexes the result as a matrix relies on it."""
    x = as_tensor_variable(x)
    if x.ndim == 1:
        warnings.warn(f"theano.tensor.nnet.{name} of a vector is that of a one-row matrix, "
                      "as in Theano 1.0, which deprecated this (later versions give a vector); "
                      "pad it yourself with shape_padleft to say so",
                      DeprecationWarning, stacklevel=3)
        x = shape_padleft(x)
    return x


def softmax(c):
    """Softmax of the rows of ``c``; a vector gives a one-row matrix, as in Theano 1.0."""
    return _softmax(_rows(c, "softmax"))


def logsoftmax(c):
    """Log-softmax of the rows of ``c``; a vector gives a one-row matrix, as in Theano 1.0."""
    return _log_softmax(_rows(c, "logsoftmax"))


log_softmax = logsoftmax


def crossentropy_softmax_1hot_with_bias(x, b, y_idx):
    """``(nll, softmax(x + b), argmax(x + b))`` for rows ``x`` and labels ``y_idx``:
    ``nll[i] = -log(softmax(x + b)[i, y_idx[i]])``, the argmax in ``y_idx``'s dtype."""
    return crossentropy_softmax_1hot(x + b, y_idx)


def crossentropy_softmax_1hot(x, y_idx):
    """``(nll, softmax(x), argmax(x))`` for rows ``x`` and integer labels ``y_idx``:
    ``nll[i] = -log(softmax(x)[i, y_idx[i]])``, computed from ``log_softmax`` (finite
    where the softmax underflows), and the argmax in ``y_idx``'s dtype, as Theano."""
    rows = arange(x.shape[0])
    nll = neg(log_softmax(x)[rows, y_idx])
    return nll, softmax(x), cast(argmax(x, axis=1), y_idx.dtype)


def conv2d_transpose(input, filters, output_shape, filter_shape=None, border_mode="valid",
                     input_dilation=(1, 1), filter_flip=True, filter_dilation=(1, 1),
                     num_groups=1):
    """The transposed convolution of ``input`` to an output of ``output_shape``: the
    input gradient of ``conv2d`` from that shape, with ``input_dilation`` its stride."""
    return conv2d_grad_wrt_inputs(input, filters, output_shape, filter_shape, border_mode,
                                  input_dilation, filter_flip, filter_dilation, num_groups)


def elu(x, alpha=1):
    """The exponential linear unit: ``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    x = as_tensor_variable(x)
    return switch(gt(x, 0), x, alpha * expm1(x))


def softsign(x):
    """``x / (1 + |x|)``."""
    x = as_tensor_variable(x)
    return x / (1.0 + _abs(x))


__getattr__ = missing_attribute(__name__)
