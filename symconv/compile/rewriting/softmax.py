"""Softmax rewrites (stabilize phase): log-softmax, and the fused softmax-NLL.

- ``log(softmax(x))`` -> ``log_softmax(x)``;
- ``log(softmax(x))[arange(len(y)), y]`` (network3's cost before the mean) and
  ``categorical_crossentropy(softmax(x), y)`` -> the ``nll`` output of one
  :class:`SoftmaxNLL` node, whose ``sm`` output replaces ``softmax(x)``;
- their gradients: ``softmax_grad(onehot_scatter(g) / sm, sm)`` (what
  differentiating the cost built) and ``softmax_grad(crossentropy_grad(g, sm, y), sm)``
  -> ``SoftmaxNLLGrad(-g, sm, y)``, i.e. ``(sm - onehot(y)) * g``; with the mean,
  ``g = 1/n`` and the gradient is ``(softmax(x) - onehot(y)) / n``;
- any other ``softmax_grad(G / sm, sm)`` (the gradient through ``log(softmax)``)
  -> ``G - sm * sum(G)``, without the division by ``sm``, which may underflow to 0;
- (specialize phase) a gradient that is the mean's ``1/n`` for every label ->
  ``SoftmaxNLLGrad{mean}``, which divides inside the kernel;
- softmax written out, ``exp(z - max) / sum(exp(z - max))``, -> ``softmax(z)``
  (:func:`~symconv.ops.softmax.written_out_softmax`); ``symconv.grad`` already
  differentiated it as a softmax, so its gradient takes the rewrites above.
"""
from ...graph.basic import Constant
from ...ops import elemwise as E
from ...ops.basic import Alloc, ARange
from ...ops.elemwise import Cast, Elemwise
from ...ops.softmax_nll import SoftmaxNLL, SoftmaxNLLGrad
from ...ops.indexing import IncSubtensor, Subtensor
from ...ops.reduction import BroadcastLike, SumTo
from ...ops.shape import DimShuffle, Shape
from ...ops.softmax import (CategoricalCrossentropy1Hot, CategoricalCrossentropy1HotGrad,
                            LogSoftmax, Softmax, SoftmaxGrad, written_out_softmax)
from .registry import node_rewrite
from .shapes import dims_of, same_shape
from .utils import can_stand_for, find_or_make, is_constant_equal, scalar_constant, scalar_name


def softmax_input(sm):
    """``x`` when ``sm`` is ``softmax(x)`` (or the ``sm`` output of a SoftmaxNLL), else None."""
    node = sm.owner
    if node is None:
        return None
    if isinstance(node.op, Softmax) and sm.ndim == 2:
        return node.inputs[0]
    if isinstance(node.op, SoftmaxNLL) and node.outputs[1] is sm:
        return node.inputs[0]
    return None


def is_label_rows(rows, labels):
    """True if ``rows`` is ``arange(len(labels))``: one entry per label, in order."""
    node = rows.owner
    if node is None or not isinstance(node.op, ARange):
        return False
    start, stop, step = node.inputs
    if scalar_constant(start) != 0 or scalar_constant(step) != 1:
        return False
    n = scalar_constant(stop)
    if n is not None:
        return labels.type.shape[0] == n
    stop_node = stop.owner
    if stop_node is None or not isinstance(stop_node.op, Subtensor) or \
            stop_node.op.spec != (("int",),) or scalar_constant(stop_node.inputs[1]) != 0:
        return False
    shape = stop_node.inputs[0].owner
    return shape is not None and isinstance(shape.op, Shape) and shape.inputs[0] is labels


def _labels_ok(labels):
    return labels.ndim == 1 and labels.type.is_integer


def _fused(fgraph, x, labels):
    return find_or_make(fgraph, SoftmaxNLL(), [x, labels])


