"""``theano.compile``: ``theano.function`` with Theano's call conventions (``In``
with defaults and names, ``Out``, keyword arguments by input name,
``f.maker.fgraph``), ``shared`` and ``SharedVariable``, and
``nanguardmode.NanGuardMode``."""
from ...compile.function import function as _function
from ...graph.basic import SharedVariable, Variable  # noqa: F401


class In:
    """A function input with Theano's options: a ``name`` to pass it by keyword and a
    default ``value`` used when the call leaves it out.

    ``mutable`` and ``borrow`` are accepted and change nothing: a compiled function
    never writes into its arguments.
    """

    def __init__(self, variable, name=None, value=None, mutable=False, borrow=False,
                 strict=False, allow_downcast=None):
        if not isinstance(variable, Variable):
            raise TypeError(f"In: expects a symbolic variable, got {variable!r}")
        self.variable = variable
        self.name = name if name is not None else variable.name
        self.value = value
        self.has_default = value is not None
        self.allow_downcast = allow_downcast


class Out:
    """A function output; ``borrow`` is accepted, and every result is a fresh array."""

    def __init__(self, variable, borrow=False):
        self.variable = variable
        self.borrow = borrow


def function(inputs, outputs=None, mode=None, updates=None, givens=None,
             no_default_updates=False, accept_inplace=False, name=None, rebuild_strict=True,
             allow_input_downcast=None, profile=None, on_unused_input=None):
    """Compile a function, as ``theano.function``.

    Parameters are Theano's; ``mode=None`` and ``on_unused_input=None`` take
    ``theano.config.mode`` and ``theano.config.on_unused_input``. See
    :func:`symconv.function` for what compiling does.

    Returns
    -------
    TheanoFunction
        Callable with positional arguments, keyword arguments by input name and
        the defaults of :class:`In` inputs; ``f.maker.fgraph.toposort()`` lists the
        compiled graph's nodes.
    """
    from .. import config
    specs = [entry if isinstance(entry, In) else In(entry) for entry in (inputs or [])]
    if isinstance(outputs, (list, tuple)):
        outputs = [o.variable if isinstance(o, Out) else o for o in outputs]
    elif isinstance(outputs, Out):
        outputs = outputs.variable
    downcast = bool(allow_input_downcast) or any(s.allow_downcast for s in specs)
    compiled = _function(
        [s.variable for s in specs], outputs, updates=updates, givens=givens,
        mode=mode or config.mode, name=name, allow_input_downcast=downcast,
        on_unused_input=on_unused_input or config.on_unused_input, profile=bool(profile),
        no_default_updates=no_default_updates)
    return TheanoFunction(compiled, specs)


class TheanoFunction:
    """A compiled function called as in Theano (``f(x, y=2)``); everything else
    (``fgraph``, ``rewrites``, ``profile``...) is the :class:`symconv.Function`'s."""

    def __init__(self, compiled, specs):
        self.function = compiled
        self.specs = specs
        self.maker = Maker(compiled.fgraph)

    def __call__(self, *args, **kwargs):
        if len(args) > len(self.specs):
            raise TypeError(f"{self.function._label()}: takes {len(self.specs)} argument(s), "
                            f"got {len(args)}")
        values = list(args)
        for spec in self.specs[len(args):]:
            if spec.name is not None and spec.name in kwargs:
                values.append(kwargs.pop(spec.name))
            elif spec.has_default:
                values.append(spec.value)
            else:
                raise TypeError(f"{self.function._label()}: missing a value for input "
                                f"{spec.variable.describe()}")
        if kwargs:
            names = [s.name for s in self.specs]
            raise TypeError(f"{self.function._label()}: unknown or repeated keyword argument(s) "
                            f"{sorted(kwargs)}; the inputs are named {names}")
        return self.function(*values)

    def __getattr__(self, name):
        if name == "function" or name.startswith("__"):
            raise AttributeError(name)   # not set yet (while unpickling): no recursion
        return getattr(self.function, name)

    def __reduce__(self):
        # the compiled function pickles as its graph (compiled again when loaded)
        return TheanoFunction, (self.function, self.specs)

    def copy(self, share_memory=False, swap=None, delete_updates=False, name=None,
             profile=None):
        """Theano's ``f.copy(...)``: see :meth:`symconv.Function.copy`; the copy takes
        the same keyword arguments and defaults."""
        return TheanoFunction(self.function.copy(share_memory, swap, delete_updates, name,
                                                 profile), self.specs)

    def __repr__(self):
        return repr(self.function)


class Maker:
    """``f.maker``: holds the compiled graph, read-only, as ``f.maker.fgraph``."""

    def __init__(self, fgraph):
        self.fgraph = FunctionGraphView(fgraph)


class FunctionGraphView:
    """A read-only view of a compiled graph with Theano's FunctionGraph readers."""

    def __init__(self, fgraph):
        self._fgraph = fgraph

    def toposort(self):
        """The Apply nodes in the order they run."""
        return list(self._fgraph.nodes)

    @property
    def apply_nodes(self):
        return set(self._fgraph.nodes)

    @property
    def inputs(self):
        return list(self._fgraph.inputs)

    @property
    def outputs(self):
        return list(self._fgraph.outputs)

    @property
    def variables(self):
        return set(self._fgraph.variables)

    def __repr__(self):
        return repr(self._fgraph)


def shared(value, name=None, strict=False, allow_downcast=None, borrow=False,
           broadcastable=None):
    """``theano.compile.shared``: the same as ``theano.shared``."""
    from .. import shared as _shared
    return _shared(value, name=name, strict=strict, allow_downcast=allow_downcast,
                   borrow=borrow, broadcastable=broadcastable)


from . import nanguardmode  # noqa: E402,F401
from ..missing import missing_attribute  # noqa: E402

__getattr__ = missing_attribute(__name__)
