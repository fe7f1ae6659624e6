"""``ifelse(condition, then, else)``: one of two values chosen by a scalar condition
(Theano's ``theano.ifelse.ifelse``).

Theano evaluates only the branch it takes; here both branches are computed and the
op passes one on, so the values (and the gradients) are Theano's, the time is that of
both branches. Unlike ``switch``, the branches need not have the same shape: the
result has the chosen one's.
"""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable


class IfElse(Op):
    """Inputs ``(condition, then_1..then_n, else_1..else_n)``; outputs ``n`` values,
    each ``then_i`` where the scalar ``condition`` is true, else ``else_i``."""

    __props__ = ("n",)

    def __init__(self, n):
        self.n = n

    def __str__(self):
        return "ifelse"

    def make_node(self, condition, *branches):
        condition = as_tensor_variable(condition)
        if condition.ndim != 0:
            raise TypeError(f"ifelse: the condition must be a scalar, got {condition.describe()}")
        branches = [as_tensor_variable(b) for b in branches]
        thens, elses = branches[:self.n], branches[self.n:]
        outputs = []
        for k, (t, e) in enumerate(zip(thens, elses)):
            if t.ndim != e.ndim:
                raise TypeError(f"ifelse: branch {k} has {t.describe()} when true and "
                                f"{e.describe()} when false: they need as many dimensions")
            dtype = np.result_type(np.dtype(t.dtype), np.dtype(e.dtype)).name
            shape = tuple(a if a == b else None for a, b in zip(t.type.shape, e.type.shape))
            outputs.append(TensorVariable(TensorType(dtype, shape)))
        return Apply(self, [condition] + thens + elses, outputs)

    def perform(self, node, inputs):
        condition, branches = inputs[0], inputs[1:]
        chosen = branches[:self.n] if bool(condition) else branches[self.n:]
        return [np.array(v, dtype=o.dtype) for v, o in zip(chosen, node.outputs)]

    def grad(self, inputs, outputs, output_grads):
        from .basic import zeros_like
        condition, branches = inputs[0], inputs[1:]
        thens, elses = branches[:self.n], branches[self.n:]
        grads = [None]
        for side, values in (("then", thens), ("else", elses)):
            for v, g in zip(values, output_grads):
                if not v.type.is_float:
                    grads.append(None)
                    continue
                zero = zeros_like(v, dtype=g.dtype)
                pair = (g, zero) if side == "then" else (zero, g)
                grads.append(IfElse(1)(condition, *pair))
        return grads


def ifelse(condition, then_branch, else_branch, name=None):
    """``then_branch`` if the scalar ``condition`` is true, else ``else_branch``; each
    may be a variable or a list of them (a list gives a list back)."""
    many = isinstance(then_branch, (list, tuple))
    thens = list(then_branch) if many else [then_branch]
    elses = list(else_branch) if isinstance(else_branch, (list, tuple)) else [else_branch]
    if len(thens) != len(elses):
        raise ValueError(f"ifelse: {len(thens)} value(s) when true, {len(elses)} when false")
    outs = IfElse(len(thens))(condition, *thens, *elses)
    outs = outs if isinstance(outs, list) else [outs]
    if name is not None:
        for o in outs:
            o.name = name
    return outs if many else outs[0]
