"""``theano.tensor`` (``import theano.tensor as T``): symconv's tensor API under
Theano's names, with ``T.grad``, ``T.nnet``, ``T.signal`` and
``T.shared_randomstreams``."""
import functools

import numpy as np

from ...config import config
from ...graph.type import TensorType as _TensorType
from ...tensor import *  # noqa: F401,F403
from ...tensor import as_tensor_variable, concatenate, stack  # noqa: F401
from ...graph.basic import Variable  # noqa: F401  (isinstance checks of Theano code)
from ...tensor.math import argmax as _argmax, max as _max
from ...tensor.math import mean as _mean, prod as _prod, sum as _sum
from ...tensor.shapes import flatten as _flatten
from ..gradient import Lop, Rop, grad, hessian, jacobian, verify_grad  # noqa: F401
from ..missing import missing_attribute
from . import nnet, shared_randomstreams, sharedvar, signal, xlogx  # noqa: F401
from . import extra_ops, nlinalg, slinalg  # noqa: F401
from .extra_ops import squeeze  # noqa: F401
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
    """The outer product ``x[:, None] * y[None, :]`` of vectors, or of the flattened
    ``x`` and ``y`` (as ``np.outer`` and Theano)."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    x = x if x.ndim == 1 else x.flatten()
    y = y if y.ndim == 1 else y.flatten()
    return x.dimshuffle(0, "x") * y.dimshuffle("x", 0)


def addbroadcast(x, *axes):
    """``x`` with the ``axes`` known to have size 1 (checked when the graph runs)."""
    x = as_tensor_variable(x)
    return patternbroadcast(x, [k in axes or b for k, b in enumerate(x.broadcastable)])


def unbroadcast(x, *axes):
    """``x`` with the ``axes`` no longer known to have size 1."""
    x = as_tensor_variable(x)
    return patternbroadcast(x, [b and k not in axes for k, b in enumerate(x.broadcastable)])


def patternbroadcast(x, broadcastable):
    """``x`` whose axes flagged true have size 1 (checked when the graph runs), the
    others a size known then."""
    x = as_tensor_variable(x)
    return specify_shape(x, [1 if b else None for b in broadcastable])


def _row_and_col_of(dtype):
    def a_row(name=None):
        return _TensorType(dtype, (1, None))(name)

    def a_col(name=None):
        return _TensorType(dtype, (None, 1))(name)
    a_row.__doc__ = f"A {dtype} matrix of one row."
    a_col.__doc__ = f"A {dtype} matrix of one column."
    return a_row, a_col


# Theano's typed rows and columns: brow, wrow, irow, lrow, frow, drow, and the cols
for _prefix, _dtype in (("b", "int8"), ("w", "int16"), ("i", "int32"), ("l", "int64"),
                        ("f", "float32"), ("d", "float64")):
    globals()[_prefix + "row"], globals()[_prefix + "col"] = _row_and_col_of(_dtype)


def take(a, indices, axis=None, mode="raise"):
    """The entries of ``a`` at ``indices`` along ``axis``, as ``np.take``."""
    return as_tensor_variable(a).take(indices, axis=axis, mode=mode)


def inv(a):
    """``1 / a``."""
    return 1.0 / as_tensor_variable(a)


def any(x, axis=None, keepdims=False):
    """Whether any entry of ``x`` over ``axis`` is non-zero (a bool tensor)."""
    return as_tensor_variable(x).any(axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    """Whether every entry of ``x`` over ``axis`` is non-zero (a bool tensor)."""
    return as_tensor_variable(x).all(axis=axis, keepdims=keepdims)


def _theano_acc_dtype(x, dtype, acc_dtype):
    """Theano's accumulator when only ``dtype`` is given: the upcast of the input's
    and the result's (a float64 sum asked for in float32 is summed in float64)."""
    if acc_dtype is not None or dtype is None:
        return acc_dtype
    return np.result_type(as_tensor_variable(x).dtype, dtype).name


def sum(input, axis=None, dtype=None, keepdims=False, acc_dtype=None):
    """Theano's ``sum``: ``dtype`` is the result's, the accumulator holds both it and
    the input's (``acc_dtype`` chooses another)."""
    return _sum(input, axis=axis, dtype=dtype, keepdims=keepdims,
                acc_dtype=_theano_acc_dtype(input, dtype, acc_dtype))


def mean(input, axis=None, dtype=None, op=False, keepdims=False, acc_dtype=None):
    """Theano's ``mean``, ``dtype`` and ``acc_dtype`` as for :func:`sum` (``op`` chose
    between two implementations of one value, and is accepted)."""
    return _mean(input, axis=axis, dtype=dtype, keepdims=keepdims,
                 acc_dtype=_theano_acc_dtype(input, dtype, acc_dtype))


