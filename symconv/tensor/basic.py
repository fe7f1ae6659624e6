"""Constructors for symbolic inputs (``T.matrix("x")``) and for filled tensors."""
from ..config import config
from ..graph.basic import Constant
from ..graph.type import TensorType
# filled tensors are built by the ops package; they are part of this API
from ..ops.basic import alloc, arange, full_like, ones, ones_like, zeros, zeros_like  # noqa: F401
from ..graph.tensor import TensorVariable


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


def is_constant(v):
    return isinstance(v, Constant)
