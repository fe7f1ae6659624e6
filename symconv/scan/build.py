"""``scan``: Theano's loop, written as a function of one step.

:func:`scan` calls the user's step function once, on symbolic stand-ins for one
step's inputs, and turns what it returns into a :class:`~symconv.scan.op.Scan`
node. Everything about Theano's interface that is not a plain loop is done here,
with ordinary tensor ops around the node, so that the node (and its gradient) stay
simple:

- a sequence read at several taps is several sequences, each a slice of it;
- ``go_backwards`` reverses the sequences;
- a state read at several past steps (taps ``[-3, -1]``) is a window of its last
  values, shifted by one at each step, whose newest entry is the output;
- a shared variable updated by the step (the step returns ``{W: new_W}``) is a state
  whose last value goes into the updates ``scan`` returns;
- variables the step reads without getting them as arguments (shared variables,
  and anything built before ``scan`` was called) become non-sequences.
"""
import numbers
from collections import OrderedDict

from ..graph.basic import Constant, SharedVariable, serial_mark
from ..graph.tensor import TensorVariable, as_tensor_variable
from ..graph.traversal import clone_replace
from ..graph.type import TensorType
from .op import Scan


class OrderedUpdates(OrderedDict):
    """Updates, shared variable -> new value, in the order given (what ``scan`` returns,
    Theano's ``theano.OrderedUpdates``): ``a + b`` and ``a.update(b)`` merge two of
    them, and refuse two different new values for one shared variable."""

    def __setitem__(self, key, value):
        if not isinstance(key, SharedVariable):
            raise TypeError(f"OrderedUpdates: keys are shared variables, got {key!r}")
        super().__setitem__(key, value)

    def update(self, other=None, **kwargs):
        if other is None:
            other = ()
        if kwargs:
            raise TypeError("OrderedUpdates: keys are shared variables, not keywords")
        for key, value in (other.items() if hasattr(other, "items") else other):
            if key in self and self[key] is not value:
                raise KeyError(f"OrderedUpdates: two updates of {key.describe()}: "
                               f"{self[key].describe()} and {as_tensor_variable(value).describe()}")
            self[key] = value

    def __add__(self, other):
        merged = OrderedUpdates(self)
        merged.update(other)
        return merged

    def __radd__(self, other):
        merged = OrderedUpdates(other)
        merged.update(self)
        return merged


class until:
    """The condition that ends a loop: a step function returns
    ``outputs, until(condition)`` (or ``outputs, updates, until(condition)``) and
    the loop stops after the first step where ``condition`` is true, returning the
    outputs of the steps run (Theano's ``theano.scan_module.until``)."""

    def __init__(self, condition):
        condition = as_tensor_variable(condition)
        if condition.ndim != 0:
            raise TypeError(f"until: the condition must be a scalar, got {condition.describe()}")
        self.condition = condition