@node_rewrite("stabilize", ops=(Subtensor,), tags=("softmax",))
def softmax_nll(fgraph, node):
    """``log(softmax(x))[arange(len(y)), y]`` -> ``-nll`` of a fused SoftmaxNLL(x, y)."""
    if node.op.spec != (("array",), ("array",)):
        return None
    lp, rows, labels = node.inputs
    if not _labels_ok(labels) or not is_label_rows(rows, labels) or lp.ndim != 2:
        return None
    replace = {}
    if lp.owner is not None and isinstance(lp.owner.op, LogSoftmax):
        x = lp.owner.inputs[0]
    elif scalar_name(lp) == "log" and softmax_input(lp.owner.inputs[0]) is not None:
        sm = lp.owner.inputs[0]
        x = softmax_input(sm)
    else:
        return None
    nll, fused_sm = _fused(fgraph, x, labels)
    if lp.owner is not None and scalar_name(lp) == "log" and sm is not fused_sm:
        replace[sm] = fused_sm
    picked = E.neg(nll)
    if not can_stand_for(picked, node.outputs[0]):
        return None
    replace[node.outputs[0]] = picked
    return replace


@node_rewrite("stabilize", ops=(CategoricalCrossentropy1Hot,), tags=("softmax",))
def crossentropy_softmax(fgraph, node):
    """``categorical_crossentropy(softmax(x), y)`` -> ``nll`` of a fused SoftmaxNLL(x, y)."""
    sm, labels = node.inputs
    x = softmax_input(sm)
    if x is None or not _labels_ok(labels):
        return None
    nll, fused_sm = _fused(fgraph, x, labels)
    if not can_stand_for(nll, node.outputs[0]):
        return None
    replace = {node.outputs[0]: nll}
    if sm is not fused_sm:
        replace[sm] = fused_sm
    return replace


def _divided_by(d, sm):
    """``G`` when ``d`` is ``G / sm`` (possibly under a ``sum_to`` that changes nothing)."""
    node = d.owner
    if node is not None and isinstance(node.op, SumTo):
        d = node.inputs[0]
    if scalar_name(d) == "true_div" and d.owner.inputs[1] is sm:
        return d.owner.inputs[0]
    return None


def _label_scatter(fgraph, g, sm):
    """``(gvec, labels)`` when ``g`` is zeros shaped like ``sm`` with ``gvec`` added at
    ``[arange(len(labels)), labels]``, else None."""
    node = g.owner
    if node is None or not isinstance(node.op, IncSubtensor) or node.op.set_instead_of_inc \
            or node.op.spec != (("array",), ("array",)):
        return None
    zeros, gvec, rows, labels = node.inputs
    if not _labels_ok(labels) or not is_label_rows(rows, labels) or gvec.ndim != 1:
        return None
    if isinstance(zeros, Constant):
        if not is_constant_equal(zeros, 0) or zeros.type.shape != sm.type.shape:
            return None
    elif zeros.owner is None or not isinstance(zeros.owner.op, Alloc) or \
            not is_constant_equal(zeros.owner.inputs[0], 0):
        return None
    if not same_shape(fgraph, zeros, sm):
        return None
    return gvec, labels


def _nll_grad(fgraph, node, g_nll, sm, labels):
    x = softmax_input(sm)
    _, fused_sm = _fused(fgraph, x, labels)
    dx = SoftmaxNLLGrad()(g_nll, fused_sm, labels)
    out = node.outputs[0]
    if not can_stand_for(dx, out):
        return None
    replace = {out: dx}
    if sm is not fused_sm:
        replace[sm] = fused_sm
    return replace


@node_rewrite("stabilize", ops=(SoftmaxGrad,), tags=("softmax",))
def softmax_nll_grad(fgraph, node):
    """The gradient of the picked log-softmax, or of the cross-entropy, through the
    softmax -> ``SoftmaxNLLGrad(g, sm, y)``."""
    d, sm = node.inputs
    if softmax_input(sm) is None:
        return None
    if d.owner is not None and isinstance(d.owner.op, CategoricalCrossentropy1HotGrad):
        gy, p, labels = d.owner.inputs
        if p is not sm or gy.ndim != 1:
            return None
        return _nll_grad(fgraph, node, gy, sm, labels)
    g = _divided_by(d, sm)
    if g is None:
        return None
    found = _label_scatter(fgraph, g, sm)
    if found is None:
        return None
    gvec, labels = found
    return _nll_grad(fgraph, node, E.neg(gvec), sm, labels)


