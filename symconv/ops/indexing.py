"""Indexing: ``x[...]`` with basic slices (symbolic bounds allowed), integer
scalars and integer arrays (advanced indexing, e.g. ``p[T.arange(n), y]``), and
its gradient, ``inc_subtensor``/``set_subtensor``.

An index is described statically by a ``spec``, one entry per indexed axis:
``("int",)`` for a scalar, ``("slice", has_start, has_stop, has_step)`` for a
slice, ``("array",)`` for an integer array. The scalars, bounds and arrays
themselves are the op's inputs after ``x``, so they can be symbolic.
"""
import numpy as np

from ..graph.basic import Apply, Constant, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable
from . import elemwise as E


def split_index(index):
    """(spec, variables) for a Python index tuple that has no Ellipsis or None."""
    spec, variables = [], []
    for entry in index:
        if isinstance(entry, slice):
            parts = (entry.start, entry.stop, entry.step)
            spec.append(("slice",) + tuple(p is not None for p in parts))
            variables.extend(_index_scalar(p) for p in parts if p is not None)
            continue
        v = as_tensor_variable(entry)
        if v.dtype == "bool":
            raise TypeError("boolean mask indexing is not supported; use symconv.tensor.switch "
                            "or integer indices (T.arange, argmax)")
        if not v.type.is_integer:
            raise TypeError(f"indices must be integers or slices, got {v.describe()}")
        spec.append(("int",) if v.ndim == 0 else ("array",))
        variables.append(v)
    return tuple(spec), variables


def _index_scalar(value):
    v = as_tensor_variable(value)
    if v.ndim != 0 or not v.type.is_integer:
        raise TypeError(f"slice bounds must be integer scalars, got {v.describe()}")
    return v


def build_index(spec, values):
    """The NumPy index tuple for ``spec`` and the run-time index values."""
    out, k = [], 0
    for entry in spec:
        if entry[0] == "slice":
            parts = []
            for present in entry[1:]:
                if present:
                    parts.append(int(values[k]))
                    k += 1
                else:
                    parts.append(None)
            out.append(slice(*parts))
        elif entry[0] == "int":
            out.append(int(values[k]))
            k += 1
        else:
            out.append(values[k])
            k += 1
    return tuple(out)


def _constant_value(v):
    return int(v.data) if isinstance(v, Constant) else None


def static_index_shape(spec, x, index_vars):
    """Static shape of ``x[index]`` following NumPy's rules for basic and advanced indexing."""
    shape, k, advanced, adv_positions = [], 0, [], []
    for axis, entry in enumerate(spec):
        size = x.type.shape[axis]
        if entry[0] == "slice":
            bounds = []
            for present in entry[1:]:
                if present:
                    bounds.append(_constant_value(index_vars[k]))
                    k += 1
                else:
                    bounds.append(("absent",))
            symbolic = any(b is None for b in bounds)
            if entry[3] and bounds[2] == 0:
                raise ValueError("slice step cannot be zero")
            if size is None or symbolic:
                shape.append(None)
            else:
                parts = [None if b == ("absent",) else b for b in bounds]
                shape.append(len(range(size)[slice(*parts)]))
        elif entry[0] == "int":
            value = _constant_value(index_vars[k])
            if value is not None and size is not None and not -size <= value < size:
                raise IndexError(f"index {value} is out of bounds for axis {axis} of "
                                 f"{x.describe()} with size {size}")
            k += 1
        else:
            index = index_vars[k]
            if isinstance(index, Constant) and size is not None and index.data.size and not (
                    -size <= index.data.min() and index.data.max() < size):
                bad = index.data[(index.data < -size) | (index.data >= size)].ravel()[0]
                raise IndexError(f"index {bad} is out of bounds for axis {axis} of "
                                 f"{x.describe()} with size {size}")
            advanced.append(index.type.shape)
            adv_positions.append(len(shape))
            shape.append("adv")
            k += 1
    rest = list(x.type.shape[len(spec):])
    if not advanced:
        return tuple(shape + rest)
    adv_shape = list(E.broadcast_static_shapes(advanced, "advanced indexing", index_vars))
    basic = [s for s in shape if s != "adv"]
    array_axes = [i for i, entry in enumerate(spec) if entry[0] != "slice"]
    contiguous = array_axes == list(range(array_axes[0], array_axes[-1] + 1))
    if contiguous:
        first = adv_positions[0]
        return tuple(basic[:first] + adv_shape + basic[first:] + rest)
    return tuple(adv_shape + basic + rest)


