"""Theano 1.0's module layout on symconv: ``import symconv.theano as theano``.

Everything symconv implements is where Theano keeps it: ``theano.shared``,
``theano.function`` (with ``In``/``Out``), ``theano.config``, ``theano.grad``,
``theano.printing``, ``theano.tensor`` (``T.nnet``, ``T.nnet.conv``,
``T.signal.pool``, ``T.signal.downsample``, ``T.shared_randomstreams``), and the
loops ``theano.scan``, ``theano.map``, ``theano.reduce``, ``theano.foldl``,
``theano.foldr`` with ``theano.scan_module.until``. A Theano name symconv does not
implement raises :class:`NotImplementedInSymconv` ("symconv does not implement
theano.sparse").

``python -m symconv.theano SCRIPT [ARGS...]`` runs a script that says ``import
theano`` with those imports resolved here, for that process only.

Importing this package sets ``symconv.config.floatX`` to Theano's: the ``floatX``
of ``THEANO_FLAGS``, float64 when it does not say (symconv's own default is float32).

Examples
--------
>>> import numpy as np
>>> import symconv.theano as theano
>>> import symconv.theano.tensor as T
>>> x = T.dvector("x")
>>> f = theano.function([x], T.grad((x ** 2).sum(), x))
>>> f(np.array([1.0, 2.0]))
array([2., 4.])
"""
import numpy as _np

from . import settings as _settings

config = _settings.from_environment()

from . import compat, compile, gradient, printing, scalar, tensor  # noqa: E402,F401
from .compile import In, Out, function  # noqa: E402,F401
from .gradient import grad  # noqa: E402,F401
from .missing import NotImplementedInSymconv, missing_attribute  # noqa: E402,F401
from ..tensor.sharedvar import shared as _shared  # noqa: E402

__version__ = "1.0.5+symconv"

from ..graph.basic import Variable  # noqa: E402,F401  (isinstance checks of Theano code)
from ..graph.traversal import clone_graph as _clone_graph  # noqa: E402
from ..graph.traversal import clone_replace as _clone_replace  # noqa: E402
from ..tensor.math import dot  # noqa: E402,F401
from .printing import pprint as pp  # noqa: E402,F401
from . import scan_module  # noqa: E402,F401
from .scan_module import foldl, foldr, map, reduce, scan  # noqa: E402,F401
from ..scan import OrderedUpdates  # noqa: E402,F401


def Mode(linker=None, optimizer="default"):
    """Theano's ``theano.Mode(linker, optimizer)`` as symconv's modes: the optimizers
    ``"fast_run"`` / ``"default"`` (and ``"o4"``...) give FAST_RUN, ``"fast_compile"``,
    ``"None"`` or None FAST_COMPILE's reference run; the linker ``"py"`` runs each
    node's ``perform``, any other (``"cvm"``, ``"c|py"``...) the compiled plan."""
    from ..compile.mode import FAST_COMPILE, FAST_RUN
    from ..compile.mode import Mode as _Mode
    name = "none" if optimizer is None else str(optimizer).lower()
    if name in ("fast_compile", "none", "merge"):
        return FAST_COMPILE
    if name not in ("default", "fast_run", "o1", "o2", "o3", "o4", "unsafe", "stabilize"):
        raise NotImplementedInSymconv(f"symconv does not implement the optimizer {optimizer!r}")
    return _Mode("FAST_RUN", linker="plain") if linker == "py" else FAST_RUN


def clone(output, replace=None, strict=True, share_inputs=True):
    """``output`` (a variable or a list) with the variables in ``replace`` (a dict or
    pairs, old -> new) substituted, as ``theano.clone``; the inputs are shared."""
    if not share_inputs:
        raise NotImplementedInSymconv("symconv does not implement theano.clone(share_inputs=False)")
    from ..graph.tensor import as_tensor_variable
    pairs = {}
    for old, new in (replace.items() if hasattr(replace, "items") else (replace or [])):
        new = as_tensor_variable(new)
        if new.type != old.type and not (new.dtype == old.dtype and new.ndim == old.ndim
                                         and old.type.is_compatible(new.type)):
            # the copied nodes keep their types: a replacement of another type would
            # make them lie about what they compute
            raise TypeError(f"clone: the replacement for {old.describe()} is "
                            f"{new.describe()}; it needs the same dtype and number of "
                            "dimensions (cast or reshape it first)")
        pairs[old] = new
    single = not isinstance(output, (list, tuple))
    # a copy of every node, as Theano's clone (nothing replaced is still a new graph)
    cloned, _ = _clone_graph(_clone_replace([output] if single else list(output), pairs))
    return cloned[0] if single else cloned


def shared(value, name=None, strict=False, allow_downcast=None, borrow=False,
           broadcastable=None):
    """A shared variable, as ``theano.shared``; ``broadcastable`` marks length-1 axes.

    ``strict`` and ``allow_downcast`` are accepted: values given later with
    ``set_value`` are checked against the variable's dtype either way. A Python
    float is float64 and a Python int int64 whatever ``floatX`` says, as in Theano
    (NumPy values keep their dtype).
    """
    if isinstance(value, float) and not isinstance(value, _np.generic):
        value = _np.asarray(value, dtype="float64")
    shape = None
    if broadcastable is not None:
        shape = tuple(1 if b else None for b in broadcastable)
        if len(shape) != _np.ndim(value):
            raise ValueError(f"shared: broadcastable {tuple(broadcastable)} has {len(shape)} "
                             f"entries for a value of {_np.ndim(value)} dimensions")
    return _shared(value, name=name, borrow=borrow, shape=shape)


__getattr__ = missing_attribute(__name__)