def scan(fn, sequences=None, outputs_info=None, non_sequences=None, n_steps=None,
         truncate_gradient=-1, go_backwards=False, mode=None, name=None, profile=False,
         allow_gc=None, strict=False, return_list=False):
    """Repeat ``fn`` over steps, as Theano's ``theano.scan``.

    Parameters
    ----------
    fn : callable
        Called once, with one step's arguments: each sequence's entry at each of its
        taps, then each state's value at each of its taps, then the non-sequences.
        It returns the step's outputs (a variable or a list), and optionally a dict
        of updates of shared variables and an :class:`until` condition.
    sequences : Variable, dict or list of them
        Arrays iterated over their first axis; ``dict(input=X, taps=[-1, 0])`` gives
        the step ``X[t - 1]`` and ``X[t]`` (the steps start where every tap exists).
    outputs_info : None, Variable, dict or list of them
        One entry per output of ``fn``: None for an output that is not fed back,
        its initial value for one that the next step reads (as its previous value),
        ``dict(initial=h0, taps=[-2, -1])`` for one read at several past steps
        (``h0`` then holds the values before the first step, oldest first).
    non_sequences : Variable or list of Variable
        Passed to every step unchanged.
    n_steps : int or integer scalar, optional
        The number of steps; by default the length of the shortest sequence. Given,
        it is used as it is and the sequences must be long enough.
    truncate_gradient : int
        The gradient goes back this many steps (all of them when -1).
    go_backwards : bool
        Iterate the sequences from their ends.
    mode : Mode or str, optional
        How the step is compiled (the default mode when None).
    name : str, optional
        The loop's name in printed graphs and errors.
    strict : bool
        Refuse a step that reads a shared variable not passed in ``non_sequences``.
    return_list : bool
        Return a list even for one output.
    profile, allow_gc
        Theano's; accepted and ignored.

    Returns
    -------
    outputs : Variable or list of Variable
        Each output's values after every step, stacked along a new first axis.
    updates : OrderedUpdates
        Shared variable -> its value after the last step, for those ``fn`` updated;
        pass it to ``function(..., updates=updates)``. Random draws in the step have
        no entry (Theano's have one per random state): their streams move on by
        themselves at every call, as outside a loop.

    Examples
    --------
    >>> import numpy as np
    >>> import symconv
    >>> import symconv.tensor as T
    >>> from symconv.scan import scan
    >>> x = T.dvector("x")
    >>> partial_sums, updates = scan(lambda v, total: total + v, sequences=x,
    ...                              outputs_info=T.constant(np.array(0.0)))
    >>> symconv.function([x], partial_sums)(np.array([1.0, 2.0, 3.0]))
    array([1., 3., 6.])
    """
    name = name or "scan"
    seq_specs = [_sequence_spec(s, name, k) for k, s in enumerate(_as_list(sequences))]
    given_infos = bool(_as_list(outputs_info))      # None and [] both: nothing fed back
    infos = [_output_spec(o, name, k) for k, o in enumerate(_as_list(outputs_info))]
    explicit_nonseqs = [as_tensor_variable(v) for v in _as_list(non_sequences)]

    # 1. one call of the step, on stand-ins for its arguments
    mark = serial_mark()
    seq_args, state_args = _step_arguments(seq_specs, infos)
    arguments = seq_args + state_args + explicit_nonseqs
    _check_arity(fn, arguments, len(seq_args), len(state_args), len(explicit_nonseqs), name)
    outputs, updates, condition = _step_results(fn(*arguments), name)
    if not given_infos:
        infos = [None] * len(outputs)
    if len(outputs) != len(infos):
        raise ValueError(f"{name}: the step function returned {len(outputs)} output(s) but "
                         f"outputs_info has {len(infos)} entries (one per output, None for an "
                         "output that is not fed back)")

    # 2. the loop's states (fed-back outputs, updated shared variables) and outputs
    inner_states, new_states, inits, history, updated = _states(infos, outputs, updates, name)
    nitsots = [out for info, out in zip(infos, outputs) if info is None]
    inner_outputs = new_states + nitsots + ([condition] if condition is not None else [])

    # 3. what the step reads from outside: non-sequences
    explicit = [p for spec in seq_specs for p in spec["inner"]] + inner_states
    inner_outputs, nonseq_inner, outer = _non_sequences(
        inner_outputs, mark, explicit, updated, explicit_nonseqs if strict else None, name)

    # 4. the node, on one slice of each sequence per tap
    outer_seqs = _outer_sequences(seq_specs, go_backwards)
    op = Scan(explicit + nonseq_inner, inner_outputs, len(outer_seqs), len(inner_states),
              len(nonseq_inner), history=history, until=condition is not None,
              truncate_gradient=truncate_gradient, mode=mode, name=name)
    results = op(_number_of_steps(n_steps, outer_seqs, name), *outer_seqs, *inits, *outer)
    results = results if isinstance(results, list) else [results]

    # 5. its outputs as the user's: in outputs_info's order, windows as their newest value
    user_outputs, new_updates = _user_outputs(results, infos, len(inner_states), updated)
    if len(user_outputs) == 1 and not return_list:
        return user_outputs[0], new_updates
    if not user_outputs:
        return None, new_updates            # Theano's, for a step that only updates
    return user_outputs, new_updates