class Subtensor(Op):
    """``x[index]`` for an index described by ``spec`` (see the module docstring)."""

    __props__ = ("spec",)
    view_map = {0: [0]}   # the result is a view of the input where NumPy can make one

    def __init__(self, spec):
        self.spec = tuple(spec)

    def __str__(self):
        return "subtensor{" + ",".join(_spec_str(e) for e in self.spec) + "}"

    def make_node(self, x, *index_vars):
        x = as_tensor_variable(x)
        if len(self.spec) > x.ndim:
            raise IndexError(f"too many indices for {x.describe()}: {len(self.spec)} given, "
                             f"{x.ndim} dimensions")
        shape = static_index_shape(self.spec, x, index_vars)
        return Apply(self, [x, *index_vars], [TensorVariable(TensorType(x.dtype, shape))])

    def perform(self, node, inputs):
        x = inputs[0]
        out = x[build_index(self.spec, inputs[1:])]
        return [out if isinstance(out, np.ndarray) else np.asarray(out)]

    def infer_shape(self, node, input_shapes):
        raise NotImplementedError("an index's result shape depends on the index values")

    def grad(self, inputs, outputs, output_grads):
        x, *index_vars = inputs
        if not x.type.is_float:
            return [None] * len(inputs)
        from .basic import zeros_like
        g = IncSubtensor(self.spec)(zeros_like(x), output_grads[0], *index_vars)
        return [g] + [None] * len(index_vars)


class IncSubtensor(Op):
    """A copy of ``x`` with ``y`` added to (or, with ``set_instead_of_inc``,
    written into) ``x[index]``. Repeated advanced indices accumulate, as with
    ``np.add.at``, which is what the gradient of ``p[arange(n), y]`` needs.
    With ``set_instead_of_inc``, which of several writes to one position wins is
    unspecified, as in NumPy, and so is the gradient there."""

    __props__ = ("spec", "set_instead_of_inc")

    def __init__(self, spec, set_instead_of_inc=False):
        self.spec = tuple(spec)
        self.set_instead_of_inc = bool(set_instead_of_inc)
        self.advanced = any(e[0] == "array" for e in self.spec)

    def __str__(self):
        name = "set_subtensor" if self.set_instead_of_inc else "inc_subtensor"
        return name + "{" + ",".join(_spec_str(e) for e in self.spec) + "}"

    def make_node(self, x, y, *index_vars):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if not np.can_cast(y.dtype, x.dtype, casting="same_kind"):
            raise TypeError(f"{self}: cannot write {y.describe()} into {x.describe()}: "
                            f"{y.dtype} values do not fit a {x.dtype} tensor; cast them first")
        target = static_index_shape(self.spec, x, index_vars)
        E.broadcast_static_shapes([target, y.type.shape], str(self), [x, y])
        if y.ndim > len(target):
            raise ValueError(f"{self}: {y.describe()} has more dimensions than x[index] "
                             f"({len(target)})")
        return Apply(self, [x, y, *index_vars], [TensorVariable(x.type)])

    def perform(self, node, inputs):
        x, y, *index_values = inputs
        out = x.copy()
        index = build_index(self.spec, index_values)
        if self.set_instead_of_inc:
            out[index] = y
        elif self.advanced:
            np.add.at(out, index, y)
        else:
            out[index] += y
        return [out]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        x, y, *index_vars = inputs
        (g,) = output_grads
        gx = IncSubtensor(self.spec, True)(g, E.cast(0, g.dtype), *index_vars) \
            if self.set_instead_of_inc else g
        gy = None
        if y.type.is_float:
            picked = Subtensor(self.spec)(g, *index_vars)
            if self.set_instead_of_inc and any(e[0] not in ("slice", "int") for e in self.spec):
                picked = E.mul(picked, E.cast(self._written(x, index_vars, picked), g.dtype))
            gy = E.sum_to(picked, y)
        return [gx if x.type.is_float else None, gy] + [None] * len(index_vars)

    def _written(self, x, index_vars, picked):
        """Where a set with repeated array indices wrote: for each selected element,
        whether its value is the one left in ``x`` (NumPy keeps one write per
        position). Found by setting each selected element's own number and reading
        back which numbers stayed, with this same op, so it agrees with the forward
        whatever order NumPy writes in."""
        from .basic import arange, zeros_like
        from .reduction import prod
        from .shape import reshape, shape
        size = shape(picked)
        ids = reshape(arange(prod(size)), size, ndim=picked.ndim)
        canvas = IncSubtensor(self.spec, True)(zeros_like(x, "int64"), ids, *index_vars)
        return E.eq(Subtensor(self.spec)(canvas, *index_vars), ids)


