"""Canonicalize: algebraic simplifications that give later phases fewer forms to match.

The clean-up rewrites among them run again in the specialize phase, on what the
stabilize rewrites produced.

``x * 1``, ``x + 0``, ``x - 0``, ``x / 1``, ``x ** 1`` and ``identity(x)`` become
``x``; ``-(-x)`` becomes ``x`` and ``x + (-y)`` becomes ``x - y``; chains of
dimshuffles and of reshapes collapse into one; shapes known statically become
constants; ``sum_to`` and ``broadcast_like`` between equal shapes vanish (see
:mod:`.shapes`); a shape is read from the earliest variable that has it;
scalar constants in chains of ``*`` (or ``+``) are gathered into one.
"""
import numpy as np

from ...graph.basic import Constant
from ...ops import elemwise as E
from ...ops.elemwise import GRADIENT_IDENTITIES, Cast, Elemwise
from ...ops.indexing import Subtensor
from ...ops.reduction import BroadcastLike, Mean, Sum, SumTo
from ...ops.shape import DimShuffle, Reshape, Shape
from ...tensor.shapes import dimshuffle
from .registry import node_rewrite
from .shapes import same_shape, shape_source
from .utils import (can_stand_for, is_constant_equal, make_constant, scalar_constant,
                    scalar_name)

# (scalar op, input position of the neutral operand, neutral value)
_NEUTRAL = {
    "add": ((0, 0), (1, 0)),
    "sub": ((1, 0),),
    "mul": ((0, 1), (1, 1)),
    "true_div": ((1, 1),),
    "pow": ((1, 1),),
}


def _keeps_shape(x, c):
    """True if broadcasting ``x`` against the constant ``c`` cannot change ``x``'s shape."""
    return c.ndim <= x.ndim and all(s == 1 for s in c.type.shape)


@node_rewrite("canonicalize", "specialize", ops=(Elemwise,))
def useless_elemwise(fgraph, node):
    """``x * 1``, ``x + 0``, ``x - 0``, ``x / 1``, ``x ** 1``, ``identity(x)`` -> ``x``; so do
    the gradient-only identities (``zero_grad(x)``...), once the gradient is built."""
    name = node.op.scalar_op.name
    out = node.outputs[0]
    if name == "identity" or name in GRADIENT_IDENTITIES:
        return [node.inputs[0]] if can_stand_for(node.inputs[0], out) else None
    for position, value in _NEUTRAL.get(name, ()):
        c, x = node.inputs[position], node.inputs[1 - position]
        if is_constant_equal(c, value) and _keeps_shape(x, c) and can_stand_for(x, out):
            return [x]
    return None


@node_rewrite("canonicalize", "specialize", ops=(Elemwise,))
def double_negation(fgraph, node):
    """``-(-x)`` -> ``x``."""
    if node.op.scalar_op.name == "neg" and scalar_name(node.inputs[0]) == "neg":
        x = node.inputs[0].owner.inputs[0]
        return [x] if can_stand_for(x, node.outputs[0]) else None
    return None


@node_rewrite("canonicalize", ops=(Elemwise,))
def add_negation(fgraph, node):
    """``x + (-y)`` and ``(-y) + x`` -> ``x - y``; ``x - (-y)`` -> ``x + y``."""
    name = node.op.scalar_op.name
    if name not in ("add", "sub"):
        return None
    a, b = node.inputs
    out = node.outputs[0]
    if name == "add":
        if scalar_name(b) == "neg":
            new = E.sub(a, b.owner.inputs[0])
        elif scalar_name(a) == "neg":
            new = E.sub(b, a.owner.inputs[0])
        else:
            return None
    elif name == "sub" and scalar_name(b) == "neg":
        new = E.add(a, b.owner.inputs[0])
    else:
        return None
    return [new] if can_stand_for(new, out) else None


@node_rewrite("canonicalize", ops=(Elemwise,))
def gather_constants(fgraph, node):
    """``c1 * (c2 * x)`` -> ``(c1 * c2) * x`` (and the same for ``+``), for scalar constants."""
    name = node.op.scalar_op.name
    if name not in ("mul", "add"):
        return None
    a, b = node.inputs
    c1, inner = (a, b) if scalar_constant(a) is not None else (b, a)
    if scalar_constant(c1) is None or scalar_name(inner) != name:
        return None
    if fgraph.client_list(inner) and len(fgraph.client_list(inner)) > 1:
        return None  # the inner product is needed on its own anyway
    p, q = inner.owner.inputs
    c2, x = (p, q) if scalar_constant(p) is not None else (q, p)
    if scalar_constant(c2) is None or isinstance(x, Constant):
        return None
    value = node.op.scalar_op.kernel(c1.data.reshape(()), c2.data.reshape(()))
    ndim = max(c1.ndim, c2.ndim)
    c = make_constant(np.reshape(value, (1,) * ndim), np.result_type(c1.dtype, c2.dtype))
    new = node.op(c, x)
    return [new] if can_stand_for(new, node.outputs[0]) and \
        new.type.shape == node.outputs[0].type.shape else None


