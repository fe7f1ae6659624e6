"""Reverse-mode differentiation: ``grad`` builds gradient *graphs* (which
:mod:`symconv.verify` checks against finite differences).

``grad`` walks the graph from the cost back to the requested variables, asking
each Op for the symbolic gradient of its inputs given those of its outputs
(the Op's ``grad`` method), and sums the contributions reaching a variable.
Some patterns are differentiated as a whole:

- a softmax written out with ``exp`` and row sums gets
  :class:`~symconv.ops.softmax.SoftmaxGrad`, as ``nnet.softmax`` does, so that the
  compiler fuses its training step the same way;
- the logistic function and the logs of it (``1 / (1 + exp(-t))``, ``log(sigmoid(t))``,
  ``log(1 - sigmoid(t))``, ``log(1 + exp(t))``, see :mod:`symconv.ops.sigmoid_forms`)
  get their closed-form derivatives, finite where the chain rule through the pieces
  meets ``0 * inf`` (a saturated logistic regression's gradient is then -1, 0 or 1,
  not NaN).
"""
import numpy as np

from .graph.basic import Constant, Variable
from .graph.traversal import toposort
from .graph.tensor import as_tensor_variable, constant
from .ops.sigmoid_forms import closed_form_gradient
from .ops.softmax import SoftmaxGrad, written_out_softmax


class DisconnectedInputError(ValueError):
    """A variable asked for in ``wrt`` does not influence the cost."""


def grad(cost, wrt, consider_constant=None, disconnected_inputs="raise", known_grads=None):
    """Symbolic gradient of a scalar ``cost`` with respect to ``wrt``.

    Parameters
    ----------
    cost : scalar Variable or None
        The quantity to differentiate; may be None when ``known_grads`` seeds the walk.
    wrt : Variable or list of Variable
        A list gives a list back, a single variable a single gradient.
    consider_constant : list of Variable, optional
        Gradients do not flow *through* these into the expressions that compute
        them (Theano's meaning): such a variable still has a gradient of its own
        when it is in ``wrt``, but what it was computed from gets nothing by way
        of it.
    disconnected_inputs : {"raise", "warn", "ignore"}
        What to do for a ``wrt`` that the cost does not depend on; with "warn"
        or "ignore" its gradient is zeros.
    known_grads : dict Variable -> Variable, optional
        Gradients already known for intermediate variables.

    Returns
    -------
    Variable or list of Variable
        Gradient graphs, each with the dtype and shape of its ``wrt`` entry.
    """
    from .tensor.basic import zeros_like
    from .tensor.math import add, cast

    as_list = isinstance(wrt, (list, tuple))
    wrt_list = list(wrt) if as_list else [wrt]
    if disconnected_inputs not in ("raise", "warn", "ignore"):
        raise ValueError(f"grad: disconnected_inputs must be 'raise', 'warn' or 'ignore', "
                         f"got {disconnected_inputs!r}")
    for v in wrt_list:
        if not isinstance(v, Variable):
            raise TypeError(f"grad: wrt must contain Variables, got {type(v).__name__}")

    seeds = {}
    if cost is not None:
        if not isinstance(cost, Variable):
            raise TypeError(f"grad: cost must be a Variable, got {type(cost).__name__}")
        if cost.ndim != 0:
            raise ValueError(f"grad: cost must be a scalar, got {cost.describe()} with "
                             f"{cost.ndim} dimensions; sum or mean it first")
        # an integer cost is seeded with a float 1, as in Theano; the ops between it and
        # ``wrt`` that have integer outputs pass no gradient on, so ``wrt`` gets zeros
        seeds[cost] = constant(np.ones((), dtype=_gradient_dtype(cost)))
    for var, g in (known_grads or {}).items():
        seeds[var] = as_tensor_variable(g)
    if not seeds:
        raise ValueError("grad: give a cost or known_grads")

    blocked = set(consider_constant or ())
    nodes = toposort(list(seeds))
    # variables whose value depends on some wrt (not by way of a blocked one): only
    # these need gradients
    wanted = set(wrt_list)
    relevant = set(wrt_list)
    for node in nodes:
        if any(i in relevant for i in node.inputs):
            relevant.update(o for o in node.outputs if o not in blocked or o in wanted)

    contributions = {var: [g] for var, g in seeds.items()}
    for node in reversed(nodes):
        if not any(o in contributions for o in node.outputs):
            continue
        if not any(i in relevant for i in node.inputs):
            continue
        # a blocked output passes nothing on to the node that computed it
        out_grads = [None if o in blocked else _total(contributions.get(o), add, cast, o)
                     for o in node.outputs]
        if all(g is None for g in out_grads):
            continue
        out_grads = [g if g is not None else zeros_like(o) for g, o in zip(out_grads, node.outputs)]
        kept = blocked | wanted | set(seeds)
        softmax_of = _softmax_route(node, relevant, kept)
        if softmax_of is not None:
            # a softmax written out is differentiated as one: its Jacobian, straight to
            # the logits, rather than through exp, the row sum and the row maximum (whose
            # part is zero). The step then gets the same fused kernels as nnet.softmax.
            contributions.setdefault(softmax_of, []).append(
                SoftmaxGrad()(out_grads[0], node.outputs[0]))
            continue
        closed_form = _closed_form_route(node, relevant, kept)
        if closed_form is not None:
            source, gradient = closed_form
            contributions.setdefault(source, []).append(gradient(out_grads[0]))
            continue
        in_grads = node.op.grad(node.inputs, node.outputs, out_grads)
        if len(in_grads) != len(node.inputs):
            raise RuntimeError(f"{node.op}.grad returned {len(in_grads)} gradients for "
                               f"{len(node.inputs)} inputs")
        for inp, g in zip(node.inputs, in_grads):
            if g is None or inp not in relevant or isinstance(inp, Constant) and inp not in wanted:
                continue
            contributions.setdefault(inp, []).append(g)

    results = []
    for v in wrt_list:
        g = _total(contributions.get(v), add, cast, v)
        if g is None:
            if v in relevant and v in _reached(seeds, wanted, blocked):
                g = zeros_like(v)  # connected only through non-differentiable paths
            elif disconnected_inputs == "raise":
                raise DisconnectedInputError(
                    f"grad: the cost does not depend on {v.describe()}; it is not part of the "
                    "cost's graph (pass disconnected_inputs='ignore' to get zeros)")
            else:
                if disconnected_inputs == "warn":
                    import warnings
                    warnings.warn(f"grad: the cost does not depend on {v.describe()}",
                                  stacklevel=2)
                g = zeros_like(v)
        if g.dtype != _gradient_dtype(v):
            # integer variables are not differentiated through (integer inputs of ops get no
            # gradient); their gradient is zeros or the seed, in Theano's float dtype
            g = cast(g, _gradient_dtype(v))
        results.append(g)
    return results if as_list else results[0]


