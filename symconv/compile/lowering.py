"""Lowering: the rewritten graph becomes a linear schedule of kernel calls.

The schedule is fixed at compile time (a topological order that runs the
in-place updates of shared variables as late as possible). What depends on
shapes is decided by a *plan*, built the first time the function meets a set
of shapes (see :mod:`symconv.compile.plan`): which buffer holds each
intermediate, which buffers are reused once their last reader ran, which
kernels write in place, and the generated Python function that runs the
whole schedule with no interpreter loop.

Each op is lowered by a rule: a :class:`Lowering` that says how its outputs
are stored (written into buffers, views of inputs, or fresh arrays) and emits
the source lines that compute them. Ops without a rule run their ``perform``.
This module holds the contract, the rules for fused elementwise kernels and
views, and the schedule; :mod:`.lowering_layers` the rules for the layer
kernels (matrix products, conv-pool, softmax-NLL).
"""
import numpy as np

from ..graph.basic import SharedVariable
from ..ops.fused import FusedElemwise
from ..ops.indexing import Subtensor
from ..ops.shape import DimShuffle, Flatten, Reshape, Shape
from .kernels import FusedKernel, inplace_ok

BUFFER, VIEW, FRESH = "buffer", "view", "fresh"


class Lowering:
    """How one kind of node runs in a plan. Subclasses override both methods."""

    def storage(self, node, values):
        """Per output: ``(BUFFER,)``, ``(VIEW, input indices)`` or ``(FRESH,)``.

        ``values`` maps each of the node's variables to the value recorded for it.
        """
        return [_recorded_storage(node, values, out) for out in node.outputs]

    def emit(self, em):
        """Append the source lines computing the node's outputs to ``em``."""
        perform = em.glob(em.node.op.perform, "perform")
        node = em.glob(em.node, "node")
        args = ", ".join(em.name(v) for v in em.node.inputs)
        outs = [em.new_name(o) for o in em.node.outputs]
        em.line(f"{', '.join(outs)}, = {perform}({node}, [{args}])")


def _recorded_storage(node, values, out):
    """A perform's output aliases the inputs whose recorded memory it overlaps."""
    value = values[out]
    if not isinstance(value, np.ndarray):
        return (FRESH,)
    shared = [i for i, v in enumerate(node.inputs)
              if isinstance(values[v], np.ndarray) and np.may_share_memory(value, values[v])]
    return (VIEW, shared) if shared else (FRESH,)


class FusedLowering(Lowering):
    """A fused elementwise group: one generated kernel writing into buffers, or, for
    integer scalars (the bounds ``i * n`` and ``(i + 1) * n`` of a mini-batch), plain
    NumPy scalar arithmetic in the plan (a ufunc call on 0-d arrays costs ten times
    more than the operator on scalars)."""

    def storage(self, node, values):
        if _scalar_program(node, values) is not None:
            return [(FRESH,) for _ in node.outputs]
        return [(BUFFER,) for _ in node.outputs]

    def emit(self, em):
        node = em.node
        op = node.op
        exprs = _scalar_program(node, em.values)
        if exprs is not None:
            names = {}
            for j, v in enumerate(node.inputs):
                if v.owner is None and not isinstance(v, SharedVariable) and \
                        v not in em.b.program.input_vars:
                    names[-1 - j] = em.glob(em.value(v)[()], "scalar")   # a constant
                else:
                    names[-1 - j] = f"{em.name(v)}[()]"
            for k, template in enumerate(exprs):
                refs = [names[r] for r in op.program[k].refs]
                names[k] = em.fresh_name("n")
                em.line(f"{names[k]} = {template.format(*refs)}")
            for out, k in zip(node.outputs, op.outputs):
                em.bind(out, names[k])
            return
        in_shapes = [np.shape(em.value(v)) for v in node.inputs]
        in_dtypes = [em.value(v).dtype.name if isinstance(em.value(v), np.ndarray)
                     else np.asarray(em.value(v)).dtype.name for v in node.inputs]
        donated, out_of_input, outs = {}, {}, []
        destroy = dict(op.destroy)
        for j, out in enumerate(node.outputs):
            target = None
            if j in destroy and inplace_ok(op, j, destroy[j]) and \
                    em.can_write_shared(node.inputs[destroy[j]], out):
                target = em.write_shared(node.inputs[destroy[j]], out)
                out_of_input[j] = destroy[j]
            if target is None and not em.is_output(out):
                # reuse the buffer of an input read for the last time here
                for i, v in enumerate(node.inputs):
                    if i in out_of_input.values() or not em.dying_buffer(v, out):
                        continue
                    if inplace_ok(op, j, i):
                        target = em.take_buffer(v, out)
                        out_of_input[j] = i
                        break
            outs.append(target if target is not None else em.out(out))
        for i, v in enumerate(node.inputs):
            if i not in out_of_input.values() and em.dying_buffer(v, None):
                donated[i] = True
        kernel = FusedKernel(em.fresh_name("fused"), op, in_shapes, in_dtypes, donated,
                             out_of_input, nan_guard=em.nan_guard)
        em.kernel_source(kernel.source)
        temps = [em.temp(shape, dtype) for shape, dtype in kernel.temps]
        fn = em.glob(kernel.fn, "kernel")
        args = [em.name(v) for v in node.inputs] + outs + temps
        em.line(f"{fn}({', '.join(args)})")
        for out, name in zip(node.outputs, outs):
            em.bind(out, name)


_SCALAR_OPERATORS = {"add": "{} + {}", "sub": "{} - {}", "mul": "{} * {}", "neg": "-{}",
                     "floor_div": "{} // {}"}