@node_rewrite("canonicalize", "specialize", ops=(DimShuffle,))
def merge_dimshuffles(fgraph, node):
    """A dimshuffle of a dimshuffle is one dimshuffle; one that changes nothing goes."""
    x = node.inputs[0]
    pattern = node.op.pattern
    inner = x.owner
    if inner is not None and isinstance(inner.op, DimShuffle):
        inner_pattern = inner.op.pattern
        composed = tuple("x" if p == "x" else inner_pattern[p] for p in pattern)
        # an axis the inner one inserted and the outer one drops simply disappears
        source = inner.inputs[0]
        return [dimshuffle(source, composed)]
    if pattern == tuple(range(x.ndim)):
        return [x]
    return None


@node_rewrite("canonicalize", ops=(Reshape,))
def merge_reshapes(fgraph, node):
    """``reshape(reshape(x, s1), s2)`` -> ``reshape(x, s2)``; a reshape to the static
    shape ``x`` already has goes."""
    x, shape = node.inputs
    if x.owner is not None and isinstance(x.owner.op, Reshape):
        new = Reshape(node.op.ndim)(x.owner.inputs[0], shape)
        return [new] if can_stand_for(new, node.outputs[0]) else None
    if isinstance(shape, Constant) and None not in x.type.shape and \
            tuple(int(s) for s in shape.data) == x.type.shape:
        return [x]
    return None


@node_rewrite("canonicalize", "specialize", ops=(SumTo, BroadcastLike))
def useless_broadcast(fgraph, node):
    """``sum_to(g, x)`` and ``broadcast_like(g, x)`` when ``g`` has ``x``'s shape; otherwise
    ``x`` is replaced by the cheapest variable of its shape (only its shape is read)."""
    g, x = node.inputs
    if same_shape(fgraph, g, x):
        return [g]
    source = shape_source(fgraph, x)
    if source is not x:
        return [type(node.op)()(g, source)]
    return None


@node_rewrite("canonicalize", "specialize", ops=(Shape,))
def shape_of_source(fgraph, node):
    """``shape(log(x))`` -> ``shape(x)``: read a shape from the earliest variable that
    has it, so that nothing is computed only for its shape."""
    x = node.inputs[0]
    source = shape_source(fgraph, x)
    return [Shape()(source)] if source is not x else None


@node_rewrite("canonicalize", "specialize", ops=(Shape,))
def static_shape(fgraph, node):
    """``x.shape`` when every dimension of ``x`` is known statically."""
    x = node.inputs[0]
    if None in x.type.shape:
        return None
    return [make_constant(np.array(x.type.shape, dtype="int64"), "int64")]


@node_rewrite("canonicalize", "specialize", ops=(Subtensor,))
def static_shape_entry(fgraph, node):
    """``x.shape[k]`` when dimension ``k`` of ``x`` is known statically."""
    vec = node.inputs[0]
    if node.op.spec != (("int",),) or vec.owner is None or not isinstance(vec.owner.op, Shape):
        return None
    k = scalar_constant(node.inputs[1])
    x = vec.owner.inputs[0]
    if k is None or not -x.ndim <= k < x.ndim or x.type.shape[k] is None:
        return None
    return [make_constant(x.type.shape[k], "int64")]


@node_rewrite("canonicalize", "specialize", ops=(Cast,))
def useless_cast(fgraph, node):
    """A cast to the dtype the value already has."""
    x = node.inputs[0]
    return [x] if x.dtype == node.op.dtype else None


@node_rewrite("canonicalize", "specialize", ops=(Sum, Mean))
def negation_out_of_reductions(fgraph, node):
    """``sum(-x)`` -> ``-sum(x)`` and ``mean(-x)`` -> ``-mean(x)``, so that two negations
    around a reduction (``-mean(-nll)``) cancel. Floats only: an integer's negation
    wraps around in its own dtype (``-int8(-128)`` is -128, ``-uint8(1)`` 255) before a
    sum that widens it, so the two orders differ there."""
    x = node.inputs[0]
    if scalar_name(x) != "neg" or len(fgraph.client_list(x)) != 1 or not x.type.is_float:
        return None
    new = E.neg(type(node.op)(node.op.axis, node.op.keepdims)(x.owner.inputs[0]))
    return [new] if can_stand_for(new, node.outputs[0]) else None


@node_rewrite("canonicalize", "specialize", ops=(Elemwise,))
def implicit_broadcast(fgraph, node):
    """``broadcast_like(c, x) * y`` -> ``c * y`` when ``y`` has ``x``'s shape: the
    elementwise op broadcasts ``c`` itself (and constants can then be gathered)."""
    for k, v in enumerate(node.inputs):
        if v.owner is None or not isinstance(v.owner.op, BroadcastLike):
            continue
        g, x = v.owner.inputs
        others = [u for j, u in enumerate(node.inputs) if j != k]
        if g.ndim <= x.ndim and any(u.ndim == x.ndim and same_shape(fgraph, u, x)
                                    for u in others):
            new = node.op(*[g if j == k else u for j, u in enumerate(node.inputs)])
            if can_stand_for(new, node.outputs[0]):
                return [new]
    return None