def _softmax_route(node, relevant, kept):
    """The logits ``z`` when ``node`` computes a softmax of them written out
    (:func:`~symconv.ops.softmax.written_out_softmax`) and no variable between
    ``z`` and its output needs a gradient of its own (``kept``: blocked, asked for,
    or given one); else None."""
    found = written_out_softmax(node.outputs[0])
    if found is None:
        return None
    z, between = found
    if z not in relevant or any(v in kept for v in between):
        return None
    return z


def _closed_form_route(node, relevant, kept):
    """``(u, gradient)`` when ``node`` computes a logistic form of ``u``
    (:func:`~symconv.ops.sigmoid_forms.closed_form_gradient`) and no variable between
    ``u`` and its output needs a gradient of its own; else None."""
    found = closed_form_gradient(node.outputs[0])
    if found is None:
        return None
    u, between, gradient = found
    # integer inputs get no gradient from any op: the closed forms keep that rule
    if not u.type.is_float or u not in relevant or any(v in kept for v in between):
        return None
    return u, gradient


def _gradient_dtype(var):
    """Gradients are floats: a float variable's own dtype, ``config.floatX`` otherwise."""
    from .config import config
    return var.dtype if var.type.is_float else config.floatX


def _total(parts, add, cast, var):
    """Sum of the gradient contributions reaching ``var``, in ``var``'s dtype."""
    if not parts:
        return None
    total = parts[0]
    for g in parts[1:]:
        total = add(total, g)
    if total.dtype != var.dtype and var.type.is_float:
        total = cast(total, var.dtype)
    return total


def _reached(seeds, wanted, blocked):
    """The wanted variables that are ancestors of the seeds at all, not counting the
    ancestry of blocked variables (Theano: ``consider_constant`` cuts the graph)."""
    found, seen, stack = set(), set(), list(seeds)
    while stack:
        var = stack.pop()
        if var in seen:
            continue
        seen.add(var)
        if var in wanted:
            found.add(var)
        if var.owner is not None and var not in blocked and not _disconnects(var.owner.op):
            stack.extend(var.owner.inputs)
    return found


def _disconnects(op):
    return getattr(getattr(op, "scalar_op", None), "disconnects", False)


# --- identities for the gradient (Theano's theano.gradient) ---------------------------

def zero_grad(x):
    """``x``, through which the gradient is zero: what ``x`` is computed from gets zeros
    by way of it (and still counts as connected to the cost)."""
    from .ops.elemwise import zero_grad_op
    return zero_grad_op(x)


def disconnected_grad(x):
    """``x``, through which no gradient passes: what ``x`` is computed from is not
    connected to the cost by way of it (``grad`` raises DisconnectedInputError for a
    variable reached only so, unless told otherwise), as ``consider_constant``."""
    from .ops.elemwise import disconnected_grad_op
    return disconnected_grad_op(x)


def grad_clip(x, lower_bound, upper_bound):
    """``x``, whose gradient is clipped to ``[lower_bound, upper_bound]`` on its way
    back (scalar bounds)."""
    from .ops.elemwise import grad_clip_op
    lo, hi = as_tensor_variable(lower_bound), as_tensor_variable(upper_bound)
    if lo.ndim or hi.ndim:
        raise ValueError(f"grad_clip: the bounds must be scalars, got {lo.describe()} and "
                         f"{hi.describe()}")
    if isinstance(lo, Constant) and isinstance(hi, Constant) and lo.data > hi.data:
        raise ValueError(f"grad_clip: the lower bound {lo.data} is above the upper {hi.data}")
    return grad_clip_op(x, lo, hi)


