"""The logistic function as users write it, and the logs taken of it.

Logistic regression and autoencoders are written ``p = 1 / (1 + exp(-t))`` or
``sigmoid(t)``, with costs ``log(p)``, ``log(1 - p)`` and ``log(1 + exp(t))``.
Where ``t`` is large these underflow or overflow (``1 - p`` rounds to 0, ``exp(t)`` to
inf) although the function itself is smooth, and the chain rule through the pieces
meets ``0 * inf``. The matchers here find these spellings so that

- the compiler's stabilize phase computes them as ``sigmoid`` and ``softplus``
  (finite values), and
- :func:`symconv.grad` differentiates each one as a whole, by its closed form
  (``d log sigmoid(a) / da = sigmoid(-a)``...), finite wherever the value is,

as Theano's ``sigm`` rewrites made its graphs do.
"""
import numpy as np

from ..graph.basic import Constant
from . import elemwise as E


def _name(v):
    node = v.owner
    return node.op.scalar_op.name if node is not None and isinstance(node.op, E.Elemwise) \
        else None


def _is_one(c, other):
    """``c`` is a one-element constant 1 that broadcasting against ``other`` cannot
    enlarge (so that the result has ``other``'s shape)."""
    if not isinstance(c, Constant) or c.ndim > other.ndim:
        return False
    data = np.asarray(c.data)
    return data.size == 1 and bool(data.reshape(()) == 1)


def _other_than_one(v):
    """``y`` for ``v = 1 + y`` or ``y + 1``, else None."""
    if _name(v) != "add" or len(v.owner.inputs) != 2:
        return None
    a, b = v.owner.inputs
    if _is_one(a, b):
        return b
    if _is_one(b, a):
        return a
    return None


def written_out_sigmoid(v):
    """``(u, sign, between)`` when ``v`` is ``1 / (1 + exp(w))`` written out, so that
    ``v = sigmoid(sign * u)``: ``w = -u`` gives ``sign`` 1, any other ``w = u`` gives
    -1. ``between`` lists the variables from ``u`` to ``v``. Else None."""
    if _name(v) != "true_div":
        return None
    one, d = v.owner.inputs
    if not _is_one(one, d):
        return None
    e = _other_than_one(d)
    if e is None or _name(e) != "exp":
        return None
    w = e.owner.inputs[0]
    if not w.type.is_float:
        return None
    if _name(w) == "neg":
        return w.owner.inputs[0], 1, [d, e, w]
    return w, -1, [d, e]


def sigmoid_form(v):
    """``(u, sign, between)`` with ``v = sigmoid(sign * u)``: the sigmoid op
    (``between`` empty) or :func:`written_out_sigmoid`. Else None."""
    if _name(v) == "sigmoid":
        return v.owner.inputs[0], 1, []
    return written_out_sigmoid(v)


def _sigmoid_of(u, sign):
    """``sigmoid(sign * u)``."""
    return E.sigmoid(u) if sign > 0 else E.sigmoid(E.neg(u))


def _signed(sign, v):
    """``sign * v``."""
    return v if sign > 0 else E.neg(v)


def closed_form_gradient(y):
    """``(u, between, gradient)`` when ``y`` is one of

    - ``log(p)``: ``dy/du = sign * sigmoid(-sign u)``,
    - ``log(1 - p)``: ``dy/du = -sign * sigmoid(sign u)``,
    - ``p`` itself written out: ``dy/du = sign * p * (1 - p)``,

    for ``p = sigmoid(sign * u)`` in a form :func:`sigmoid_form` knows, or
    ``log(1 + exp(u))`` or ``log1p(exp(u))`` (``dy/du = sigmoid(u)``); ``gradient(g)``
    builds ``g * dy/du``, and ``between`` lists the variables from ``u`` to ``y``.
    Else None."""
    name = _name(y)
    if name == "true_div":
        found = written_out_sigmoid(y)
        if found is None:
            return None
        u, sign, between = found

        return u, between, lambda g: _signed(sign, E.mul(g, E.mul(y, E.sub(1, y))))
    if name not in ("log", "log1p"):
        return None
    x = y.owner.inputs[0]
    if name == "log1p":
        if _name(x) != "exp":
            return None
        u = x.owner.inputs[0]
        return u, [x], lambda g: E.mul(g, E.sigmoid(u))
    e = _other_than_one(x)
    if e is not None and _name(e) == "exp":
        u = e.owner.inputs[0]
        return u, [x, e], lambda g: E.mul(g, E.sigmoid(u))
    found = sigmoid_form(x)
    if found is not None:
        u, sign, between = found
        # d log sigmoid(a) / da = sigmoid(-a), with a = sign * u
        return u, [x] + between, lambda g: _signed(sign, E.mul(g, _sigmoid_of(u, -sign)))
    if _name(x) == "sub":
        one, p = x.owner.inputs
        found = sigmoid_form(p) if _is_one(one, p) else None
        if found is not None:
            u, sign, between = found
            # log(1 - sigmoid(a)) = log sigmoid(-a): d/da = -sigmoid(a)
            return u, [x, p] + between, lambda g: _signed(-sign, E.mul(g, _sigmoid_of(u, sign)))
    return None
