"""Symbolic shapes: which variables are known to have the same shape.

Shared variables and mini-batch slices often have dimensions unknown until the
function runs, yet many of them are equal by construction: the output of an
elementwise op on ``x`` has ``x``'s shape, ``zeros_like(p)`` has ``p``'s. Each
dimension gets a symbol: its size when known statically, else a token naming
where it comes from; equal symbols mean equal sizes at run time. Rewrites use
this to drop ``sum_to``/``broadcast_like`` that change nothing and to read a
shape from the cheapest variable that has it.
"""
from ...graph.basic import Constant
from ...ops.basic import Alloc
from ...ops.blas import Dot
from ...ops.elemwise import Cast, Elemwise
from ...ops.indexing import Subtensor
from ...ops.reduction import BroadcastLike, Reduce, SumTo
from ...ops.shape import DimShuffle, Shape


class Dim:
    """An unknown size, equal only to itself."""

    __slots__ = ("origin",)

    def __init__(self, origin):
        self.origin = origin

    def __repr__(self):
        return f"Dim({self.origin})"


def _memo(fgraph):
    memo = getattr(fgraph, "_dims_memo", None)
    if memo is None:
        memo = fgraph._dims_memo = {}
    return memo


def dims_of(fgraph, var):
    """One symbol per axis of ``var``: an int when the size is known, else a :class:`Dim`."""
    memo = _memo(fgraph)
    if var in memo:
        return memo[var]
    # walk up iteratively: deep graphs must not hit the recursion limit
    stack = [var]
    while stack:
        v = stack[-1]
        if v in memo:
            stack.pop()
            continue
        node = v.owner
        pending = [i for i in (node.inputs if node is not None else ()) if i not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        memo[v] = _compute(fgraph, v, memo)
    return memo[var]


def _fresh(v):
    return tuple(s if s is not None else Dim((v, axis)) for axis, s in enumerate(v.type.shape))


def _static(v, dims):
    """``dims`` with the statically known sizes of ``v`` filled in."""
    return tuple(s if s is not None else d for s, d in zip(v.type.shape, dims))


def _compute(fgraph, v, memo):
    node = v.owner
    if node is None:
        return _fresh(v)
    op = node.op
    ins = [memo[i] for i in node.inputs]
    if isinstance(op, (Elemwise, Cast)):
        return _static(v, _broadcast(ins, v))
    if isinstance(op, DimShuffle):
        return _static(v, tuple(1 if p == "x" else ins[0][p] for p in op.pattern))
    if isinstance(op, SumTo):
        return _static(v, ins[1])
    if isinstance(op, BroadcastLike):
        return _static(v, _broadcast(ins, v))
    if isinstance(op, Reduce):
        if op.keepdims:
            return _static(v, tuple(1 if a in op.axis else d for a, d in enumerate(ins[0])))
        return _static(v, tuple(d for a, d in enumerate(ins[0]) if a not in op.axis))
    if isinstance(op, Dot) and node.inputs[0].ndim == 2 and node.inputs[1].ndim == 2:
        return _static(v, (ins[0][0], ins[1][1]))
    if isinstance(op, Alloc):
        return _static(v, tuple(_scalar_dim(fgraph, s) or Dim((v, k))
                                for k, s in enumerate(node.inputs[1:])))
    # ops that pass an input's shape through: ask them with symbols for shapes
    try:
        shapes = op.infer_shape(node, ins)
    except Exception:
        return _fresh(v)
    out = shapes[node.outputs.index(v)]
    if not isinstance(out, tuple) or len(out) != v.ndim or not all(
            isinstance(d, (int, Dim)) and not isinstance(d, bool) for d in out):
        return _fresh(v)
    return _static(v, out)


def _broadcast(ins, v):
    ndim = v.ndim
    result = []
    for axis in range(ndim):
        symbols = []
        for d in ins:
            k = axis - (ndim - len(d))
            if k >= 0 and d[k] != 1:
                symbols.append(d[k])
        if not symbols:
            result.append(1)
        elif all(s is symbols[0] or s == symbols[0] for s in symbols):
            result.append(symbols[0])
        else:
            result.append(Dim((v, axis)))
    return tuple(result)


def _scalar_dim(fgraph, s):
    """The dimension symbol a scalar stands for: a constant, or ``x.shape[k]``."""
    if isinstance(s, Constant):
        return int(s.data)
    node = s.owner
    if node is not None and isinstance(node.op, Subtensor) and node.op.spec == (("int",),):
        vec, k = node.inputs
        if vec.owner is not None and isinstance(vec.owner.op, Shape) and isinstance(k, Constant):
            source = vec.owner.inputs[0]
            axis = int(k.data)
            if -source.ndim <= axis < source.ndim:
                return dims_of(fgraph, source)[axis]
    return None


def same_shape(fgraph, a, b):
    """True if ``a`` and ``b`` certainly have the same shape when the function runs."""
    if a is b:
        return True
    if a.ndim != b.ndim:
        return False
    da, db = dims_of(fgraph, a), dims_of(fgraph, b)
    return all(x is y or (isinstance(x, int) and x == y) for x, y in zip(da, db))


def shape_source(fgraph, var):
    """The variable closest to the graph inputs known to have ``var``'s shape
    (``x`` for ``log(x)``, ``p`` for ``zeros_like(p)``...)."""
    best = var
    while True:
        node = best.owner
        if node is None:
            return best
        for candidate in node.inputs:
            if candidate.ndim == best.ndim and not isinstance(candidate, Constant) and \
                    same_shape(fgraph, candidate, best):
                best = candidate
                break
        else:
            return best
