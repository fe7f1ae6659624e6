"""Elementwise ops: one :class:`Elemwise` Op wrapping a table of scalar functions.

Each :class:`ScalarOp` names a NumPy ufunc (or a short vectorized function) and
its local derivative, written with the same symbolic functions users call. The
output dtype is whatever NumPy gives for the input dtypes, so arrays behave as
in NumPy; broadcasting follows NumPy too, and the gradient of a broadcast input
is summed back to that input's run-time shape by :func:`sum_to`.
"""
import numbers
from functools import lru_cache

import numpy as np

from ..config import config
from ..graph.basic import Apply, Op, Variable
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable, constant


class ScalarOp:
    """A named elementwise function with its NumPy kernel and gradient rule.

    ``grad(inputs, output, output_grad)`` returns one symbolic gradient (or
    None, for inputs without a gradient) per input, before broadcasting is undone.
    """

    def __init__(self, name, nin, kernel, grad=None, ufunc=None, disconnects=False):
        self.name = name
        self.nin = nin
        # no gradient reaches the inputs, and they count as not connected to the cost
        # (disconnected_grad); other ops without a gradient pass zeros
        self.disconnects = disconnects
        self.kernel = kernel
        self.grad = grad
        # the ufunc, when there is one, lets fused kernels write into buffers (out=)
        self.ufunc = ufunc if ufunc is not None else (kernel if isinstance(kernel, np.ufunc) else None)

    def __repr__(self):
        return self.name

    # scalar ops are singletons compared by name, so Elemwise(add) == Elemwise(add)
    def __eq__(self, other):
        return isinstance(other, ScalarOp) and other.name == self.name

    def __hash__(self):
        return hash(("ScalarOp", self.name))

    def __reduce__(self):
        # pickled by name: the registered singleton comes back (its kernel and
        # gradient rule are functions of this module, some of them lambdas)
        return _registered, (self.name,)


def _registered(name):
    """The registered scalar op ``name`` (what a pickled ScalarOp loads as)."""
    return SCALAR_OPS[name]


@lru_cache(maxsize=None)
def _result_dtype(scalar_op, dtypes):
    """The dtype NumPy gives ``scalar_op`` on inputs of ``dtypes``."""
    with np.errstate(all="ignore"):
        probe = scalar_op.kernel(*[np.ones((), dtype=d) for d in dtypes])
    return np.asarray(probe).dtype.name


def broadcast_static_shapes(shapes, op_name, variables):
    """NumPy broadcasting of static shapes; raises naming the op and shapes on a mismatch."""
    ndim = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    result = []
    for axis in range(ndim):
        sizes = [s[axis] for s in padded]
        known = {d for d in sizes if d is not None and d != 1}
        if len(known) > 1:
            described = ", ".join(v.describe() for v in variables)
            spelled = " and ".join(TensorType("float64", s).shape_str() for s in shapes)
            raise ValueError(
                f"{op_name}: shapes {spelled} cannot be broadcast together (axis {axis} of the result: sizes {sorted(known)}); "
                f"operands: {described}")
        if known:
            result.append(known.pop())
        elif any(d is None for d in sizes):
            result.append(None)
        else:
            result.append(1)
    return tuple(result)


def broadcast_to_static(value, target, op_name, target_label):
    """Static shape of ``value`` broadcast to a target static shape (NumPy rules:
    trailing axes align). Where the target's size is unknown, the value's size
    (if not 1) decides it; a contradiction raises naming ``op_name``."""
    if value.ndim > len(target):
        raise ValueError(f"{op_name}: {value.describe()} has more dimensions than {target_label}")
    shape = list(target)
    lead = len(target) - value.ndim
    for axis, size in enumerate(value.type.shape):
        want = shape[lead + axis]
        if size is None or size == 1:
            continue
        if want is None:
            shape[lead + axis] = size
        elif want != size:
            raise ValueError(f"{op_name}: {value.describe()} cannot be broadcast to {target_label} "
                             f"(dimension {lead + axis}: {size} != {want})")
    return tuple(shape)


