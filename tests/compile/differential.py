"""Run a :class:`~tests.compile.graphs.Program` in FAST_RUN and FAST_COMPILE and
judge both against an independent float64 NumPy evaluation, call after call.

After every call it checks, for every output and every shared variable's value:
FAST_RUN against the reference, FAST_COMPILE against the reference, and FAST_RUN
against FAST_COMPILE (values within float tolerances, bit for bit where the
operations are exact, same dtypes and shapes); that a call the reference rejects
(a label out of range) raises in both modes and leaves every shared value as it
was; that no array the caller passed was written; and that the outputs of
earlier calls still hold what they held when they were returned.
"""
import numpy as np

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from tests.compile.graphs import Reject, bad_labels, leaf_value, with_layout

TOLERANCE = {"float64": 1e-9, "float32": 2e-4}
"""Relative tolerance of a float result, by dtype; the absolute tolerance is this
times the largest magnitude on the way to the result (cancellation)."""
FD_TOLERANCE = {"float64": 2e-5, "float32": 3e-3}
"""The same for results that depend on a gradient: the reference takes those by
central finite differences."""
LIMIT = 1e6
"""The reference rejects values beyond this: an overflow in float32 is not a bug."""


class Result:
    """What :func:`check_program` found: ``failures`` (empty when both modes agree with
    the reference), or ``rejected`` with the reason the reference could not judge."""

    def __init__(self):
        self.failures, self.rejected = [], None

    @property
    def ok(self):
        return not self.failures

    def report(self, prog):
        lines = [f"{len(self.failures)} disagreement(s):"] + [f"  - {f}" for f in self.failures]
        return "\n".join(lines) + "\n\nthe program (a runnable script):\n" + prog.describe()


# --- the reference -------------------------------------------------------------

def evaluate(prog, leaves, only=None):
    """The float64 value and magnitude of every node, from ``leaves`` (index ->
    value); ``only`` restricts the walk to a set of node indices. Raises
    :class:`Reject` where the reference cannot judge, and IndexError where NumPy
    would (a label out of range)."""
    values, mags = {}, {}
    for k, n in enumerate(prog.nodes):
        if only is not None and k not in only:
            continue
        if n.role != "op":
            v = np.asarray(leaves[k])
            values[k] = v.astype(np.float64) if n.kind == "float" else v
        elif n.grad_of:
            values[k] = finite_difference(prog, leaves, *n.grad_of)
        else:
            args = [values[a] for a in n.args]
            if n.domain is not None and not n.domain(*args):
                raise Reject(f"{n.name}: the values left the operation's domain")
            with np.errstate(all="raise"):
                try:
                    v = np.asarray(n.ref(*args))
                except FloatingPointError as e:
                    raise Reject(f"{n.name}: {e}") from None
            values[k] = v.astype(np.float64) if n.kind == "float" else v
        v = values[k]
        if n.kind == "float" and (not np.all(np.isfinite(v)) or np.any(np.abs(v) > LIMIT)):
            raise Reject(f"{n.name}: values beyond {LIMIT:g}")
        mag = float(np.max(np.abs(v))) if v.size and n.kind == "float" else 0.0
        mags[k] = max([mag] + [mags[a] for a in n.args if a in mags])
    return values, mags


def finite_difference(prog, leaves, cost, wrt):
    """The gradient of node ``cost`` with respect to leaf ``wrt`` by central
    differences; a second, larger step along one direction detects a kink near the
    point (Reject)."""
    only = ancestors(prog, cost)
    x = np.asarray(leaves[wrt], dtype=np.float64)

    def f(at):
        changed = dict(leaves)
        changed[wrt] = at
        return float(evaluate(prog, changed, only)[0][cost])

    h = 1e-6 * max(1.0, float(np.max(np.abs(x))) if x.size else 1.0)
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    # one-sided differences along a random direction disagree at a kink (a tie of
    # maximum's operands, abs at 0), where central differences average the two sides
    d = np.random.default_rng(0).standard_normal(x.shape)
    d /= max(float(np.sqrt(np.sum(d * d))), 1e-300)
    step, f0 = 100 * h, f(x)
    forward, backward = (f(x + step * d) - f0) / step, (f0 - f(x - step * d)) / step
    if abs(forward - backward) > 1e-3 * (1 + abs(forward) + abs(backward)):
        raise Reject("a kink next to the finite-difference point")
    return g


def ancestors(prog, k):
    return prog.ancestors([k])


# --- the two compiled worlds -----------------------------------------------------

class World:
    """The program built and compiled in one mode, with its own shared variables."""

    def __init__(self, prog, mode, label):
        self.label = label
        self.ns = {"np": np, "sc": sc, "T": T, "nnet": nnet, "leaf_value": leaf_value,
                   "with_layout": with_layout, "MODE": mode}
        exec(prog.graph_source("MODE"), self.ns)
        self.f = self.ns["f"]
        self.shared = {k: self.ns[prog.nodes[k].name] for k in prog.shareds}
        self.history = []  # (output returned earlier, a copy of it, call number)

    def var(self, prog, k):
        return self.ns[prog.nodes[k].name]


