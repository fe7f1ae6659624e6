"""Small pattern-matching helpers shared by the rewrite modules."""
import numpy as np

from ...graph.basic import Constant
from ...graph.type import TensorType
from ...ops.elemwise import Elemwise
from ...graph.tensor import TensorConstant


def op_of(var, op_class=None):
    """The op computing ``var`` (None for graph inputs, or when not an ``op_class``)."""
    node = var.owner
    if node is None:
        return None
    if op_class is not None and not isinstance(node.op, op_class):
        return None
    return node.op


def scalar_name(var):
    """The scalar op name (``"add"``, ``"exp"``...) when ``var`` is computed by an Elemwise."""
    node = var.owner
    if node is not None and isinstance(node.op, Elemwise):
        return node.op.scalar_op.name
    return None


def is_elemwise(var, *names):
    """True if ``var`` is the output of an Elemwise whose scalar op is one of ``names``."""
    return scalar_name(var) in names


def constant_value(var):
    """The value of a Constant, else None."""
    return var.data if isinstance(var, Constant) else None


def is_constant_equal(var, value):
    """True if ``var`` is a constant whose every entry equals ``value``."""
    data = constant_value(var)
    return data is not None and data.size > 0 and bool(np.all(data == value))


def scalar_constant(var):
    """The single value of a constant with one element (of any number of axes), else None."""
    data = constant_value(var)
    if data is None or data.size != 1:
        return None
    return data.reshape(()).item()


def make_constant(value, dtype):
    """A constant of ``dtype`` holding ``value``."""
    arr = np.asarray(value, dtype=dtype)
    return TensorConstant(TensorType(arr.dtype, arr.shape), arr)


def can_stand_for(new, old):
    """True if ``new`` may replace ``old``: same dtype and number of axes, and a static
    shape that does not contradict ``old``'s."""
    return new.dtype == old.dtype and new.ndim == old.ndim and old.type.is_compatible(new.type)


def is_stateful(op):
    """Ops that draw random numbers (or otherwise keep state) are never merged, folded
    or moved; they say so with a true ``is_stateful`` attribute."""
    return bool(op.is_stateful)


def single_client(fgraph, var):
    """The one node using ``var``, or None when it has several users or is an output."""
    clients = fgraph.client_list(var)
    if len(clients) != 1 or clients[0][0] == "output":
        return None
    return clients[0][0]


def find_or_make(fgraph, op, inputs):
    """The outputs of a node applying ``op`` to ``inputs``: an equal node already in the
    graph if there is one (so two rewrites asking for it share it), else a new one."""
    for client, _ in fgraph.client_list(inputs[0]) if inputs else ():
        if client != "output" and client.op == op and client.inputs == list(inputs):
            return client.outputs
    return op.make_node(*inputs).outputs


def activation_of(node, z):
    """``"relu"``, ``"sigmoid"`` or ``"tanh"`` when ``node`` applies that activation to ``z``
    (ReLU written ``maximum(0, z)``, as ``symconv.nnet.relu`` does, or ``maximum(z, 0)``)."""
    if not isinstance(node.op, Elemwise) or node.outputs[0].type != z.type:
        return None
    name = node.op.scalar_op.name
    if name in ("sigmoid", "tanh") and node.inputs[0] is z:
        return name
    if name == "maximum":
        a, b = node.inputs
        other = b if a is z else a if b is z else None
        if other is not None and other is not z and is_constant_equal(other, 0) and \
                all(s == 1 for s in other.type.shape):
            return "relu"
    return None


def reads_shape_only(node, i):
    """True if input ``i`` of ``node`` is read for its shape only."""
    from ...ops.reduction import BroadcastLike, SumTo
    from ...ops.shape import Shape
    return node != "output" and (isinstance(node.op, Shape) or (
        isinstance(node.op, (SumTo, BroadcastLike)) and i == 1))


def redirect_shape_uses(uses, old, new):
    """Replacements making the nodes in ``uses`` (which read ``old`` for its shape only)
    read ``new``, which has the same shape, instead."""
    replace = {}
    for node, _ in uses:
        moved = node.op.make_node(*[new if v is old else v for v in node.inputs])
        replace.update(zip(node.outputs, moved.outputs))
    return replace