def _as_operands(values):
    """Turn Python numbers into constants of the kind NumPy would pick (NEP 50:
    a Python scalar is *weak* and does not upcast an array of its own kind).

    A Python int takes the integer dtype of the tensors it meets (their float
    dtype if they are floats) and, when its value does not fit there, the
    smallest dtype that holds both, as value-based casting did; a Python float
    takes the widest float dtype among the tensors, or ``config.floatX``.
    ``np.float64`` scalars are Python floats and count as weak too.
    """
    tensors = [v for v in values if isinstance(v, Variable)]
    result = []
    for v in values:
        if isinstance(v, Variable):
            result.append(v)
        elif isinstance(v, (bool, np.bool_)):
            result.append(constant(v, dtype="bool"))
        elif isinstance(v, numbers.Integral) and not isinstance(v, np.integer):
            result.append(constant(v, dtype=_weak_int_dtype(int(v), tensors)))
        elif isinstance(v, float):
            floats = [t.dtype for t in tensors if t.type.is_float]
            dtype = np.result_type(*floats).name if floats else config.floatX
            result.append(constant(v, dtype=dtype))
        else:
            result.append(as_tensor_variable(v))
    return result


def _weak_int_dtype(value, tensors):
    if not np.iinfo(np.int64).min <= value <= np.iinfo(np.uint64).max:
        raise OverflowError(f"the Python integer {value} does not fit any supported dtype")
    dtypes = [t.dtype for t in tensors if t.dtype != "bool"]
    if not dtypes:
        return "int64"
    base = np.result_type(*dtypes)
    if base.kind == "f":
        return base.name
    info = np.iinfo(base)
    if info.min <= value <= info.max:
        return base.name
    holder = next(t for t in ("int8", "int16", "int32", "int64", "uint64")
                  if np.iinfo(t).min <= value <= np.iinfo(t).max)
    return np.promote_types(base, holder).name


class Elemwise(Op):
    """Applies a :class:`ScalarOp` elementwise, with NumPy broadcasting."""

    __props__ = ("scalar_op",)

    def __init__(self, scalar_op):
        self.scalar_op = scalar_op

    def __str__(self):
        return self.scalar_op.name

    def make_node(self, *inputs):
        if len(inputs) != self.scalar_op.nin:
            raise TypeError(f"{self}: takes {self.scalar_op.nin} inputs, got {len(inputs)}")
        inputs = _as_operands(inputs)
        shape = broadcast_static_shapes([v.type.shape for v in inputs], str(self), inputs)
        dtypes = tuple(v.dtype for v in inputs)
        try:
            dtype = _result_dtype(self.scalar_op, dtypes)
        except TypeError:
            raise TypeError(f"{self}: not defined for inputs of dtype {', '.join(dtypes)}; "
                            f"operands: {', '.join(v.describe() for v in inputs)}") from None
        return Apply(self, inputs, [TensorVariable(TensorType(dtype, shape))])

    def perform(self, node, inputs):
        out = self.scalar_op.kernel(*inputs)
        dtype = node.outputs[0].dtype
        if not isinstance(out, np.ndarray) or out.dtype.name != dtype:
            out = np.asarray(out, dtype=dtype)
        return [out]

    def infer_shape(self, node, input_shapes):
        return [np.broadcast_shapes(*input_shapes)]

    def grad(self, inputs, outputs, output_grads):
        if self.scalar_op.grad is None:
            raise NotImplementedError(f"{self} has no gradient")
        (gz,) = output_grads
        grads = self.scalar_op.grad(inputs, outputs, gz)
        result = []
        for x, g in zip(inputs, grads):
            if g is None or not x.type.is_float:
                result.append(None)
                continue
            if g.dtype != x.dtype:
                g = cast(g, x.dtype)
            result.append(sum_to(g, x))
        return result


def sum_to(g, x):
    """``g`` summed over the axes along which ``x`` was broadcast."""
    from .reduction import SumTo
    if g.type.shape == x.type.shape and None not in x.type.shape:
        return g
    return SumTo()(g, x)


# --- kernels NumPy lacks as one ufunc --------------------------------------

def _sigmoid(x):
    x = np.asarray(x, dtype=np.result_type(x, np.float16))
    return sigmoid_into(x, np.empty(x.shape, x.dtype))


def sigmoid_into(x, out):
    """``out = sigmoid(x) = 1 / (1 + exp(-x))`` by four ufunc calls in place, with no
    temporary (``out`` may be ``x``): the one kernel every mode runs.

    The formula keeps full relative precision wherever ``exp(-x)`` is finite (for
    very negative ``x`` it is a large number, and ``1 + big`` rounds harmlessly).
    Where ``exp(-x)`` overflows (``x`` below about -709 in float64, -88 in float32)
    the result is exactly 0, as NumPy computes it: the true value would be
    subnormal, and a clipped ``x`` would make it a tiny positive number instead,
    which turns ``inf * sigmoid(x)`` into ``inf`` where NumPy gives NaN.
    """
    with np.errstate(over="ignore"):     # exp(-x) = inf is the intended path to 0
        np.negative(x, out=out)
        np.exp(out, out=out)
    np.add(out, 1, out=out)
    np.reciprocal(out, out=out)
    return out


