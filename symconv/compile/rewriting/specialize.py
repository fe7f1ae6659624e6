"""Specialize: cheaper equivalents of what the graph computes.

``x ** 2`` and ``x * x`` -> ``sqr(x)``, ``x ** 0.5`` -> ``sqrt(x)``;
``act(dot(x, W) + b)`` -> one :class:`Affine` kernel (ReLU, sigmoid, tanh or
none), when nothing else reads the product; and a scalar
factor applied to a matrix product becomes part of it (``scaled_dot``), whose kernel
scales the smallest of the two operands and the product, so that the SGD update
``W - eta * dot(x.T, g)`` scales the small gradient, not the weight-sized product.
"""
import numpy as np

from ...ops import elemwise as E
from ...ops.blas import Dot
from ...ops.elemwise import Elemwise
from ...ops.affine import Affine
from ...ops.blas import ScaledDot
from ...ops.shape import DimShuffle
from .registry import node_rewrite
from .shapes import same_shape
from .utils import (activation_of, can_stand_for, is_constant_equal, reads_shape_only,
                    redirect_shape_uses, scalar_constant)


def _same(new, old):
    return [new] if can_stand_for(new, old) and new.type.shape == old.type.shape else None


@node_rewrite("specialize", ops=(Elemwise,))
def square(fgraph, node):
    """``x ** 2`` and ``x * x`` -> ``sqr(x)``; ``x ** 0.5`` -> ``sqrt(x)``."""
    name = node.op.scalar_op.name
    a = node.inputs[0]
    if name == "mul" and node.inputs[1] is a:
        return _same(E.sqr(a), node.outputs[0])
    if name == "pow" and node.inputs[1].ndim <= a.ndim and a.type.is_float:
        if is_constant_equal(node.inputs[1], 2):
            return _same(E.sqr(a), node.outputs[0])
        if is_constant_equal(node.inputs[1], 0.5):
            return _same(E.sqrt(a), node.outputs[0])
    return None


@node_rewrite("specialize", ops=(Elemwise,))
def scaled_dot(fgraph, node):
    """``c * dot(a, b)`` -> ``scaled_dot{c}(a, b)`` for a scalar constant ``c``: the kernel
    applies ``c`` to whichever of ``a``, ``b`` or the product is smallest."""
    if node.op.scalar_op.name != "mul":
        return None
    a, b = node.inputs
    c, product = (a, b) if scalar_constant(a) is not None else (b, a)
    if scalar_constant(c) is None or product.owner is None or \
            not isinstance(product.owner.op, Dot) or c.ndim > product.ndim:
        return None
    x, y = product.owner.inputs
    if x.ndim != 2 or y.ndim != 2 or len(fgraph.client_list(product)) != 1:
        return None
    alpha = np.asarray(scalar_constant(c), dtype=product.dtype).item()
    return _same(ScaledDot(alpha)(x, y), node.outputs[0])


def _row_bias(v):
    """``b`` when ``v`` is a vector ``b`` or ``b.dimshuffle('x', 0)``."""
    if v.ndim == 1:
        return v
    node = v.owner
    if node is not None and isinstance(node.op, DimShuffle) and node.op.pattern == ("x", 0):
        return node.inputs[0]
    return None


@node_rewrite("specialize", ops=(Elemwise,), tags=("affine",))
def affine(fgraph, node):
    """``act(dot(x, W) + b)`` -> ``Affine{act}(x, W, b)``."""
    if node.op.scalar_op.name != "add":
        return None
    for d, other in (node.inputs, node.inputs[::-1]):
        if d.owner is not None and isinstance(d.owner.op, Dot) and d.ndim == 2:
            break
    else:
        return None
    x, w = d.owner.inputs
    b = _row_bias(other)
    z = node.outputs[0]
    if b is None or x.ndim != 2 or w.ndim != 2 or z.dtype != d.dtype or b.dtype != d.dtype:
        return None
    # the product may also be read for its shape only, which z has too
    shape_uses = [(c, i) for c, i in fgraph.client_list(d) if c is not node]
    if not all(reads_shape_only(c, i) for c, i in shape_uses) or \
            (shape_uses and not same_shape(fgraph, d, z)):
        return None
    acts = [(c, activation_of(c, z)) for c, _ in fgraph.client_list(z) if c != "output"]
    acts = [(c, name) for c, name in acts if name is not None]
    act = acts[0][1] if len(acts) == 1 else None
    outs = Affine(act).make_node(x, w, b).outputs
    if not all(can_stand_for(o, z) for o in outs):
        return None
    new_z = outs[0] if act is None else outs[1]
    replace = {z: outs[0]} if act is None else {acts[0][0].outputs[0]: outs[0], z: outs[1]}
    replace.update(redirect_shape_uses(shape_uses, d, new_z))
    return replace
