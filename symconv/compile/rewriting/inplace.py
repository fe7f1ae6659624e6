"""In-place updates: a shared variable's new value may be written into its own storage.

``inplace_updates`` marks a fused kernel computing an update ``W - eta * g``
from ``W`` itself as allowed to overwrite ``W`` (``destroy``). Whether it does
is decided when the schedule is laid out, where the order of the nodes is
known: only if no node that still has to read ``W`` (or a view of it) runs
after it. Intermediate buffers are reused by liveness analysis in the
lowering, which needs no marks.

``gemm_updates`` then turns a marked kernel whose update is ``beta * W + alpha *
dot(x, y)`` (plain SGD on a weight matrix, with or without L2) into one
:class:`~symconv.ops.blas.Gemm`, which the runtime computes straight into
``W``: no product buffer, no second pass over ``W`` (for weights too small to
repay the call into the library, the runtime computes it with NumPy, see
:data:`~symconv.compile.openblas.MIN_GEMM_SIZE`).
"""
from ...ops.blas import Dot, Gemm, ScaledDot
from ...ops.fused import FusedElemwise, inplace_ok
from .registry import graph_rewrite
from .utils import scalar_constant


@graph_rewrite("inplace", tags=("destroy",))
def inplace_updates(fgraph, log):
    """Mark fused kernels computing a shared variable's update from it as destructive."""
    marks = {}  # node -> {output index: input index}
    for shared, k in fgraph.update_pairs:
        value = fgraph.outputs[k]
        node = value.owner
        if node is None or not isinstance(node.op, FusedElemwise) or shared not in node.inputs:
            continue
        if value.type != shared.type and not shared.type.is_compatible(value.type):
            continue
        destroy = marks.setdefault(node, dict(node.op.destroy))
        out_index = node.outputs.index(value)
        if out_index not in destroy and inplace_ok(node.op, out_index, node.inputs.index(shared)):
            destroy[out_index] = node.inputs.index(shared)
            log.add(node, f"{shared.name or 'shared'} updated in place")
    pairs = []
    for node, destroy in marks.items():
        new_node = node.op.with_destroy(tuple(sorted(destroy.items()))).make_node(*node.inputs)
        new_node.trace = node.trace
        pairs.extend(zip(node.outputs, new_node.outputs))
    if pairs:
        fgraph.replace_all(pairs)


@graph_rewrite("inplace", tags=("destroy", "blas"))
def gemm_updates(fgraph, log):
    """``beta * W + alpha * dot(x, y)`` computed in place into ``W`` -> ``Gemm``."""
    pairs = []
    for node in list(fgraph.nodes):
        if not isinstance(node.op, FusedElemwise) or len(node.outputs) != 1:
            continue
        destroyed = dict(node.op.destroy).get(0)
        form = linear_form(node)
        if destroyed is None or form is None or len(form) != 2 or destroyed not in form:
            continue
        (product_index,) = set(form) - {destroyed}
        w, d, out = node.inputs[destroyed], node.inputs[product_index], node.outputs[0]
        owner = d.owner
        if owner is None or not isinstance(owner.op, (Dot, ScaledDot)) or \
                len(fgraph.client_list(d)) != 1 or d in fgraph.outputs:
            continue
        x, y = owner.inputs
        if x.ndim != 2 or y.ndim != 2 or not (w.dtype == d.dtype == out.dtype) or \
                w.ndim != 2 or not w.type.is_compatible(d.type):
            continue
        alpha = form[product_index] * getattr(owner.op, "alpha", 1.0)
        new = Gemm(alpha, form[destroyed]).make_node(w, x, y)
        new.trace = node.trace
        pairs.append((out, new.outputs[0]))
        log.add(new, f"{w.name or 'shared'} updated by one BLAS call")
    if pairs:
        fgraph.replace_all(pairs)


def linear_form(node):
    """A one-output fused kernel's result as ``{input index: coefficient}`` when it is
    a sum of its inputs times scalar constants (``W - eta * (g + l * W)`` is
    ``{W: 1 - eta * l, g: -eta}``), else None."""
    consts = {}
    for j, v in enumerate(node.inputs):
        c = scalar_constant(v)
        if c is not None and isinstance(c, (int, float)):
            consts[j] = float(c)
    forms = []             # per instruction: a float (a constant) or {input: coefficient}
    for instr in node.op.program:
        if instr.kind != "scalar":
            return None
        args = [forms[r] if r >= 0 else consts.get(-1 - r, {-1 - r: 1.0}) for r in instr.refs]
        form = _combine(instr.arg, args)
        if form is None:
            return None
        forms.append(form)
    result = forms[node.op.outputs[0]] if forms else None
    return result if isinstance(result, dict) else None


def _combine(name, args):
    """The form of scalar op ``name`` applied to linear forms, or None if not linear."""
    consts = [isinstance(a, float) for a in args]
    if all(consts):
        return _CONSTANT_OPS[name](*args) if name in _CONSTANT_OPS else None
    if name == "neg":
        return _scaled(args[0], -1.0)
    if name in ("add", "sub"):
        if any(consts):
            return None     # an added constant: affine, not linear
        sign = 1.0 if name == "add" else -1.0
        merged = dict(args[0])
        for j, c in args[1].items():
            merged[j] = merged.get(j, 0.0) + sign * c
        return merged
    if name == "mul" and any(consts):
        c, form = (args[0], args[1]) if consts[0] else (args[1], args[0])
        return _scaled(form, c)
    if name == "true_divide" and consts == [False, True] and args[1] != 0:
        return _scaled(args[0], 1.0 / args[1])
    return None


_CONSTANT_OPS = {"neg": lambda a: -a, "add": lambda a, b: a + b, "sub": lambda a, b: a - b,
                 "mul": lambda a, b: a * b,
                 "true_divide": lambda a, b: a / b if b != 0 else None}


def _scaled(form, c):
    return {j: c * v for j, v in form.items()}
