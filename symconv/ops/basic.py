"""Tensor-building ops: ``arange`` and ``alloc`` (filling a shape with a value)."""
import numpy as np

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

    def grad(self, inputs, output_grads):
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

    def grad(self, inputs, output_grads):
        value = inputs[0]
        gv = E.sum_to(output_grads[0], value) if value.type.is_float else None
        return [gv] + [None] * (len(inputs) - 1)
