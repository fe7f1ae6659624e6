"""Sorting and searching: ``sort``, ``argsort`` and ``nonzero`` (with ``flatnonzero``
and ``nonzero_values``), as NumPy's and Theano's.

``sort``'s gradient puts each entry's gradient back where the entry came from (the
inverse of the sorting permutation); ``argsort`` and ``nonzero`` give integers, which
have no gradient.
"""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable

KINDS = ("quicksort", "mergesort", "heapsort", "stable")


def _axis(axis, x, name):
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for {x.describe()}")
    return axis % x.ndim


class _SortAlongAxis(Op):
    """An op of one axis and one sorting ``kind``, whose output has its input's shape."""

    __props__ = ("axis", "kind")

    def __init__(self, axis, kind="quicksort"):
        self.axis, self.kind = int(axis), kind

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]


class Sort(_SortAlongAxis):
    """``np.sort(x, axis, kind)`` along one axis."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorVariable(x.type)])

    def perform(self, node, inputs):
        return [np.sort(inputs[0], axis=self.axis, kind=self.kind)]

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        if not x.type.is_float:
            return [None]
        return [SortPermutation(self.axis, self.kind, inverse=True)(x, output_grads[0])]


class SortPermutation(_SortAlongAxis):
    """``h`` reordered by the permutation that sorts ``x``: as ``sort(x)`` orders ``x``
    (``take_along_axis(h, argsort(x))``), or, ``inverse``, back into the order of
    ``x`` (``out[..., argsort(x)[k], ...] = h[..., k, ...]``, the gradient of
    :class:`Sort`). Each is the other's transpose, so each one's gradient is the other."""

    __props__ = ("axis", "kind", "inverse")

    def __init__(self, axis, kind="quicksort", inverse=False):
        self.axis, self.kind, self.inverse = int(axis), kind, bool(inverse)

    def make_node(self, x, h):
        x, h = as_tensor_variable(x), as_tensor_variable(h)
        return Apply(self, [x, h], [TensorVariable(TensorType(h.dtype, x.type.shape))])

    def perform(self, node, inputs):
        x, h = inputs
        order = np.argsort(x, axis=self.axis, kind=self.kind)
        h = np.broadcast_to(h, np.shape(x))
        if not self.inverse:
            return [np.take_along_axis(h, order, axis=self.axis)]
        out = np.empty(np.shape(x), dtype=node.outputs[0].dtype)
        np.put_along_axis(out, order, h, axis=self.axis)
        return [out]

    def grad(self, inputs, outputs, output_grads):
        x, _ = inputs
        return [None, SortPermutation(self.axis, self.kind, not self.inverse)(x, output_grads[0])]


class ArgSort(_SortAlongAxis):
    """``np.argsort(x, axis, kind)``: int64 indices that sort ``x`` along one axis."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorVariable(TensorType("int64", x.type.shape))])

    def perform(self, node, inputs):
        return [np.argsort(inputs[0], axis=self.axis, kind=self.kind).astype("int64", copy=False)]

    def grad(self, inputs, outputs, output_grads):
        return [None]


class NonZero(Op):
    """``np.nonzero(x)``: for each axis, the int64 indices of the non-zero entries."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim == 0:
            raise ValueError(f"nonzero: a scalar has no indices; got {x.describe()}")
        return Apply(self, [x], [TensorVariable(TensorType("int64", (None,)))
                                 for _ in range(x.ndim)])

    def perform(self, node, inputs):
        return [k.astype("int64", copy=False) for k in np.nonzero(inputs[0])]

    def grad(self, inputs, outputs, output_grads):
        return [None]


def _sorting_args(a, axis, kind, order, name):
    from .shape import flatten
    if order is not None:
        raise ValueError(f"{name}: order (fields of structured arrays) does not apply to tensors")
    if kind not in KINDS:
        raise ValueError(f"{name}: kind must be one of {KINDS}, got {kind!r}")
    a = as_tensor_variable(a)
    if axis is None:
        return flatten(a, 1), 0
    if a.ndim == 0:
        raise ValueError(f"{name}: a scalar has no axis to sort along")
    return a, _axis(int(axis), a, name)


def sort(a, axis=-1, kind="quicksort", order=None):
    """``a`` sorted along ``axis`` (flattened first when ``axis`` is None), as ``np.sort``."""
    a, axis = _sorting_args(a, axis, kind, order, "sort")
    return Sort(axis, kind)(a)


def argsort(a, axis=-1, kind="quicksort", order=None):
    """The indices that sort ``a`` along ``axis``, as ``np.argsort``."""
    a, axis = _sorting_args(a, axis, kind, order, "argsort")
    return ArgSort(axis, kind)(a)


def nonzero(a, return_matrix=False):
    """The indices of the non-zero entries of ``a``: a tuple of one int64 vector per
    axis (``x[nonzero(c)]`` picks them), or those stacked as rows of a matrix when
    ``return_matrix`` (Theano's)."""
    from .join import Join
    from .shape import dimshuffle
    outs = NonZero()(a)
    outs = tuple(outs) if isinstance(outs, list) else (outs,)
    if not return_matrix:
        return outs
    rows = [dimshuffle(o, ("x", 0)) for o in outs]
    return rows[0] if len(rows) == 1 else Join(0)(*rows)


def flatnonzero(a):
    """The indices of the non-zero entries of the flattened ``a``."""
    from .shape import flatten
    a = as_tensor_variable(a)
    return nonzero(flatten(a, 1))[0]


def nonzero_values(a):
    """The non-zero entries of ``a``, flattened, in order."""
    from .shape import flatten
    a = as_tensor_variable(a)
    flat = flatten(a, 1)
    return flat[flatnonzero(a)]
