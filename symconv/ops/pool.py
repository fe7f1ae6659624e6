"""2-d pooling over the last two axes, and its gradient ops.

Modes: ``"max"``, ``"sum"``, ``"average_inc_pad"``, ``"average_exc_pad"`` and
``"l2"`` (square root of the sum of squares over each window). A window that
reaches past the input (padding, or a partial window at the border when
``ignore_border=False``) only covers the input's values: max, sum, l2 and
``average_exc_pad`` ignore the rest, ``average_inc_pad`` divides by the number
of window positions inside the *padded* input, as in Theano.

Ops
---
- :class:`Pool` ``(x) -> y``;
- :class:`MaxPoolGrad` ``(x, y, gy) -> gx`` and its own gradient
  :class:`MaxPoolGradGrad` ``(x, y, gx) -> gy`` (each is the other's gradient);
- :class:`AveragePoolGrad` ``(x, gy) -> gx`` for the linear modes (sum and the
  two averages), whose gradient is :class:`Pool` again;
- :class:`L2PoolGrad` ``(x, y, gy) -> gx``, differentiable through ordinary ops.

The geometry of windows and the NumPy kernels are in :mod:`symconv.ops.pool_kernels`.
"""
import numpy as np

from ..graph.basic import Apply, Op, op_name
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable
from .conv import normalize_pair
from .pool_kernels import (LINEAR_MODES, POOL_MODES, _Geometry, average_pool_grad, max_pool_grad,
                           max_pool_grad_grad, pool_forward, pool_output_size)

# --- ops -------------------------------------------------------------------------

class _PoolBase(Op):
    """Parameters and checks shared by pooling and its gradients."""

    __props__ = ("ws", "ignore_border", "stride", "pad", "mode")

    def __init__(self, ws=(2, 2), ignore_border=True, stride=None, pad=(0, 0), mode="max"):
        name = op_name(type(self))
        self.ws = normalize_pair(ws, "window size ws", name)
        self.stride = self.ws if stride is None else normalize_pair(stride, "stride", name)
        self.pad = normalize_pair(pad, "padding", name, minimum=0)
        self.ignore_border = bool(ignore_border)
        if mode not in POOL_MODES:
            raise ValueError(f"{name}: unknown mode {mode!r}; use one of {POOL_MODES}")
        self.mode = mode
        if self.pad != (0, 0) and not self.ignore_border:
            raise ValueError(f"{name}: padding {self.pad} needs ignore_border=True")
        if self.pad[0] >= self.ws[0] or self.pad[1] >= self.ws[1]:
            raise ValueError(f"{name}: padding {self.pad} must be smaller than the window "
                             f"{self.ws} (a window would otherwise see padding only)")

    def __str__(self):
        text = f"{op_name(type(self))}{{{self.mode},ws=({self.ws[0]},{self.ws[1]})"
        if self.stride != self.ws:
            text += f",stride=({self.stride[0]},{self.stride[1]})"
        if self.pad != (0, 0):
            text += f",pad=({self.pad[0]},{self.pad[1]})"
        if not self.ignore_border:
            text += ",keep_border"
        return text + "}"

    def _same(self, cls, mode=None):
        return cls(self.ws, self.ignore_border, self.stride, self.pad, mode or self.mode)

    def output_shape(self, shape, what):
        """Pooled static shape of ``shape`` (None where unknown); checks the window fits."""
        out = list(shape[:-2])
        for axis, (n, k, s, p) in enumerate(zip(shape[-2:], self.ws, self.stride, self.pad)):
            if n is None:
                out.append(None)
                continue
            if self.ignore_border and k > n + 2 * p:
                raise ValueError(
                    f"{self}: the window ({k}) is larger than the padded input ({n} + 2*{p}) "
                    f"along axis {len(shape) - 2 + axis} of the {what} of shape "
                    f"{tuple(shape)}; use a smaller window or ignore_border=False")
            out.append(pool_output_size(n, k, s, p, self.ignore_border))
        return tuple(out)

    def _check_input(self, x, what="input"):
        x = as_tensor_variable(x)
        if x.ndim < 2:
            raise TypeError(f"{self}: the {what} must have at least 2 dimensions (pooling acts "
                            f"on the last two), got {x.describe()}")
        if self.mode != "max" and not x.type.is_float:
            raise TypeError(f"{self}: {self.mode} pooling needs a float {what}, got {x.describe()}")
        return x

    def _check_pooled(self, x, v, what):
        """``v`` must have the pooled shape of ``x``."""
        v = as_tensor_variable(v)
        want = self.output_shape(x.type.shape, "input")
        if v.ndim != x.ndim or any(a is not None and b is not None and a != b
                                   for a, b in zip(v.type.shape, want)):
            raise ValueError(f"{self}: the {what} {v.describe()} does not have the pooled "
                             f"shape {TensorType(x.dtype, want).shape_str()} of the input "
                             f"{x.describe()}")
        return v

    def _runtime_shapes(self, x_shape, pooled_shapes):
        self.output_shape(x_shape, "input")
        geo = _Geometry(self, *x_shape[-2:])
        want = tuple(x_shape[:-2]) + geo.out
        for what, shape in pooled_shapes:
            if tuple(shape) != want:
                raise ValueError(f"{self}: the {what} has shape {tuple(shape)}; pooling an "
                                 f"input of shape {tuple(x_shape)} gives {want}")


