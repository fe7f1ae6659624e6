"""Compilation modes: which rewrites run and which runtime executes the result.

``FAST_COMPILE`` runs the graph as written (the plain reference), ``FAST_RUN``
applies every registered rewrite. A :class:`Mode` can include or exclude
rewrites or whole phases by name.
"""
from .linker import PlainLinker


class Mode:
    """How ``symconv.function`` compiles a graph.

    Parameters
    ----------
    name : str
    include, exclude : iterable of str
        Names of rewrites or phases to add to, or remove from, the mode's set.
    linker : object with ``make_program(fgraph)``, optional
    """

    def __init__(self, name="FAST_RUN", include=(), exclude=(), linker=None, rewrites="all"):
        self.name = name
        self.include = frozenset(include)
        self.exclude = frozenset(exclude)
        self.rewrites = rewrites
        self.linker = linker or PlainLinker()

    def including(self, *names):
        return Mode(self.name, self.include | set(names), self.exclude, self.linker, self.rewrites)

    def excluding(self, *names):
        return Mode(self.name, self.include, self.exclude | set(names), self.linker, self.rewrites)

    def rewrite(self, fgraph):
        """Apply this mode's rewrites to ``fgraph`` in place; returns the log of what fired."""
        return []

    def __repr__(self):
        extra = ""
        if self.include:
            extra += f", include={sorted(self.include)}"
        if self.exclude:
            extra += f", exclude={sorted(self.exclude)}"
        return f"Mode({self.name!r}{extra})"


FAST_RUN = Mode("FAST_RUN")
FAST_COMPILE = Mode("FAST_COMPILE", rewrites="none")
_MODES = {"FAST_RUN": FAST_RUN, "FAST_COMPILE": FAST_COMPILE}


def get_mode(mode):
    if mode is None:
        return FAST_RUN
    if isinstance(mode, Mode):
        return mode
    if isinstance(mode, str) and mode in _MODES:
        return _MODES[mode]
    raise ValueError(f"unknown mode {mode!r}: use 'FAST_RUN', 'FAST_COMPILE' or a symconv.Mode")