def _scalar_program(node, values):
    """Per instruction, a Python expression template over NumPy integer scalars when the
    fused program is integer scalar arithmetic that gives the dtypes its types say
    (checked on the recorded values), else None."""
    op = node.op
    if op.destroy or not all(np.ndim(values[v]) == 0 and np.asarray(values[v]).dtype.kind in "iu"
                             for v in list(node.inputs) + list(node.outputs)):
        return None
    results, exprs = [], []
    for instr in op.program:
        template = _SCALAR_OPERATORS.get(instr.arg) if instr.kind == "scalar" else None
        if template is None:
            return None
        args = [np.asarray(values[node.inputs[-1 - r]])[()] if r < 0 else results[r]
                for r in instr.refs]
        with np.errstate(all="ignore"):
            try:
                value = eval(template.format(*[f"args[{i}]" for i in range(len(args))]))
            except ArithmeticError:
                return None
        if not isinstance(value, np.generic) or value.dtype.name != instr.type.dtype:
            return None
        results.append(value)
        exprs.append(template)
    return exprs


class DimShuffleLowering(Lowering):
    """A dimshuffle is a view: reshape to drop axes, transpose, index to add axes."""

    def storage(self, node, values):
        return [(VIEW, [0])]

    def emit(self, em):
        from .kernels import _view_expr
        x = em.node.inputs[0]
        expr = _view_expr(em.name(x), em.node.op.pattern, np.shape(em.value(x)))
        em.assign(em.node.outputs[0], expr)


class SubtensorLowering(Lowering):
    """``x[index]`` written out as a NumPy index expression."""

    def storage(self, node, values):
        return [(VIEW, [0])]

    def emit(self, em):
        node = em.node
        x, *index = [em.name(v) for v in node.inputs]
        parts, k = [], 0
        for entry in node.op.spec:
            if entry[0] == "slice":
                bounds = []
                for present in entry[1:]:
                    bounds.append(index[k] if present else "")
                    k += present
                parts.append(":".join(bounds[:2]) + (f":{bounds[2]}" if entry[3] else ""))
            else:
                parts.append(index[k])
                k += 1
        em.assign(node.outputs[0], f"{x}[{', '.join(parts)},]")


class ShapeLowering(Lowering):
    def storage(self, node, values):
        return [(FRESH,)]

    def emit(self, em):
        array = em.glob(np.array, "array")
        em.assign(em.node.outputs[0], f"{array}({em.name(em.node.inputs[0])}.shape, 'int64')")


class ReshapeLowering(Lowering):
    def storage(self, node, values):
        return [(VIEW, [0])]

    def emit(self, em):
        x = em.node.inputs[0]
        shape = tuple(np.shape(em.value(em.node.outputs[0])))
        # the plan is for these shapes: a reshape to a changed shape fails its check
        em.assign(em.node.outputs[0], f"{em.name(x)}.reshape({shape!r})")


_RULES = [
    (FusedElemwise, FusedLowering()),
    (DimShuffle, DimShuffleLowering()),
    (Subtensor, SubtensorLowering()),
    (Shape, ShapeLowering()),
    (Reshape, ReshapeLowering()),
    (Flatten, ReshapeLowering()),
]
_GENERIC = Lowering()


def lowering_for(op):
    """The :class:`Lowering` rule for ``op`` (the generic ``perform`` call if none)."""
    rule = getattr(op, "lowering", None)
    if rule is not None:
        return rule
    from .lowering_layers import LAYER_RULES   # they build on this module's contract
    for cls, rule in _RULES + LAYER_RULES:
        if isinstance(op, cls):
            return rule
    return _GENERIC


def destroyed_shared(node):
    """The shared variables ``node`` may write over (its op's ``destroy_map``)."""
    return [node.inputs[i] for ins in node.op.destroy_map.values() for i in ins
            if isinstance(node.inputs[i], SharedVariable)]


def schedule_order(fgraph):
    """A topological order of the nodes in which kernels that overwrite a shared
    variable run as late as their dependencies allow (so that every other reader of
    the variable runs before them)."""
    nodes = fgraph.nodes
    position = {n: k for k, n in enumerate(nodes)}
    destroyers = {n for n in nodes if destroyed_shared(n)}
    if not destroyers:
        return list(nodes)
    waiting = {n: sum(1 for v in {v for v in n.inputs} if v.owner in position) for n in nodes}
    users = {}
    for n in nodes:
        for v in {v for v in n.inputs}:
            if v.owner in position:
                users.setdefault(v.owner, []).append(n)
    import heapq
    ready = [(position[n] + (len(nodes) if n in destroyers else 0), position[n], n)
             for n in nodes if waiting[n] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, _, n = heapq.heappop(ready)
        order.append(n)
        for u in users.get(n, ()):
            waiting[u] -= 1
            if waiting[u] == 0:
                key = position[u] + (len(nodes) if u in destroyers else 0)
                heapq.heappush(ready, (key, position[u], u))
    return order


class ScheduleLinker:
    """Lowers a FunctionGraph to a :class:`~symconv.compile.plan.ScheduleProgram`."""

    def __init__(self, nan_guard=False, profile=False, blas_threads="auto"):
        self.nan_guard = nan_guard
        self.profile = profile
        self.blas_threads = blas_threads

    def make_program(self, fgraph):
        from .plan import ScheduleProgram
        return ScheduleProgram(fgraph, schedule_order(fgraph), nan_guard=self.nan_guard,
                               profile=self.profile, blas_threads=self.blas_threads)
