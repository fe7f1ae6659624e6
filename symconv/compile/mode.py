"""Compilation modes: which rewrites run and which runtime executes the result.

``FAST_COMPILE`` merges equal subexpressions and runs the graph on the plain
reference executor. ``FAST_RUN`` (the default) applies every registered
rewrite and lowers the graph to a schedule of kernels over preallocated
buffers. A :class:`Mode` can include or exclude rewrites, tags or whole phases
by name, profile every call, or guard against NaN and Inf.
"""
from .linker import PlainLinker, ScheduleLinker


class Mode:
    """How ``symconv.function`` compiles a graph.

    Parameters
    ----------
    name : str
    include, exclude : iterable of str
        Names of rewrites, tags or phases to add to, or remove from, the mode's set
        (``symconv.compile.rewriting.REGISTRY.names()`` lists them).
    linker : {"schedule", "plain"} or object with ``make_program(fgraph, mode)``
        ``"schedule"`` lowers to generated kernels over buffers; ``"plain"`` runs
        each node's ``perform`` (the reference).
    rewrites : "all" or tuple of str
        The phases to run before ``include``/``exclude`` apply.
    nan_guard : bool
        Check every computed value and stop at the first NaN or Inf, naming the
        node and the line of user code that built it.
    profile : bool
        Time every node of every call (as ``function(..., profile=True)``).
    blas_threads : {"auto", None}
        ``"auto"``: a generated plan whose matrix products are all small runs them
        on one BLAS thread and gives the caller's count back when it returns (see
        :mod:`symconv.compile.openblas`); None leaves the count alone. The count
        is process-wide: when compiled functions run in several threads at once,
        use None.

    Examples
    --------
    >>> import symconv as sc
    >>> mode = sc.Mode(exclude=["fusion"])          # everything but elementwise fusion
    >>> guarded = sc.Mode(nan_guard=True)
    """

    def __init__(self, name="FAST_RUN", include=(), exclude=(), linker="schedule",
                 rewrites="all", nan_guard=False, profile=False, blas_threads="auto"):
        from .rewriting import PHASES, enabled_rewrites
        self.name = name
        self.include = frozenset(include)
        self.exclude = frozenset(exclude)
        self.rewrites = rewrites
        self.linker = linker
        self.nan_guard = bool(nan_guard)
        self.profile = bool(profile)
        if blas_threads not in ("auto", None):
            raise ValueError(f"Mode: blas_threads must be 'auto' or None, got {blas_threads!r}")
        self.blas_threads = blas_threads
        phases = PHASES if rewrites == "all" else tuple(rewrites)
        self.phases = phases
        # checked now, so that a misspelt name is an error where the mode is built
        self._enabled = enabled_rewrites(phases, self.include, self.exclude)

    def _replace(self, **changes):
        kwargs = dict(name=self.name, include=self.include, exclude=self.exclude,
                      linker=self.linker, rewrites=self.rewrites, nan_guard=self.nan_guard,
                      profile=self.profile, blas_threads=self.blas_threads)
        kwargs.update(changes)
        return Mode(**kwargs)

    def including(self, *names):
        """This mode with more rewrites, tags or phases switched on."""
        return self._replace(include=self.include | set(names), exclude=self.exclude - set(names))

    def excluding(self, *names):
        """This mode with rewrites, tags or phases switched off."""
        return self._replace(exclude=self.exclude | set(names))

    @property
    def enabled_rewrites(self):
        """The rewrites this mode runs, in order."""
        return list(self._enabled)

    def rewrite(self, fgraph):
        """Apply this mode's rewrites to ``fgraph`` in place; returns the log of what fired."""
        from .rewriting import run_phases
        return run_phases(fgraph, self._enabled)

    def make_program(self, fgraph, profile=False):
        """Lower the rewritten graph to something with ``run(args)``."""
        linker = self.linker
        if linker == "plain":
            return PlainLinker(profile=profile or self.profile).make_program(fgraph)
        if linker == "schedule":
            return ScheduleLinker(nan_guard=self.nan_guard, profile=profile or self.profile,
                                  blas_threads=self.blas_threads).make_program(fgraph)
        return linker.make_program(fgraph)

    def __repr__(self):
        extra = ""
        if self.include:
            extra += f", include={sorted(self.include)}"
        if self.exclude:
            extra += f", exclude={sorted(self.exclude)}"
        if self.nan_guard:
            extra += ", nan_guard=True"
        if self.blas_threads != "auto":
            extra += f", blas_threads={self.blas_threads!r}"
        return f"Mode({self.name!r}{extra})"


FAST_RUN = Mode("FAST_RUN")
FAST_COMPILE = Mode("FAST_COMPILE", rewrites=("merge",), linker="plain")
_MODES = {"FAST_RUN": FAST_RUN, "FAST_COMPILE": FAST_COMPILE}


def get_mode(mode):
    """The :class:`Mode` for ``mode``: None (``FAST_RUN``), a name or a Mode."""
    if mode is None:
        return FAST_RUN
    if isinstance(mode, Mode):
        return mode
    if isinstance(mode, str) and mode in _MODES:
        return _MODES[mode]
    if mode == "NanGuard":
        return Mode("NanGuard", nan_guard=True)
    raise ValueError(f"unknown mode {mode!r}: use 'FAST_RUN', 'FAST_COMPILE', 'NanGuard' "
                     "or a symconv.Mode")

