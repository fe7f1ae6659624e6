"""Fused ops: what the compiler's rewrites turn groups of nodes into.

Users never build these; the compiler's fusion and specialization rewrites do,
and ``debugprint(f)`` shows them in a compiled function's graph.

- :class:`FusedElemwise`: a group of elementwise nodes (with the dimshuffles,
  casts and reductions at its edges) run as one kernel, a generated sequence
  of NumPy ufunc calls writing into preallocated buffers;
- :class:`ScaledDot`: ``alpha * dot(x, y)``, scaling the smallest operand;
- :class:`Gemm`: ``beta * z + alpha * dot(x, y)``, the SGD update of a weight
  matrix as one BLAS call that writes into the weights;
- :class:`SoftmaxNLL` and :class:`SoftmaxNLLGrad`: softmax with the negative
  log-likelihood of integer labels, and its gradient ``(sm - onehot) * g``;
- :class:`Affine`: ``act(dot(x, w) + b)``, a fully connected layer.

The convolution-pooling layer is in :mod:`symconv.ops.convpool`.
"""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..tensor.variable import TensorVariable
from .elemwise import SCALAR_OPS, sigmoid_into
from .reduction import sum_to_shape


class Instruction:
    """One step of a fused program.

    Parameters
    ----------
    kind : {"scalar", "cast", "dimshuffle", "broadcast", "reduce", "sum_to"}
    arg : the scalar op name, target dtype, dimshuffle pattern, or
        ``(reducer, axes, keepdims)``
    refs : tuple of int
        Operands: ``k >= 0`` is the result of instruction ``k``, ``-1 - j`` is input ``j``.
    type : TensorType
        Static type of the result.
    origin : str
        The replaced node, as printed (``"add"``, ``"dimshuffle{x,0}"``), for messages.
    trace : tuple or None
        Where the replaced node was built in user code (for the NaN guard).
    """

    __slots__ = ("kind", "arg", "refs", "type", "origin", "trace")

    def __init__(self, kind, arg, refs, type, origin="", trace=None):
        self.kind, self.arg, self.refs, self.type, self.origin, self.trace = (
            kind, arg, tuple(refs), type, origin, trace)

    def key(self):
        return (self.kind, self.arg, self.refs, self.type)

    def label(self):
        """A short name: the scalar op, ``cast``, the reducer, ``sum_to``..."""
        if self.kind == "scalar":
            return self.arg
        if self.kind == "reduce":
            return self.arg[0]
        return self.kind

    def __eq__(self, other):
        return isinstance(other, Instruction) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        return f"Instruction({self.kind}, {self.arg}, {self.refs})"


def ref_str(ref):
    return f"i{-1 - ref}" if ref < 0 else f"t{ref}"


_REDUCERS = {"sum": np.add.reduce, "max": np.maximum.reduce, "min": np.minimum.reduce,
             "prod": np.multiply.reduce}


def evaluate(instr, args):
    """The reference result of one instruction on NumPy arrays (allocates)."""
    if instr.kind == "scalar":
        out = SCALAR_OPS[instr.arg].kernel(*args)
    elif instr.kind == "cast":
        out = np.asarray(args[0]).astype(instr.arg)
    elif instr.kind == "dimshuffle":
        out = dimshuffle_array(args[0], instr.arg)
    elif instr.kind == "reduce":
        reducer, axes, keepdims = instr.arg
        if reducer == "mean":
            out = np.mean(args[0], axis=axes, keepdims=keepdims)
        else:
            out = _REDUCERS[reducer](args[0], axis=axes, keepdims=keepdims)
    elif instr.kind == "sum_to":
        out = sum_to_shape(args[0], np.shape(args[1]))
    elif instr.kind == "broadcast":
        out = np.broadcast_to(args[0], np.broadcast_shapes(np.shape(args[0]), np.shape(args[1])))
    else:
        raise ValueError(f"unknown fused instruction kind {instr.kind!r}")
    if not isinstance(out, np.ndarray) or out.dtype.name != instr.type.dtype:
        out = np.asarray(out, dtype=instr.type.dtype)
    return out