def _softplus(x):
    return np.logaddexp(np.zeros((), dtype=np.result_type(x, np.float16)), x)


def _switch(cond, a, b):
    return np.where(cond, a, b)


def _special(name, *leading):
    """The SciPy special function ``name`` as a kernel (SciPy is imported when a graph
    first uses it: it is an optional dependency, ``pip install 'symconv[special]'``)."""
    def kernel(*args):
        try:
            import scipy.special
        except ImportError:
            raise ImportError(f"{name} needs SciPy: pip install 'symconv[special]' "
                              "(or scipy)") from None
        return getattr(scipy.special, name)(*leading, *args)
    kernel.__name__ = name
    return kernel


def _no_gradient(name):
    def grad(inputs, outputs, output_grad):
        raise NotImplementedError(f"{name}: no gradient in symconv")
    return grad


def _xlogy0(x, y):
    """``x * log(y)``, 0 where ``x`` is 0 (the limit, which the product gives as NaN
    at ``y = 0``)."""
    dtype = np.result_type(x, y, np.float16)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.equal(x, 0), dtype.type(0), np.multiply(x, np.log(y), dtype=dtype))


def _xlogx(x):
    return _xlogy0(x, x)


# --- the table --------------------------------------------------------------
# Each gradient is written with the symbolic functions defined below it; they
# are looked up when the gradient is built, so the order in the file is free.

def _zero_grads(inputs, out, gz):
    return [None] * len(inputs)


SCALAR_OPS = {}
_LN2, _LN10 = float(np.log(2.0)), float(np.log(10.0))


def _register(name, nin, kernel, grad=None, ufunc=None, disconnects=False):
    SCALAR_OPS[name] = ScalarOp(name, nin, kernel, grad, ufunc, disconnects)
    return Elemwise(SCALAR_OPS[name])


# arithmetic
add_op = _register("add", 2, np.add, lambda i, o, g: [g, g])
sub_op = _register("sub", 2, np.subtract, lambda i, o, g: [g, neg(g)])
mul_op = _register("mul", 2, np.multiply, lambda i, o, g: [mul(g, i[1]), mul(g, i[0])])
true_div_op = _register("true_div", 2, np.true_divide, lambda i, o, g: [
    true_div(g, i[1]), neg(true_div(mul(g, i[0]), mul(i[1], i[1])))])
floor_div_op = _register("floor_div", 2, np.floor_divide, _zero_grads)
mod_op = _register("mod", 2, np.mod, lambda i, o, g: [g, neg(mul(g, floor_div(i[0], i[1])))])
pow_op = _register("pow", 2, np.power, lambda i, o, g: [
    mul(g, mul(i[1], pow(i[0], sub(i[1], 1)))),
    mul(g, mul(o[0], log(switch(gt(i[0], 0), i[0], 1))))])
neg_op = _register("neg", 1, np.negative, lambda i, o, g: [neg(g)])
abs_op = _register("abs", 1, np.abs, lambda i, o, g: [mul(g, sign(i[0]))])
sign_op = _register("sign", 1, np.sign, _zero_grads)
sqr_op = _register("sqr", 1, np.square, lambda i, o, g: [mul(g, mul(i[0], 2.0))])
sqrt_op = _register("sqrt", 1, np.sqrt, lambda i, o, g: [true_div(g, mul(o[0], 2.0))])
exp_op = _register("exp", 1, np.exp, lambda i, o, g: [mul(g, o[0])])
expm1_op = _register("expm1", 1, np.expm1, lambda i, o, g: [mul(g, exp(i[0]))])
log_op = _register("log", 1, np.log, lambda i, o, g: [true_div(g, i[0])])
log1p_op = _register("log1p", 1, np.log1p, lambda i, o, g: [true_div(g, add(i[0], 1.0))])
log2_op = _register("log2", 1, np.log2, lambda i, o, g: [true_div(g, mul(i[0], _LN2))])
log10_op = _register("log10", 1, np.log10, lambda i, o, g: [true_div(g, mul(i[0], _LN10))])
xlogx_op = _register("xlogx", 1, _xlogx, lambda i, o, g: [mul(g, add(log(i[0]), 1.0))])
xlogy0_op = _register("xlogy0", 2, _xlogy0, lambda i, o, g: [
    mul(g, log(i[1])), mul(g, true_div(i[0], i[1]))])
tanh_op = _register("tanh", 1, np.tanh, lambda i, o, g: [
    mul(g, sub(1.0, sqr(o[0])))])
