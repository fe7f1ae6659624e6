"""The :class:`Scan` op: a loop over steps, each step one call of a compiled inner
function.

The op has one form, which :func:`symconv.scan.scan` reduces every use of Theano's
``scan`` to (taps, ``go_backwards``, several initial values, updates of shared
variables) with ordinary tensor ops around it. Its inputs are::

    (n_steps, *sequences, *initial_states, *non_sequences)

and at step ``t`` the inner function receives ``sequence[t]`` of each sequence, the
states of step ``t - 1`` (the initial ones at step 0) and the non-sequences unchanged.
It returns each state's new value, then the values of the outputs that are not fed
back (Theano's "nit-sot" outputs), then, for a loop with ``until``, the condition
that stops it. The op's outputs are each state's history (its values after steps
``0 .. n_steps - 1``; or its last value only, for states whose history nobody reads),
then each nit-sot output stacked over the steps.
"""
import copy

import numpy as np

from ..graph.basic import Apply, Op
from ..graph.tensor import TensorVariable, as_tensor_variable
from ..graph.traversal import toposort
from ..graph.type import TensorType


class Scan(Op):
    """A loop over ``n_steps`` steps of an inner graph.

    Parameters
    ----------
    inner_inputs : list of TensorVariable
        The step's inputs, in the order sequences, states, non-sequences.
    inner_outputs : list of TensorVariable
        The step's results: the new states, the nit-sot outputs, and the stopping
        condition last when ``until`` is true.
    n_seqs, n_states, n_nonseqs : int
        How the inner inputs divide.
    history : tuple of bool
        For each state, whether the op returns its values after every step (True) or
        only after the last one.
    until : bool
        The last inner output is a scalar condition: the loop stops after the first
        step where it is true (Theano's ``scan_module.until``).
    truncate_gradient : int
        The gradient goes back this many steps from the last (all of them when -1,
        Theano's ``truncate_gradient``).
    mode : Mode or str, optional
        How the inner function is compiled; the default mode when None.
    name : str
        Shown in printed graphs and named in errors.
    """

    def __init__(self, inner_inputs, inner_outputs, n_seqs, n_states, n_nonseqs,
                 history=None, until=False, truncate_gradient=-1, mode=None, name="scan"):
        self.inner_inputs = list(inner_inputs)
        self.inner_outputs = list(inner_outputs)
        self.n_seqs, self.n_states, self.n_nonseqs = n_seqs, n_states, n_nonseqs
        if len(self.inner_inputs) != n_seqs + n_states + n_nonseqs:
            raise ValueError(f"{name}: {len(self.inner_inputs)} inner inputs for {n_seqs} "
                             f"sequences, {n_states} states and {n_nonseqs} non-sequences")
        self.history = tuple(True for _ in range(n_states)) if history is None else tuple(history)
        self.until = bool(until)
        self.n_nitsot = len(self.inner_outputs) - n_states - int(self.until)
        if self.n_nitsot < 0 or len(self.history) != n_states:
            raise ValueError(f"{name}: {len(self.inner_outputs)} inner outputs for {n_states} "
                             "states" + (" and a condition" if until else ""))
        self.truncate_gradient = int(truncate_gradient)
        self.mode = mode
        self.name = name
        self._fn = None
        self.is_stateful = any(node.op.is_stateful for node in self.inner_nodes())
        if self.is_stateful:
            self.state = _InnerRandomStates(self)

    # identity: two loops are the same op only if they are one object (their inner
    # graphs are not compared), so the compiler never merges two of them
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __str__(self):
        return self.name

    __repr__ = __str__

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_fn"] = None            # compiled again when first run after unpickling
        state.pop("state", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.is_stateful:
            self.state = _InnerRandomStates(self)

    # -- the parts of the inner graph ---------------------------------------------
    @property
    def inner_seqs(self):
        return self.inner_inputs[:self.n_seqs]

    @property
    def inner_states(self):
        return self.inner_inputs[self.n_seqs:self.n_seqs + self.n_states]

    @property
    def inner_nonseqs(self):
        return self.inner_inputs[self.n_seqs + self.n_states:]

    @property
    def inner_new_states(self):
        return self.inner_outputs[:self.n_states]

    @property
    def inner_nitsots(self):
        return self.inner_outputs[self.n_states:self.n_states + self.n_nitsot]

    def inner_nodes(self):
        """The inner graph's nodes, inputs first (it stops at the inner inputs)."""
        return toposort(self.inner_outputs)

    # -- the Op contract ----------------------------------------------------------
    def make_node(self, n_steps, *outer):
        n_steps = as_tensor_variable(n_steps)
        if n_steps.ndim != 0 or not n_steps.type.is_integer:
            raise TypeError(f"{self.name}: n_steps must be an integer scalar, got "
                            f"{n_steps.describe()}")
        outer = [as_tensor_variable(v) for v in outer]
        if len(outer) != len(self.inner_inputs):
            raise TypeError(f"{self.name}: expects {len(self.inner_inputs)} inputs after "
                            f"n_steps, got {len(outer)}")
        for k, (o, i) in enumerate(zip(outer, self.inner_inputs)):
            self._check_outer(k, o, i)
        outputs = []
        for state, keep in zip(self.inner_new_states, self.history):
            shape = state.type.shape
            outputs.append(TensorVariable(TensorType(state.dtype, (None,) + shape if keep else shape)))
        for y in self.inner_nitsots:
            outputs.append(TensorVariable(TensorType(y.dtype, (None,) + y.type.shape)))
        return Apply(self, [n_steps] + outer, outputs)

    def _check_outer(self, k, outer, inner):
        if k < self.n_seqs:
            what, ndim = f"sequence {k}", inner.ndim + 1
        elif k < self.n_seqs + self.n_states:
            what, ndim = f"initial state {k - self.n_seqs}", inner.ndim
        else:
            what, ndim = f"non-sequence {k - self.n_seqs - self.n_states}", inner.ndim
        if outer.ndim != ndim or outer.dtype != inner.dtype:
            raise TypeError(f"{self.name}: {what} must be {ndim}-d {inner.dtype}, got "
                            f"{outer.describe()}")

    def infer_shape(self, node, input_shapes):
        raise NotImplementedError(f"{self.name}: the number of steps is known when it runs")

    def grad(self, inputs, outputs, output_grads):
        from .grad import scan_grad
        return scan_grad(self, inputs, outputs, output_grads)

    # -- running ------------------------------------------------------------------
    @property
    def fn(self):
        if self._fn is None:
            from ..compile.function import function
            self._fn = function(self.inner_inputs, self.inner_outputs, mode=self.mode,
                                on_unused_input="ignore", name=self.name)
        return self._fn

    def perform(self, node, inputs):
        n = int(inputs[0])
        if n < 0:
            raise ValueError(f"{self.name}: n_steps is {n}; it must be 0 or more")
        seqs = inputs[1:1 + self.n_seqs]
        states = list(inputs[1 + self.n_seqs:1 + self.n_seqs + self.n_states])
        nonseqs = inputs[1 + self.n_seqs + self.n_states:]
        for k, s in enumerate(seqs):
            if s.shape[0] < n:
                raise ValueError(f"{self.name}: sequence {k}{_named(node.inputs[1 + k])} has "
                                 f"{s.shape[0]} entries along its first axis, fewer than the "
                                 f"{n} steps")
        initial_shapes = [np.shape(s) for s in states]
        for j, (shape, inner) in enumerate(zip(initial_shapes, self.inner_states)):
            want = inner.type.shape
            if len(shape) != len(want) or any(w is not None and w != d for d, w in zip(shape, want)):
                raise ValueError(
                    f"{self.name}: the initial value of state {j}{_named(inner)} has shape "
                    f"{shape}, but the step reads it as {inner.type.shape_str()} (read at past "
                    "taps down to -k, it needs k values along its first axis)")
        histories = [None] * self.n_states
        stacked = [None] * self.n_nitsot
        fn = self.fn
        done = n
        for t in range(n):
            results = fn(*[s[t] for s in seqs], *states, *nonseqs)
            results = results if isinstance(results, list) else [results]
            for j in range(self.n_states):
                value = np.asarray(results[j])
                if value.shape != initial_shapes[j]:
                    raise ValueError(
                        f"{self.name}: step {t} gave state {j}"
                        f"{_named(self.inner_new_states[j])} the shape {value.shape}, but its "
                        f"initial value has the shape {initial_shapes[j]}: a state keeps its "
                        "shape from step to step")
                if self.history[j]:
                    if histories[j] is None:
                        histories[j] = np.empty((n,) + value.shape, dtype=node.outputs[j].dtype)
                    histories[j][t] = value
                    states[j] = histories[j][t]
                else:
                    states[j] = np.array(value, dtype=node.outputs[j].dtype)
            for m in range(self.n_nitsot):
                value = np.asarray(results[self.n_states + m])
                if stacked[m] is None:
                    stacked[m] = np.empty((n,) + value.shape,
                                          dtype=node.outputs[self.n_states + m].dtype)
                elif value.shape != stacked[m].shape[1:]:
                    raise ValueError(
                        f"{self.name}: step {t} gave output {self.n_states + m}"
                        f"{_named(self.inner_nitsots[m])} the shape {value.shape}, step 0 "
                        f"{stacked[m].shape[1:]}: the outputs of the steps are stacked")
                stacked[m][t] = value
            if self.until and bool(np.asarray(results[-1])):
                done = t + 1
                break
        if n == 0 and self.n_nitsot:
            stacked = self._empty_outputs(node, seqs, states, nonseqs)
        outs = []
        for j in range(self.n_states):
            out = node.outputs[j]
            if not self.history[j]:
                outs.append(np.array(states[j], dtype=out.dtype))
            elif histories[j] is None:
                outs.append(np.empty((0,) + initial_shapes[j], dtype=out.dtype))
            else:
                outs.append(histories[j][:done])
        for m in range(self.n_nitsot):
            out = node.outputs[self.n_states + m]
            outs.append(stacked[m][:done])
        return outs

    def _empty_outputs(self, node, seqs, states, nonseqs):
        """The stacked outputs of zero steps: empty, with each step's shape after the
        first axis. A shape the types leave open is that of a step run on zeros (its
        values, and its random draws, are thrown away)."""
        outputs = node.outputs[self.n_states:]
        shapes = [y.type.shape for y in self.inner_nitsots]
        if any(d is None for shape in shapes for d in shape):
            saved = copy.deepcopy(self.state[0]) if self.is_stateful else None
            try:
                with np.errstate(all="ignore"):
                    results = self.fn(*[np.zeros(s.shape[1:], dtype=s.dtype) for s in seqs],
                                      *states, *nonseqs)
            except Exception as exc:
                raise ValueError(
                    f"{self.name}: zero steps, and the shape of a step's outputs is only known "
                    f"by running one, which failed on zeros ({exc})") from exc
            finally:
                if saved is not None:
                    self.state[0] = saved
            results = results if isinstance(results, list) else [results]
            shapes = [np.shape(r) for r in results[self.n_states:self.n_states + self.n_nitsot]]
        return [np.empty((0,) + tuple(shape), dtype=out.dtype)
                for shape, out in zip(shapes, outputs)]


def _named(var):
    name = getattr(var, "name", None)
    return f" ({name!r})" if name else ""


class _InnerRandomStates(list):
    """``op.state`` of a loop whose steps draw random numbers: item 0 reads and sets
    the generators of all its inner draws together, so that a compiled function can
    put them back after a recording run as it does for a single draw."""

    def __init__(self, scan_op):
        super().__init__([None])
        self._ops = [node.op for node in scan_op.inner_nodes() if node.op.is_stateful]

    def __getitem__(self, index):
        if index != 0:
            raise IndexError(index)
        return [op.state[0] for op in self._ops]

    def __setitem__(self, index, generators):
        if index != 0:
            raise IndexError(index)
        for op, generator in zip(self._ops, generators):
            op.state[0] = generator