def _spec_str(entry):
    if entry[0] == "slice":
        return ":".join("?" if present else "" for present in entry[1:3]) + (
            ":?" if entry[3] else "")
    return "i" if entry[0] == "int" else "[]"


# --- building nodes (the user API re-exports these as symconv.tensor.*) ----------

def getitem(x, index):
    """``x[index]``: ints, slices (symbolic bounds allowed), integer arrays,
    ``None`` (new axis) and ``...``, with NumPy's meaning."""
    if not isinstance(index, tuple):
        index = (index,)
    if sum(i is Ellipsis for i in index) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(i is not None and i is not Ellipsis for i in index)
    # identity tests: ``in``/``==`` would compare index arrays elementwise
    if any(i is Ellipsis for i in index):
        at = next(k for k, i in enumerate(index) if i is Ellipsis)
        fill = (slice(None),) * (x.ndim - consumed)
        index = index[:at] + fill + index[at + 1:]
    if consumed > x.ndim:
        raise IndexError(f"too many indices for {x.describe()}: {consumed} given, {x.ndim} dimensions")
    new_axes = [k for k, i in enumerate(index) if i is None]
    core = tuple(i for i in index if i is not None)
    # trailing full slices change nothing
    while core and isinstance(core[-1], slice) and core[-1] == slice(None):
        core = core[:-1]
    out = x
    if core:
        spec, variables = split_index(core)
        out = Subtensor(spec)(x, *variables)
    if new_axes:
        if any(not isinstance(i, slice) and i is not None for i in index):
            raise IndexError("None (new axis) mixed with integer indices is not supported; "
                             "index first, then use dimshuffle")
        pattern, k = [], 0
        for i in index:
            if i is None:
                pattern.append("x")
            else:
                pattern.append(k)
                k += 1
        pattern.extend(range(k, out.ndim))
        from .shape import dimshuffle   # shape's ops index with Subtensor
        out = dimshuffle(out, pattern)
    return out


def _subtensor_parts(target, func_name):
    node = target.owner
    if node is None or not isinstance(node.op, Subtensor):
        raise TypeError(f"{func_name}: the first argument must be an indexed tensor x[...], "
                        f"got {target.describe()}")
    return node.op.spec, node.inputs[0], node.inputs[1:]


def set_subtensor(target, value):
    """A copy of ``x`` with ``x[index]`` replaced by ``value``; call it as
    ``set_subtensor(x[index], value)``."""
    spec, x, index_vars = _subtensor_parts(target, "set_subtensor")
    return IncSubtensor(spec, True)(x, as_tensor_variable(value), *index_vars)


def inc_subtensor(target, value):
    """A copy of ``x`` with ``value`` added to ``x[index]`` (repeated indices add up)."""
    spec, x, index_vars = _subtensor_parts(target, "inc_subtensor")
    return IncSubtensor(spec, False)(x, as_tensor_variable(value), *index_vars)
