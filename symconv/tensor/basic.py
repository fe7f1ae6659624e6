"""Constructors for symbolic inputs (``T.matrix("x")``) and for filled tensors."""
import numpy as np

from ..config import config
from ..graph.basic import Constant
from ..graph.type import TensorType
from ..ops.basic import Alloc, ARange
from ..ops.elemwise import cast
from .shapes import shape as _shape
from ..graph.tensor import TensorVariable, as_tensor_variable


def tensor(dtype=None, shape=None, name=None, ndim=None):
    """A symbolic input of the given dtype (``config.floatX`` by default) and
    static shape (``None`` entries are unknown); or give ``ndim`` alone."""
    if shape is None:
        if ndim is None:
            raise TypeError("tensor: give a shape or an ndim")
        shape = (None,) * ndim
    return TensorVariable(TensorType(dtype or config.floatX, shape), name=name)


def _constructor(ndim, default_dtype=None):
    def make(name=None, dtype=None, shape=None):
        dt = dtype or default_dtype or config.floatX
        static = (None,) * ndim if shape is None else tuple(shape)
        if len(static) != ndim:
            raise ValueError(f"a {ndim}-d tensor needs a shape of length {ndim}, got {static}")
        return TensorVariable(TensorType(dt, static), name=name)
    return make


scalar, vector, matrix, tensor3, tensor4 = (_constructor(n) for n in range(5))

_PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64",
             "f": "float32", "d": "float64"}
_KINDS = {"scalar": 0, "vector": 1, "matrix": 2, "tensor3": 3, "tensor4": 4}
for _prefix, _dtype in _PREFIXES.items():
    for _kind, _ndim in _KINDS.items():
        globals()[_prefix + _kind] = _constructor(_ndim, _dtype)



def _several(make):
    """Theano's plural constructors: ``dmatrices("x", "y")``, ``dmatrices("xy")`` (one
    variable per letter), ``dmatrices(3)`` (three unnamed); one name gives one variable."""
    def several(*names, dtype=None):
        if len(names) == 1 and isinstance(names[0], int):
            return [make(dtype=dtype) for _ in range(names[0])]
        if len(names) == 1:
            names = names[0]
        if isinstance(names, str) and len(names) == 1:
            return make(names, dtype=dtype)
        return [make(name, dtype=dtype) for name in names]
    return several


_PLURALS = {"scalar": "scalars", "vector": "vectors", "matrix": "matrices",
            "tensor3": "tensor3s", "tensor4": "tensor4s"}
for _prefix in ("",) + tuple(_PREFIXES):
    for _kind, _plural in _PLURALS.items():
        globals()[_prefix + _plural] = _several(globals()[_prefix + _kind])

__all__ = ["tensor", "scalar", "vector", "matrix", "tensor3", "tensor4", "arange", "alloc",
           "zeros", "ones", "zeros_like", "ones_like", "full_like"] + [
    p + k for p in _PREFIXES for k in _KINDS] + [
    p + k for p in ("",) + tuple(_PREFIXES) for k in _PLURALS.values()]


def arange(start, stop=None, step=1, dtype=None):
    """``np.arange`` with scalar, possibly symbolic, bounds (int64 for integer bounds)."""
    if stop is None:
        start, stop = 0, start
    bounds = [as_tensor_variable(v) for v in (start, stop, step)]
    if dtype is None:
        dtype = np.result_type(*[np.dtype(b.dtype) for b in bounds]).name
        if dtype.startswith(("int", "uint")):
            dtype = "int64"
    return ARange(dtype)(*bounds)


def alloc(value, *shape):
    """An array of ``shape`` filled with ``value`` (broadcast to the shape)."""
    return Alloc()(value, *shape)


def _dims_of(x):
    x = as_tensor_variable(x)
    dims, shape = [], None
    for axis, size in enumerate(x.type.shape):
        if size is None and shape is None:
            shape = _shape(x)  # one Shape node for all the unknown sizes
        dims.append(size if size is not None else shape[axis])
    return x, dims


def full_like(x, value, dtype=None):
    """An array shaped like ``x`` filled with ``value``."""
    x, dims = _dims_of(x)
    dtype = dtype or x.dtype
    if not hasattr(value, "type"):
        value = np.asarray(value, dtype=dtype)  # a constant of the right dtype, not a Cast node
    return alloc(cast(as_tensor_variable(value), dtype), *dims)


def zeros_like(x, dtype=None):
    """Zeros shaped like ``x``."""
    return full_like(x, 0, dtype)


def ones_like(x, dtype=None):
    """Ones shaped like ``x``."""
    return full_like(x, 1, dtype)


def zeros(shape, dtype=None):
    """Zeros of a (possibly symbolic) shape."""
    return alloc(np.zeros((), dtype=dtype or config.floatX), *shape)


def ones(shape, dtype=None):
    """Ones of a (possibly symbolic) shape."""
    return alloc(np.ones((), dtype=dtype or config.floatX), *shape)


def is_constant(v):
    return isinstance(v, Constant)
