"""``symconv.function``: compile a graph into a callable.

The pipeline reads top to bottom: check the arguments, substitute ``givens``,
copy the graph into a :class:`FunctionGraph`, rewrite it (by mode), lower it to
a program (by the mode's linker), and wrap that in a :class:`Function` that
checks inputs, runs the program and applies the updates.
"""
from collections import OrderedDict

import numpy as np

from ..graph.basic import Constant, SharedVariable, Variable
from ..graph.traversal import clone_replace, graph_inputs
from ..graph.tensor import as_tensor_variable
from .fgraph import FunctionGraph
from .mode import get_mode


def function(inputs, outputs=None, updates=None, givens=None, mode=None, name=None,
             allow_input_downcast=False, on_unused_input="raise", profile=False,
             no_default_updates=False):
    """Compile a function from symbolic inputs to outputs.

    Parameters
    ----------
    inputs : list of Variable
        Free variables the caller supplies, in call order.
    outputs : Variable or list of Variable, optional
        A single variable gives a single array back, a list gives a list.
    updates : list of (SharedVariable, Variable) pairs or dict, optional
        New values for shared variables, all computed from the values before the
        call and written after the outputs (simultaneous updates).
    givens : dict or list of (Variable, Variable) pairs, optional
        Substitutions made in the graph before compiling, e.g. a mini-batch
        slice of a shared data set in place of the input ``x``.
    mode : {"FAST_RUN", "FAST_COMPILE", "NanGuard"} or Mode, optional
        ``FAST_RUN`` (the default) rewrites the graph and runs generated kernels;
        ``FAST_COMPILE`` runs the graph as written on the reference executor.
    name : str, optional
    allow_input_downcast : bool
        Accept float64 data for float32 inputs (converting it).
    on_unused_input : {"raise", "warn", "ignore"}
        What to do with an input that no output depends on.
    profile : bool
        Record per-node timings (``print(f.profile)``).
    no_default_updates : bool or list, optional
        A shared variable ``s`` with a ``s.default_update`` expression is updated
        to it by every function that reads ``s`` and does not update it itself (as
        in Theano); default updates read by default updates apply too. True turns
        all of them off, and keeps every random draw's state as it was before the
        call (each call draws the same values); a list turns off those of the
        shared variables and random states (a draw's ``.rng``) it names.

    Returns
    -------
    Function

    Examples
    --------
    >>> import symconv as sc, symconv.tensor as T
    >>> x = T.dvector("x")
    >>> f = sc.function([x], (x ** 2).sum())
    >>> float(f([1.0, 2.0]))
    5.0
    """
    # 1. check and normalize the arguments
    inputs = _check_inputs(inputs)
    single = outputs is not None and not isinstance(outputs, (list, tuple))
    outputs = [] if outputs is None else ([outputs] if single else list(outputs))
    outputs = [as_tensor_variable(o) for o in outputs]
    updates = _check_updates(updates)
    givens = _check_givens(givens)
    excluded, frozen_draws = _check_no_default_updates(no_default_updates)
    # what a pickled function is compiled again from (see Function.__reduce__)
    source = dict(inputs=inputs, outputs=outputs[0] if single else list(outputs),
                  updates=list(updates), givens=givens, mode=mode, name=name,
                  allow_input_downcast=allow_input_downcast, on_unused_input=on_unused_input,
                  profile=profile, no_default_updates=no_default_updates)

    # 2. substitute givens everywhere (outputs and update values), then add the
    # default updates of the shared variables that the result reads
    targets = outputs + [new for _, new in updates]
    if givens:
        targets = clone_replace(targets, givens)
    if excluded is not True:
        defaults = _default_updates(targets, updates, excluded, givens)
        updates = updates + defaults
        targets = targets + [new for _, new in defaults]
    _check_all_inputs_given(inputs, targets, on_unused_input)
    if excluded is True:
        frozen_draws = _stateful_ops(targets)

    # 3. rewrite a private copy of the graph, then 4. lower it to a program
    mode = get_mode(mode)
    fgraph = FunctionGraph(inputs, targets, updated=[s for s, _ in updates])
    rewrite_log = mode.rewrite(fgraph)
    program = mode.make_program(fgraph, profile=profile)
    if frozen_draws:
        program = _KeepsStates(program, frozen_draws)

    # 5. wrap it
    from .runtime import Function
    return Function(program, fgraph, inputs, len(outputs), [s for s, _ in updates], single,
                    name=name, allow_input_downcast=allow_input_downcast, mode=mode,
                    rewrite_log=rewrite_log, profile=profile, source=source)


def _check_inputs(inputs):
    if isinstance(inputs, Variable) or not isinstance(inputs, (list, tuple)):
        raise TypeError("function: inputs must be a list of variables, "
                        f"got {type(inputs).__name__}")
    seen = set()
    for v in inputs:
        if not isinstance(v, Variable):
            raise TypeError(f"function: each input must be a symbolic variable, got {v!r}")
        if isinstance(v, SharedVariable):
            raise TypeError(f"function: {v.describe()} is a shared variable; its value is used "
                            "implicitly and cannot be an input (change it with set_value)")
        if isinstance(v, Constant):
            raise TypeError(f"function: {v.describe()} is a constant and cannot be an input")
        if v.owner is not None:
            raise TypeError(f"function: input {v.describe()} is computed from other variables; "
                            "inputs must be free variables (use givens to replace a computed one)")
        if v in seen:
            raise ValueError(f"function: {v.describe()} appears twice in the inputs")
        seen.add(v)
    return list(inputs)