def _step_arguments(seq_specs, infos):
    """Stand-ins for one step's arguments: each sequence's entry at each tap, each
    state at each tap (a state read at several taps is a window of its last values,
    ``info["inner"]``, of which each tap is one entry)."""
    seq_args = []
    for spec in seq_specs:
        x = spec["input"]
        spec["inner"] = []
        for tap in spec["taps"]:
            p = TensorVariable(TensorType(x.dtype, x.type.shape[1:]),
                               name=f"{x.name or 'seq'}[t{tap:+d}]" if tap else f"{x.name or 'seq'}[t]")
            spec["inner"].append(p)
            seq_args.append(p)
    state_args = []
    for k, info in enumerate(infos):
        if info is None:
            continue
        init = info["initial"]
        if info["window"]:
            depth = info["depth"]
            info["inner"] = TensorVariable(
                TensorType(init.dtype, (depth,) + init.type.shape[1:]),
                name=f"{init.name or 'outputs_info[' + str(k) + ']'} at taps {info['taps']}")
            state_args.extend(info["inner"][depth + tap] for tap in info["taps"])
        else:
            info["inner"] = TensorVariable(init.type, name=f"{init.name or 'state'}[t-1]")
            state_args.append(info["inner"])
    return seq_args, state_args


def _states(infos, outputs, updates, name):
    """``(inner states, their new values, initial values, history flags, updated)``:
    the fed-back outputs (a window shifts by one: ``concat(window[1:], new)``), then
    the shared variables the step updates (``updated``: ``(shared, stand-in)`` pairs),
    whose last value only is kept."""
    from ..tensor.join import concatenate
    from ..tensor.shapes import shape_padleft
    inner_states, new_states, inits, history = [], [], [], []
    for k, (info, out) in enumerate(zip(infos, outputs)):
        if info is None:
            continue
        init = info["initial"]
        want = init.type if not info["window"] else TensorType(init.dtype, init.type.shape[1:])
        if out.dtype != want.dtype or out.ndim != len(want.shape):
            raise TypeError(
                f"{name}: output {k}{_named(out)} of the step is {out.ndim}-d {out.dtype}, but its "
                f"initial value in outputs_info is {len(want.shape)}-d {want.dtype}: a state keeps "
                "its type from step to step (cast the initial value or the output)")
        inner_states.append(info["inner"])
        if info["window"]:
            new_states.append(concatenate([info["inner"][1:], shape_padleft(out)]))
            inits.append(init[:info["depth"]])
        else:
            new_states.append(out)
            inits.append(init)
        history.append(True)
    updated = []
    for shared, new in updates:
        new = as_tensor_variable(new)
        if new.dtype != shared.dtype or new.ndim != shared.ndim:
            raise TypeError(f"{name}: the step updates {shared.describe()} with "
                            f"{new.describe()}: an update keeps the shared variable's type")
        placeholder = TensorVariable(shared.type, name=f"{shared.name or 'shared'}[t-1]")
        updated.append((shared, placeholder))
        inner_states.append(placeholder)
        new_states.append(new)
        inits.append(shared)
        history.append(False)
    return inner_states, new_states, inits, history, updated


def _non_sequences(inner_outputs, mark, explicit, updated, strict_nonseqs, name):
    """The step's graph with what it reads from outside replaced by stand-ins:
    ``(inner outputs, the stand-ins, the outer variables)``. An updated shared
    variable is read as its state; ``strict_nonseqs`` (when strict) lists the shared
    variables the step may read."""
    replace = {shared: p for shared, p in updated}
    outer = _outer_variables(inner_outputs, mark, set(explicit) | set(replace))
    if strict_nonseqs is not None:
        passed = set(strict_nonseqs)
        for v in outer:
            if isinstance(v, SharedVariable) and v not in passed:
                raise ValueError(f"{name}: strict, and the step reads {v.describe()}, which is "
                                 "not in non_sequences")
    nonseq_inner = []
    for v in outer:
        p = TensorVariable(v.type, name=v.name)
        replace[v] = p
        nonseq_inner.append(p)
    if replace:
        inner_outputs = clone_replace(inner_outputs, replace)
    return inner_outputs, nonseq_inner, outer