sigmoid_op = _register("sigmoid", 1, _sigmoid, lambda i, o, g: [
    mul(g, mul(o[0], sub(1.0, o[0])))])
softplus_op = _register("softplus", 1, _softplus, lambda i, o, g: [mul(g, sigmoid(i[0]))])
sin_op = _register("sin", 1, np.sin, lambda i, o, g: [mul(g, cos(i[0]))])
cos_op = _register("cos", 1, np.cos, lambda i, o, g: [neg(mul(g, sin(i[0])))])
# special functions (SciPy's), with their derivatives
_TWO_OVER_SQRT_PI, _SQRT_PI_OVER_TWO = 2.0 / float(np.sqrt(np.pi)), float(np.sqrt(np.pi)) / 2.0
erf_op = _register("erf", 1, _special("erf"), lambda i, o, g: [
    mul(g, mul(_TWO_OVER_SQRT_PI, exp(neg(sqr(i[0])))))])
erfc_op = _register("erfc", 1, _special("erfc"), lambda i, o, g: [
    neg(mul(g, mul(_TWO_OVER_SQRT_PI, exp(neg(sqr(i[0]))))))])
erfinv_op = _register("erfinv", 1, _special("erfinv"), lambda i, o, g: [
    mul(g, mul(_SQRT_PI_OVER_TWO, exp(sqr(o[0]))))])
erfcinv_op = _register("erfcinv", 1, _special("erfcinv"), lambda i, o, g: [
    neg(mul(g, mul(_SQRT_PI_OVER_TWO, exp(sqr(o[0])))))])
gammaln_op = _register("gammaln", 1, _special("gammaln"), lambda i, o, g: [mul(g, psi(i[0]))])
gamma_op = _register("gamma", 1, _special("gamma"), lambda i, o, g: [
    mul(g, mul(o[0], psi(i[0])))])
psi_op = _register("psi", 1, _special("psi"), lambda i, o, g: [mul(g, tri_gamma(i[0]))])
tri_gamma_op = _register("tri_gamma", 1, _special("polygamma", 1), _no_gradient("tri_gamma"))
tan_op = _register("tan", 1, np.tan, lambda i, o, g: [mul(g, add(1.0, sqr(o[0])))])
arcsin_op = _register("arcsin", 1, np.arcsin, lambda i, o, g: [
    true_div(g, sqrt(sub(1.0, sqr(i[0]))))])
arccos_op = _register("arccos", 1, np.arccos, lambda i, o, g: [
    neg(true_div(g, sqrt(sub(1.0, sqr(i[0])))))])
arctan_op = _register("arctan", 1, np.arctan, lambda i, o, g: [true_div(g, add(1.0, sqr(i[0])))])
arctan2_op = _register("arctan2", 2, np.arctan2, lambda i, o, g: [
    true_div(mul(g, i[1]), add(sqr(i[0]), sqr(i[1]))),
    neg(true_div(mul(g, i[0]), add(sqr(i[0]), sqr(i[1]))))])
sinh_op = _register("sinh", 1, np.sinh, lambda i, o, g: [mul(g, cosh(i[0]))])
cosh_op = _register("cosh", 1, np.cosh, lambda i, o, g: [mul(g, sinh(i[0]))])
arcsinh_op = _register("arcsinh", 1, np.arcsinh, lambda i, o, g: [
    true_div(g, sqrt(add(sqr(i[0]), 1.0)))])
arccosh_op = _register("arccosh", 1, np.arccosh, lambda i, o, g: [
    true_div(g, sqrt(sub(sqr(i[0]), 1.0)))])
arctanh_op = _register("arctanh", 1, np.arctanh, lambda i, o, g: [
    true_div(g, sub(1.0, sqr(i[0])))])
exp2_op = _register("exp2", 1, np.exp2, lambda i, o, g: [mul(g, mul(o[0], _LN2))])
deg2rad_op = _register("deg2rad", 1, np.deg2rad, lambda i, o, g: [mul(g, np.pi / 180.0)])
rad2deg_op = _register("rad2deg", 1, np.rad2deg, lambda i, o, g: [mul(g, 180.0 / np.pi)])
trunc_op = _register("trunc", 1, np.trunc, _zero_grads)
floor_op = _register("floor", 1, np.floor, _zero_grads)
ceil_op = _register("ceil", 1, np.ceil, _zero_grads)
round_op = _register("round", 1, np.round, _zero_grads)
maximum_op = _register("maximum", 2, np.maximum, lambda i, o, g: [
    switch(ge(i[0], i[1]), g, 0.0), switch(ge(i[0], i[1]), 0.0, g)])