def _pairs(arg, what):
    if arg is None:
        return []
    if isinstance(arg, dict):
        return list(arg.items())
    try:
        pairs = [tuple(p) for p in arg]
    except TypeError:
        raise TypeError(f"function: {what} must be a dict or a list of pairs") from None
    if any(len(p) != 2 for p in pairs):
        raise TypeError(f"function: {what} must be a dict or a list of (variable, value) pairs")
    return pairs


def _check_updates(updates):
    result, seen = [], set()
    for shared, new in _pairs(updates, "updates"):
        if not isinstance(shared, SharedVariable):
            raise TypeError(f"function: updates can only change shared variables, not "
                            f"{shared.describe() if isinstance(shared, Variable) else repr(shared)}")
        if shared in seen:
            raise ValueError(f"function: {shared.describe()} is updated twice")
        seen.add(shared)
        if not isinstance(new, Variable):
            new = as_tensor_variable(np.asarray(new, dtype=shared.dtype))
        if new.dtype != shared.dtype or new.ndim != shared.ndim or \
                not shared.type.is_compatible(new.type):
            raise TypeError(
                f"function: the update of shared variable {shared.describe()} has type "
                f"{new.type.short()}; it must have the shared variable's dtype and number of "
                f"dimensions ({shared.type.short()}); cast it with .astype('{shared.dtype}')")
        result.append((shared, new))
    return result


def _check_givens(givens):
    result = OrderedDict()
    for old, new in _pairs(givens, "givens"):
        if not isinstance(old, Variable) or isinstance(old, Constant):
            raise TypeError(f"function: a given must replace a symbolic variable, got {old!r}")
        new = as_tensor_variable(new)
        if new.dtype != old.dtype or new.ndim != old.ndim or not old.type.is_compatible(new.type):
            raise TypeError(
                f"function: given for {old.describe()} has incompatible type {new.type.short()}: "
                f"the replacement needs dtype {old.dtype} and {old.ndim} dimensions "
                "(cast it, as network3 does with T.cast(labels, 'int32'))")
        result[old] = new
    return result


def _check_all_inputs_given(inputs, targets, on_unused_input):
    needed = [v for v in graph_inputs(targets)
              if not isinstance(v, (Constant, SharedVariable))]
    given = set(inputs)
    for v in needed:
        if v not in given:
            raise ValueError(
                f"function: the outputs depend on {v.describe()}, which is neither among the "
                "inputs nor replaced by givens")
    if on_unused_input not in ("raise", "warn", "ignore"):
        raise ValueError(f"function: on_unused_input must be 'raise', 'warn' or 'ignore', "
                         f"got {on_unused_input!r}")
    used = set(needed)
    for k, v in enumerate(inputs):
        if v not in used and on_unused_input != "ignore":
            msg = (f"function: input {k} ({v.describe()}) is not used to compute any output "
                   "or update; pass on_unused_input='ignore' to allow this")
            if on_unused_input == "raise":
                raise ValueError(msg)
            import warnings
            warnings.warn(msg, stacklevel=3)


def _check_no_default_updates(value):
    """``(excluded, frozen draws)``: True, or the set of shared variables whose default
    updates are off, and the random ops whose state a call must not advance."""
    from ..ops.random import DrawState
    if value is True:
        return True, []
    if value is False or value is None:
        return set(), []
    if isinstance(value, Variable) or not isinstance(value, (list, tuple, set)):
        raise TypeError("function: no_default_updates must be True, False or a list of shared "
                        f"variables and random states, got {value!r}")
    excluded, frozen = set(), []
    for entry in value:
        if isinstance(entry, DrawState):
            frozen.append(entry.op)
        elif isinstance(entry, SharedVariable):
            excluded.add(entry)
        else:
            what = entry.describe() if isinstance(entry, Variable) else repr(entry)
            raise TypeError("function: no_default_updates lists shared variables and random "
                            f"states (a draw's .rng), got {what}")
    return excluded, frozen


def _default_updates(targets, updates, excluded, givens):
    """``(shared, default_update)`` for each shared variable the graph of ``targets``
    reads that has a default update, is not updated already and is not excluded;
    the graphs of those default updates are searched in turn."""
    skip = set(excluded) | {s for s, _ in updates}
    found, frontier = [], list(targets)
    while frontier:
        added = []
        for v in graph_inputs(frontier):
            default = getattr(v, "default_update", None)
            if not isinstance(v, SharedVariable) or v in skip or default is None:
                continue
            skip.add(v)
            ((shared, new),) = _check_updates([(v, default)])
            if givens:
                (new,) = clone_replace([new], givens)
            found.append((shared, new))
            added.append(new)
        frontier = added
    return found


def _stateful_ops(targets):
    from ..graph.traversal import toposort
    return [node.op for node in toposort(targets) if getattr(node.op, "is_stateful", False)]


class _KeepsStates:
    """A program whose random draws start every call from the state they had before
    it (``no_default_updates``): each call draws the same values."""

    def __init__(self, program, ops):
        self.program = program
        self.ops = list(ops)

    def run(self, values):
        import copy
        saved = [copy.deepcopy(op.state[0]) for op in self.ops]
        try:
            return self.program.run(values)
        finally:
            for op, state in zip(self.ops, saved):
                op.state[0] = state

    def __getattr__(self, name):
        # profile, owns_results, kernel_sources: those of the program itself
        return getattr(self.program, name)
