"""``theano.tensor`` (``import theano.tensor as T``): symconv's tensor API under
Theano's names, with ``T.grad``, ``T.nnet``, ``T.signal`` and
``T.shared_randomstreams``."""
from ...graph.type import TensorType  # noqa: F401
from ...tensor import *  # noqa: F401,F403
from ...tensor import as_tensor_variable, concatenate, stack  # noqa: F401
from ...tensor.math import argmax as _argmax, max as _max
from ..gradient import grad, verify_grad  # noqa: F401
from ..missing import missing_attribute
from . import nnet, shared_randomstreams, signal  # noqa: F401
from ...tensor import abs as abs_, floor_div as int_div, sign as sgn  # noqa: F401

as_tensor = as_tensor_variable


def max_and_argmax(a, axis=None, keepdims=False):
    """``[max, argmax]`` of ``a`` over ``axis``."""
    return [_max(a, axis=axis, keepdims=keepdims), _argmax(a, axis=axis, keepdims=keepdims)]


__getattr__ = missing_attribute(__name__)
