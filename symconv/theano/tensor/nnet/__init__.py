"""``theano.tensor.nnet``: activations, softmax, cross-entropies and ``conv2d``."""
from ....nnet import (binary_crossentropy, categorical_crossentropy, conv2d,  # noqa: F401
                      log_softmax, relu, sigmoid, softmax, softplus)
from ....tensor.basic import arange
from ....tensor.math import argmax, cast, neg
from ...missing import missing_attribute
from . import conv  # noqa: F401

logsoftmax = log_softmax


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


__getattr__ = missing_attribute(__name__)