def dimshuffle_array(x, pattern):
    """``x`` with axes reordered, ``'x'`` axes inserted and unlisted length-1 axes dropped."""
    kept = [p for p in pattern if p != "x"]
    dropped = [i for i in range(x.ndim) if i not in kept]
    if dropped:
        x = x.reshape([s for i, s in enumerate(x.shape) if i not in dropped])
        kept = [p - sum(1 for d in dropped if d < p) for p in kept]
    x = np.transpose(x, kept)
    return x[tuple(None if p == "x" else slice(None) for p in pattern)]


class FusedElemwise(Op):
    """A group of elementwise nodes computed as one kernel.

    Parameters
    ----------
    program : tuple of Instruction
        In execution order; each reads the group's inputs and earlier results.
    outputs : tuple of int
        Which instructions' results leave the group, in output order.
    destroy : tuple of (int, int)
        ``(output, input)`` pairs: the output may be written into the input's
        storage (set by the compiler's in-place phase for shared-variable updates).
    """

    __props__ = ("program", "outputs", "destroy")

    def __init__(self, program, outputs, destroy=()):
        self.program = tuple(program)
        self.outputs = tuple(outputs)
        self.destroy = tuple(destroy)

    def __str__(self):
        names = [ins.label() for ins in self.program
                 if ins.kind not in ("dimshuffle", "broadcast")]
        body = ",".join(str(n) for n in names[:6]) + (",..." if len(names) > 6 else "")
        text = f"fused{{{body}}}"
        if self.destroy:
            text += "[inplace " + ",".join(f"{o}<-i{i}" for o, i in self.destroy) + "]"
        return text

    @property
    def destroy_map(self):
        return {o: [i] for o, i in self.destroy}

    def with_destroy(self, destroy):
        return FusedElemwise(self.program, self.outputs, destroy)

    def make_node(self, *inputs):
        return Apply(self, list(inputs),
                     [TensorVariable(self.program[k].type) for k in self.outputs])

    def perform(self, node, inputs):
        values = self.run_program(inputs)
        return [values[k] for k in self.outputs]

    def run_program(self, inputs):
        """Every instruction's result, computed one after the other (the reference)."""
        values = []
        for instr in self.program:
            args = [inputs[-1 - r] if r < 0 else values[r] for r in instr.refs]
            values.append(evaluate(instr, args))
        return values

    def listing(self):
        """The program, one instruction a line (what ``debugprint`` shows for the kernel)."""
        lines = []
        for k, instr in enumerate(self.program):
            args = " ".join(ref_str(r) for r in instr.refs)
            arg = instr.arg if instr.kind != "reduce" else "{}{}".format(
                instr.arg[0], instr.arg[1])
            out = f" -> out{self.outputs.index(k)}" if k in self.outputs else ""
            lines.append(f"t{k}:{instr.type.short()} = {instr.kind}:{arg} {args}{out}")
        return lines

    def infer_shape(self, node, input_shapes):
        shapes = []
        for instr in self.program:
            args = [input_shapes[-1 - r] if r < 0 else shapes[r] for r in instr.refs]
            shapes.append(instruction_shape(instr, args))
        return [shapes[k] for k in self.outputs]

    def grad(self, inputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation; "
                                  "take gradients of the original graph")


def instruction_shape(instr, arg_shapes):
    """The run-time shape of an instruction's result from its operands' shapes."""
    if instr.kind in ("scalar",):
        return tuple(np.broadcast_shapes(*arg_shapes))
    if instr.kind == "cast":
        return tuple(arg_shapes[0])
    if instr.kind == "dimshuffle":
        (shape,) = arg_shapes
        return tuple(1 if p == "x" else shape[p] for p in instr.arg)
    if instr.kind == "reduce":
        _, axes, keepdims = instr.arg
        shape = arg_shapes[0]
        if keepdims:
            return tuple(1 if i in axes else s for i, s in enumerate(shape))
        return tuple(s for i, s in enumerate(shape) if i not in axes)
    if instr.kind == "sum_to":
        return tuple(arg_shapes[1])
    if instr.kind == "broadcast":
        return tuple(np.broadcast_shapes(*arg_shapes))
    raise ValueError(instr.kind)


