"""``theano.tensor`` (``import theano.tensor as T``): symconv's tensor API under
Theano's names, with ``T.grad``, ``T.nnet``, ``T.signal`` and
``T.shared_randomstreams``."""
import numpy as np

from ...config import config
from ...graph.type import TensorType as _TensorType
from ...tensor import *  # noqa: F401,F403
from ...tensor import as_tensor_variable, concatenate, stack  # noqa: F401
from ...tensor.math import argmax as _argmax, max as _max
from ..gradient import grad, verify_grad  # noqa: F401
from ..missing import missing_attribute
from . import nnet, shared_randomstreams, signal  # noqa: F401
from ...tensor import abs as abs_, floor_div as int_div, sign as sgn  # noqa: F401

as_tensor = as_tensor_variable


class _TypeOfTensors(type):
    """``isinstance(v.type, T.TensorType)`` holds for every tensor type."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, _TensorType)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _TensorType)


class TensorType(metaclass=_TypeOfTensors):
    """Theano's ``TensorType(dtype, broadcastable)``: a true flag marks an axis of size 1,
    a false one an axis whose size is known when the graph runs (``bool`` of each, as
    Theano); call the type for a variable (``TensorType('float32', (False,) * 3)('t')``)."""

    def __new__(cls, dtype, broadcastable, name=None):
        return _TensorType(dtype, tuple(1 if bool(b) else None for b in broadcastable))


def row(name=None, dtype=None):
    """A matrix of one row (Theano's broadcastable ``(True, False)``)."""
    return _TensorType(dtype or config.floatX, (1, None))(name)


def col(name=None, dtype=None):
    """A matrix of one column (broadcastable ``(False, True)``)."""
    return _TensorType(dtype or config.floatX, (None, 1))(name)


def join(axis, *tensors):
    """``tensors`` joined along ``axis`` (Theano's argument order; ``concatenate``'s
    is ``(tensors, axis)``)."""
    return concatenate(list(tensors), axis=axis)


def outer(x, y):
    """The outer product of vectors ``x`` and ``y``: ``x[:, None] * y[None, :]``."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if x.ndim != 1 or y.ndim != 1:
        raise TypeError(f"outer: expects two vectors, got {x.describe()} and {y.describe()}")
    return x.dimshuffle(0, "x") * y.dimshuffle("x", 0)


def max_and_argmax(a, axis=None, keepdims=False):
    """``[max, argmax]`` of ``a`` over ``axis``."""
    return [_max(a, axis=axis, keepdims=keepdims), _argmax(a, axis=axis, keepdims=keepdims)]


__getattr__ = missing_attribute(__name__)