# --- products with the Jacobian (Theano's Lop and Rop) -------------------------------

def _as_list(v):
    return (list(v), True) if isinstance(v, (list, tuple)) else ([v], False)


def Lop(f, wrt, eval_points, consider_constant=None, disconnected_inputs="raise"):
    """The vector-Jacobian product ``v^T J``: for each ``wrt``, the gradient of
    ``sum(f * eval_points)`` (``f`` and ``eval_points`` a variable each, or lists of
    them). Returns one result per ``wrt`` (a list for a list)."""
    fs, _ = _as_list(f)
    vs, _ = _as_list(eval_points)
    if len(fs) != len(vs):
        raise ValueError(f"Lop: {len(fs)} expression(s) and {len(vs)} eval point(s)")
    known = {}
    for fi, vi in zip(fs, vs):
        vi = as_tensor_variable(vi)
        if vi.ndim != fi.ndim:
            raise ValueError(f"Lop: the eval point {vi.describe()} has {vi.ndim} dimensions, "
                             f"{fi.describe()} {fi.ndim}")
        known[fi] = vi
    return grad(None, wrt, consider_constant=consider_constant,
                disconnected_inputs=disconnected_inputs, known_grads=known)


def Rop(f, wrt, eval_points):
    """The Jacobian-vector product ``J v``: how ``f`` changes along ``eval_points``
    (one per ``wrt``), one result per ``f`` (a list for a list).

    Computed by differentiating a vector-Jacobian product: with ``u`` a stand-in for
    the output's gradient, ``J v = d (v . (u^T J)) / du``, which does not depend on
    ``u`` (it is linear in it), so ``u`` is then set to zeros."""
    from .graph.traversal import clone_replace
    from .tensor.basic import zeros_like
    fs, many = _as_list(f)
    wrts, _ = _as_list(wrt)
    vs, _ = _as_list(eval_points)
    if len(wrts) != len(vs):
        raise ValueError(f"Rop: {len(wrts)} variable(s) and {len(vs)} eval point(s)")
    stand_ins = [fi.type(f"d_{fi.name or 'f'}") for fi in fs]
    backward = Lop(fs, wrts, stand_ins, disconnected_inputs="ignore")
    along = sum((bi * as_tensor_variable(vi)).sum() for bi, vi in zip(backward, vs))
    results = grad(along, stand_ins, disconnected_inputs="ignore")
    results = clone_replace(results, {u: zeros_like(fi) for u, fi in zip(stand_ins, fs)})
    return results if many else results[0]


# --- Jacobians and Hessians (Theano's, without scan) --------------------------------

def jacobian(expression, wrt, consider_constant=None, disconnected_inputs="raise"):
    """The Jacobian of a vector (or scalar) ``expression`` with respect to ``wrt`` (a
    variable or a list): ``J[i] = grad(expression[i], wrt)``, shape
    ``expression.shape + wrt.shape``.

    The rows are built one by one, so ``expression`` needs a length known when the
    graph is built (Theano loops with ``scan``, which symconv does not have): a
    length known only at run time can be given with ``T.specify_shape``.
    """
    from .tensor.join import stack
    expression = as_tensor_variable(expression)
    wrts, many = _as_list(wrt)
    if expression.ndim == 0:
        rows = [grad(expression, wrts, consider_constant, disconnected_inputs)]
        results = rows[0]
    elif expression.ndim == 1:
        n = expression.type.shape[0]
        if n is None:
            raise ValueError(
                f"jacobian: the length of {expression.describe()} is not known when the graph "
                "is built; give it with T.specify_shape(expression, (n,)) (or of wrt, for a "
                "Hessian)")
        if n == 0:      # no rows: an empty Jacobian of each wrt's shape
            from .tensor.basic import alloc
            results = [alloc(np.zeros((), _gradient_dtype(w)), 0, *[w.shape[k] for k in
                                                                    range(w.ndim)])
                       for w in wrts]
        else:
            rows = [grad(expression[i], wrts, consider_constant, disconnected_inputs)
                    for i in range(n)]
            results = [stack([row[k] for row in rows]) for k in range(len(wrts))]
    else:
        raise ValueError(f"jacobian: expects a vector or a scalar, got {expression.describe()}")
    return results if many else results[0]


def hessian(cost, wrt, consider_constant=None, disconnected_inputs="raise"):
    """The Hessian of a scalar ``cost`` with respect to each vector in ``wrt``: the
    Jacobian of its gradient (each ``wrt`` needs a length known when the graph is
    built; see :func:`jacobian`)."""
    wrts, many = _as_list(wrt)
    results = []
    for w in wrts:
        g = grad(cost, w, consider_constant, disconnected_inputs)
        results.append(jacobian(g, w, consider_constant, disconnected_inputs))
    return results if many else results[0]