class ScaledDot(Op):
    """``alpha * dot(x, y)`` for matrices; the kernel scales the smallest of ``x``, ``y``
    and the product, which is exact up to rounding."""

    __props__ = ("alpha",)

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def __str__(self):
        return f"scaled_dot{{{self.alpha:g}}}"

    def make_node(self, x, y):
        from .blas import Dot
        out = Dot().make_node(x, y).outputs[0]
        return Apply(self, [x, y], [TensorVariable(out.type)])

    def perform(self, node, inputs):
        x, y = inputs
        out = np.dot(x, y)
        out *= out.dtype.type(self.alpha)
        return [out]

    def infer_shape(self, node, input_shapes):
        return [(input_shapes[0][0], input_shapes[1][1])]

    def grad(self, inputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation")


class Gemm(Op):
    """``beta * z + alpha * dot(x, y)`` for matrices: BLAS's gemm.

    The compiler builds it from a shared variable's update ``beta * W + alpha *
    dot(x, y)`` (``W - eta * dot(x.T, g)``, with L2 ``(1 - eta * l) * W - ...``);
    the runtime then computes the product straight into ``W``'s memory
    (:meth:`symconv.compile.openblas.OpenBLAS.gemm`). Inputs ``(z, x, y)``.
    """

    __props__ = ("alpha", "beta")
    destroy_map = {0: [0]}   # written into z where the plan finds that safe, else a copy

    def __init__(self, alpha, beta):
        self.alpha, self.beta = float(alpha), float(beta)

    def __str__(self):
        return f"gemm{{{self.alpha:g},{self.beta:g}}}"

    def make_node(self, z, x, y):
        from .blas import Dot
        product = Dot().make_node(x, y).outputs[0]
        if z.ndim != 2 or product.ndim != 2 or z.dtype != product.dtype or \
                not z.type.is_compatible(product.type):
            raise TypeError(f"{self}: z must be a matrix of the type of dot(x, y), "
                            f"{product.type.short()}, got {z.describe()}")
        return Apply(self, [z, x, y], [TensorVariable(z.type)])

    def perform(self, node, inputs):
        z, x, y = inputs
        dtype = np.dtype(node.outputs[0].dtype)
        out = np.dot(x, y).astype(dtype, copy=False)
        out *= dtype.type(self.alpha)
        out += dtype.type(self.beta) * z
        return [out]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation")


# --- softmax and negative log-likelihood -------------------------------------------

def checked_labels(labels, classes, what="labels"):
    """``labels`` as indices into ``classes`` columns, with NumPy's meaning: a negative
    label counts from the end (``-1`` is the last class), and one outside
    ``[-classes, classes)`` raises an IndexError that names ``what``, the label and
    where it is. One min and one max over the labels when they are all in range."""
    if labels.size == 0:
        return labels
    low, high = labels.min(), labels.max()
    if low >= 0 and high < classes:
        return labels
    bad = np.flatnonzero((labels < -classes) | (labels >= classes))
    if bad.size:
        i = int(bad[0])
        raise IndexError(f"{what}: label {int(labels[i])} at position {i} is out of range "
                         f"for {classes} classes (valid: -{classes} to {classes - 1})")
    return np.where(labels < 0, labels + classes, labels)


def softmax_nll_forward(x, labels, what="labels"):
    """``(nll, sm)``: ``sm = softmax(x)`` row by row and, for each of the first
    ``len(labels)`` rows, ``nll[i] = -log sm[i, labels[i]]`` computed as
    ``log(sum(exp(x[i] - max))) - (x[i, labels[i]] - max)``, finite even where
    ``sm`` underflows to 0."""
    n = labels.shape[0]
    if n > x.shape[0]:
        raise IndexError(f"softmax_nll: {n} labels for {x.shape[0]} rows of scores")
    labels = checked_labels(labels, x.shape[1], what)
    sm = np.subtract(x, x.max(axis=1, keepdims=True))
    rows = np.arange(n)
    picked = sm[rows, labels]
    np.exp(sm, out=sm)
    total = sm.sum(axis=1, keepdims=True)
    sm /= total
    nll = np.log(total[:n, 0])
    nll -= picked
    return nll, sm


def softmax_nll_backward(g, sm, labels, mean=False, what="labels"):
    """Gradient of :func:`softmax_nll_forward`'s ``nll`` with respect to ``x``:
    ``(sm - onehot(labels)) * g`` on the labelled rows, 0 elsewhere. ``g`` is one
    value per label or a scalar for all of them; ``mean`` divides it by their number."""
    n = labels.shape[0]
    labels = checked_labels(labels, sm.shape[1], what)
    dx = np.zeros(sm.shape, dtype=np.result_type(g.dtype, sm.dtype))
    scale = g / np.asarray(n, dtype=g.dtype) if mean else g
    np.multiply(sm[:n], scale[:, None] if np.ndim(scale) else scale, out=dx[:n])
    dx[np.arange(n), labels] -= scale
    return dx


class SoftmaxNLL(Op):
    """``(x, labels) -> (nll, sm)``: softmax of the rows of ``x`` and the negative
    log-likelihood of each label, in one pass.

    What ``-log(softmax(x))[arange(n), y]`` (network3's cost before the mean) and
    ``categorical_crossentropy(softmax(x), y)`` become. Its gradient with respect
    to ``x`` is :class:`SoftmaxNLLGrad`, ``(sm - onehot(y)) * g``.
    """

    def make_node(self, x, labels):
        from ..tensor.variable import as_tensor_variable
        x, labels = as_tensor_variable(x), as_tensor_variable(labels)
        if x.ndim != 2 or not x.type.is_float:
            raise TypeError(f"{self}: the scores must be a float matrix, got {x.describe()}")
        if labels.ndim != 1 or not labels.type.is_integer:
            raise TypeError(f"{self}: the labels must be an integer vector, got "
                            f"{labels.describe()}")
        nll = TensorVariable(TensorType(x.dtype, labels.type.shape))
        return Apply(self, [x, labels], [nll, TensorVariable(x.type)])

    def perform(self, node, inputs):
        return list(softmax_nll_forward(*inputs, what=label_description(node)))

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1], input_shapes[0]]

    def grad(self, inputs, output_grads):
        from .softmax import SoftmaxGrad
        x, labels = inputs
        g_nll, g_sm = output_grads
        nll, sm = self(x, labels)
        gx = SoftmaxNLLGrad()(g_nll, sm, labels)
        if not _is_zeros(g_sm):
            from . import elemwise as E
            gx = E.add(gx, SoftmaxGrad()(g_sm, sm))
        return [gx, None]


