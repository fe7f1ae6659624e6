"""Tensor-building ops: ``arange`` and ``alloc`` (filling a shape with a value)."""
import numpy as np

from ..config import config
from ..graph.basic import Apply, Constant, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable
from . import elemwise as E


class ARange(Op):
    """``arange(start, stop, step)`` with scalar (possibly symbolic) bounds."""

    __props__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype).name

    def make_node(self, start, stop, step):
        bounds = [as_tensor_variable(v) for v in (start, stop, step)]
        for name, v in zip(("start", "stop", "step"), bounds):
            if v.ndim != 0:
                raise TypeError(f"arange: {name} must be a scalar, got {v.describe()}")
        if isinstance(bounds[2], Constant) and bounds[2].data == 0:
            raise ValueError("arange: step must not be zero")
        length = None
        if all(isinstance(v, Constant) for v in bounds):
            length = len(np.arange(*(v.data for v in bounds)))
        return Apply(self, bounds, [TensorVariable(TensorType(self.dtype, (length,)))])

    def perform(self, node, inputs):
        start, stop, step = inputs
        if step == 0:
            raise ValueError("arange: step must not be zero")
        return [np.arange(start, stop, step, dtype=self.dtype)]

    def infer_shape(self, node, input_shapes):
        raise NotImplementedError("arange's length depends on its bounds' values")

    def grad(self, inputs, outputs, output_grads):
        return [None, None, None]


class Alloc(Op):
    """An array of a given (possibly symbolic) shape filled with ``value``
    (a scalar, or an array broadcast to that shape)."""

    def make_node(self, value, *shape):
        value = as_tensor_variable(value)
        dims = []
        for s in shape:
            s = as_tensor_variable(s)
            if s.ndim != 0 or not s.type.is_integer:
                raise TypeError(f"alloc: each dimension must be an integer scalar, got {s.describe()}")
            dims.append(s)
        static = [int(d.data) if isinstance(d, Constant) else None for d in dims]
        static = E.broadcast_to_static(
            value, static, "alloc", f"the shape {TensorType(value.dtype, static).shape_str()}")
        return Apply(self, [value, *dims], [TensorVariable(TensorType(value.dtype, static))])

    def perform(self, node, inputs):
        value, *shape = inputs
        out = np.empty(tuple(int(s) for s in shape), dtype=node.outputs[0].dtype)
        out[...] = value
        return [out]

    def infer_shape(self, node, input_shapes):
        raise NotImplementedError("alloc's shape depends on its inputs' values")

    def grad(self, inputs, outputs, output_grads):
        value = inputs[0]
        gv = E.sum_to(output_grads[0], value) if value.type.is_float else None
        return [gv] + [None] * (len(inputs) - 1)


# --- building nodes (the user API re-exports these as symconv.tensor.*) ----------

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
    from .shape import shape as shape_of   # shape's ops build allocs
    x = as_tensor_variable(x)
    dims, shape = [], None
    for axis, size in enumerate(x.type.shape):
        if size is None and shape is None:
            shape = shape_of(x)  # one Shape node for all the unknown sizes
        dims.append(size if size is not None else shape[axis])
    return x, dims


def full_like(x, value, dtype=None):
    """An array shaped like ``x`` filled with ``value``."""
    x, dims = _dims_of(x)
    dtype = dtype or x.dtype
    if not hasattr(value, "type"):
        value = np.asarray(value, dtype=dtype)  # a constant of the right dtype, not a Cast node
    return alloc(E.cast(as_tensor_variable(value), dtype), *dims)


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
