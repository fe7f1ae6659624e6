"""Constant folding: a node whose inputs are all constants is computed once, at compile time."""
import numpy as np

from ...graph.basic import Constant
from ...graph.type import TensorType
from ...ops.basic import Alloc
from ...graph.tensor import TensorConstant
from .registry import node_rewrite
from .utils import is_stateful

FOLD_LIMIT = 1 << 16
"""Results larger than this many elements stay computed at run time (an ``alloc`` of a
big array is cheaper to run than to store as a constant)."""


@node_rewrite("constant_folding", "canonicalize", "specialize", tags=("fold",))
def constant_fold(fgraph, node):
    """Replace a node of constant inputs by constants holding its results."""
    if not node.inputs or not all(isinstance(v, Constant) for v in node.inputs):
        return None
    if is_stateful(node.op) or isinstance(node.op, Alloc) and _size(node) > FOLD_LIMIT:
        return None
    with np.errstate(all="ignore"):
        try:
            values = node.op.perform(node, [v.data for v in node.inputs])
        except Exception:
            return None  # leave the error to run time, where it names the node
    result = []
    for out, value in zip(node.outputs, values):
        value = np.asarray(value, dtype=out.dtype)
        if value.size > FOLD_LIMIT or not out.type.is_compatible(
                TensorType(value.dtype, value.shape)):
            return None
        result.append(TensorConstant(TensorType(value.dtype, value.shape), np.array(value)))
    return result


def _size(node):
    shape = node.outputs[0].type.shape
    return FOLD_LIMIT + 1 if None in shape else int(np.prod(shape))