def _close(got, want, dtype, tol_scale, fd):
    rtol = (FD_TOLERANCE if fd else TOLERANCE)[dtype]
    return np.allclose(got, want, rtol=rtol, atol=rtol * max(1.0, tol_scale))


def _compare(what, got, want, node, dtype, mag, exact=False):
    """A failure message, or None when ``got`` matches ``want``."""
    got = np.asarray(got)
    if got.shape != np.shape(want):
        return f"{what}: shape {got.shape}, expected {np.shape(want)}"
    if node.kind != "float":
        if not np.array_equal(got, want):
            return f"{what}: {got.tolist()}, expected {np.asarray(want).tolist()}"
        return None
    if exact:
        want32 = np.asarray(want).astype(dtype)
        if not np.array_equal(got, want32):
            return (f"{what} (exact operations only): {got.tolist()}, expected "
                    f"{want32.tolist()}")
        return None
    if not _close(got, want, dtype, mag, node.fd):
        return (f"{what}: {np.round(got, 6).tolist()}, expected "
                f"{np.round(np.asarray(want), 6).tolist()}")
    return None


def check_program(prog, mode="FAST_RUN"):
    """Run ``prog`` in ``mode`` and in FAST_COMPILE against the reference (see the
    module docstring); returns a :class:`Result`."""
    result = Result()
    worlds = [World(prog, mode, str(mode)), World(prog, "FAST_COMPILE", "FAST_COMPILE")]
    # shared variables last written by an update that rounds: the modes' values may
    # differ from the reference's by an ulp, so exact operations on them are not exact
    result.rounded = set()
    dtype = prog.dtype
    state = {k: np.asarray(leaf_value(prog.value_key(k, -1), prog.nodes[k].shape,
                                      prog.nodes[k].low, prog.nodes[k].high,
                                      prog.nodes[k].dtype)) for k in prog.shareds}
    try:
        for c in range(len(prog.calls)):
            _one_call(prog, c, worlds, state, result)
            if result.failures:
                break
    except Reject as e:
        result.rejected = str(e)
    return result


def _one_call(prog, c, worlds, state, result):
    call = prog.calls[c]
    fail = result.failures.append
    tag = f"call {c + 1}"
    # set_value before the call
    for s, (layout, borrow) in call["set_value"].items():
        n = prog.nodes[s]
        value = leaf_value(prog.value_key(s, c), n.shape, n.low, n.high, n.dtype)
        for w in worlds:
            w.shared[s].set_value(with_layout(value, layout), borrow=borrow)
        state[s] = np.array(with_layout(value, layout))
        result.rounded.discard(s)
    # the arguments, one list per world, and their values
    leaves, args = dict(state), {w.label: {} for w in worlds}
    for k in prog.inputs:
        n = prog.nodes[k]
        layout, alias = call["inputs"][k]
        if alias is None:
            value = leaf_value(prog.value_key(k, c), n.shape, n.low, n.high, n.dtype)
            if k in call["labels"]:
                value = bad_labels(value, call["labels"][k])
            for w in worlds:
                args[w.label][k] = with_layout(value, layout)
            leaves[k] = np.array(with_layout(value, layout))
        elif alias[0] == "input":
            for w in worlds:
                args[w.label][k] = args[w.label][alias[1]]
            leaves[k] = leaves[alias[1]]
        else:
            for w in worlds:
                args[w.label][k] = w.shared[alias[1]].get_value(borrow=True)
            leaves[k] = state[alias[1]]
        # an input that is a shared variable's storage holds what the compiled code
        # rounded, which the reference knows only to within rounding
        source = alias[1] if alias is not None and alias[0] != "input" else None
        if source is not None and source in result.rounded or \
                alias is not None and alias[0] == "input" and alias[1] in result.rounded:
            result.rounded.add(k)
        else:
            result.rounded.discard(k)
    for k in prog.shareds:
        leaves[k] = state[k]
    for k, n in enumerate(prog.nodes):
        if n.role == "const":
            leaves[k] = leaf_value(prog.value_key(k, -1), n.shape, n.low, n.high, n.dtype)
    # the reference
    # only what the function computes: a dead node may hold a label out of range
    try:
        values, mags = evaluate(prog, leaves, prog.needed())
        expected_error = None
    except IndexError as e:
        values, mags, expected_error = None, None, e
    updated = {s for s, _ in prog.updates}
    for w in worlds:
        before = {s: w.shared[s].get_value() for s in prog.shareds}
        passed = [args[w.label][k] for k in prog.inputs]
        # the caller's arrays, except the storage of a shared variable that the call
        # updates (passing that storage as an input is a borrow: the update may land in it)
        kept = [(k, a, a.copy()) for k, a in zip(prog.inputs, passed)
                if not any(a is w.shared[s].get_value(borrow=True) for s in updated)]
        try:
            got = w.f(*passed)
            error = None
        except Exception as e:  # noqa: BLE001 -- compared with what NumPy does
            got, error = None, e
        for k, a, copy in kept:
            if not np.array_equal(a, copy):
                fail(f"{w.label}, {tag}: the call wrote into the caller's array for "
                     f"{prog.nodes[k].name}")
        if expected_error is not None:
            if error is None:
                fail(f"{w.label}, {tag}: returned where NumPy raises "
                     f"{type(expected_error).__name__} ({expected_error})")
                continue
            for s in prog.shareds:
                if not np.array_equal(w.shared[s].get_value(), before[s]):
                    fail(f"{w.label}, {tag}: the call raised but changed shared variable "
                         f"{prog.nodes[s].name}")
            continue
        if error is not None:
            fail(f"{w.label}, {tag}: raised {type(error).__name__}: "
                 f"{str(error).splitlines()[0] if str(error) else ''}")
            continue
        w.last = got
        _check_results(prog, c, w, got, values, mags, leaves, result.rounded, fail)
    if expected_error is None and not result.failures:
        _check_modes_agree(prog, c, worlds, result.rounded, fail)
    if expected_error is None:
        for s, v in prog.updates:
            state[s] = np.asarray(values[v]).astype(prog.nodes[s].dtype)
        for s, v in prog.updates:
            if not _exact(prog, v, result.rounded):
                result.rounded.add(s)
            else:
                result.rounded.discard(s)


