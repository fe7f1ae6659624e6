"""Plans: the schedule specialized to one set of shapes, as one generated function.

From the values of one recorded call (see :mod:`.program`) a plan is built:

1. storage: each output is written into a buffer, is a view of inputs, or is
   a fresh array;
2. liveness: a buffer returns to the pool once the last reader of every
   variable that may alias it has run; later nodes reuse it (buffers are
   allocated once per shape and kept across calls); a kernel reading a buffer
   for the last time may write its output there (in place); a shared
   variable's update is written into its own storage when nothing reads it
   afterwards;
3. code: one Python function with a line or two per node, over local
   variables (the storage table), that checks the shapes it was built for and
   returns the outputs (copies where they alias buffers the next call reuses).

Later calls run the plan's function directly. When a shape differs (a new
mini-batch size, a ``set_value`` of another shape), the call is recorded
again and a plan for the new shapes is built or reused.

Buffers belong to the compiled function: :class:`~symconv.compile.runtime.Function`
holds a lock per function around each call, so one function called from several
threads runs one call at a time (two functions run in parallel).
"""
import time

import numpy as np

from ..printing import value_names
from .errors import raise_with_node
from .emitter import Emitter, layout
from .lowering import VIEW
from .lowering.elementwise import FusedLowering
from .nanguard import NanGuardError, guard, guard_input
from .openblas import BLAS, one_thread


class ShapeChanged(Exception):
    """Raised inside a plan when a value's shape is not the one the plan was built for."""


def input_overlaps(a, *written):
    """Whether input ``a`` may share memory with one of the ``written`` arrays (shared
    storage the plan writes in place). An array that owns its memory overlaps no other
    array that owns its own, so the usual call (a fresh or caller-made input, shared
    values from ``shared()``) is settled by flags, without ``np.may_share_memory``'s
    bounds arithmetic per pair."""
    if a.flags.owndata:
        for s in written:
            if s is a or not s.flags.owndata:
                break
        else:
            return False
    return any(np.may_share_memory(a, s) for s in written)


class Plan:
    """A generated function for one set of shapes, with its source and buffers."""

    def __init__(self, fn, source, kernel_sources, line_nodes, buffers):
        self.fn = fn
        self.source = source
        self.kernel_sources = kernel_sources
        self.line_nodes = line_nodes
        self.buffers = buffers

    @property
    def buffer_bytes(self):
        return sum(b.nbytes for b in self.buffers)

    def explain(self, exc):
        """Add a note naming the node whose line of the plan raised ``exc``."""
        tb = exc.__traceback__
        node = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "<plan>":
                node = self.line_nodes.get(tb.tb_lineno)
            tb = tb.tb_next
        if node is not None and not isinstance(exc, NanGuardError):
            try:
                raise_with_node(exc, node)
            except Exception:
                pass