class SoftmaxNLLGrad(Op):
    """``(g, sm, labels) -> (sm - onehot(labels)) * g``, zero on rows past
    ``len(labels)``: the gradient of :class:`SoftmaxNLL`'s ``nll`` with respect to
    the scores. ``g`` holds one value per label, or is a scalar for all of them;
    with ``mean``, it is divided by the number of labels (the gradient of the mean
    NLL is ``(softmax(x) - onehot(y)) / n``)."""

    __props__ = ("mean",)

    def __init__(self, mean=False):
        self.mean = bool(mean)

    def __str__(self):
        return "SoftmaxNLLGrad{mean}" if self.mean else "SoftmaxNLLGrad"

    def make_node(self, g, sm, labels):
        from ..tensor.variable import as_tensor_variable
        g, sm, labels = (as_tensor_variable(v) for v in (g, sm, labels))
        if g.ndim > 1 or sm.ndim != 2 or labels.ndim != 1 or (self.mean and g.ndim):
            raise TypeError(f"{self}: expects a gradient vector (a scalar with mean), a softmax "
                            f"matrix and a label vector, got {g.describe()}, {sm.describe()}, "
                            f"{labels.describe()}")
        dtype = np.result_type(g.dtype, sm.dtype).name
        return Apply(self, [g, sm, labels], [TensorVariable(TensorType(dtype, sm.type.shape))])

    def perform(self, node, inputs):
        g, sm, labels = inputs
        dx = softmax_nll_backward(np.asarray(g), sm, labels, self.mean,
                                  what=label_description(node))
        return [dx.astype(node.outputs[0].dtype, copy=False)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def grad(self, inputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation")


def label_description(node):
    """How errors about ``node``'s labels (its last input) name them: the variable and
    the line of user code that built the node."""
    text = f"{node.op}: labels {node.inputs[-1].describe()}"
    trace = getattr(node, "trace", None)
    if trace is not None:
        text += f" (built at {trace[0]}:{trace[1]})"
    return text


def _is_zeros(v):
    """True for a gradient the differentiation filled in as zeros (an ``alloc`` of 0)."""
    from ..graph.basic import Constant
    from .basic import Alloc
    if isinstance(v, Constant):
        return not np.any(v.data)
    node = v.owner
    return node is not None and isinstance(node.op, Alloc) and \
        isinstance(node.inputs[0], Constant) and not np.any(node.inputs[0].data)


# --- writing over inputs ------------------------------------------------------------

def inplace_ok(op, out, inp):
    """True if output ``out`` of a fused ``op`` can be computed into input ``inp``'s
    storage: nothing reads the input after the instruction that writes the output."""
    k = op.outputs[out]
    last = -1
    base = {}
    for step, instr in enumerate(op.program):
        if any(program_root(base, r) == -1 - inp for r in instr.refs):
            last = step
        if instr.kind in ("dimshuffle", "broadcast"):
            base[step] = program_root(base, instr.refs[0])
    return last < k or (last == k and alias_ok(op.program[k]))


def program_root(base, ref):
    """The register a program value is a view of (itself when it is no view)."""
    while ref >= 0 and ref in base:
        ref = base[ref]
    return ref


def alias_ok(instr):
    """May the destination be one of the operands? True for a single ufunc call, and for
    a kernel whose result is computed before being copied."""
    if instr.kind != "scalar":
        return instr.kind == "cast"
    return instr.arg != "switch"


# --- affine layers ------------------------------------------------------------------

AFFINE_ACTIVATIONS = (None, "relu", "sigmoid", "tanh")


def activate(act, z, out):
    """``out = act(z)`` as the graph computes it (ReLU is ``maximum(0, z)``)."""
    if act == "relu":
        np.maximum(z, z.dtype.type(0), out=out)
    elif act == "tanh":
        np.tanh(z, out=out)
    elif act == "sigmoid":
        sigmoid_into(z, out)
    elif out is not z:
        np.copyto(out, z)
    return out


class Affine(Op):
    """``act(dot(x, w) + b)`` for a matrix ``x``, matrix ``w`` and vector ``b``: a fully
    connected layer as one kernel (a GEMM into the output, the bias and the
    activation applied in place).

    Outputs ``out``, then ``pre`` (``dot(x, w) + b``) when there is an activation.
    """

    __props__ = ("act",)

    def __init__(self, act=None):
        if act not in AFFINE_ACTIVATIONS:
            raise ValueError(f"Affine: unknown activation {act!r}")
        self.act = act

    def __str__(self):
        return f"Affine{{{self.act}}}" if self.act else "Affine"

    def make_node(self, x, w, b):
        from ..tensor.variable import as_tensor_variable
        from .blas import Dot
        x, w, b = as_tensor_variable(x), as_tensor_variable(w), as_tensor_variable(b)
        if x.ndim != 2 or w.ndim != 2 or b.ndim != 1:
            raise TypeError(f"{self}: expects a matrix, a matrix and a vector, got "
                            f"{x.describe()}, {w.describe()}, {b.describe()}")
        z = Dot().make_node(x, w).outputs[0]
        cols = z.type.shape[1] if z.type.shape[1] is not None else b.type.shape[0]
        out = TensorType(np.result_type(z.dtype, b.dtype).name, (z.type.shape[0], cols))
        outputs = [TensorVariable(out)] + ([TensorVariable(out)] if self.act else [])
        return Apply(self, [x, w, b], outputs)

    def perform(self, node, inputs):
        x, w, b = inputs
        pre = np.dot(x, w)
        pre += b
        if self.act is None:
            return [pre]
        return [activate(self.act, pre, np.empty_like(pre)), pre]

    def infer_shape(self, node, input_shapes):
        shape = (input_shapes[0][0], input_shapes[1][1])
        return [shape] * len(node.outputs)

    def grad(self, inputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation")
