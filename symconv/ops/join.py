"""Joining tensors along an axis: :class:`Join` (``np.concatenate``), whose gradient
hands each input its own slice of the output's gradient."""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable


class Join(Op):
    """``np.concatenate(tensors, axis)`` for tensors of one number of dimensions.

    Parameters
    ----------
    axis : int
        A non-negative axis (the user functions normalize negative ones).
    """

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = int(axis)

    def make_node(self, *tensors):
        tensors = [as_tensor_variable(t) for t in tensors]
        if not tensors:
            raise ValueError(f"{self}: needs at least one tensor to join")
        ndim = tensors[0].ndim
        for t in tensors:
            if t.ndim != ndim:
                raise TypeError(f"{self}: all tensors must have the same number of dimensions; "
                                f"{tensors[0].describe()} has {ndim}, {t.describe()} has {t.ndim}")
        if not 0 <= self.axis < ndim:
            raise ValueError(f"{self}: axis {self.axis} is out of range for {ndim}-d tensors")
        dtype = np.result_type(*[np.dtype(t.dtype) for t in tensors]).name
        shape = []
        for a in range(ndim):
            sizes = [t.type.shape[a] for t in tensors]
            if a == self.axis:
                shape.append(None if None in sizes else int(np.sum(sizes)))
                continue
            known = {s for s in sizes if s is not None}
            if len(known) > 1:
                raise ValueError(f"{self}: the tensors disagree on axis {a}: "
                                 + ", ".join(t.describe() for t in tensors))
            shape.append(known.pop() if known else None)
        return Apply(self, tensors, [TensorVariable(TensorType(dtype, tuple(shape)))])

    def perform(self, node, inputs):
        try:
            out = np.concatenate(inputs, axis=self.axis)
        except ValueError:
            shapes = ", ".join(str(np.shape(x)) for x in inputs)
            raise ValueError(f"{self}: cannot join arrays of shapes {shapes} along axis "
                             f"{self.axis}") from None
        return [np.asarray(out, dtype=node.outputs[0].dtype)]

    def infer_shape(self, node, input_shapes):
        first = list(input_shapes[0])
        total = input_shapes[0][self.axis]
        for s in input_shapes[1:]:
            total = total + s[self.axis]
        first[self.axis] = total
        return [tuple(first)]

    def grad(self, inputs, outputs, output_grads):
        from .indexing import getitem
        from .shape import shape
        (g,) = output_grads
        result, start = [], 0
        for x in inputs:
            size = x.type.shape[self.axis]
            stop = start + (size if size is not None else shape(x)[self.axis])
            if x.type.is_float:
                piece = getitem(g, (slice(None),) * self.axis + (slice(start, stop),))
                result.append(piece if piece.dtype == x.dtype else piece.astype(x.dtype))
            else:
                result.append(None)
            start = stop
        return result