def prod(input, axis=None, dtype=None, keepdims=False, acc_dtype=None, no_zeros_in_input=False):
    """Theano's ``prod``, ``dtype`` and ``acc_dtype`` as for :func:`sum`."""
    return _prod(input, axis=axis, dtype=dtype, keepdims=keepdims,
                 acc_dtype=_theano_acc_dtype(input, dtype, acc_dtype))


def largest(*args):
    """The elementwise largest of the arguments (``maximum`` of them all)."""
    if not args:
        raise TypeError("largest: give at least one tensor")
    return functools.reduce(maximum, args)


def smallest(*args):
    """The elementwise smallest of the arguments (``minimum`` of them all)."""
    if not args:
        raise TypeError("smallest: give at least one tensor")
    return functools.reduce(minimum, args)


bitwise_and, bitwise_or, bitwise_xor, bitwise_not = and_, or_, xor, invert


def flatten(x, ndim=None, outdim=None):
    """Keep the first ``ndim - 1`` axes of ``x`` and flatten the rest (Theano 1.0 also
    takes the older name ``outdim``)."""
    if outdim is not None and ndim is not None:
        raise ValueError("flatten: give ndim or outdim, not both")
    if outdim is not None:
        import warnings
        warnings.warn("flatten: outdim is Theano's former name of ndim", DeprecationWarning,
                      stacklevel=2)
    return _flatten(x, ndim if ndim is not None else (outdim if outdim is not None else 1))


def shape_padaxis(t, axis):
    """``t`` with a new axis of size 1 at ``axis`` (``-1`` appends it)."""
    t = as_tensor_variable(t)
    if not -t.ndim - 1 <= axis <= t.ndim:
        raise IndexError(f"shape_padaxis: axis {axis} is out of range for {t.describe()}")
    axis = axis % (t.ndim + 1)
    pattern = list(range(t.ndim))
    pattern.insert(axis, "x")
    return t.dimshuffle(pattern)


def horizontal_stack(*args):
    """Matrices side by side (joined along their columns)."""
    return concatenate(list(args), axis=1)


def vertical_stack(*args):
    """Matrices one above the other (joined along their rows)."""
    return concatenate(list(args), axis=0)


def stacklists(arg):
    """Nested lists of tensors (or scalars) stacked into one tensor of their shape:
    ``stacklists([[a, b], [c, d]])`` is a 2x2 matrix of the scalars."""
    if isinstance(arg, (list, tuple)):
        return stack([stacklists(item) for item in arg])
    return as_tensor_variable(arg)


def roll(x, shift, axis=None):
    """``x`` with its entries shifted by ``shift`` along ``axis`` (of the flattened ``x``
    when None), those pushed past the end coming back at the start, as ``np.roll``."""
    x = as_tensor_variable(x)
    if axis is None:
        return roll(x.flatten(), shift, axis=0).reshape(x.shape, ndim=x.ndim)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"roll: axis {axis} is out of range for {x.describe()}")
    axis = axis % x.ndim
    size = maximum(x.shape[axis], 1)          # an empty axis: nothing moves
    cut = (size - as_tensor_variable(shift) % size) % size
    front = (slice(None),) * axis
    return concatenate([x[front + (slice(cut, None),)], x[front + (slice(None, cut),)]],
                       axis=axis)


def _tri_mask(m, k, below):
    m = as_tensor_variable(m)
    if m.ndim != 2:
        raise ValueError(f"{'tril' if below else 'triu'}: expects a matrix, got {m.describe()}")
    rows = arange(m.shape[0]).dimshuffle(0, "x")
    cols = arange(m.shape[1]).dimshuffle("x", 0)
    keep = ge(rows + k, cols) if below else le(rows + k, cols)
    return m, keep


def tril(m, k=0):
    """``m`` with the entries above its ``k``-th diagonal set to 0, as ``np.tril``."""
    m, keep = _tri_mask(m, k, below=True)
    return switch(keep, m, cast(0, m.dtype))


def triu(m, k=0):
    """``m`` with the entries below its ``k``-th diagonal set to 0, as ``np.triu``."""
    m, keep = _tri_mask(m, k, below=False)
    return switch(keep, m, cast(0, m.dtype))


def identity_like(x):
    """The identity matrix of ``x``'s shape and dtype."""
    x = as_tensor_variable(x)
    return eye(x.shape[0], x.shape[1], dtype=x.dtype)


def max_and_argmax(a, axis=None, keepdims=False):
    """``[max, argmax]`` of ``a`` over ``axis``."""
    return [_max(a, axis=axis, keepdims=keepdims), _argmax(a, axis=axis, keepdims=keepdims)]


__getattr__ = missing_attribute(__name__)

from . import basic  # noqa: E402,F401  (after every name it repeats is defined)
