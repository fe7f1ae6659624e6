"""Matrix products: ``dot`` with NumPy's semantics for vectors and matrices."""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable
from . import elemwise as E


class Dot(Op):
    """``np.dot(x, y)`` for 1-d and 2-d operands, computed by BLAS."""

    def make_node(self, x, y):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if x.ndim not in (1, 2) or y.ndim not in (1, 2):
            raise TypeError(f"dot: operands must be vectors or matrices, got {x.describe()} and "
                            f"{y.describe()}; use tensordot for higher dimensions")
        inner_x, inner_y = x.type.shape[-1], y.type.shape[0]
        if inner_x is not None and inner_y is not None and inner_x != inner_y:
            raise ValueError(
                f"dot: shapes {x.type.shape_str()} and {y.type.shape_str()} are not aligned: "
                f"{inner_x} (last axis of {x.describe()}) != {inner_y} (first axis of {y.describe()})")
        shape = x.type.shape[:-1] + y.type.shape[1:]
        dtype = np.result_type(x.dtype, y.dtype).name
        return Apply(self, [x, y], [TensorVariable(TensorType(dtype, shape))])

    def perform(self, node, inputs):
        x, y = inputs
        try:
            out = np.dot(x, y)
        except ValueError:
            raise ValueError(f"dot: shapes {x.shape} and {y.shape} are not aligned") from None
        return [np.asarray(out)]

    def infer_shape(self, node, input_shapes):
        sx, sy = input_shapes
        return [tuple(sx[:-1]) + tuple(sy[1:])]

    def grad(self, inputs, outputs, output_grads):
        from .shape import dimshuffle
        x, y = inputs
        (g,) = output_grads
        if x.ndim == 2 and y.ndim == 2:
            gx, gy = dot(g, y.T), dot(x.T, g)
        elif x.ndim == 2:  # matrix . vector
            gx = E.mul(dimshuffle(g, (0, "x")), dimshuffle(y, ("x", 0)))
            gy = dot(x.T, g)
        elif y.ndim == 2:  # vector . matrix
            gx = dot(y, g)
            gy = E.mul(dimshuffle(x, (0, "x")), dimshuffle(g, ("x", 0)))
        else:  # vector . vector
            gx, gy = E.mul(g, y), E.mul(g, x)
        return [E.cast(gx, x.dtype) if x.type.is_float else None,
                E.cast(gy, y.dtype) if y.type.is_float else None]


def dot(x, y):
    return Dot()(x, y)


# --- products the compiler builds ------------------------------------------------

class ScaledDot(Op):
    """``alpha * dot(x, y)`` for matrices; the kernel scales the smallest of ``x``, ``y``
    and the product, which is exact up to rounding."""

    __props__ = ("alpha",)

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def __str__(self):
        return f"scaled_dot{{{self.alpha:g}}}"

    def make_node(self, x, y):
        out = Dot().make_node(x, y).outputs[0]
        return Apply(self, [x, y], [TensorVariable(out.type)])

    def perform(self, node, inputs):
        x, y = inputs
        out = np.dot(x, y)
        out *= out.dtype.type(self.alpha)
        return [out]

    def infer_shape(self, node, input_shapes):
        return [(input_shapes[0][0], input_shapes[1][1])]

    def grad(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation")


class Gemm(Op):
    """``beta * z + alpha * dot(x, y)`` for matrices: BLAS's gemm.

    The compiler builds it from a shared variable's update ``beta * W + alpha *
    dot(x, y)`` (``W - eta * dot(x.T, g)``, with L2 ``(1 - eta * l) * W - ...``);
    the runtime then computes the product straight into ``W``'s memory
    (:meth:`symconv.compile.openblas.OpenBLAS.gemm`). Inputs ``(z, x, y)``.
    """

    __props__ = ("alpha", "beta")
    destroy_map = {0: [0]}   # written into z where the plan finds that safe, else a copy

    def __init__(self, alpha, beta):
        self.alpha, self.beta = float(alpha), float(beta)

    def __str__(self):
        return f"gemm{{{self.alpha:g},{self.beta:g}}}"

    def make_node(self, z, x, y):
        product = Dot().make_node(x, y).outputs[0]
        if z.ndim != 2 or product.ndim != 2 or z.dtype != product.dtype or \
                not z.type.is_compatible(product.type):
            raise TypeError(f"{self}: z must be a matrix of the type of dot(x, y), "
                            f"{product.type.short()}, got {z.describe()}")
        return Apply(self, [z, x, y], [TensorVariable(z.type)])

    def perform(self, node, inputs):
        z, x, y = inputs
        dtype = np.dtype(node.outputs[0].dtype)
        out = np.dot(x, y).astype(dtype, copy=False)
        out *= dtype.type(self.alpha)
        # the update it was built from broadcasts, as NumPy does: the product may
        # have fewer rows or columns than z (or z than the product)
        out = np.add(out, dtype.type(self.beta) * z, out=out if out.shape == z.shape else None)
        return [out.astype(dtype, copy=False)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation")
