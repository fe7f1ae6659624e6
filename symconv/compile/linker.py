"""Linkers: a rewritten FunctionGraph becomes a program with ``run(args)``.

- :class:`PlainLinker`, the reference executor that ``FAST_COMPILE`` uses: it runs
  the nodes in order, one ``perform`` each, over a flat storage list indexed by
  variable, filled from the inputs and shared values, then by each node;
- :class:`ScheduleLinker`, ``FAST_RUN``'s: the nodes in the order of
  :func:`~symconv.compile.lowering.schedule_order`, run by a
  :class:`~symconv.compile.program.ScheduleProgram` through generated plans.
"""
from time import perf_counter

from ..graph.basic import Constant, SharedVariable
from .errors import raise_with_node
from .lowering import schedule_order
from .program import ScheduleProgram


class PlainLinker:
    """Turns a FunctionGraph into a :class:`Program` of perform calls."""

    def __init__(self, profile=False):
        self.profile = profile

    def make_program(self, fgraph):
        program = Program(fgraph)
        if self.profile:
            from .profile import Profile
            program.profile = Profile(fgraph.nodes, fgraph)
        return program


class Program:
    """A linear schedule of node computations over a storage table."""

    profile = None

    def __init__(self, fgraph):
        self.fgraph = fgraph
        slot = {}
        for v in fgraph.variables:
            slot.setdefault(v, len(slot))
        for v in fgraph.inputs:
            slot.setdefault(v, len(slot))
        self.slot = slot
        self.storage_size = len(slot)
        self.input_slots = [slot[v] for v in fgraph.inputs]
        self.shared = [(slot[v], v.container) for v in slot if isinstance(v, SharedVariable)]
        self.constants = [(slot[v], v.data) for v in slot if isinstance(v, Constant)]
        self.steps = [(node, node.op.perform, [slot[v] for v in node.inputs],
                       [slot[v] for v in node.outputs]) for node in fgraph.nodes]
        self.output_slots = [slot[v] for v in fgraph.outputs]

    def run(self, args):
        """Compute every fgraph output from the input values ``args``."""
        storage = [None] * self.storage_size
        for i, value in zip(self.input_slots, args):
            storage[i] = value
        for i, container in self.shared:
            storage[i] = container[0]
        for i, data in self.constants:
            storage[i] = data
        profile = self.profile
        for k, (node, perform, ins, outs) in enumerate(self.steps):
            args = [storage[i] for i in ins]
            start = perf_counter() if profile is not None else 0.0
            try:
                results = perform(node, args)
            except Exception as exc:
                raise_with_node(exc, node, args)
            if profile is not None:
                profile.times[k] += perf_counter() - start
            for i, r in zip(outs, results):
                storage[i] = r
        if profile is not None:
            profile.calls += 1
        return [storage[i] for i in self.output_slots]


class ScheduleLinker:
    """Lowers a FunctionGraph to a :class:`~symconv.compile.program.ScheduleProgram`."""

    def __init__(self, nan_guard=False, profile=False, blas_threads="auto"):
        self.nan_guard = nan_guard
        self.profile = profile
        self.blas_threads = blas_threads

    def make_program(self, fgraph):
        return ScheduleProgram(fgraph, schedule_order(fgraph), nan_guard=self.nan_guard,
                               profile=self.profile, blas_threads=self.blas_threads)
