"""Elementwise functions, reductions and products on symbolic tensors."""
from ..ops import elemwise as _E
from ..ops import reduction as _R
from ..ops.blas import batched_dot, dot, tensordot
from ..ops.sorting import argsort, flatnonzero, nonzero, nonzero_values, sort
from ..ops.arrays import cumsum, repeat  # noqa: F401  (for the methods x.cumsum(), x.repeat())
from ..ops.elemwise import identity_op  # noqa: F401  (for x.copy())
from ..ops.reduction import argmax, argmin, max, mean, min, prod, sum
from ..ops.elemwise import (arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, cosh,
                            deg2rad, exp2, rad2deg, sinh, tan, trunc)
from ..ops.elemwise import erf, erfc, erfcinv, erfinv, gamma, gammaln, psi, tri_gamma
from ..ops.elemwise import (abs, add, and_, cast, ceil, cos, eq, exp, expm1, floor, floor_div,
                            ge, gt, invert, isinf, isnan, le, log, log1p, log2, log10, lt, maximum,
                            minimum,
                            mod, mul, neg, neq, or_, pow, sigmoid, sign, sin, softplus, sqr, sqrt,
                            sub, switch, tanh, true_div, xlogx, xlogy0, xor)  # noqa: F401
# (xlogx and xlogy0 are T.math.xlogx...: at T they would hide Theano's T.xlogx module)
from ..graph.tensor import as_tensor_variable

__all__ = [
    "abs", "add", "and_", "cast", "ceil", "cos", "eq", "exp", "expm1", "floor", "floor_div", "ge",
    "gt", "invert", "isinf", "isnan", "le", "log", "log1p", "log2", "log10", "lt", "maximum", "minimum", "mod", "mul",
    "neg", "neq", "or_", "pow", "sigmoid", "sign", "sin", "softplus", "sqr", "sqrt", "sub", "switch",
    "tanh", "true_div", "xor", "dot", "tensordot", "batched_dot", "sort", "argsort", "nonzero",
    "flatnonzero", "nonzero_values", "sum", "mean", "max", "min", "prod", "argmax", "argmin",
    "clip", "square", "true_divide", "round", "var", "std",
    "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "arcsinh", "arccosh",
    "arctanh", "exp2", "deg2rad", "rad2deg", "trunc",
    "erf", "erfc", "erfinv", "erfcinv", "gammaln", "gamma", "psi", "tri_gamma",
]

square = sqr
true_divide = true_div
round = _E.round_op


def clip(x, a_min, a_max):
    """``x`` limited to ``[a_min, a_max]``."""
    return minimum(maximum(x, a_min), a_max)


def var(x, axis=None, ddof=0, keepdims=False):
    """Variance over ``axis``, as ``np.var``: the mean squared deviation from the
    mean, divided by ``n - ddof`` instead of ``n`` when ``ddof`` is given."""
    x = as_tensor_variable(x)
    axes = _R.normalize_axis(axis, x.ndim, "var", x)
    centred = sub(x, mean(x, axis=axes, keepdims=True))
    out = mean(sqr(centred), axis=axes, keepdims=keepdims)
    if ddof:
        from .shapes import shape
        count = 1
        for a in axes:
            count = mul(count, shape(x)[a])
        count = cast(count, out.dtype)
        out = mul(out, true_div(count, sub(count, ddof)))
    return out


def std(x, axis=None, ddof=0, keepdims=False):
    """Standard deviation over ``axis``: the square root of :func:`var`."""
    return sqrt(var(x, axis=axis, ddof=ddof, keepdims=keepdims))
