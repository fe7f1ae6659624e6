"""The program ``FAST_RUN`` functions run: a dispatcher over plans, one per set of shapes.

The first call with new shapes runs the schedule node by node (each node's
``perform``, as the reference executor does), recording every value; a
:class:`~symconv.compile.planbuilder.PlanBuilder` turns that record into a plan
(a generated function), kept for the next calls with the same shapes and the
same overlaps between the arrays the call reads. A plan that meets other shapes
raises :class:`~symconv.compile.planbuilder.ShapeChanged`, and the call is
recorded again.
"""
import copy

import numpy as np

from ..graph.basic import Constant, SharedVariable
from .errors import raise_with_node
from .lowering import destroyed_shared, lowering_for
from .nanguard import guard, guard_input
from .openblas import BLAS
from .planbuilder import PlanBuilder, ShapeChanged
from .profile import Profile

MAX_PLANS = 8
"""Plans kept per function (one per distinct set of shapes)."""



class ScheduleProgram:
    """A compiled schedule: ``run(args)`` computes every fgraph output.

    Attributes
    ----------
    plan : Plan or None
        The plan the last call used (its ``source`` is the generated code).
    profile : Profile or None
    """

    owns_results = True  # results never alias inputs, shared storage, constants or buffers

    def __init__(self, fgraph, order, nan_guard=False, profile=False, blas_threads="auto"):
        self.fgraph = fgraph
        self.order = order
        self.nan_guard = nan_guard
        self.blas_threads = blas_threads if BLAS.available else None
        self.rules = [lowering_for(node.op) for node in order]
        self.plans = {}
        self.plan = None
        self.profile = Profile(order, fgraph) if profile else None
        self.input_vars = list(fgraph.inputs)
        seen = set(self.input_vars)
        self.shared_vars, self.constant_vars = [], []
        for node in order:
            for v in node.inputs:
                if v in seen or v.owner is not None:
                    continue
                seen.add(v)
                if isinstance(v, SharedVariable):
                    self.shared_vars.append(v)
                elif isinstance(v, Constant):
                    self.constant_vars.append(v)
        for v in fgraph.outputs:
            if v.owner is None and v not in seen:
                seen.add(v)
                (self.shared_vars if isinstance(v, SharedVariable) else
                 self.constant_vars if isinstance(v, Constant) else []).append(v)
        # shared variables some kernel may write over: their storage must overlap no
        # other array the call reads (a set_value(..., borrow=True) can make it so)
        destroyed = {v for node in order for v in destroyed_shared(node)}
        self.destroyed = [v for v in self.shared_vars if v in destroyed]

    def entry_overlaps(self, values):
        """The destroyed shared variables whose values in ``values`` may share memory
        with another input, shared value or constant of the call."""
        entries = self.input_vars + self.shared_vars + self.constant_vars
        return frozenset(
            s for s in self.destroyed
            if any(e is not s and isinstance(values[e], np.ndarray) and
                   np.may_share_memory(values[s], values[e]) for e in entries))

    def run(self, args):
        plan = self.plan
        if plan is not None:
            try:
                return plan.fn(*args)
            except ShapeChanged:
                pass
            except Exception:
                # run the call node by node: its error names the node, the inputs'
                # shapes and the line of user code that built the node
                self._record(args)
                raise
        return self._record_then_run(args)

    # -- the first call for some shapes -------------------------------------------
    def _record_then_run(self, args):
        """Run the call node by node to learn every shape, build (or find) the plan for
        them, and run the plan: every call's results come from the same kernels.
        The random states the recording advanced are put back first."""
        stateful = [node.op for node in self.order
                    if node.op.is_stateful]
        restorable = all(isinstance(getattr(op, "state", None), list) for op in stateful)
        saved = [copy.deepcopy(op.state[0]) for op in stateful] if restorable else None
        values = self._record(args)
        key = self._key(values)
        plan = self.plans.get(key)
        if plan is None:
            if len(self.plans) >= MAX_PLANS:
                self.plans.pop(next(iter(self.plans)))
            plan = PlanBuilder(self, values).build()
            self.plans[key] = plan
        self.plan = plan
        if saved is not None:
            for op, state in zip(stateful, saved):
                op.state[0] = state
            try:
                return plan.fn(*args)
            except ShapeChanged:
                pass  # a shape that differs between two runs of one call: keep the record
            except Exception as exc:
                plan.explain(exc)
                raise
        from .runtime import _owned
        held = {id(values[v]) for v in self.input_vars + self.shared_vars}
        return [_owned(values[v], held) for v in self.fgraph.outputs]

    def _record(self, args):
        values = {}
        for v, a in zip(self.input_vars, args):
            values[v] = a
        for v in self.shared_vars:
            values[v] = v.container[0]
        for v in self.constant_vars:
            values[v] = v.data
        if self.nan_guard:
            for v in self.input_vars + self.shared_vars:
                guard_input(v, values[v])
        for node in self.order:
            inputs = [values[v] for v in node.inputs]
            # an op with a side effect (printing) does it in the runs that count only
            run = getattr(node.op, "record", None) or node.op.perform
            try:
                results = run(node, inputs)
            except Exception as exc:
                raise_with_node(exc, node, inputs)
            for out, r in zip(node.outputs, results):
                values[out] = r
                if self.nan_guard:
                    guard(node, out, r, inputs)
        return values

    def _key(self, values):
        return tuple(np.shape(values[v]) for v in self.input_vars + self.shared_vars) + \
            tuple(np.shape(values[o]) for node in self.order for o in node.outputs) + \
            (self.entry_overlaps(values),)

    def kernel_sources(self):
        """The generated source of the current plan and of its fused kernels."""
        if self.plan is None:
            return None
        return self.plan.source, list(self.plan.kernel_sources)
