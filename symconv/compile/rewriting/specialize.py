"""Specialize: cheaper equivalents of what the graph computes.

``x ** 2`` and ``x * x`` -> ``sqr(x)``, ``x ** 0.5`` -> ``sqrt(x)``, and a scalar
factor applied to a matrix product becomes part of it (``scaled_dot``), whose kernel
scales the smallest of the two operands and the product, so that the SGD update
``W - eta * dot(x.T, g)`` scales the small gradient, not the weight-sized product.
"""
import numpy as np

from ...ops import elemwise as E
from ...ops.blas import Dot
from ...ops.elemwise import Elemwise
from ...ops.fused import ScaledDot
from .registry import node_rewrite
from .utils import can_stand_for, is_constant_equal, scalar_constant


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
