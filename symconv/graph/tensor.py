"""Symbolic tensors: Variables with NumPy-like operators and methods.

The operators build graph nodes; nothing is computed until a function compiled
with :func:`symconv.function` is called.

Ops create their outputs as :class:`TensorVariable` and read their inputs
through :func:`as_tensor_variable`, so this module sits with the IR, below the
ops. Its operators and methods (``x + y``, ``x.sum()``, ``x[i]``) are the user
API, :mod:`symconv.tensor`, which they call at the time they are used: the one
place where the IR reaches up (the import-layer contract lists it).
"""
import numbers

import numpy as np

from ..config import config
from .basic import Constant, SharedVariable, Variable
from .type import TensorType


class _TensorOperators:
    """Operators and methods shared by every kind of symbolic tensor."""

    # NumPy arrays and scalars on the left of an operator defer to ours
    # (``np.ones(3) * x`` builds a graph node, not an object array of nodes)
    __array_ufunc__ = None

    # arithmetic -------------------------------------------------------------
    def __add__(self, other):
        return _math().add(self, other)

    def __radd__(self, other):
        return _math().add(other, self)

    def __sub__(self, other):
        return _math().sub(self, other)

    def __rsub__(self, other):
        return _math().sub(other, self)

    def __mul__(self, other):
        return _math().mul(self, other)

    def __rmul__(self, other):
        return _math().mul(other, self)

    def __truediv__(self, other):
        return _math().true_div(self, other)

    def __rtruediv__(self, other):
        return _math().true_div(other, self)

    def __floordiv__(self, other):
        return _math().floor_div(self, other)

    def __rfloordiv__(self, other):
        return _math().floor_div(other, self)

    def __mod__(self, other):
        return _math().mod(self, other)

    def __rmod__(self, other):
        return _math().mod(other, self)

    def __pow__(self, other):
        return _math().pow(self, other)

    def __rpow__(self, other):
        return _math().pow(other, self)

    def __neg__(self):
        return _math().neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _math().abs(self)

    # comparisons (== and != stay identity, as in Theano: use T.eq / T.neq) --
    def __lt__(self, other):
        return _comparison(_math().lt(self, other), self, "<", other)

    def __le__(self, other):
        return _comparison(_math().le(self, other), self, "<=", other)

    def __gt__(self, other):
        return _comparison(_math().gt(self, other), self, ">", other)

    def __ge__(self, other):
        return _comparison(_math().ge(self, other), self, ">=", other)

    def __and__(self, other):
        return _math().and_(self, other)

    def __rand__(self, other):
        return _math().and_(other, self)

    def __or__(self, other):
        return _math().or_(self, other)

    def __ror__(self, other):
        return _math().or_(other, self)

    def __xor__(self, other):
        return _math().xor(self, other)

    def __invert__(self):
        return _math().invert(self)

    def __bool__(self):
        # Theano's rule: a variable is true (``if not W:`` tests that a parameter was
        # given), except the result of <, <=, > or >=, whose truth is the graph's to
        # compute: ``if x < 0:`` and ``a < b < c`` (Python's ``(a < b) and (b < c)``)
        # would otherwise run with a value that means nothing
        written = getattr(self, "_written_as", None)
        if written is not None:
            raise TypeError(
                f"the truth value of the symbolic comparison {written} is not known until "
                "the graph runs; use symconv.tensor.switch for a symbolic condition (and "
                "T.and_ for a < b < c)")
        return True

    def __iter__(self):
        raise TypeError(f"symbolic {self.describe()} cannot be iterated")

    def __len__(self):
        raise TypeError(f"symbolic {self.describe()} has no len(); use x.shape[0]")

    # reductions --------------------------------------------------------------
    # reductions take NumPy's and Theano's order: (axis, dtype, keepdims)
    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _math().sum(self, axis=axis, keepdims=keepdims, dtype=dtype, acc_dtype=acc_dtype)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _math().mean(self, axis=axis, keepdims=keepdims, dtype=dtype, acc_dtype=acc_dtype)

    def max(self, axis=None, keepdims=False):
        return _math().max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _math().min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _math().argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _math().argmin(self, axis=axis, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None,
             no_zeros_in_input=False):
        return _math().prod(self, axis=axis, keepdims=keepdims, dtype=dtype,
                            acc_dtype=acc_dtype, no_zeros_in_input=no_zeros_in_input)

    def var(self, axis=None, ddof=0, keepdims=False):
        return _math().var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, ddof=0, keepdims=False):
        return _math().std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    # shape -------------------------------------------------------------------
    @property
    def shape(self):
        return _shape().shape(self)

    @property
    def size(self):
        return _math().prod(self.shape)

    def reshape(self, *shape, ndim=None):
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = shape[0]
        return _shape().reshape(self, shape, ndim=ndim)

    def flatten(self, ndim=1):
        return _shape().flatten(self, ndim)

    def dimshuffle(self, *pattern):
        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = pattern[0]
        return _shape().dimshuffle(self, pattern)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = axes[0]
        return _shape().transpose(self, axes or None)

    @property
    def T(self):
        return _shape().transpose(self)

    def __getitem__(self, index):
        return _indexing().getitem(self, index)

    # misc --------------------------------------------------------------------
    def astype(self, dtype):
        return _math().cast(self, dtype)

    def dot(self, other):
        return _math().dot(self, other)

    def __matmul__(self, other):
        return _math().dot(self, other)

    def __rmatmul__(self, other):
        return _math().dot(other, self)

    def clip(self, a_min, a_max):
        return _math().clip(self, a_min, a_max)

    def round(self):
        return _math().round(self)

    # counts rather than max/min, which have no value over an empty axis
    def any(self, axis=None, keepdims=False):
        m = _math()
        return m.gt(m.sum(m.neq(self, 0), axis=axis, keepdims=keepdims), 0)

    def all(self, axis=None, keepdims=False):
        m = _math()
        return m.eq(m.sum(m.eq(self, 0), axis=axis, keepdims=keepdims), 0)

    def ptp(self, axis=None, keepdims=False):
        return self.max(axis=axis, keepdims=keepdims) - self.min(axis=axis, keepdims=keepdims)

    def norm(self, L, axis=None, keepdims=False):
        """The ``L``-norm over ``axis``, as Theano's ``x.norm(L, axis)`` (``L`` 0 counts
        the non-zero entries)."""
        m = _math()
        if L == 0:
            return m.sum(m.cast(m.neq(self, 0), self.dtype), axis=axis, keepdims=keepdims)
        if L == 1:
            return m.sum(m.abs(self), axis=axis, keepdims=keepdims)
        if L == 2:
            return m.sqrt(m.sum(m.sqr(self), axis=axis, keepdims=keepdims))
        return m.sum(m.abs(self) ** L, axis=axis, keepdims=keepdims) ** (1.0 / L)

    def repeat(self, repeats, axis=None):
        from ..tensor.math import repeat
        return repeat(self, repeats, axis=axis)

    def cumsum(self, axis=None):
        from ..tensor.math import cumsum
        return cumsum(self, axis=axis)

    def sort(self, axis=-1, kind="quicksort", order=None):
        from ..tensor.math import sort
        return sort(self, axis=axis, kind=kind, order=order)

    def argsort(self, axis=-1, kind="quicksort", order=None):
        from ..tensor.math import argsort
        return argsort(self, axis=axis, kind=kind, order=order)

    def nonzero(self, return_matrix=False):
        from ..tensor.math import nonzero
        return nonzero(self, return_matrix=return_matrix)

    def nonzero_values(self):
        from ..tensor.math import nonzero_values
        return nonzero_values(self)

    def take(self, indices, axis=None, mode="raise"):
        """The entries at ``indices`` along ``axis`` (of the flattened tensor when None),
        as ``np.take`` (``mode`` 'raise' only: an index out of range is an error)."""
        if mode != "raise":
            raise NotImplementedError(f"take: mode {mode!r} is not implemented; only 'raise'")
        if axis is None:
            return self.flatten()[indices]
        if not -self.ndim <= axis < self.ndim:
            raise ValueError(f"take: axis {axis} is out of range for {self.describe()}")
        return self[(slice(None),) * (axis % self.ndim) + (indices,)]

    def ravel(self):
        return _shape().flatten(self, 1)

    def squeeze(self):
        """Without the axes known to have size 1."""
        return _shape().dimshuffle(self, [k for k, d in enumerate(self.type.shape) if d != 1])

    def swapaxes(self, axis1, axis2):
        axes = list(range(self.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return _shape().transpose(self, axes)

    def copy(self, name=None):
        """The same value, as a new variable (Theano's ``x.copy()``)."""
        from ..tensor.math import identity_op
        out = identity_op(self)
        out.name = name
        return out

    def zeros_like(self, dtype=None):
        from ..tensor.basic import zeros_like
        return zeros_like(self, dtype=dtype)

    def ones_like(self, dtype=None):
        from ..tensor.basic import ones_like
        return ones_like(self, dtype=dtype)

    def fill(self, value):
        """``value`` in the shape of this tensor."""
        from ..tensor.basic import full_like
        return full_like(self, value)

    # evaluation ----------------------------------------------------------------
    def eval(self, inputs_to_values=None):
        """This variable's value, computed now (Theano's ``Variable.eval``).

        Parameters
        ----------
        inputs_to_values : dict Variable -> array_like, optional
            A value for each free input the variable depends on.

        Returns
        -------
        numpy.ndarray

        Notes
        -----
        The function compiled for one set of inputs is kept on the variable, so
        calling ``eval`` again with other values of the same inputs is cheap.
        Values for inputs the variable does not depend on are ignored.

        Examples
        --------
        >>> import symconv.tensor as T
        >>> x = T.dscalar("x")
        >>> float((x * 2).eval({x: 3.0}))
        6.0
        """
        from ..compile.function import function
        values = dict(inputs_to_values or {})
        key = tuple(values)
        cache = self.__dict__.setdefault("_eval_functions", {})
        if key not in cache:
            # a value given for an input the result does not need is no error here
            cache[key] = function(list(key), self, on_unused_input="ignore")
        return cache[key](*values.values())


def _elementwise_method(name):
    def method(self):
        return getattr(_math(), name)(self)
    method.__name__ = name
    method.__doc__ = f"``{name}`` of each entry."
    return method


for _name in ("arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "ceil", "cos",
              "cosh", "deg2rad", "exp", "exp2", "expm1", "floor", "log", "log10", "log1p",
              "log2", "rad2deg", "sin", "sinh", "sqrt", "tan", "tanh", "trunc"):
    setattr(_TensorOperators, _name, _elementwise_method(_name))
del _name


def _comparison(result, left, symbol, right):
    """``result`` marked as the comparison ``left symbol right`` written with an
    operator (see ``__bool__``)."""
    def text(v):
        return v.describe() if isinstance(v, Variable) else repr(v)
    result._written_as = f"{text(left)} {symbol} {text(right)}"
    return result


class TensorVariable(_TensorOperators, Variable):
    """A symbolic tensor computed by the graph or given as a function input."""


class TensorConstant(_TensorOperators, Constant):
    """A symbolic tensor with a fixed value."""


class TensorSharedVariable(_TensorOperators, SharedVariable):
    """A symbolic tensor holding state between calls (weights, data sets)."""


def as_tensor_variable(value, name=None, dtype=None):
    """Return ``value`` as a symbolic tensor: Variables pass through, arrays and
    Python numbers become constants (Python floats take ``config.floatX``)."""
    if isinstance(value, Variable):
        if dtype is not None and value.dtype != np.dtype(dtype).name:
            return _math().cast(value, dtype)
        return value
    if isinstance(value, (list, tuple)) and any(isinstance(v, Variable) for v in value):
        return _shape().stack_scalars(value)
    return constant(value, name=name, dtype=dtype)


def constant(value, name=None, dtype=None):
    """A :class:`TensorConstant` holding ``value``."""
    if dtype is None:
        if isinstance(value, bool):
            dtype = "bool"
        elif isinstance(value, numbers.Integral) and not isinstance(value, np.integer):
            dtype = "int64"
        elif isinstance(value, float):
            dtype = config.floatX
        else:
            arr = np.asarray(value)
            dtype = arr.dtype
            if arr.dtype.kind == "f" and not isinstance(value, np.ndarray) and not isinstance(
                    value, np.generic):
                dtype = config.floatX  # nested Python lists of floats
    arr = np.asarray(value, dtype=dtype)
    return TensorConstant(TensorType(arr.dtype, arr.shape), arr, name=name)


def tensor_variable(dtype, shape, name=None):
    return TensorVariable(TensorType(dtype, shape), name=name)


def _math():
    from ..tensor import math
    return math


def _shape():
    from ..tensor import shapes
    return shapes


def _indexing():
    from ..tensor import indexing
    return indexing