@node_rewrite("stabilize", ops=(SoftmaxGrad,), tags=("softmax",))
def softmax_grad_of_log(fgraph, node):
    """``softmax_grad(G / sm, sm)`` -> ``G - sm * sum(G, axis=-1)``: no division by ``sm``."""
    from ...tensor.math import sum as tsum
    d, sm = node.inputs
    g = _divided_by(d, sm)
    if g is None or softmax_input(sm) is None or not same_shape(fgraph, g, sm):
        return None
    new = E.sub(g, E.mul(sm, tsum(g, axis=-1, keepdims=True)))
    return [new] if can_stand_for(new, node.outputs[0]) else None


@node_rewrite("stabilize", ops=(Elemwise,), tags=("softmax",))
def log_softmax(fgraph, node):
    """``log(softmax(x))`` -> ``log_softmax(x)``."""
    if node.op.scalar_op.name != "log":
        return None
    sm = node.inputs[0]
    if sm.owner is None or not isinstance(sm.owner.op, Softmax):
        return None
    new = LogSoftmax()(sm.owner.inputs[0])
    return [new] if can_stand_for(new, node.outputs[0]) else None


def _broadcast_scalar(g):
    """``s`` when ``g`` is a 0-d ``s`` broadcast to a vector (``broadcast_like(s[None], v)``)."""
    node = g.owner
    if node is None or not isinstance(node.op, BroadcastLike):
        return None
    inner = node.inputs[0].owner
    if inner is None or not isinstance(inner.op, DimShuffle) or inner.op.pattern != ("x",):
        return None
    return inner.inputs[0]


def _over_label_count(fgraph, s, labels):
    """``c`` when ``s`` is ``c / len(labels)`` (the gradient of a mean over the labels)."""
    if scalar_name(s) != "true_div":
        return None
    c, n = s.owner.inputs
    if n.owner is not None and isinstance(n.owner.op, Cast):
        n = n.owner.inputs[0]
    count = scalar_constant(n)
    if count is not None:
        return c if labels.type.shape[0] == count else None
    node = n.owner
    if node is None or not isinstance(node.op, Subtensor) or node.op.spec != (("int",),) or \
            scalar_constant(node.inputs[1]) != 0:
        return None
    shape = node.inputs[0].owner
    if shape is None or not isinstance(shape.op, Shape):
        return None
    source = shape.inputs[0]
    if source.ndim < 1 or dims_of(fgraph, source)[0] is not dims_of(fgraph, labels)[0]:
        return None
    return c


@node_rewrite("specialize", ops=(SoftmaxNLLGrad,), tags=("softmax",))
def softmax_nll_grad_of_mean(fgraph, node):
    """A gradient that is one scalar for every label, and that scalar over the number
    of labels (the mean's gradient) -> ``SoftmaxNLLGrad{mean}(c, sm, y)``: no vector of
    ``1/n`` is built."""
    g, sm, labels = node.inputs
    if node.op.mean:
        return None
    negate = scalar_name(g) == "neg"
    s = _broadcast_scalar(g.owner.inputs[0] if negate else g)
    if s is None:
        return None
    c = _over_label_count(fgraph, s, labels)
    if c is not None:
        new = SoftmaxNLLGrad(mean=True)(E.neg(c) if negate else c, sm, labels)
    else:
        new = SoftmaxNLLGrad()(E.neg(s) if negate else s, sm, labels)
    return [new] if can_stand_for(new, node.outputs[0]) else None


@node_rewrite("stabilize", ops=(Elemwise,), tags=("softmax",))
def softmax_written_out(fgraph, node):
    """``exp(z - max(z)) / sum(exp(z - max(z)))`` (rows) and ``exp(z) / sum(exp(z))``
    -> ``softmax(z)``: the fused, stable kernel (and the softmax rewrites above apply)."""
    found = written_out_softmax(node.outputs[0])
    if found is None:
        return None
    z = found[0]
    new = Softmax()(z)
    return [new] if can_stand_for(new, node.outputs[0]) else None