class Pool(_PoolBase):
    """Pooling of the last two axes. See :func:`symconv.nnet.pool_2d`."""

    def make_node(self, x):
        x = self._check_input(x)
        shape = self.output_shape(x.type.shape, "input")
        return Apply(self, [x], [TensorVariable(TensorType(x.dtype, shape))])

    def perform(self, node, inputs):
        (x,) = inputs
        self.output_shape(x.shape, "input")
        return [pool_forward(self, x)]

    def infer_shape(self, node, input_shapes):
        return [self.output_shape(input_shapes[0], "input")]

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        (gy,) = output_grads
        if not x.type.is_float:
            return [None]
        if self.mode == "max":
            return [self._same(MaxPoolGrad)(x, outputs[0], gy)]
        if self.mode == "l2":
            return [self._same(L2PoolGrad)(x, outputs[0], gy)]
        return [self._same(AveragePoolGrad)(x, gy)]


class MaxPoolGrad(_PoolBase):
    """Gradient of max pooling: ``(x, y, gy) -> gx``, with ``y`` the pooled ``x``.

    Tie rule: when several values of a window equal its maximum, *each* of them
    receives the window's full output gradient (Theano's rule). Exact ties are
    rare in network3, which pools the convolution's output before the bias and
    the activation.
    """

    def __init__(self, ws=(2, 2), ignore_border=True, stride=None, pad=(0, 0), mode="max"):
        super().__init__(ws, ignore_border, stride, pad, mode)
        if mode != "max":
            raise ValueError(f"MaxPoolGrad: mode must be 'max', got {mode!r}")

    def make_node(self, x, y, gy):
        x = self._check_input(x)
        y = self._check_pooled(x, y, "pooled output")
        gy = self._check_pooled(x, gy, "output gradient")
        dtype = np.result_type(gy.dtype, x.dtype).name if x.type.is_float else gy.dtype
        return Apply(self, [x, y, gy], [TensorVariable(TensorType(dtype, x.type.shape))])

    def perform(self, node, inputs):
        x, y, gy = inputs
        self._runtime_shapes(x.shape, [("pooled output", y.shape), ("output gradient", gy.shape)])
        return [max_pool_grad(self, x, y, gy).astype(node.outputs[0].dtype, copy=False)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        x, y, _ = inputs
        (g,) = output_grads
        # piecewise constant in x and y: only the output gradient has a gradient
        return [None, None, MaxPoolGradGrad(self.ws, self.ignore_border, self.stride,
                                            self.pad)(x, y, g)]


class MaxPoolGradGrad(_PoolBase):
    """``(x, y, gx) -> gy``: for each window, the sum of ``gx`` where ``x`` equals
    the window's maximum ``y``. The gradient of :class:`MaxPoolGrad` with respect
    to its output gradient, and the other way round."""

    def __init__(self, ws=(2, 2), ignore_border=True, stride=None, pad=(0, 0), mode="max"):
        super().__init__(ws, ignore_border, stride, pad, mode)
        if mode != "max":
            raise ValueError(f"MaxPoolGradGrad: mode must be 'max', got {mode!r}")

    def make_node(self, x, y, gx):
        x = self._check_input(x)
        y = self._check_pooled(x, y, "pooled output")
        gx = as_tensor_variable(gx)
        if gx.ndim != x.ndim or not gx.type.is_compatible(TensorType(gx.dtype, x.type.shape)):
            raise ValueError(f"{self}: {gx.describe()} must have the input's shape "
                             f"{x.type.shape_str()}")
        return Apply(self, [x, y, gx], [TensorVariable(TensorType(gx.dtype, y.type.shape))])

    def perform(self, node, inputs):
        x, y, gx = inputs
        self._runtime_shapes(x.shape, [("pooled output", y.shape)])
        if gx.shape != x.shape:
            raise ValueError(f"{self}: the gradient has shape {gx.shape}, the input {x.shape}")
        return [max_pool_grad_grad(self, x, y, gx)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def grad(self, inputs, outputs, output_grads):
        x, y, _ = inputs
        (g,) = output_grads
        return [None, None, self._same(MaxPoolGrad)(x, y, g)]


class AveragePoolGrad(_PoolBase):
    """Gradient of sum and average pooling: ``(x, gy) -> gx`` (only ``x``'s shape is read)."""

    def __init__(self, ws=(2, 2), ignore_border=True, stride=None, pad=(0, 0),
                 mode="average_exc_pad"):
        super().__init__(ws, ignore_border, stride, pad, mode)
        if mode not in LINEAR_MODES:
            raise ValueError(f"AveragePoolGrad: mode must be one of {LINEAR_MODES}, got {mode!r}")

    def make_node(self, x, gy):
        x = self._check_input(x)
        gy = self._check_pooled(x, gy, "output gradient")
        return Apply(self, [x, gy], [TensorVariable(TensorType(gy.dtype, x.type.shape))])

    def perform(self, node, inputs):
        x, gy = inputs
        self._runtime_shapes(x.shape, [("output gradient", gy.shape)])
        return [average_pool_grad(self, x, gy)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        # linear in gy, and the adjoint of the spreading is the pooling itself
        x, _ = inputs
        (g,) = output_grads
        return [None, self._same(Pool)(g)]


class L2PoolGrad(_PoolBase):
    """Gradient of L2 pooling: ``(x, y, gy) -> x * spread(gy / y)``, with ``y`` the
    pooled ``x``; a window whose values are all zero passes no gradient (the
    square root has no derivative at 0; 0 is the subgradient chosen)."""

    def __init__(self, ws=(2, 2), ignore_border=True, stride=None, pad=(0, 0), mode="l2"):
        super().__init__(ws, ignore_border, stride, pad, mode)
        if mode != "l2":
            raise ValueError(f"L2PoolGrad: mode must be 'l2', got {mode!r}")

    def make_node(self, x, y, gy):
        x = self._check_input(x)
        y = self._check_pooled(x, y, "pooled output")
        gy = self._check_pooled(x, gy, "output gradient")
        dtype = np.result_type(x.dtype, y.dtype, gy.dtype).name
        return Apply(self, [x, y, gy], [TensorVariable(TensorType(dtype, x.type.shape))])

    def perform(self, node, inputs):
        x, y, gy = inputs
        self._runtime_shapes(x.shape, [("pooled output", y.shape), ("output gradient", gy.shape)])
        dtype = node.outputs[0].dtype
        ratio = np.divide(gy, y, out=np.zeros(y.shape, dtype=dtype), where=y != 0)
        spread = average_pool_grad(self._same(Pool, "sum"), x, ratio)
        return [np.multiply(x, spread, dtype=dtype)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        from . import elemwise as E
        x, y, gy = inputs
        (g,) = output_grads
        nonzero = E.neq(y, 0)
        safe_y = E.switch(nonzero, y, 1)
        ratio = E.switch(nonzero, E.true_div(gy, safe_y), 0)
        spread = self._same(AveragePoolGrad, "sum")(x, ratio)
        pooled = self._same(Pool, "sum")(E.mul(g, x))          # adjoint of the spreading
        g_ratio = E.switch(nonzero, E.true_div(pooled, safe_y), 0)
        g_y = E.neg(E.mul(g_ratio, E.true_div(gy, safe_y)))
        return [E.mul(g, spread), g_y, g_ratio]