def _exact(prog, k, rounded):
    """Whether node ``k`` is computed exactly from values the reference holds exactly."""
    return prog.nodes[k].exact and not (ancestors(prog, k) & rounded)


def _check_results(prog, c, w, got, values, mags, leaves, rounded, fail):
    tag = f"call {c + 1}"
    for j, (k, g) in enumerate(zip(prog.outputs, got)):
        n = prog.nodes[k]
        want_dtype = w.var(prog, k).dtype
        if np.asarray(g).dtype.name != want_dtype:
            fail(f"{w.label}, {tag}: output {j} ({n.name}) has dtype {np.asarray(g).dtype}, "
                 f"its variable {want_dtype}")
        msg = _compare(f"{w.label}, {tag}: output {j} ({n.name})", g, values[k], n,
                       prog.dtype, mags[k], _exact(prog, k, rounded))
        if msg:
            fail(msg)
    for s, v in prog.updates:
        n = prog.nodes[s]
        want = np.asarray(values[v]).astype(n.dtype)
        msg = _compare(f"{w.label}, {tag}: shared {n.name} after the update",
                       w.shared[s].get_value(), want, prog.nodes[v], prog.dtype, mags[v],
                       _exact(prog, v, rounded))
        if msg:
            fail(msg)
    for s in prog.shareds:
        if s not in {u for u, _ in prog.updates}:
            msg = _compare(f"{w.label}, {tag}: shared {prog.nodes[s].name} (not updated)",
                           w.shared[s].get_value(), leaves[s], prog.nodes[s], prog.dtype, 0.0,
                           s not in rounded)
            if msg:
                fail(msg)
    for old, copy, when in w.history:
        if not np.array_equal(old, copy):
            fail(f"{w.label}, {tag}: an output of call {when} changed after it was returned")
    w.history.extend((g, np.array(g, copy=True), c + 1) for g in got
                     if isinstance(g, np.ndarray))


def _check_modes_agree(prog, c, worlds, rounded, fail):
    """FAST_RUN against FAST_COMPILE directly: both run in the program's dtype, so
    they must agree at least as closely as each agrees with the reference."""
    fast, plain = worlds
    for j, (k, a, b) in enumerate(zip(prog.outputs, fast.last, plain.last)):
        msg = _compare(f"call {c + 1}: output {j} ({prog.nodes[k].name}), {fast.label} "
                       f"against {plain.label}", a, b, prog.nodes[k], prog.dtype,
                       float(np.max(np.abs(b), initial=1)) if np.asarray(b).dtype.kind == "f"
                       else 0.0, _exact(prog, k, rounded))
        if msg:
            fail(msg)
    for s in prog.shareds:
        a, b = fast.shared[s].get_value(), plain.shared[s].get_value()
        if a.shape != b.shape or not _close(a, b, prog.dtype, float(np.max(np.abs(b), initial=1)),
                                            True):
            fail(f"call {c + 1}: shared {prog.nodes[s].name} differs between "
                 f"{fast.label} and {plain.label}: {a.tolist()} vs {b.tolist()}")
