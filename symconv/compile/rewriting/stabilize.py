"""Stabilize: rewrites that keep results finite where the graph as written overflows.

``log(sigmoid(x))`` -> ``-softplus(-x)``, ``log(1 - sigmoid(x))`` -> ``-softplus(x)``,
``log(1 + x)`` -> ``log1p(x)``, ``log(1 + exp(x))`` and ``log1p(exp(x))`` ->
``softplus(x)``, ``exp(x) - 1`` -> ``expm1(x)``, and the logistic function written
out, ``1 / (1 + exp(-x))``, -> ``sigmoid(x)`` (so that the logs of it become
softplus too; :mod:`symconv.ops.sigmoid_forms`).
"""
from ...ops import elemwise as E
from ...ops.elemwise import Elemwise
from ...ops.sigmoid_forms import written_out_sigmoid
from .registry import node_rewrite
from .utils import can_stand_for, is_constant_equal, scalar_name


def _other_than_one(node):
    """For ``1 + y`` or ``y + 1``: ``y``, else None."""
    a, b = node.inputs
    if is_constant_equal(a, 1) and a.ndim <= b.ndim:
        return b
    if is_constant_equal(b, 1) and b.ndim <= a.ndim:
        return a
    return None


def _checked(new, old):
    return [new] if can_stand_for(new, old) and new.type.shape == old.type.shape else None


@node_rewrite("stabilize", ops=(Elemwise,))
def log_sigmoid(fgraph, node):
    """``log(sigmoid(x))`` -> ``-softplus(-x)``, exact where ``sigmoid`` underflows to 0."""
    if node.op.scalar_op.name != "log" or scalar_name(node.inputs[0]) != "sigmoid":
        return None
    x = node.inputs[0].owner.inputs[0]
    return _checked(E.neg(E.softplus(E.neg(x))), node.outputs[0])


@node_rewrite("stabilize", ops=(Elemwise,))
def log_one_minus_sigmoid(fgraph, node):
    """``log(1 - sigmoid(x))`` -> ``-softplus(x)``."""
    if node.op.scalar_op.name != "log" or scalar_name(node.inputs[0]) != "sub":
        return None
    one, s = node.inputs[0].owner.inputs
    if not is_constant_equal(one, 1) or one.ndim > s.ndim or scalar_name(s) != "sigmoid":
        return None
    return _checked(E.neg(E.softplus(s.owner.inputs[0])), node.outputs[0])


@node_rewrite("stabilize", ops=(Elemwise,))
def log_one_plus(fgraph, node):
    """``log(1 + exp(x))`` -> ``softplus(x)``; ``log(1 + x)`` -> ``log1p(x)``."""
    if node.op.scalar_op.name != "log" or scalar_name(node.inputs[0]) != "add":
        return None
    y = _other_than_one(node.inputs[0].owner)
    if y is None:
        return None
    if scalar_name(y) == "exp":
        return _checked(E.softplus(y.owner.inputs[0]), node.outputs[0])
    return _checked(E.log1p(y), node.outputs[0])


@node_rewrite("stabilize", ops=(Elemwise,))
def log1p_exp(fgraph, node):
    """``log1p(exp(x))`` -> ``softplus(x)``."""
    if node.op.scalar_op.name != "log1p" or scalar_name(node.inputs[0]) != "exp":
        return None
    return _checked(E.softplus(node.inputs[0].owner.inputs[0]), node.outputs[0])


@node_rewrite("stabilize", ops=(Elemwise,))
def sigmoid_written_out(fgraph, node):
    """``1 / (1 + exp(-x))`` -> ``sigmoid(x)``; ``1 / (1 + exp(x))`` -> ``sigmoid(-x)``."""
    if node.op.scalar_op.name != "true_div":
        return None
    found = written_out_sigmoid(node.outputs[0])
    if found is None:
        return None
    u, sign, _ = found
    return _checked(E.sigmoid(u if sign > 0 else E.neg(u)), node.outputs[0])


@node_rewrite("stabilize", ops=(Elemwise,))
def exp_minus_one(fgraph, node):
    """``exp(x) - 1`` -> ``expm1(x)``."""
    if node.op.scalar_op.name != "sub" or scalar_name(node.inputs[0]) != "exp":
        return None
    one = node.inputs[1]
    if not is_constant_equal(one, 1) or one.ndim > node.inputs[0].ndim:
        return None
    return _checked(E.expm1(node.inputs[0].owner.inputs[0]), node.outputs[0])