minimum_op = _register("minimum", 2, np.minimum, lambda i, o, g: [
    switch(le(i[0], i[1]), g, 0.0), switch(le(i[0], i[1]), 0.0, g)])
switch_op = _register("switch", 3, _switch, lambda i, o, g: [
    None, switch(i[0], g, 0.0), switch(i[0], 0.0, g)])
identity_op = _register("identity", 1, np.positive, lambda i, o, g: [g])

# identities for the gradient only (Theano's theano.gradient.zero_grad, disconnected_grad
# and grad_clip): the value passes unchanged, the compiler removes them, the gradient is
# zeros, disconnected, or clipped to [lo, hi] (scalars)
zero_grad_op = _register("zero_grad", 1, np.positive, _zero_grads)
disconnected_grad_op = _register("disconnected_grad", 1, np.positive, _zero_grads,
                                 disconnects=True)
grad_clip_op = _register("grad_clip", 3, lambda x, lo, hi: np.positive(x), lambda i, o, g: [
    maximum(minimum(g, i[2]), i[1]), None, None])
GRADIENT_IDENTITIES = ("zero_grad", "disconnected_grad", "grad_clip")
"""Scalar ops whose value is their first input's."""

# comparisons and logic: boolean results, no gradient
eq_op = _register("eq", 2, np.equal, _zero_grads)
neq_op = _register("neq", 2, np.not_equal, _zero_grads)
lt_op = _register("lt", 2, np.less, _zero_grads)
le_op = _register("le", 2, np.less_equal, _zero_grads)
gt_op = _register("gt", 2, np.greater, _zero_grads)
ge_op = _register("ge", 2, np.greater_equal, _zero_grads)
and_op = _register("and", 2, np.bitwise_and, _zero_grads)
or_op = _register("or", 2, np.bitwise_or, _zero_grads)
xor_op = _register("xor", 2, np.bitwise_xor, _zero_grads)
invert_op = _register("invert", 1, np.invert, _zero_grads)
isnan_op = _register("isnan", 1, np.isnan, _zero_grads)
isinf_op = _register("isinf", 1, np.isinf, _zero_grads)

# symbolic functions (the tensor API re-exports these) ------------------------
add, sub, mul, true_div, floor_div, mod, pow = (
    add_op, sub_op, mul_op, true_div_op, floor_div_op, mod_op, pow_op)
neg, abs, sign, sqr, sqrt, exp, expm1, log, log1p, log2, log10 = (
    neg_op, abs_op, sign_op, sqr_op, sqrt_op, exp_op, expm1_op, log_op, log1p_op, log2_op,
    log10_op)
xlogx, xlogy0 = xlogx_op, xlogy0_op
tan, arcsin, arccos, arctan, arctan2 = tan_op, arcsin_op, arccos_op, arctan_op, arctan2_op
sinh, cosh, arcsinh, arccosh, arctanh = sinh_op, cosh_op, arcsinh_op, arccosh_op, arctanh_op
exp2, deg2rad, rad2deg, trunc = exp2_op, deg2rad_op, rad2deg_op, trunc_op
erf, erfc, erfinv, erfcinv = erf_op, erfc_op, erfinv_op, erfcinv_op
gammaln, gamma, psi, tri_gamma = gammaln_op, gamma_op, psi_op, tri_gamma_op
tanh, sigmoid, softplus, sin, cos, floor, ceil = (
    tanh_op, sigmoid_op, softplus_op, sin_op, cos_op, floor_op, ceil_op)
maximum, minimum, switch = maximum_op, minimum_op, switch_op
eq, neq, lt, le, gt, ge = eq_op, neq_op, lt_op, le_op, gt_op, ge_op
and_, or_, xor, invert, isnan, isinf = and_op, or_op, xor_op, invert_op, isnan_op, isinf_op


class Cast(Op):
    """Converts to another dtype (``x.astype(dtype)``)."""

    __props__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype).name

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorVariable(TensorType(self.dtype, x.type.shape))])

    def perform(self, node, inputs):
        return [np.asarray(inputs[0]).astype(self.dtype)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        # rounding to an integer dtype is flat almost everywhere: no gradient flows back
        (x,) = inputs
        if not x.type.is_float or not np.dtype(self.dtype).kind == "f":
            return [None]
        return [cast(output_grads[0], x.dtype)]


def cast(x, dtype):
    """``x`` converted to ``dtype`` (no node when it already has that dtype)."""
    x = as_tensor_variable(x)
    if x.dtype == np.dtype(dtype).name:
        return x
    return Cast(dtype)(x)
