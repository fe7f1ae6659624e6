"""The rewrite registry: named rewrites grouped in phases that run in a fixed order.

A rewrite is a plain function registered by a decorator:

- ``@node_rewrite(phase, ops=(...))`` registers ``fn(fgraph, node)``, tried on
  every node whose op is one of ``ops`` (every node when ``ops`` is None). It
  returns None when it does not apply, else the replacements: a list with one
  new variable per output of ``node`` (None to keep an output), or a dict
  ``{old variable: new variable}``. A phase applies its node rewrites until
  none fires any more.
- ``@graph_rewrite(phase)`` registers ``fn(fgraph, log)``, run once on the
  whole graph; it records what it did with ``log.add``.

Phases run in the order of :data:`PHASES`. Every rewrite has a name and tags;
a :class:`~symconv.compile.mode.Mode` switches rewrites, tags or whole phases
off (or on) by name.
"""
from ...graph.basic import Constant

PHASES = ("merge", "dce", "constant_folding", "canonicalize", "stabilize", "specialize",
          "fusion", "inplace")
"""The phases, in the order they run."""

MAX_PASSES = 30
"""How many sweeps over the graph a phase makes at most before giving up on a fixpoint."""


class Rewrite:
    """One registered rewrite: its function, phase, name, tags and target ops."""

    __slots__ = ("fn", "phase", "name", "tags", "ops", "kind")

    def __init__(self, fn, phase, name, tags, ops, kind):
        self.fn = fn
        self.phase = phase
        self.name = name
        self.tags = frozenset(tags)
        self.ops = tuple(ops) if ops is not None else None
        self.kind = kind

    def labels(self):
        """Every name that can switch this rewrite on or off."""
        return {self.name, self.phase} | self.tags

    def __repr__(self):
        return f"Rewrite({self.name!r}, phase={self.phase!r})"


class RewriteRegistry:
    """All rewrites, in registration order within each phase."""

    def __init__(self):
        self._rewrites = []

    def add(self, rewrite):
        if rewrite.phase not in PHASES:
            raise ValueError(f"unknown rewrite phase {rewrite.phase!r}; phases are {PHASES}")
        if any(r.name == rewrite.name and r.phase == rewrite.phase for r in self._rewrites):
            raise ValueError(f"a rewrite named {rewrite.name!r} is already registered in "
                             f"phase {rewrite.phase!r}")
        self._rewrites.append(rewrite)
        return rewrite

    def in_phase(self, phase):
        return [r for r in self._rewrites if r.phase == phase]

    def names(self):
        """Every name a mode may include or exclude: rewrites, phases and tags."""
        result = set(PHASES)
        for r in self._rewrites:
            result |= r.labels()
        return result

    def __iter__(self):
        return iter(self._rewrites)


REGISTRY = RewriteRegistry()


def node_rewrite(*phases, ops=None, name=None, tags=()):
    """Register ``fn(fgraph, node)`` in one or more phases (see the module docstring)."""
    def decorate(fn):
        for phase in phases:
            REGISTRY.add(Rewrite(fn, phase, name or fn.__name__, tags, ops, "node"))
        return fn
    return decorate


def graph_rewrite(*phases, name=None, tags=()):
    """Register ``fn(fgraph, log)``, run once over the whole graph in each of ``phases``
    (after the phase's node rewrites)."""
    def decorate(fn):
        for phase in phases:
            REGISTRY.add(Rewrite(fn, phase, name or fn.__name__, tags, None, "graph"))
        return fn
    return decorate


# --- the log ------------------------------------------------------------------

class RewriteRecord:
    """One firing: which rewrite, in which phase, on which op, built where."""

    __slots__ = ("phase", "rewrite", "op", "where", "result")

    def __init__(self, phase, rewrite, op, where, result):
        self.phase, self.rewrite, self.op, self.where, self.result = (
            phase, rewrite, op, where, result)

    def __repr__(self):
        return (f"RewriteRecord({self.phase}/{self.rewrite}: {self.op} -> {self.result}"
                f"{' at ' + self.where if self.where else ''})")


class RewriteLog(list):
    """What fired while compiling: a list of :class:`RewriteRecord` that prints as a table.

    Examples
    --------
    >>> f.rewrites.counts()["merge"]          # doctest: +SKIP
    3
    >>> print(f.rewrites)                     # doctest: +SKIP
    phase         rewrite          count  where
    merge         merge                3  train.py:12 (2), train.py:14
    """

    def add(self, phase, rewrite, node=None, result="", where=None):
        op = str(node.op) if node is not None else ""
        if where is None and node is not None and node.trace is not None:
            where = f"{_short_file(node.trace[0])}:{node.trace[1]}"
        self.append(RewriteRecord(phase, rewrite, op, where or "", result))

    def counts(self):
        """``{rewrite name: number of firings}``."""
        result = {}
        for r in self:
            result[r.rewrite] = result.get(r.rewrite, 0) + 1
        return result

    def fired(self, name):
        """How often the rewrite (or every rewrite of the phase) called ``name`` fired."""
        return sum(1 for r in self if name in (r.rewrite, r.phase))

    def table(self):
        """The log summarised one line per rewrite: phase, name, count and where it fired."""
        rows, index = [], {}
        for r in self:
            key = (r.phase, r.rewrite)
            if key not in index:
                index[key] = len(rows)
                rows.append([r.phase, r.rewrite, 0, {}])
            row = rows[index[key]]
            row[2] += 1
            label = r.where or r.op
            if label:
                row[3][label] = row[3].get(label, 0) + 1
        if not rows:
            return "no rewrite fired"
        width = max(len("rewrite"), *(len(row[1]) for row in rows)) + 1
        lines = [f"{'phase':<17}{'rewrite':<{width}}{'count':>6}  where"]
        for phase, name, count, places in rows:
            spots = [f"{p} ({n})" if n > 1 else p for p, n in list(places.items())[:4]]
            if len(places) > 4:
                spots.append(f"... {len(places) - 4} more")
            lines.append(f"{phase:<17}{name:<{width}}{count:>6}  {', '.join(spots)}")
        return "\n".join(lines)

    def __str__(self):
        return self.table()


