"""The fully connected layer as one op: ``act(dot(x, w) + b)`` (:class:`Affine`), which
the compiler's specialization builds from a dot, a bias and an activation."""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable
from .elemwise import sigmoid_into


AFFINE_ACTIVATIONS = (None, "relu", "sigmoid", "tanh")


def activate(act, z, out):
    """``out = act(z)`` as the graph computes it (ReLU is ``maximum(0, z)``)."""
    if act == "relu":
        np.maximum(z, z.dtype.type(0), out=out)
    elif act == "tanh":
        np.tanh(z, out=out)
    elif act == "sigmoid":
        sigmoid_into(z, out)
    elif out is not z:
        np.copyto(out, z)
    return out


class Affine(Op):
    """``act(dot(x, w) + b)`` for a matrix ``x``, matrix ``w`` and vector ``b``: a fully
    connected layer as one kernel (a GEMM into the output, the bias and the
    activation applied in place).

    Outputs ``out``, then ``pre`` (``dot(x, w) + b``) when there is an activation.
    """

    __props__ = ("act",)

    def __init__(self, act=None):
        if act not in AFFINE_ACTIVATIONS:
            raise ValueError(f"affine: unknown activation {act!r}")
        self.act = act

    def __str__(self):
        return f"affine{{{self.act}}}" if self.act else "affine"

    def make_node(self, x, w, b):
        from ..graph.tensor import as_tensor_variable
        from .blas import Dot
        x, w, b = as_tensor_variable(x), as_tensor_variable(w), as_tensor_variable(b)
        if x.ndim != 2 or w.ndim != 2 or b.ndim != 1:
            raise TypeError(f"{self}: expects a matrix, a matrix and a vector, got "
                            f"{x.describe()}, {w.describe()}, {b.describe()}")
        z = Dot().make_node(x, w).outputs[0]
        cols = z.type.shape[1] if z.type.shape[1] is not None else b.type.shape[0]
        out = TensorType(np.result_type(z.dtype, b.dtype).name, (z.type.shape[0], cols))
        outputs = [TensorVariable(out)] + ([TensorVariable(out)] if self.act else [])
        return Apply(self, [x, w, b], outputs)

    def perform(self, node, inputs):
        x, w, b = inputs
        pre = np.dot(x, w)
        pre += b
        if self.act is None:
            return [pre]
        return [activate(self.act, pre, np.empty_like(pre)), pre]

    def infer_shape(self, node, input_shapes):
        shape = (input_shapes[0][0], input_shapes[1][1])
        return [shape] * len(node.outputs)

    def grad(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation")
