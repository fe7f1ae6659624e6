"""Fused elementwise kernels: what the compiler's fusion turns groups of nodes into.

Users never build these; the compiler's fusion and specialization rewrites do,
and ``debugprint(f)`` shows them in a compiled function's graph.

- :class:`FusedElemwise`: a group of elementwise nodes (with the dimshuffles,
  casts and reductions at its edges) run as one kernel, a generated sequence
  of NumPy ufunc calls writing into preallocated buffers;
and which of its outputs may be written over which input (:func:`inplace_ok`).

The other ops the compiler builds live with their families:
:class:`~symconv.ops.blas.ScaledDot` and :class:`~symconv.ops.blas.Gemm` in
:mod:`symconv.ops.blas`, :class:`~symconv.ops.softmax_nll.SoftmaxNLL` and its
gradient in :mod:`symconv.ops.softmax_nll`, :class:`~symconv.ops.affine.Affine`
in :mod:`symconv.ops.affine`, the convolution-pooling layer in
:mod:`symconv.ops.convpool`.
"""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.tensor import TensorVariable
from .elemwise import SCALAR_OPS
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

    def grad(self, inputs, outputs, output_grads):
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