def _outer_sequences(seq_specs, go_backwards):
    """One slice of each sequence per tap, where every tap exists (Theano's rule:
    taps from ``min(taps, 0)`` to ``max(taps, 0)``), reversed for ``go_backwards``."""
    outer_seqs = []
    for spec in seq_specs:
        x, taps = spec["input"], spec["taps"]
        low, high = min(min(taps), 0), max(max(taps), 0)
        for tap in taps:
            start = tap - low
            if tap == high:
                piece = x if start == 0 else x[start:]
            else:
                piece = x[start:tap - high]
            outer_seqs.append(piece[::-1] if go_backwards else piece)
    return outer_seqs


def _user_outputs(results, infos, n_states, updated):
    """The node's outputs in ``outputs_info``'s order (a window's newest value), and
    the updates: each updated shared variable's last value."""
    state_results = iter(results[:n_states])
    nitsot_results = iter(results[n_states:])
    user_outputs = []
    for info in infos:
        if info is None:
            user_outputs.append(next(nitsot_results))
        else:
            hist = next(state_results)
            user_outputs.append(hist[:, -1] if info["window"] else hist)
    new_updates = OrderedUpdates((shared, final) for (shared, _), final
                                 in zip(updated, list(state_results)))
    return user_outputs, new_updates


def map(fn, sequences, non_sequences=None, truncate_gradient=-1, go_backwards=False,
        mode=None, name=None):
    """``fn`` applied to each entry of the sequences (Theano's ``theano.map``): a scan
    with no state."""
    return scan(fn, sequences=sequences, outputs_info=None, non_sequences=non_sequences,
                truncate_gradient=truncate_gradient, go_backwards=go_backwards, mode=mode,
                name=name or "map")


def reduce(fn, sequences, outputs_info, non_sequences=None, go_backwards=False, mode=None,
           name=None):
    """The last values of a scan (Theano's ``theano.reduce``): ``fn`` folds the
    sequences into the states."""
    outputs, updates = scan(fn, sequences=sequences, outputs_info=outputs_info,
                            non_sequences=non_sequences, go_backwards=go_backwards, mode=mode,
                            name=name or "reduce", return_list=True)
    last = [o[-1] for o in outputs]
    return (last[0] if len(last) == 1 else last), updates


def foldl(fn, sequences, outputs_info, non_sequences=None, mode=None, name=None):
    """A reduce from the sequences' first entries (Theano's ``theano.foldl``)."""
    return reduce(fn, sequences, outputs_info, non_sequences, go_backwards=False, mode=mode,
                  name=name or "foldl")


def foldr(fn, sequences, outputs_info, non_sequences=None, mode=None, name=None):
    """A reduce from the sequences' last entries (Theano's ``theano.foldr``)."""
    return reduce(fn, sequences, outputs_info, non_sequences, go_backwards=True, mode=mode,
                  name=name or "foldr")


# -- the parts -----------------------------------------------------------------------
def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _named(var):
    return f" ({var.name!r})" if getattr(var, "name", None) else ""


def _sequence_spec(seq, name, k):
    if isinstance(seq, dict):
        if "input" not in seq:
            raise ValueError(f"{name}: sequence {k} is a dict without 'input'")
        x = as_tensor_variable(seq["input"])
        taps = seq.get("taps", [0])
        taps = [0] if taps is None else _as_list(taps)
    else:
        x, taps = as_tensor_variable(seq), [0]
    checked = _taps(taps)
    if checked is None:
        raise ValueError(f"{name}: the taps of sequence {k} must be a list of ints, got {taps!r}")
    taps = checked
    if x.ndim == 0:
        raise ValueError(f"{name}: sequence {k}{_named(x)} is a scalar; a sequence is iterated "
                         "over its first axis")
    return {"input": x, "taps": list(taps)}


