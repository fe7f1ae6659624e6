"""Array-building ops with NumPy's meaning: cumulative sums, tiling, repetition and
identity matrices (Theano's ``T.cumsum``, ``T.tile``, ``T.repeat``, ``T.eye``).

Each gradient is the adjoint of a linear map: a cumulative sum run backwards, the
sum over the copies that tiling or repetition made.
"""
import numpy as np

from ..graph.basic import Apply, Constant, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable
from .shape import reshape, shape


def _axis(axis, ndim, what):
    if axis is None:
        return None
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"{what}: axis {axis!r} is out of range for {ndim} dimensions")
    return int(axis) % ndim


class CumSum(Op):
    """``np.cumsum(x, axis)`` (``axis=None``: of the flattened ``x``); ``reverse`` sums
    from the end (the gradient)."""

    __props__ = ("axis", "reverse")

    def __init__(self, axis=None, reverse=False):
        self.axis, self.reverse = axis, reverse

    def __str__(self):
        return f"cumsum{{{self.axis}{',reverse' if self.reverse else ''}}}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        _axis(self.axis, max(x.ndim, 1), "cumsum")
        dtype = np.cumsum(np.ones(1, x.dtype)).dtype.name
        out_shape = (None,) if self.axis is None else x.type.shape
        return Apply(self, [x], [TensorVariable(TensorType(dtype, out_shape))])

    def perform(self, node, inputs):
        (x,) = inputs
        if self.axis is None:
            x, axis = np.ravel(x), 0
        else:
            axis = self.axis
        if self.reverse:
            return [np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis).copy()]
        return [np.cumsum(x, axis=axis)]

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        if not x.type.is_float:
            return [None]
        g = CumSum(0 if self.axis is None else self.axis, not self.reverse)(output_grads[0])
        return [reshape(g, shape(x), ndim=x.ndim) if self.axis is None else g]


def _tile_layout(xndim, reps):
    ndim = max(xndim, len(reps))
    return ndim, (1,) * (ndim - len(reps)) + tuple(reps)


class Tile(Op):
    """``np.tile(x, reps)`` for a tuple of non-negative ints ``reps``."""

    __props__ = ("reps",)

    def __init__(self, reps):
        self.reps = tuple(int(r) for r in reps)

    def __str__(self):
        return f"tile{{{','.join(map(str, self.reps))}}}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        ndim, reps = _tile_layout(x.ndim, self.reps)
        xs = (1,) * (ndim - x.ndim) + x.type.shape
        out = tuple(None if s is None else s * r for s, r in zip(xs, reps))
        return Apply(self, [x], [TensorVariable(TensorType(x.dtype, out))])

    def perform(self, node, inputs):
        return [np.tile(inputs[0], self.reps)]

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        if not x.type.is_float:
            return [None]
        return [TileGrad(self.reps)(output_grads[0], x)]


class TileGrad(Op):
    """The gradient of :class:`Tile`: ``g`` summed over the copies, in ``x``'s shape."""

    __props__ = ("reps",)

    def __init__(self, reps):
        self.reps = tuple(reps)

    def make_node(self, g, x):
        g, x = as_tensor_variable(g), as_tensor_variable(x)
        return Apply(self, [g, x], [TensorVariable(TensorType(g.dtype, x.type.shape))])

    def perform(self, node, inputs):
        g, x = inputs
        ndim, reps = _tile_layout(np.ndim(x), self.reps)
        xs = (1,) * (ndim - np.ndim(x)) + np.shape(x)
        # (r0, s0, r1, s1, ...): each copy of x along its own axis, summed away
        split = np.reshape(g, [n for pair in zip(reps, xs) for n in pair])
        return [split.sum(axis=tuple(range(0, 2 * ndim, 2))).reshape(np.shape(x))]

    def grad(self, inputs, outputs, output_grads):
        return [Tile(self.reps)(output_grads[0]), None]


