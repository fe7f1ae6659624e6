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

from ..graph.basic import SharedVariable
from ..printing import value_names
from .errors import raise_with_node
from .lowering import BUFFER, VIEW
from .lowering.elementwise import FusedLowering
from .nanguard import NanGuardError, guard, guard_input
from .openblas import BLAS, one_thread


def layout(value):
    """The memory order of an array's axes, outermost first (C order is 0, 1, ...).

    Buffers take the layout the reference kernels produce (symconv's conv ops
    store (B, C, H, W) values channel-major with the batch innermost), so that
    the kernels reading them run over memory in order."""
    if not isinstance(value, np.ndarray) or value.ndim < 2:
        return tuple(range(np.ndim(value)))
    return tuple(sorted(range(value.ndim), key=lambda a: (-value.strides[a], a)))


class ShapeChanged(Exception):
    """Raised inside a plan when a value's shape is not the one the plan was built for."""


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
        for v in self.program.input_vars:
            if np.ndim(self.values[v]) == 0:
                continue
            self.globals["_may_share"] = np.may_share_memory
            for s in written:
                lines.append(f"if _may_share({self.names[v]}, {self.names[s]}): raise ShapeChanged")
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


class Emitter:
    """What a :class:`~symconv.compile.lowering.Lowering` sees while emitting one node."""

    def __init__(self, builder, k, node):
        self.b = builder
        self.k = k
        self.node = node
        self.values = builder.values
        self.nan_guard = builder.nan_guard

    def value(self, var):
        """The value recorded for ``var`` (its shape and dtype are the plan's)."""
        return self.values[var]

    def name(self, var):
        return self.b.names[var]

    def glob(self, obj, prefix):
        """A name in the generated module bound to ``obj``."""
        b = self.b
        for key, val in b.globals.items():
            if val is obj and key.startswith("_" + prefix):
                return key
        name = f"_{prefix}{b.counter}"
        b.counter += 1
        b.globals[name] = obj
        return name

    def global_named(self, name, obj):
        """Bind ``obj`` to exactly ``name`` in the generated module (a kernel's name)."""
        if self.b.globals.get(name, obj) is not obj:
            raise ValueError(f"plan: the name {name!r} is taken")
        self.b.globals[name] = obj
        return name

    def kernel_name(self, prefix):
        """A name for the node's kernel that carries the listing's name of its first
        output: ``fused_12`` for ``%12``."""
        return f"{prefix}_{self.b.listing[self.node.outputs[0]].lstrip('%')}"

    def fresh_name(self, prefix):
        self.b.counter += 1
        return f"{prefix}_{self.b.counter}"

    def line(self, text):
        self.b._line(text, self.node)

    def aliases(self, a, b):
        """True if ``a`` and ``b`` may share memory (a view of one is the other)."""
        return bool(self.b.roots.get(a, set()) & self.b.roots.get(b, set()))

    def product(self, m, k, n):
        """The node runs an (m x k) @ (k x n) product (the plan's BLAS thread count
        follows from the largest, see :mod:`symconv.compile.openblas`)."""
        self.b.products.append(2 * m * k * n)

    def assign(self, var, expr):
        """Bind ``var`` to the value of ``expr`` (views, fresh arrays)."""
        name = self._var_name(var)
        self.line(f"{name} = {expr}")

    def bind(self, var, name):
        """``var`` lives in the buffer called ``name``."""
        if self.b.names.get(var) != name:
            self.b.names[var] = name

    def new_name(self, var):
        """A new local variable name for ``var``."""
        return self._var_name(var)

    def _var_name(self, var):
        # every variable gets a name of its own: a name is never handed out twice
        b = self.b
        name = f"v{b.locals}"
        b.locals += 1
        b.names[var] = name
        return name

    def is_output(self, var):
        return self.b.last_use.get(var, -1) >= len(self.b.order)

    def out(self, var):
        """The name of the buffer ``var`` is written into: a pool buffer, or a fresh
        array on every call for outputs handed to the caller."""
        shape, dtype = np.shape(self.values[var]), np.asarray(self.values[var]).dtype
        if self.is_output(var):
            name = self._var_name(var)
            empty = self.glob(np.empty, "empty")
            self.line(f"{name} = {empty}({shape!r}, {self.glob(dtype, 'dtype')})")
            return name
        buf = self._take(shape, dtype, layout(self.values[var]))
        self.b.owned[("own", var)] = buf
        self.b.persistent.add(("own", var))
        name = self.glob(buf, "buf")
        self.b.names[var] = name
        return name

    def is_input(self, var):
        """True if ``var`` is one of the function's inputs (an argument of the call)."""
        return var in self.b.program.input_vars

    def temp_array(self, shape, dtype):
        """A scratch buffer (see :meth:`temp`) for a kernel that holds it itself: the
        array rather than its name in the generated code."""
        return self.b.globals[self.temp(shape, dtype)]

    def temp(self, shape, dtype):
        """A scratch buffer, free again after this node."""
        dtype = np.dtype(dtype)
        buf = self._take(tuple(shape), dtype)
        # released right after this node, like a variable read last here
        key = ("temp", len(self.b.buffers), self.k)
        self.b.owned[key] = buf
        self.b.dying.setdefault(self.k, []).append(key)
        return self.glob(buf, "buf")

    def _take(self, shape, dtype, order=None):
        """A free pool buffer of this shape, dtype and memory order, or a new one."""
        shape = tuple(shape)
        order = tuple(range(len(shape))) if order is None else order
        free = self.b.pool.get((shape, np.dtype(dtype).str, order))
        if free:
            return free.pop()
        stored = np.empty([shape[a] for a in order], dtype=dtype)
        buf = stored.transpose(np.argsort(order)) if order != tuple(range(len(shape))) else stored
        self.b.buffers.append(buf)
        return buf

    def dying_buffer(self, var, like):
        """True if ``var`` is a pool buffer read for the last time by this node (nothing
        else aliases it later) and has the shape and dtype of ``like`` (if given)."""
        b = self.b
        root = ("own", var)
        if b.kind.get(var) != BUFFER or root not in b.owned or b.root_last.get(root) != self.k:
            return False
        if sum(1 for v in self.node.inputs if v is var) > 1:
            return False
        if like is not None:
            a, c = self.values[var], self.values[like]
            return np.shape(a) == np.shape(c) and a.dtype == np.asarray(c).dtype
        return True

    def take_buffer(self, var, out):
        """Hand ``var``'s dying buffer over to ``out`` (an in-place write)."""
        b = self.b
        buf = b.owned.pop(("own", var))
        b.owned[("own", out)] = buf
        b.persistent.add(("own", out))
        name = self.name(var)
        b.names[out] = name
        return name

    def can_write_shared(self, var, out):
        """True if ``out``, the new value of shared variable ``var``, may be written into
        ``var``'s storage: nothing reads ``var`` (or a view of it) afterwards, ``out`` is
        returned only as the update, no shape check follows (a failed check re-runs the
        call), the NaN guard is off (it must see every value before any is committed),
        and ``var``'s storage overlaps no other array the call reads."""
        b = self.b
        if self.nan_guard or not isinstance(var, SharedVariable) or \
                sum(1 for v in self.node.inputs if v is var) > 1:
            return False
        value, new = self.values[var], self.values[out]
        if not isinstance(value, np.ndarray) or not value.flags.writeable or \
                value.shape != np.shape(new) or value.dtype != np.asarray(new).dtype:
            return False
        if b.root_last.get(("shared", var), -1) > self.k or b.last_dynamic > self.k:
            return False
        if var in b.overlapping:
            return False
        for i, o in enumerate(b.fgraph.outputs):
            if ("own", out) in b.roots.get(o, ()) and not (o is out and b.is_update(i, var)):
                return False
        return any(o is out and b.is_update(i, var) for i, o in enumerate(b.fgraph.outputs))

    def write_shared(self, var, out):
        """Commit ``out`` (see :meth:`can_write_shared`) to ``var``'s storage; returns its
        name in the plan."""
        b = self.b
        b.inplace_shared.add(var)
        # the new value lives in the shared variable's memory from now on
        b.roots[out] = {("shared", var)}
        b.names[out] = self.name(var)
        return self.name(var)

    def kernel_source(self, source):
        self.b.kernel_sources.append(source)
