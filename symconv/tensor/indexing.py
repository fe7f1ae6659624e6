"""``x[index]`` and its writable counterparts ``set_subtensor``/``inc_subtensor``."""
from ..ops.indexing import IncSubtensor, Subtensor, split_index
from .shapes import dimshuffle
from ..graph.tensor import as_tensor_variable


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