class Repeat(Op):
    """``np.repeat(x, repeats, axis)`` for a non-negative int ``repeats``
    (``axis=None``: of the flattened ``x``)."""

    __props__ = ("repeats", "axis")

    def __init__(self, repeats, axis=None):
        self.repeats, self.axis = int(repeats), axis

    def __str__(self):
        return f"repeat{{{self.repeats},{self.axis}}}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.axis is None:
            out = (None,)
        else:
            _axis(self.axis, x.ndim, "repeat")
            out = list(x.type.shape)
            out[self.axis] = None if out[self.axis] is None else out[self.axis] * self.repeats
        return Apply(self, [x], [TensorVariable(TensorType(x.dtype, tuple(out)))])

    def perform(self, node, inputs):
        return [np.repeat(inputs[0], self.repeats, axis=self.axis)]

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        if not x.type.is_float:
            return [None]
        return [RepeatGrad(self.repeats, self.axis)(output_grads[0], x)]


class RepeatGrad(Op):
    """The gradient of :class:`Repeat`: each run of ``repeats`` copies summed."""

    __props__ = ("repeats", "axis")

    def __init__(self, repeats, axis):
        self.repeats, self.axis = repeats, axis

    def make_node(self, g, x):
        g, x = as_tensor_variable(g), as_tensor_variable(x)
        return Apply(self, [g, x], [TensorVariable(TensorType(g.dtype, x.type.shape))])

    def perform(self, node, inputs):
        g, x = inputs
        if self.repeats == 0:     # no copies: nothing flows back
            return [np.zeros(np.shape(x), dtype=g.dtype)]
        if self.axis is None:
            return [np.reshape(g, (-1, self.repeats)).sum(axis=1).reshape(np.shape(x))]
        axis = self.axis
        split = np.reshape(g, g.shape[:axis] + (np.shape(x)[axis], self.repeats) + g.shape[axis + 1:])
        return [split.sum(axis=axis + 1)]

    def grad(self, inputs, outputs, output_grads):
        return [Repeat(self.repeats, self.axis)(output_grads[0]), None]


class Eye(Op):
    """``np.eye(n, m, k)`` for integer scalars, in ``dtype``."""

    __props__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype).name

    def make_node(self, n, m, k):
        dims = [as_tensor_variable(v) for v in (n, m, k)]
        for name, d in zip("nmk", dims):
            if d.ndim != 0 or not d.type.is_integer:
                raise TypeError(f"eye: {name} must be an integer scalar, got {d.describe()}")
        static = tuple(int(d.data) if isinstance(d, Constant) else None for d in dims[:2])
        return Apply(self, dims, [TensorVariable(TensorType(self.dtype, static))])

    def perform(self, node, inputs):
        n, m, k = (int(v) for v in inputs)
        return [np.eye(n, m, k, dtype=self.dtype)]

    def grad(self, inputs, outputs, output_grads):
        return [None, None, None]


# --- building nodes ------------------------------------------------------------------

def cumsum(x, axis=None):
    """Cumulative sum along ``axis`` (of the flattened ``x`` when None), as ``np.cumsum``
    (a 0-d ``x`` gives a vector of one, whatever the axis)."""
    x = as_tensor_variable(x)
    axis = _axis(axis, max(x.ndim, 1), "cumsum")
    return CumSum(None if x.ndim == 0 else axis)(x)


def tile(x, reps, ndim=None):
    """``x`` repeated ``reps[i]`` times along each axis, as ``np.tile`` (``reps`` ints);
    ``ndim`` (Theano's) asks for at least that many dimensions."""
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    if any(not isinstance(r, (int, np.integer)) or r < 0 for r in reps):
        raise TypeError(f"tile: reps must be non-negative ints, got {reps!r}")
    if ndim is not None and ndim > len(reps):
        reps = (1,) * (ndim - len(reps)) + reps
    return Tile(reps)(x)


def repeat(x, repeats, axis=None):
    """Each element of ``x`` repeated ``repeats`` times along ``axis`` (of the flattened
    ``x`` when None), as ``np.repeat`` with an int ``repeats``."""
    if not isinstance(repeats, (int, np.integer)) or repeats < 0:
        raise TypeError(f"repeat: repeats must be a non-negative int, got {repeats!r}")
    x = as_tensor_variable(x)
    if x.ndim == 0:     # NumPy repeats a 0-d array as a vector, along axis 0 or -1 too
        _axis(axis, 1, "repeat")
        return Repeat(repeats, None)(x)
    return Repeat(repeats, _axis(axis, x.ndim, "repeat"))(x)


def eye(n, m=None, k=0, dtype=None):
    """The ``n`` x ``m`` matrix with ones on diagonal ``k``, as ``np.eye``."""
    from ..config import config
    return Eye(dtype or config.floatX)(n, n if m is None else m, k)