def _short_file(path):
    import os
    return os.path.basename(path)


# --- running the phases ---------------------------------------------------------

def enabled_rewrites(phases, include=(), exclude=()):
    """The rewrites to run, phase by phase: those of ``phases`` plus those named
    in ``include``, minus any named (by rewrite, tag or phase) in ``exclude``."""
    include, exclude = set(include), set(exclude)
    unknown = (include | exclude) - REGISTRY.names()
    if unknown:
        raise ValueError(f"Mode: unknown rewrite, tag or phase name(s) {sorted(unknown)}; "
                         f"known names: {sorted(REGISTRY.names())}")
    chosen = []
    for rewrite in REGISTRY:
        labels = rewrite.labels()
        wanted = rewrite.phase in phases or labels & include
        if wanted and not labels & exclude:
            chosen.append(rewrite)
    return sorted(chosen, key=lambda r: PHASES.index(r.phase))  # stable: in run order


def run_phases(fgraph, rewrites, log=None):
    """Apply ``rewrites`` to ``fgraph`` phase by phase; returns the :class:`RewriteLog`."""
    log = RewriteLog() if log is None else log
    for phase in PHASES:
        in_phase = [r for r in rewrites if r.phase == phase]
        graph_level = [r for r in in_phase if r.kind == "graph"]
        node_level = [r for r in in_phase if r.kind == "node"]
        if node_level:
            _run_node_rewrites(fgraph, node_level, phase, log)
        for rewrite in graph_level:
            rewrite.fn(fgraph, _PhaseLog(log, phase, rewrite.name))
    return log


class _PhaseLog:
    """The log as a graph rewrite sees it: ``add(node, result)`` fills in its name."""

    def __init__(self, log, phase, name):
        self.log, self.phase, self.name = log, phase, name

    def add(self, node=None, result="", where=None):
        self.log.add(self.phase, self.name, node, result, where)


def _run_node_rewrites(fgraph, rewrites, phase, log):
    by_op, generic = {}, []
    for r in rewrites:
        if r.ops is None:
            generic.append(r)
        else:
            for op_class in r.ops:
                by_op.setdefault(op_class, []).append(r)
    order = {r: k for k, r in enumerate(rewrites)}

    def candidates(node):
        found = [r for cls, rs in by_op.items() if isinstance(node.op, cls) for r in rs]
        found.extend(generic)
        found.sort(key=order.__getitem__)
        return found

    cache = {}
    for _ in range(MAX_PASSES):
        changed = False
        for node in list(fgraph.nodes):
            if node not in fgraph:
                continue
            op_type = type(node.op)
            if op_type not in cache:
                cache[op_type] = candidates(node)
            for rewrite in cache[op_type]:
                result = rewrite.fn(fgraph, node)
                if not result:
                    continue
                pairs = _as_pairs(result, node)
                if not pairs:
                    continue
                _copy_trace(fgraph, node, pairs)
                fgraph.replace_all(pairs)
                new = pairs[0][1]
                log.add(phase, rewrite.name, node,
                        str(new.owner.op) if new.owner is not None else _describe(new))
                changed = True
                break
        if not changed:
            return


def _as_pairs(result, node):
    if isinstance(result, dict):
        return [(old, new) for old, new in result.items() if new is not None and new is not old]
    if len(result) != len(node.outputs):
        raise ValueError(f"rewrite on {node.op} returned {len(result)} replacements for "
                         f"{len(node.outputs)} outputs")
    return [(old, new) for old, new in zip(node.outputs, result)
            if new is not None and new is not old]


def _copy_trace(fgraph, node, pairs):
    """Nodes a rewrite creates point at the user code that built the node they replace
    (not at the ``function`` call that compiles them), for error messages and the NaN guard."""
    stack = [new.owner for _, new in pairs if new.owner is not None]
    seen = set()
    while stack:
        n = stack.pop()
        if n in seen or n in fgraph:
            continue
        seen.add(n)
        n.trace = node.trace
        stack.extend(v.owner for v in n.inputs if v.owner is not None)


def _describe(v):
    if isinstance(v, Constant):
        return repr(v)
    return v.name or "input"
