"""Matrix products: ``dot`` and ``tensordot`` with NumPy's semantics."""
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
    """``np.dot(x, y)``: a product by a scalar, the BLAS product of vectors and
    matrices, and for more dimensions the sum over the last axis of ``x`` and the
    second-to-last of ``y`` (Theano's ``dot``, by :func:`tensordot`)."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if x.ndim == 0 or y.ndim == 0:
        return E.mul(x, y)
    if x.ndim > 2 or y.ndim > 2:
        return tensordot(x, y, [[x.ndim - 1], [max(0, y.ndim - 2)]], _caller="dot")
    return Dot()(x, y)


class TensorDot(Op):
    """``np.tensordot(x, y, (x_axes, y_axes))``: the sum of products over the paired
    axes; the result has ``x``'s other axes, then ``y``'s. ``caller`` is the function
    errors are told in (``dot`` reaches here for more than two dimensions)."""

    __props__ = ("x_axes", "y_axes", "caller")

    def __init__(self, x_axes, y_axes, caller="tensordot"):
        self.x_axes, self.y_axes, self.caller = tuple(x_axes), tuple(y_axes), caller

    def __str__(self):
        return f"tensordot{{{self.x_axes},{self.y_axes}}}"

    def make_node(self, x, y):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        for i, j in zip(self.x_axes, self.y_axes):
            nx, ny = x.type.shape[i], y.type.shape[j]
            if nx is not None and ny is not None and nx != ny:
                raise ValueError(f"{self.caller}: axis {i} of {x.describe()} has {nx} entries, "
                                 f"axis {j} of {y.describe()} {ny}: they are summed over together")
        shape = ([d for k, d in enumerate(x.type.shape) if k not in self.x_axes]
                 + [d for k, d in enumerate(y.type.shape) if k not in self.y_axes])
        dtype = np.result_type(x.dtype, y.dtype).name
        return Apply(self, [x, y], [TensorVariable(TensorType(dtype, tuple(shape)))])

    def perform(self, node, inputs):
        x, y = inputs
        for i, j in zip(self.x_axes, self.y_axes):
            if x.shape[i] != y.shape[j]:
                raise ValueError(f"{self.caller}: shapes {x.shape} and {y.shape} do not match: "
                                 f"axis {i} of the first has {x.shape[i]} entries, axis {j} of "
                                 f"the second {y.shape[j]}")
        return [np.asarray(np.tensordot(x, y, (self.x_axes, self.y_axes)))]

    def infer_shape(self, node, input_shapes):
        sx, sy = input_shapes
        return [tuple(d for k, d in enumerate(sx) if k not in self.x_axes)
                + tuple(d for k, d in enumerate(sy) if k not in self.y_axes)]

    def grad(self, inputs, outputs, output_grads):
        # g has x's free axes, then y's; each gradient is g contracted with the other
        # operand over that operand's free axes, its axes put back in order
        from .shape import dimshuffle
        x, y = inputs
        (g,) = output_grads
        x_free = [k for k in range(x.ndim) if k not in self.x_axes]
        y_free = [k for k in range(y.ndim) if k not in self.y_axes]
        n_x_free = len(x_free)
        gx = TensorDot(range(n_x_free, g.ndim), y_free)(g, y)
        # gx's axes: x's free axes, then x's summed axes in the order y holds their partners
        by_y = sorted(range(len(self.y_axes)), key=lambda k: self.y_axes[k])
        gx_labels = x_free + [self.x_axes[k] for k in by_y]
        gx = dimshuffle(gx, [gx_labels.index(k) for k in range(x.ndim)])
        gy = TensorDot(x_free, range(n_x_free))(x, g)
        by_x = sorted(range(len(self.x_axes)), key=lambda k: self.x_axes[k])
        gy_labels = [self.y_axes[k] for k in by_x] + y_free
        gy = dimshuffle(gy, [gy_labels.index(k) for k in range(y.ndim)])
        return [E.cast(gx, x.dtype) if x.type.is_float else None,
                E.cast(gy, y.dtype) if y.type.is_float else None]


def tensordot(a, b, axes=2, _caller="tensordot"):
    """``np.tensordot(a, b, axes)``: the sum of products over the ``axes`` of ``a``
    and ``b`` (an int ``n``: the last ``n`` axes of ``a`` with the first ``n`` of
    ``b``; or two lists of axes), whose result has ``a``'s other axes, then ``b``'s
    (NumPy's kernel, one BLAS product; its gradient is two more tensordots)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(a.ndim, b.ndim):
            raise ValueError(f"{_caller}: axes={n} for operands of {a.ndim} and {b.ndim} "
                             "dimensions")
        a_axes, b_axes = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        try:
            a_axes, b_axes = ([int(axes_k)] if np.ndim(axes_k) == 0 else [int(i) for i in axes_k]
                              for axes_k in axes)
        except (TypeError, ValueError):
            raise TypeError(f"{_caller}: axes must be an int or two lists of axes, got "
                            f"{axes!r}") from None
    if len(a_axes) != len(b_axes):
        raise ValueError(f"{_caller}: {len(a_axes)} axes of {a.describe()} paired with "
                         f"{len(b_axes)} of {b.describe()}")
    a_axes = [_axis_of(a, k, _caller) for k in a_axes]
    b_axes = [_axis_of(b, k, _caller) for k in b_axes]
    for axes_of, x in ((a_axes, a), (b_axes, b)):
        if len(set(axes_of)) != len(axes_of):
            raise ValueError(f"{_caller}: an axis of {x.describe()} is summed over twice "
                             f"(axes {axes_of})")
    return TensorDot(a_axes, b_axes, _caller)(a, b)


class BatchedDot(Op):
    """``np.matmul(x, y)`` of two 3-d tensors: the product of matrices ``x[i]`` and
    ``y[i]`` for each ``i`` of the first axis (the batch)."""

    def make_node(self, x, y):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if x.ndim != 3 or y.ndim != 3:
            raise TypeError(f"batched_dot: operands must be 3-d here, got {x.describe()} and "
                            f"{y.describe()}")
        for what, a, b in (("batch", x.type.shape[0], y.type.shape[0]),
                           ("inner", x.type.shape[2], y.type.shape[1])):
            if a is not None and b is not None and a != b:
                raise ValueError(f"batched_dot: the {what} sizes of {x.describe()} and "
                                 f"{y.describe()} differ: {a} != {b}")
        batch = x.type.shape[0] if x.type.shape[0] is not None else y.type.shape[0]
        shape = (batch, x.type.shape[1], y.type.shape[2])
        dtype = np.result_type(x.dtype, y.dtype).name
        return Apply(self, [x, y], [TensorVariable(TensorType(dtype, shape))])

    def perform(self, node, inputs):
        x, y = inputs
        if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
            raise ValueError(f"batched_dot: shapes {x.shape} and {y.shape} do not match (batch "
                             "sizes, and the last axis of the first with the second of the other)")
        return [np.matmul(x, y)]

    def infer_shape(self, node, input_shapes):
        sx, sy = input_shapes
        return [(sx[0], sx[1], sy[2])]

    def grad(self, inputs, outputs, output_grads):
        from .shape import dimshuffle
        x, y = inputs
        (g,) = output_grads
        gx = BatchedDot()(g, dimshuffle(y, (0, 2, 1)))
        gy = BatchedDot()(dimshuffle(x, (0, 2, 1)), g)
        return [E.cast(gx, x.dtype) if x.type.is_float else None,
                E.cast(gy, y.dtype) if y.type.is_float else None]


def batched_dot(a, b):
    """``dot(a[i], b[i])`` for each ``i`` of the first axis, stacked (Theano's
    ``batched_dot``): vectors or matrices per entry of the batch, or a batch of
    scalars (1-d) scaling the other operand."""
    from .shape import dimshuffle
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 0 or b.ndim == 0:
        raise TypeError(f"batched_dot: operands need a first (batch) axis, got {a.describe()} "
                        f"and {b.describe()}")
    if a.ndim == 1:
        return E.mul(dimshuffle(a, (0,) + ("x",) * (b.ndim - 1)), b)
    if b.ndim == 1:
        return E.mul(a, dimshuffle(b, (0,) + ("x",) * (a.ndim - 1)))
    if a.ndim > 3 or b.ndim > 3:
        raise TypeError(f"batched_dot: operands of 2 or 3 dimensions, got {a.describe()} and "
                        f"{b.describe()}")
    a3 = a if a.ndim == 3 else dimshuffle(a, (0, "x", 1))
    b3 = b if b.ndim == 3 else dimshuffle(b, (0, 1, "x"))
    out = BatchedDot()(a3, b3)
    if a.ndim == 2 and b.ndim == 2:
        return dimshuffle(out, (0,))
    if a.ndim == 2:
        return dimshuffle(out, (0, 2))
    if b.ndim == 2:
        return dimshuffle(out, (0, 1))
    return out


def _axis_of(x, k, caller):
    if not -x.ndim <= k < x.ndim:
        raise ValueError(f"{caller}: axis {k} is out of range for {x.describe()}")
    return k % x.ndim


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
