"""Reductions (sum, mean, max, min, prod, argmax, argmin) and the pair of ops that
broadcast a tensor up to another's shape and sum it back down (each the other's gradient)."""
import numpy as np

from ..graph.basic import Apply, Constant, Op, Variable
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable
from . import elemwise as E

_AxisError = getattr(np, "exceptions", np).AxisError


def normalize_axis(axis, ndim, op_name, x):
    """``axis`` (None, int or sequence) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axis = _axis_value(axis, op_name)
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    result = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, (bool, np.bool_)):
            raise TypeError(f"{op_name}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            # NumPy's AxisError is a ValueError and an IndexError, as NumPy and Theano raise
            raise _AxisError(f"{op_name}: axis {a} is out of range for {x.describe()} ({ndim}-d)")
        result.append(int(a) % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"{op_name}: repeated axis in {axis!r}")
    return tuple(sorted(result))


def _axis_value(axis, op_name):
    """An axis given as a constant tensor or a NumPy array (Theano accepts both) as
    an int or a list of ints; anything else is returned unchanged."""
    if isinstance(axis, Constant):
        axis = axis.data
    elif isinstance(axis, Variable):
        raise TypeError(f"{op_name}: axis must be known when the graph is built, got the "
                        f"symbolic {axis.describe()}")
    if isinstance(axis, np.ndarray):
        if axis.dtype.kind not in "iu" or axis.ndim > 1:
            raise TypeError(f"{op_name}: axis must be an int or a vector of ints, got an "
                            f"array of dtype {axis.dtype} and shape {axis.shape}")
        return int(axis) if axis.ndim == 0 else [int(a) for a in axis]
    return axis


def reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def expand_reduced(g, axes, ndim):
    """Reinsert the reduced ``axes`` of ``g`` as length-1 dimensions."""
    from .shape import dimshuffle
    pattern, k = [], 0
    for i in range(ndim):
        if i in axes:
            pattern.append("x")
        else:
            pattern.append(k)
            k += 1
    return dimshuffle(g, pattern)


class Reduce(Op):
    """Base of the reductions: ``axis`` is a tuple of axes, ``keepdims`` a bool."""

    __props__ = ("axis", "keepdims")
    numpy_fn = None

    def __init__(self, axis, keepdims=False):
        if not isinstance(keepdims, (bool, np.bool_)):
            # a dtype given where keepdims goes (Theano's and NumPy's third argument is
            # the dtype) would otherwise read as True
            raise TypeError(f"{type(self).__name__.lower()}: keepdims must be True or False, "
                            f"got {keepdims!r}")
        self.axis = tuple(axis)
        self.keepdims = bool(keepdims)

    def __str__(self):
        keep = ",keepdims" if self.keepdims else ""
        return f"{type(self).__name__.lower()}{{axis={self.axis}{keep}}}"

    def output_dtype(self, x):
        return x.dtype

    def make_node(self, x):
        x = as_tensor_variable(x)
        for a in self.axis:
            if a >= x.ndim:
                raise ValueError(f"{self}: axis {a} is out of range for {x.describe()}")
            if x.type.shape[a] == 0 and type(self) in (Max, Min, ArgMax, ArgMin):
                raise ValueError(f"{self}: zero-size axis {a} of {x.describe()} has no {type(self).__name__.lower()}")
        shape = reduced_shape(x.type.shape, self.axis, self.keepdims)
        return Apply(self, [x], [TensorVariable(TensorType(self.output_dtype(x), shape))])

    def perform(self, node, inputs):
        out = type(self).numpy_fn(inputs[0], axis=self.axis, keepdims=self.keepdims)
        return [np.asarray(out, dtype=node.outputs[0].dtype)]

    def infer_shape(self, node, input_shapes):
        return [reduced_shape(input_shapes[0], self.axis, self.keepdims)]

    def _expanded(self, g, x):
        return g if self.keepdims else expand_reduced(g, self.axis, x.ndim)


def _sum_dtype(x):
    # NumPy sums bools and small ints in the platform integer
    return np.sum(np.ones(1, dtype=x.dtype)).dtype.name


class Sum(Reduce):
    numpy_fn = staticmethod(np.sum)

    def output_dtype(self, x):
        return _sum_dtype(x)

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        if not x.type.is_float:
            return [None]
        return [broadcast_like(self._expanded(output_grads[0], x), x)]


class Mean(Reduce):
    numpy_fn = staticmethod(np.mean)

    def output_dtype(self, x):
        return np.mean(np.ones(1, dtype=x.dtype)).dtype.name

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        if not x.type.is_float:
            return [None]
        from .shape import shape
        count = 1
        for a in self.axis:
            count = E.mul(count, shape(x)[a])
        g = E.true_div(output_grads[0], E.cast(count, x.dtype))
        return [broadcast_like(self._expanded(g, x), x)]


class Prod(Reduce):
    numpy_fn = staticmethod(np.prod)

    def output_dtype(self, x):
        return _sum_dtype(x)

    def grad(self, inputs, outputs, output_grads):
        # d prod / d x_i is the product of the others: prod / x_i where x_i is not 0; at
        # a zero, the product of the non-zero others if it is the only zero of its
        # group, else 0 (as Theano's Prod without no_zeros_in_input)
        (x,) = inputs
        if not x.type.is_float:
            return [None]
        g = broadcast_like(self._expanded(output_grads[0], x), x)
        zero = E.eq(x, 0)
        safe = E.switch(zero, E.cast(1, x.dtype), x)
        without_zeros = broadcast_like(Prod(self.axis, True)(safe), x)
        zeros = broadcast_like(Sum(self.axis, True)(E.cast(zero, "int64")), x)
        others = E.switch(zero, E.switch(E.eq(zeros, 1), without_zeros, E.cast(0, x.dtype)),
                          E.true_div(broadcast_like(self._expanded(outputs[0], x), x), safe))
        return [E.mul(g, others)]


def _extreme_grad(op, x, g):
    """Gradient of max/min: split evenly among the elements equal to the extreme.

    An even split (rather than the full gradient to each tie) is exact when the
    ties come from broadcasting, e.g. ``max(alloc(x, 3, n), axis=0)`` is ``x``.
    """
    best = type(op)(op.axis, keepdims=True)(x)
    mask = E.cast(E.eq(x, best), x.dtype)
    share = E.true_div(mask, Sum(op.axis, keepdims=True)(mask))
    return [E.mul(share, op._expanded(g, x))]


class Max(Reduce):
    numpy_fn = staticmethod(np.max)

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        if not x.type.is_float:
            return [None]
        return _extreme_grad(self, x, output_grads[0])


class Min(Reduce):
    numpy_fn = staticmethod(np.min)

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        if not x.type.is_float:
            return [None]
        return _extreme_grad(self, x, output_grads[0])


class _ArgReduce(Reduce):
    """Index of the extreme value over some axes: over several axes, the index into
    those axes flattened in C order (as Theano), over all of them, into the array."""

    def output_dtype(self, x):
        return "int64"

    def perform(self, node, inputs):
        (x,) = inputs
        if len(self.axis) == 1:
            out = type(self).numpy_fn(x, axis=self.axis[0], keepdims=self.keepdims)
        else:
            kept = [a for a in range(x.ndim) if a not in self.axis]
            # the reduced axes moved last and flattened into one
            moved = np.transpose(x, kept + list(self.axis))
            flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
            out = type(self).numpy_fn(flat, axis=-1)
            if self.keepdims:
                out = np.reshape(out, reduced_shape(x.shape, self.axis, True))
        return [np.asarray(out, dtype="int64")]

    def grad(self, inputs, outputs, output_grads):
        return [None]


class ArgMax(_ArgReduce):
    numpy_fn = staticmethod(np.argmax)


class ArgMin(_ArgReduce):
    numpy_fn = staticmethod(np.argmin)


class SumTo(Op):
    """``g`` summed down to the run-time shape of ``x``: undoes NumPy broadcasting.

    This is the gradient of broadcasting; a no-op when the shapes already agree.
    """

    def make_node(self, g, x):
        g, x = as_tensor_variable(g), as_tensor_variable(x)
        if g.ndim < x.ndim:
            raise ValueError(f"{self}: {g.describe()} has fewer dimensions than {x.describe()}")
        return Apply(self, [g, x], [TensorVariable(TensorType(g.dtype, x.type.shape))])

    def perform(self, node, inputs):
        g, x = inputs
        return [sum_to_shape(g, np.shape(x))]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def grad(self, inputs, outputs, output_grads):
        g, x = inputs
        return [broadcast_like(output_grads[0], g), None]


def sum_to_shape(g, shape):
    """NumPy helper: sum ``g`` over the axes that broadcasting added or stretched."""
    if g.shape == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1)
    out = g.sum(axis=axes, keepdims=True) if axes else g
    return out.reshape(shape)


class BroadcastLike(Op):
    """``g`` broadcast to the run-time shape of ``x`` (a read-only view)."""

    def make_node(self, g, x):
        g, x = as_tensor_variable(g), as_tensor_variable(x)
        # the result has x's shape; where x's size is unknown, g's (if not 1) decides it
        shape = E.broadcast_to_static(g, x.type.shape, str(self), f"the shape of {x.describe()}")
        return Apply(self, [g, x], [TensorVariable(TensorType(g.dtype, shape))])

    def perform(self, node, inputs):
        g, x = inputs
        return [np.broadcast_to(g, np.shape(x))]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def grad(self, inputs, outputs, output_grads):
        g, x = inputs
        return [E.sum_to(output_grads[0], g), None]


def broadcast_like(g, x):
    if g.type.shape == x.type.shape and None not in x.type.shape:
        return g
    return BroadcastLike()(g, x)


# --- building nodes (the user API re-exports these as symconv.tensor.*) ----------
# (they shadow the builtins sum, max and min from here on, as in NumPy's namespace)

def _reduce(op_class, x, axis, keepdims):
    x = as_tensor_variable(x)
    axes = normalize_axis(axis, x.ndim, op_class.__name__.lower(), x)
    return op_class(axes, keepdims)(x)


def _accumulated(op_class, x, axis, keepdims, dtype, acc_dtype):
    """``op_class``'s reduction accumulated in ``acc_dtype`` (``dtype`` when not given,
    as ``np.sum(x, dtype=...)``), whose result is of ``dtype`` (by default what the
    reduction gives for ``x`` itself: ``acc_dtype`` changes only the accumulator)."""
    x = as_tensor_variable(x)
    name = op_class.__name__.lower()
    axes = normalize_axis(axis, x.ndim, name, x)
    if acc_dtype is not None:
        acc = np.dtype(acc_dtype).name
        if np.result_type(x.dtype, acc).name != acc:
            raise TypeError(f"{name}: acc_dtype {acc} would lose precision of {x.describe()}: "
                            "the accumulator needs a dtype that holds the input's")
    accumulate = acc_dtype or dtype
    result = np.dtype(dtype).name if dtype is not None else op_class(axes, keepdims).output_dtype(x)
    if accumulate is None:
        return op_class(axes, keepdims)(x)
    summed = E.cast(x, accumulate)
    if op_class is Mean and np.dtype(accumulate).kind in "iub":
        # NumPy's mean in an integer dtype: the sum wraps in it, then the division
        from .shape import shape
        count = 1
        for a in axes:
            count = E.mul(count, shape(x)[a])
        # (an integer sum wraps around the same, computed wide and cast back)
        out = E.true_div(E.cast(Sum(axes, keepdims)(summed), accumulate), count)
    else:
        out = op_class(axes, keepdims)(summed)
    return E.cast(out, result)


def sum(x, axis=None, dtype=None, keepdims=False, acc_dtype=None):
    """Sum over ``axis`` (all axes by default), as ``np.sum``: ``dtype`` is the
    result's and, unless ``acc_dtype`` says otherwise, the accumulator's; ``acc_dtype``
    alone changes only the accumulator (Theano's keyword)."""
    return _accumulated(Sum, x, axis, keepdims, dtype, acc_dtype)


def mean(x, axis=None, dtype=None, keepdims=False, acc_dtype=None):
    """Arithmetic mean over ``axis``, as ``np.mean``; ``dtype`` and ``acc_dtype`` as
    for :func:`sum`."""
    return _accumulated(Mean, x, axis, keepdims, dtype, acc_dtype)


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis``; its gradient is split evenly among tied maxima."""
    return _reduce(Max, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis``; its gradient is split evenly among tied minima."""
    return _reduce(Min, x, axis, keepdims)


def prod(x, axis=None, dtype=None, keepdims=False, acc_dtype=None, no_zeros_in_input=False):
    """Product over ``axis``; ``dtype`` and ``acc_dtype`` as for :func:`sum`. The
    gradient is right at zeros (``no_zeros_in_input``, Theano's promise of none, is
    accepted and changes nothing)."""
    return _accumulated(Prod, x, axis, keepdims, dtype, acc_dtype)


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along ``axis`` (of the flattened array when None)."""
    return _reduce(ArgMax, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along ``axis`` (of the flattened array when None)."""
    return _reduce(ArgMin, x, axis, keepdims)
