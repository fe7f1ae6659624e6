"""The Emitter: what a lowering rule sees of the plan being built while it emits one
node, and the only way rules reach it (names, buffers, in-place writes, scratch
space, globals of the generated module)."""
import numpy as np

from ..graph.basic import SharedVariable
from .lowering import BUFFER


def layout(value):
    """The memory order of an array's axes, outermost first (C order is 0, 1, ...).

    Buffers take the layout the reference kernels produce (symconv's conv ops
    store (B, C, H, W) values channel-major with the batch innermost), so that
    the kernels reading them run over memory in order."""
    if not isinstance(value, np.ndarray) or value.ndim < 2:
        return tuple(range(np.ndim(value)))
    return tuple(sorted(range(value.ndim), key=lambda a: (-value.strides[a], a)))



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

    def kept(self, key, shape=None, dtype=None):
        """An array of the plan's own that one kernel fills and a later one reads in
        the same call, found by ``key``: with ``shape`` and ``dtype``, made (once) for
        the kernel emitting now, which must fill it on every call; without, the one
        an earlier kernel made (None if none did, so that a kernel reading it can
        rely on its being filled first: kernels run in the order they are emitted)."""
        if shape is None:
            return self.b.kept.get(key)
        if key not in self.b.kept:
            buf = np.empty(tuple(shape), dtype=dtype)
            self.b.buffers.append(buf)
            self.b.kept[key] = buf
        return self.b.kept[key]

    def temp(self, shape, dtype, order=None):
        """A scratch buffer, free again after this node; ``order`` is its memory order
        (see :func:`layout`), C order unless given."""
        dtype = np.dtype(dtype)
        buf = self._take(tuple(shape), dtype, order)
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