def _output_spec(info, name, k):
    if info is None:
        return None
    if isinstance(info, dict):
        if info.get("initial") is None:
            if info.get("taps"):
                raise ValueError(f"{name}: outputs_info entry {k} has taps but no initial value")
            return None
        init = as_tensor_variable(info["initial"])
        taps = _as_list(info.get("taps", [-1]))
    else:
        init, taps = as_tensor_variable(info), [-1]
    checked = _taps(taps)
    if checked is None or any(t >= 0 for t in checked):
        raise ValueError(f"{name}: the taps of output {k} must be negative ints (past steps), "
                         f"got {taps!r}")
    taps = checked
    window = taps != [-1]
    depth = -min(taps)
    if window and init.ndim == 0:
        raise ValueError(f"{name}: output {k} is read at taps {taps}, so its initial value "
                         f"needs a first axis of {depth} past values; got a scalar")
    return {"initial": init, "taps": list(taps), "window": window, "depth": depth}


def _step_results(returned, name):
    """``(outputs, update pairs, condition or None)`` from what a step function returned:
    its outputs (a variable or a list), updates (a dict or a list of pairs), an
    :class:`until`, or a tuple or list of two or three of those, in any order."""
    outputs, updates, condition = [], [], None
    several = isinstance(returned, (list, tuple)) and any(
        isinstance(p, until) or _is_updates(p) for p in returned)
    parts = list(returned) if several and not _is_updates(returned) else [returned]
    for part in parts:
        if isinstance(part, until):
            condition = part.condition
        elif isinstance(part, dict):
            updates.extend(part.items())
        elif _is_updates(part):
            updates.extend(part)
        elif isinstance(part, (list, tuple)):
            outputs.extend(part)
        elif part is not None:
            outputs.append(part)
    outputs = [as_tensor_variable(o) for o in outputs]
    for shared, _ in updates:
        if not isinstance(shared, SharedVariable):
            raise TypeError(f"{name}: the step's updates must be keyed by shared variables, got "
                            f"{shared!r}")
    return outputs, updates, condition


def _is_updates(part):
    """A dict, or a non-empty list of ``(shared variable, new value)`` pairs."""
    if isinstance(part, dict):
        return True
    return isinstance(part, (list, tuple)) and bool(part) and all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], SharedVariable) for p in part)


def _taps(taps):
    """The taps as Python ints (NumPy integers are taps too), or None if they are not."""
    if not taps or not all(isinstance(t, numbers.Integral) and not isinstance(t, bool)
                           for t in taps):
        return None
    return [int(t) for t in taps]


def _check_arity(fn, arguments, n_seqs, n_states, n_nonseqs, name):
    """A step function that cannot take scan's arguments: say what scan passes."""
    import inspect
    try:
        inspect.signature(fn).bind(*arguments)
    except TypeError as exc:
        raise TypeError(
            f"{name}: the step function cannot take the {len(arguments)} arguments scan "
            f"passes it ({exc}): the sequences at their taps ({n_seqs}), then the states at "
            f"theirs ({n_states}), then the non_sequences ({n_nonseqs})") from None
    except ValueError:
        pass                                     # no signature to read (a builtin): call it


def _outer_variables(outputs, mark, inner_inputs):
    """The variables the step's graph reads from outside it, in the order met: graph
    inputs other than constants and the step's own arguments, and variables computed
    by nodes made before the step function was called (``mark``)."""
    found, seen = [], set()
    stack = list(reversed(outputs))
    while stack:
        v = stack.pop()
        if v in seen or v in inner_inputs:
            continue
        seen.add(v)
        if isinstance(v, Constant):
            continue
        node = v.owner
        if node is None or getattr(node, "serial", 0) < mark:
            found.append(v)
            continue
        stack.extend(reversed(node.inputs))
    return found


def _number_of_steps(n_steps, sequences, name):
    from ..tensor.math import cast, minimum
    if n_steps is not None:
        steps = as_tensor_variable(n_steps)
        if steps.ndim != 0 or not steps.type.is_integer:
            raise TypeError(f"{name}: n_steps must be an integer, got {steps.describe()}")
        return cast(steps, "int64") if steps.dtype != "int64" else steps
    if not sequences:
        raise ValueError(f"{name}: no information about the number of steps: give n_steps or "
                         "a sequence")
    steps = sequences[0].shape[0]
    for s in sequences[1:]:
        steps = minimum(steps, s.shape[0])
    return cast(steps, "int64") if steps.dtype != "int64" else steps