class PlanBuilder:
    """Builds a :class:`Plan` from one recorded call (see the module docstring)."""

    def __init__(self, program, values):
        self.program = program
        self.values = values
        self.order = program.order
        self.fgraph = program.fgraph
        self.nan_guard = program.nan_guard
        self.globals = {"ShapeChanged": ShapeChanged}
        self.names = {}
        self.lines, self.line_owner = [], []
        self.kernel_sources = []
        self.buffers = []          # every array the plan allocated
        self.pool = {}             # (shape, dtype) -> free buffers
        self.owned = {}            # root -> the buffer it lives in, while alive
        self.persistent = set()    # roots living in plan buffers (reused by the next call)
        self.inplace_shared = set()
        self.returned_roots = set()
        self.counter = 0           # numbers the generated module's global names
        self.kept = {}             # key -> array kept for the whole plan (Emitter.kept)
        self.locals = 0            # numbers the plan's local variables
        self.products = []         # floating-point operations of each matrix product
        self.overlapping = program.entry_overlaps(values)

    # -- analysis ---------------------------------------------------------------------
    def _analyse(self):
        order, values = self.order, self.values
        end = len(order)
        self.last_use = {}
        for k, node in enumerate(order):
            for v in node.inputs:
                self.last_use[v] = k
        for v in self.fgraph.outputs:
            self.last_use[v] = end
        # storage kinds and alias roots: a root is a piece of memory, named by the
        # variable that owns it (or by the argument / shared variable it comes from)
        self.kind, self.roots = {}, {}
        for v in self.program.input_vars:
            self.roots[v] = {("arg", v)}
        for v in self.program.shared_vars:
            self.roots[v] = {("shared", v)}
        for v in self.program.constant_vars:
            self.roots[v] = {("const", v)}
        for node, rule in zip(order, self.program.rules):
            for out, kind in zip(node.outputs, rule.storage(node, values)):
                self.kind[out] = kind[0]
                if kind[0] == VIEW:
                    self.roots[out] = set().union(*[self.roots[node.inputs[i]] for i in kind[1]])
                else:
                    self.roots[out] = {("own", out)}
        # a root dies after the last use of every variable aliasing it
        self.root_last = {}
        for v, roots in self.roots.items():
            lu = self.last_use.get(v, -1)
            for r in roots:
                self.root_last[r] = max(self.root_last.get(r, -1), lu)
        self.dying = {}
        for r, last in self.root_last.items():
            if r[0] == "own":
                self.dying.setdefault(last, []).append(r)
        # nodes whose output shapes do not follow from their input shapes get a check
        self.dynamic = [self._is_dynamic(node) for node in order]
        self.last_dynamic = max([k for k, d in enumerate(self.dynamic) if d], default=-1)

    def _is_dynamic(self, node):
        if all(None not in out.type.shape for out in node.outputs):
            return False  # the types fix the shapes (a reshape to constant sizes)
        shapes = [np.shape(self.values[v]) for v in node.inputs]
        try:
            inferred = node.op.infer_shape(node, shapes)
        except Exception:
            return True
        return [tuple(s) for s in inferred] != [np.shape(self.values[o]) for o in node.outputs]

    # -- building -------------------------------------------------------------------
    def build(self):
        self._analyse()
        self.listing = value_names(self.fgraph)
        prog = self.program
        args = []
        for k, v in enumerate(prog.input_vars):
            self.names[v] = f"a{k}"
            args.append(f"a{k}")
        head = []
        for k, v in enumerate(prog.shared_vars):
            self.names[v] = f"s{k}"
            self.globals[f"_c{k}"] = v.container
            head.append(f"s{k} = _c{k}[0]")
        for k, v in enumerate(prog.constant_vars):
            self.names[v] = f"k{k}"
            self.globals[f"k{k}"] = v.data
        entry = prog.input_vars + prog.shared_vars
        if entry:
            self.globals["_entry_shapes"] = tuple(np.shape(self.values[v]) for v in entry)
            checked = ", ".join(f"{self.names[v]}.shape" for v in entry)
            head.append(f"if ({checked},) != _entry_shapes: raise ShapeChanged")
        for k, node in enumerate(self.order):
            self._emit_node(k, node)
        for s in self.inplace_shared:
            head.append(f"if not {self.names[s]}.flags.writeable: raise ShapeChanged")
        head += self._overlap_checks(entry)
        if self.nan_guard:
            self.globals["_guard_input"] = guard_input
            for v in entry:
                if np.asarray(self.values[v]).dtype.kind == "f":
                    self.globals[f"_var_{self.names[v]}"] = v
                    head.append(f"_guard_input(_var_{self.names[v]}, {self.names[v]})")
        returns = [self._returned(i, v) for i, v in enumerate(self.fgraph.outputs)]
        body = self.lines + [f"return [{', '.join(returns)}]"]
        if prog.blas_threads == "auto" and self.products and one_thread(max(self.products)):
            # every product is small: one BLAS thread, and the caller's count comes
            # back however the plan ends
            self.globals["_blas_enter"] = BLAS.enter_one_thread
            self.globals["_blas_leave"] = BLAS.leave_one_thread
            head += ["_blas_enter()", "try:"]
            body = ["    " + line for line in body] + ["finally:", "    _blas_leave()"]
        lines = head + body
        source = "def plan(" + ", ".join(args) + "):\n" + \
            "\n".join("    " + line for line in lines) + "\n"
        # line numbers of the generated code -> node, for error messages
        offset = 2 + len(head)
        line_nodes = {offset + j: node for j, node in enumerate(self.line_owner)}
        namespace = dict(self.globals)
        exec(compile(source, "<plan>", "exec"), namespace)
        return Plan(namespace["plan"], source, self.kernel_sources, line_nodes, self.buffers)

    def _overlap_checks(self, entry):
        """Lines that leave the plan (to record the call anew) when the storage of a
        shared variable it writes over overlaps another array of the call. Shared and
        constant values are checked again only when one of them is a new array (a
        ``set_value``); array inputs, on every call."""
        if not self.inplace_shared:
            return []
        written = [s for s in self.program.shared_vars if s in self.inplace_shared]
        held = [v for v in self.program.shared_vars + self.program.constant_vars
                if isinstance(self.values[v], np.ndarray)]
        lines = []
        if len(held) > 1:
            seen = [self.values[v] for v in held]
            self.globals["_held"] = seen
            self.globals["_may_share"] = np.may_share_memory
            where = {v: j for j, v in enumerate(held)}

            def recheck(*arrays):
                for s in written:
                    a = arrays[where[s]]
                    if any(j != where[s] and np.may_share_memory(a, b)
                           for j, b in enumerate(arrays)):
                        raise ShapeChanged
                seen[:] = arrays

            self.globals["_recheck"] = recheck
            names = [self.names[v] for v in held]
            changed = " or ".join(f"{n} is not _held[{j}]" for j, n in enumerate(names))
            lines.append(f"if {changed}: _recheck({', '.join(names)})")
        if self.program.input_vars and written:
            self.globals["_input_overlaps"] = input_overlaps
            targets = ", ".join(self.names[s] for s in written)
        for v in self.program.input_vars:
            # 0-d inputs too: s.get_value(borrow=True) of a scalar shared variable is one
            lines.append(f"if _input_overlaps({self.names[v]}, {targets}): raise ShapeChanged")
        return lines

    def _emit_node(self, k, node):
        em = Emitter(self, k, node)
        # the listing's names, so that the code reads beside debugprint(f)
        self._line(f"# {' '.join(self.listing[o] for o in node.outputs)} = {node.op}", node)
        profile = self.program.profile
        if profile is not None:
            self.globals["_perf"] = time.perf_counter
            self.globals["_times"] = profile.times
            self._line("_t0 = _perf()", node)
        self.program.rules[k].emit(em)
        if profile is not None:
            self._line(f"_times[{k}] += _perf() - _t0", node)
        if self.dynamic[k]:
            for out in node.outputs:
                name = self.names[out]
                self.globals[f"_shape_{name}"] = np.shape(self.values[out])
                self._line(f"if {name}.shape != _shape_{name}: raise ShapeChanged", node)
        if self.nan_guard and not isinstance(self.program.rules[k], FusedLowering):
            self.globals["_guard"] = guard
            self.globals[f"_n{k}"] = node
            for j, out in enumerate(node.outputs):
                if np.asarray(self.values[out]).dtype.kind == "f":
                    self._line(f"_guard(_n{k}, _n{k}.outputs[{j}], {self.names[out]})", node)
        if profile is not None and k == len(self.order) - 1:
            self.globals["_profile"] = profile
            self._line("_profile.calls += 1", node)
        # buffers whose every alias has been read for the last time go back to the pool
        for root in self.dying.get(k, ()):
            buf = self.owned.pop(root, None)
            if buf is not None:
                self.pool.setdefault((buf.shape, buf.dtype.str, layout(buf)), []).append(buf)

    def _line(self, text, node):
        self.lines.append(text)
        self.line_owner.append(node)

    def _returned(self, index, v):
        """How output ``v`` is returned: a copy when it may alias a caller's array, a
        constant, shared storage, another result, or a buffer the next call reuses."""
        name = self.names[v]
        roots = self.roots.get(v, set())
        copy = False
        for r in roots:
            if r in self.persistent or r in self.returned_roots or r[0] in ("arg", "const"):
                copy = True
            elif r[0] == "shared" and not (r[1] in self.inplace_shared and
                                           self.is_update(index, r[1])):
                copy = True
        if not copy:
            self.returned_roots.update(roots)
            if v.ndim == 0:
                self.globals["_asarray"] = np.asarray
                return f"_asarray({name})"
            return name
        return f"{name}.copy()"

    def is_update(self, index, shared):
        """True if output ``index`` is the new value of ``shared``."""
        return any(s is shared and i == index for s, i in self.fgraph.update_pairs)
