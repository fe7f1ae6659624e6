"""The rule for fused elementwise kernels (:class:`~symconv.ops.fused.FusedElemwise`)."""
import numpy as np

from ...graph.basic import Constant, SharedVariable
from .contract import BUFFER, FRESH, Lowering
from ...ops.fused import inplace_ok
from .kernels import FusedKernel
from ..emitter import layout


class FusedLowering(Lowering):
    """A fused elementwise group: one generated kernel writing into buffers, or, for
    integer scalars (the bounds ``i * n`` and ``(i + 1) * n`` of a mini-batch), plain
    NumPy scalar arithmetic in the plan (a ufunc call on 0-d arrays costs ten times
    more than the operator on scalars)."""

    def storage(self, node, values):
        if _scalar_program(node, values) is not None:
            return [(FRESH,) for _ in node.outputs]
        return [(BUFFER,) for _ in node.outputs]

    def emit(self, em):
        node = em.node
        op = node.op
        exprs = _scalar_program(node, em.values)
        if exprs is not None:
            names = {}
            for j, v in enumerate(node.inputs):
                if v.owner is None and not isinstance(v, SharedVariable) and \
                        not em.is_input(v):
                    names[-1 - j] = em.glob(em.value(v)[()], "scalar")   # a constant
                else:
                    names[-1 - j] = f"{em.name(v)}[()]"
            for k, template in enumerate(exprs):
                refs = [names[r] for r in op.program[k].refs]
                names[k] = em.fresh_name("n")
                em.line(f"{names[k]} = {template.format(*refs)}")
            for out, k in zip(node.outputs, op.outputs):
                em.bind(out, names[k])
            return
        in_shapes = [np.shape(em.value(v)) for v in node.inputs]
        in_dtypes = [em.value(v).dtype.name if isinstance(em.value(v), np.ndarray)
                     else np.asarray(em.value(v)).dtype.name for v in node.inputs]
        donated, out_of_input, outs = {}, {}, []
        destroy = dict(op.destroy)
        for j, out in enumerate(node.outputs):
            target = None
            if j in destroy and inplace_ok(op, j, destroy[j]) and \
                    em.can_write_shared(node.inputs[destroy[j]], out):
                target = em.write_shared(node.inputs[destroy[j]], out)
                out_of_input[j] = destroy[j]
            if target is None and not em.is_output(out):
                # reuse the buffer of an input read for the last time here
                for i, v in enumerate(node.inputs):
                    if i in out_of_input.values() or not em.dying_buffer(v, out):
                        continue
                    if inplace_ok(op, j, i):
                        target = em.take_buffer(v, out)
                        out_of_input[j] = i
                        break
            outs.append(target if target is not None else em.out(out))
        for i, v in enumerate(node.inputs):
            if i not in out_of_input.values() and em.dying_buffer(v, None):
                donated[i] = True
        name = em.kernel_name("fused")
        kernel = FusedKernel(name, op, in_shapes, in_dtypes, donated, out_of_input,
                             nan_guard=em.nan_guard, zero_inputs=_zero_constants(node))
        em.kernel_source(kernel.source)
        # scratch of an operand's shape takes that operand's memory order: a C-ordered
        # mask beside channel-major (B innermost) operands made every ufunc reading both
        # stride across memory (the first conv layer's ReLU gradient at mini-batch 128
        # took 1.8 ms instead of a few hundred us)
        layouts = {}
        for v in list(node.inputs) + list(node.outputs):
            value = em.value(v)
            if isinstance(value, np.ndarray) and value.ndim >= 2:
                layouts.setdefault(value.shape, layout(value))
        temps = [em.temp(shape, dtype, layouts.get(tuple(shape)))
                 for shape, dtype in kernel.temps]
        fn = em.global_named(name, kernel.fn)
        args = [em.name(v) for v in node.inputs] + outs + temps
        em.line(f"{fn}({', '.join(args)})")
        for out, name in zip(node.outputs, outs):
            em.bind(out, name)


def _zero_constants(node):
    """Indices of the inputs that are constants whose every bit is zero (0, +0.0)."""
    zeros = set()
    for i, v in enumerate(node.inputs):
        if isinstance(v, Constant):
            data = np.asarray(v.data)
            if data.dtype.kind in "fiu" and not data.any() and not np.signbit(data).any():
                zeros.add(i)
    return zeros


_SCALAR_OPERATORS = {"add": "{} + {}", "sub": "{} - {}", "mul": "{} * {}", "neg": "-{}",
                     "floor_div": "{} // {}"}


def _scalar_program(node, values):
    """Per instruction, a Python expression template over NumPy integer scalars when the
    fused program is integer scalar arithmetic that gives the dtypes its types say
    (checked on the recorded values), else None."""
    op = node.op
    if op.destroy or not all(np.ndim(values[v]) == 0 and np.asarray(values[v]).dtype.kind in "iu"
                             for v in list(node.inputs) + list(node.outputs)):
        return None
    results, exprs = [], []
    for instr in op.program:
        template = _SCALAR_OPERATORS.get(instr.arg) if instr.kind == "scalar" else None
        if template is None:
            return None
        args = [np.asarray(values[node.inputs[-1 - r]])[()] if r < 0 else results[r]
                for r in instr.refs]
        with np.errstate(all="ignore"):
            try:
                value = eval(template.format(*[f"args[{i}]" for i in range(len(args))]))
            except ArithmeticError:
                return None
        if not isinstance(value, np.generic) or value.dtype.name != instr.type.dtype:
            return None
        results.append(value)
        exprs.append(template)
    return exprs
