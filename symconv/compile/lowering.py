"""Lowering: the rewritten graph becomes a linear schedule of kernel calls.

The schedule is fixed at compile time (a topological order that runs the
in-place updates of shared variables as late as possible). What depends on
shapes is decided by a *plan*, built the first time the function meets a set
of shapes (see :mod:`symconv.compile.plan`): which buffer holds each
intermediate, which buffers are reused once their last reader ran, which
kernels write in place, and the generated Python function that runs the
whole schedule with no interpreter loop.

Each op is lowered by a rule: a :class:`Lowering` that says how its outputs
are stored (written into buffers, views of inputs, or fresh arrays) and emits
the source lines that compute them. Ops without a rule run their ``perform``.
"""
import numpy as np

from ..graph.basic import SharedVariable
from ..ops.blas import Dot
from ..ops.convpool import ConvPool, ConvPoolGrad
from ..ops.fused import Affine, FusedElemwise, Gemm, ScaledDot, SoftmaxNLL, SoftmaxNLLGrad
from ..ops.indexing import Subtensor
from ..ops.shape import DimShuffle, Flatten, Reshape, Shape
from .kernels import FusedKernel, inplace_ok

BUFFER, VIEW, FRESH = "buffer", "view", "fresh"


class Lowering:
    """How one kind of node runs in a plan. Subclasses override both methods."""

    def storage(self, node, values):
        """Per output: ``(BUFFER,)``, ``(VIEW, input indices)`` or ``(FRESH,)``.

        ``values`` maps each of the node's variables to the value recorded for it.
        """
        return [_recorded_storage(node, values, out) for out in node.outputs]

    def emit(self, em):
        """Append the source lines computing the node's outputs to ``em``."""
        perform = em.glob(em.node.op.perform, "perform")
        node = em.glob(em.node, "node")
        args = ", ".join(em.name(v) for v in em.node.inputs)
        outs = [em.new_name(o) for o in em.node.outputs]
        em.line(f"{', '.join(outs)}, = {perform}({node}, [{args}])")


def _recorded_storage(node, values, out):
    """A perform's output aliases the inputs whose recorded memory it overlaps."""
    value = values[out]
    if not isinstance(value, np.ndarray):
        return (FRESH,)
    shared = [i for i, v in enumerate(node.inputs)
              if isinstance(values[v], np.ndarray) and np.may_share_memory(value, values[v])]
    return (VIEW, shared) if shared else (FRESH,)


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
                        v not in em.b.program.input_vars:
                    names[-1 - j] = em.glob(em.value(v)[()], "scalar")   # a constant
                else:
                    names[-1 - j] = f"{em.name(v)}[()]"
            for k, template in enumerate(exprs):
                refs = [names[r] if r < 0 else names[r] for r in op.program[k].refs]
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
            if j in destroy:
                target = em.inplace_shared(node.inputs[destroy[j]], out)
                if target is not None and inplace_ok(op, j, destroy[j]):
                    out_of_input[j] = destroy[j]
                else:
                    target = None
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
        kernel = FusedKernel(em.fresh_name("fused"), op, in_shapes, in_dtypes, donated,
                             out_of_input, nan_guard=em.nan_guard)
        em.kernel_source(kernel.source)
        temps = [em.temp(shape, dtype) for shape, dtype in kernel.temps]
        fn = em.glob(kernel.fn, "kernel")
        args = [em.name(v) for v in node.inputs] + outs + temps
        em.line(f"{fn}({', '.join(args)})")
        for out, name in zip(node.outputs, outs):
            em.bind(out, name)


class DotLowering(Lowering):
    """Matrix products with ``np.matmul`` into a buffer."""

    def storage(self, node, values):
        if self._buffered(node, values):
            return [(BUFFER,)]
        return super().storage(node, values)

    @staticmethod
    def _buffered(node, values):
        x, y = node.inputs
        out = node.outputs[0]
        return x.ndim == 2 and y.ndim == 2 and out.type.is_float and \
            values[x].dtype == values[y].dtype == np.dtype(out.dtype)

    def emit(self, em):
        node = em.node
        if not self._buffered(node, em.values):
            return super().emit(em)
        x, y = node.inputs
        out = em.out(node.outputs[0])
        matmul = em.glob(np.matmul, "matmul")
        (m, k), n = em.value(x).shape, em.value(y).shape[1]
        em.product(m, k, n)
        alpha = getattr(node.op, "alpha", None)
        if alpha is None or alpha == 1:
            em.line(f"{matmul}({em.name(x)}, {em.name(y)}, out={out})")
        else:
            # scale whichever of the operands and the product is smallest
            scale = em.glob(np.multiply, "multiply")
            a = em.glob(np.asarray(alpha, dtype=node.outputs[0].dtype), "alpha")
            sizes = {"x": em.value(x).size, "y": em.value(y).size,
                     "out": em.value(node.outputs[0]).size}
            smallest = min(sizes, key=sizes.get)
            if smallest == "out":
                em.line(f"{matmul}({em.name(x)}, {em.name(y)}, out={out})")
                em.line(f"{scale}({out}, {a}, out={out})")
            else:
                v = x if smallest == "x" else y
                t = em.temp(np.shape(em.value(v)), node.outputs[0].dtype)
                em.line(f"{scale}({em.name(v)}, {a}, out={t})")
                args = (t, em.name(y)) if smallest == "x" else (em.name(x), t)
                em.line(f"{matmul}({args[0]}, {args[1]}, out={out})")
        em.bind(node.outputs[0], out)


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


class GemmLowering(Lowering):
    """``beta * z + alpha * dot(x, y)`` by one BLAS gemm writing into ``z``'s storage when
    ``z`` is a shared variable updated in place, else into a copy of ``z``."""

    def storage(self, node, values):
        return [(BUFFER,)]

    def emit(self, em):
        from .openblas import BLAS, MIN_GEMM_SIZE
        node = em.node
        z, x, y = node.inputs
        out = node.outputs[0]
        (m, k), n = em.value(x).shape, em.value(y).shape[1]
        em.product(m, k, n)
        target = None
        if not em.aliases(x, z) and not em.aliases(y, z):
            target = em.inplace_shared(z, out)
        if target is None:
            target = em.out(out)
            em.line(f"{em.glob(np.copyto, 'copyto')}({target}, {em.name(z)})")
        dtype = np.dtype(out.dtype).type
        product = None
        if em.value(z).size < MIN_GEMM_SIZE and em.value(x).shape[0] == em.value(z).shape[0] \
                and em.value(y).shape[1] == em.value(z).shape[1]:
            # a scratch buffer for NumPy's product (the kernel holds it: its name is unused)
            product = em.b.globals[em.temp(em.value(z).shape, out.dtype)]
        kernel = BLAS.gemm_kernel(dtype(node.op.alpha), dtype(node.op.beta), em.value(x),
                                  em.value(y), em.value(z), product)
        em.line(f"{em.glob(kernel, 'gemm')}({em.name(x)}, {em.name(y)}, {target})")
        em.bind(out, target)


class DimShuffleLowering(Lowering):
    """A dimshuffle is a view: reshape to drop axes, transpose, index to add axes."""

    def storage(self, node, values):
        return [(VIEW, [0])]

    def emit(self, em):
        from .kernels import _view_expr
        x = em.node.inputs[0]
        expr = _view_expr(em.name(x), em.node.op.pattern, np.shape(em.value(x)))
        em.assign(em.node.outputs[0], expr)


class SubtensorLowering(Lowering):
    """``x[index]`` written out as a NumPy index expression."""

    def storage(self, node, values):
        return [(VIEW, [0])]

    def emit(self, em):
        node = em.node
        x, *index = [em.name(v) for v in node.inputs]
        parts, k = [], 0
        for entry in node.op.spec:
            if entry[0] == "slice":
                bounds = []
                for present in entry[1:]:
                    bounds.append(index[k] if present else "")
                    k += present
                parts.append(":".join(bounds[:2]) + (f":{bounds[2]}" if entry[3] else ""))
            else:
                parts.append(index[k])
                k += 1
        em.assign(node.outputs[0], f"{x}[{', '.join(parts)},]")


class ShapeLowering(Lowering):
    def storage(self, node, values):
        return [(FRESH,)]

    def emit(self, em):
        array = em.glob(np.array, "array")
        em.assign(em.node.outputs[0], f"{array}({em.name(em.node.inputs[0])}.shape, 'int64')")


class ReshapeLowering(Lowering):
    def storage(self, node, values):
        return [(VIEW, [0])]

    def emit(self, em):
        x = em.node.inputs[0]
        shape = tuple(np.shape(em.value(em.node.outputs[0])))
        # the plan is for these shapes: a reshape to a changed shape fails its check
        em.assign(em.node.outputs[0], f"{em.name(x)}.reshape({shape!r})")


class ConvPoolLowering(Lowering):
    """The fused conv-pool layer writing into plan buffers (CHWB memory order)."""

    def storage(self, node, values):
        return [(BUFFER,) for _ in node.outputs]

    def emit(self, em):
        from ..ops.convpool import convpool_forward
        node = em.node
        op = node.op
        names = op.output_names()
        bufs = {name: em.out(o) for name, o in zip(names, node.outputs)}
        x, w = node.inputs[:2]
        f = em.value(w).shape[0]
        # the convolution's values (before pooling) per filter, from the reference run
        from ..ops.conv import output_size
        kh, kw = em.value(w).shape[2:]
        pad = op.conv.padding(kh, kw)
        xs = em.value(x).shape
        conv_hw = (output_size(xs[2], kh, pad[0], op.conv.subsample[0]),
                   output_size(xs[3], kw, pad[1], op.conv.subsample[1]))
        if op.window_major:       # only the positions inside pooling windows
            conv_hw = tuple((s // k) * k for s, k in zip(conv_hw, op.ws))
        positions = xs[0] * conv_hw[0] * conv_hw[1]
        scratch = em.temp((f, positions), node.outputs[0].dtype)
        conv, ws, act, grad, window_major = op.conv, op.ws, op.act, op.grad, op.window_major
        em.product(f, int(np.prod(em.value(w).shape[1:])), positions)
        cache = {}   # the patch view of the input, kept from call to call

        def kernel(x, w, b, out, pre, mask, cols, scratch):
            chwb = [None if a is None else a.transpose(1, 2, 3, 0) for a in (out, pre)]
            if act is None:
                chwb[1] = chwb[0]
            if mask is not None and not window_major:
                mask = mask.transpose(1, 2, 3, 0)
            convpool_forward(x, w, b, conv, ws, act, chwb[0], chwb[1], mask, cols, scratch,
                             want_mask=grad, window_major=window_major, cache=cache)

        args = [em.name(x), em.name(w), em.name(node.inputs[2]) if op.bias else "None"]
        args += [bufs.get(k, "None") for k in ("out", "pre", "mask", "cols")] + [scratch]
        em.line(f"{em.glob(kernel, 'convpool')}({', '.join(args)})")
        for name, o in zip(names, node.outputs):
            em.bind(o, bufs[name])


class ConvPoolGradLowering(Lowering):
    """The fused conv-pool gradient: the filter gradient into a buffer, the input
    gradient a fresh array from col2im."""

    def storage(self, node, values):
        return [(BUFFER,) if name == "gw" else (FRESH,) for name in node.op.want]

    def emit(self, em):
        from ..ops.convpool import convpool_backward
        node = em.node
        op = node.op
        gp, mask, cols, x, w = node.inputs
        gw = em.out(node.outputs[op.want.index("gw")]) if "gw" in op.want else "None"
        mshape = np.shape(em.value(mask))
        conv, ws, want, window_major = op.conv, op.ws, op.want, op.window_major
        f = em.value(w).shape[0]
        if window_major:
            scratch = em.temp(mshape, node.outputs[0].dtype)
        else:
            scratch = em.temp((mshape[1], mshape[2], mshape[3], mshape[0]),
                              node.outputs[0].dtype)
        em.product(f, int(np.prod(mshape)) // f, int(np.prod(em.value(w).shape[1:])))

        def kernel(gp, mask, cols, x, w, gw, scratch):
            if not window_major:
                mask = mask.transpose(1, 2, 3, 0)
            result = convpool_backward(gp, mask, cols, x.shape, w, conv, ws, want, gw, scratch,
                                       window_major=window_major)
            return result.get("gx")

        call = f"{em.glob(kernel, 'convpoolgrad')}({', '.join(em.name(v) for v in node.inputs)}" \
               f", {gw}, {scratch})"
        if "gx" in op.want:
            em.assign(node.outputs[op.want.index("gx")], call)
        else:
            em.line(call)
        if "gw" in op.want:
            em.bind(node.outputs[op.want.index("gw")], gw)


class AffineLowering(Lowering):
    """``act(dot(x, w) + b)``: the GEMM into a buffer, bias and activation in place."""

    def storage(self, node, values):
        return [(BUFFER,) for _ in node.outputs]

    def emit(self, em):
        from ..ops.fused import activate
        node = em.node
        x, w, b = (em.name(v) for v in node.inputs)
        out = em.out(node.outputs[0])
        pre = em.out(node.outputs[1]) if node.op.act else out
        (m, k), n = em.value(node.inputs[0]).shape, em.value(node.inputs[1]).shape[1]
        em.product(m, k, n)
        em.line(f"{em.glob(np.matmul, 'matmul')}({x}, {w}, out={pre})")
        em.line(f"{em.glob(np.add, 'add')}({pre}, {b}, out={pre})")
        if node.op.act:
            em.line(f"{em.glob(activate, 'activate')}({node.op.act!r}, {pre}, {out})")
            em.bind(node.outputs[1], pre)
        em.bind(node.outputs[0], out)


class SoftmaxNLLLowering(Lowering):
    """Softmax and the NLL of the labels, written into buffers by direct ufunc calls."""

    def storage(self, node, values):
        return [(BUFFER,), (BUFFER,)]

    def emit(self, em):
        node = em.node
        x, labels = node.inputs
        rows, k = np.shape(em.value(x))
        n = np.shape(em.value(labels))[0]
        if n > rows:
            return super().emit(em)  # the reference kernel raises the error
        nll, sm = em.out(node.outputs[0]), em.out(node.outputs[1])
        col = em.temp((rows, 1), node.outputs[1].dtype)
        picked = em.temp((n,), node.outputs[1].dtype)
        index = em.temp((n,), "intp")
        base = np.arange(n, dtype=np.intp) * k   # the flat index of each row's first column
        maximum, add, subtract = np.maximum.reduce, np.add.reduce, np.subtract

        def kernel(x, labels, nll, sm, col, picked, index):
            maximum(x, axis=1, keepdims=True, out=col)
            subtract(x, col, out=sm)
            np.add(base, labels, out=index)
            np.take(sm.reshape(-1), index, out=picked)
            np.exp(sm, out=sm)
            add(sm, axis=1, keepdims=True, out=col)
            np.divide(sm, col, out=sm)
            np.log(col[:n, 0], out=nll)
            subtract(nll, picked, out=nll)

        em.line(f"{em.glob(kernel, 'softmax_nll')}({em.name(x)}, {em.name(labels)}, {nll}, "
                f"{sm}, {col}, {picked}, {index})")
        em.bind(node.outputs[0], nll)
        em.bind(node.outputs[1], sm)


class SoftmaxNLLGradLowering(Lowering):
    """``(sm - onehot) * g`` into a buffer: one multiply, then the labelled entries."""

    def storage(self, node, values):
        return [(BUFFER,)]

    def emit(self, em):
        node = em.node
        g, sm, labels = node.inputs
        rows, k = np.shape(em.value(sm))
        n = np.shape(em.value(labels))[0]
        if n > rows or np.ndim(em.value(g)) > 1:
            return super().emit(em)
        dx = em.out(node.outputs[0])
        picked = em.temp((n,), node.outputs[0].dtype)
        index = em.temp((n,), "intp")
        base = np.arange(n, dtype=np.intp) * k
        count = np.asarray(n, dtype=node.outputs[0].dtype)
        mean, vector = node.op.mean, np.ndim(em.value(g)) == 1

        def kernel(g, sm, labels, dx, picked, index):
            scale = g / count if mean else g
            np.multiply(sm[:n], scale[:, None] if vector else scale, out=dx[:n])
            if n < rows:
                dx[n:] = 0
            np.add(base, labels, out=index)
            flat = dx.reshape(-1)
            np.take(flat, index, out=picked)
            np.subtract(picked, scale, out=picked)
            flat[index] = picked

        em.line(f"{em.glob(kernel, 'softmax_nll_grad')}({em.name(g)}, {em.name(sm)}, "
                f"{em.name(labels)}, {dx}, {picked}, {index})")
        em.bind(node.outputs[0], dx)


_RULES = [
    (FusedElemwise, FusedLowering()),
    (ConvPool, ConvPoolLowering()),
    (ConvPoolGrad, ConvPoolGradLowering()),
    (ScaledDot, DotLowering()),
    (Gemm, GemmLowering()),
    (Affine, AffineLowering()),
    (SoftmaxNLL, SoftmaxNLLLowering()),
    (SoftmaxNLLGrad, SoftmaxNLLGradLowering()),
    (Dot, DotLowering()),
    (DimShuffle, DimShuffleLowering()),
    (Subtensor, SubtensorLowering()),
    (Shape, ShapeLowering()),
    (Reshape, ReshapeLowering()),
    (Flatten, ReshapeLowering()),
]
_GENERIC = Lowering()


def lowering_for(op):
    """The :class:`Lowering` rule for ``op`` (the generic ``perform`` call if none)."""
    rule = getattr(op, "lowering", None)
    if rule is not None:
        return rule
    for cls, rule in _RULES:
        if isinstance(op, cls):
            return rule
    return _GENERIC


def schedule_order(fgraph):
    """A topological order of the nodes in which kernels that overwrite a shared
    variable run as late as their dependencies allow (so that every other reader of
    the variable runs before them)."""
    nodes = fgraph.nodes
    position = {n: k for k, n in enumerate(nodes)}
    destroyers = {n for n in nodes if isinstance(n.op, FusedElemwise) and any(
        isinstance(n.inputs[i], SharedVariable) for _, i in n.op.destroy) or
        isinstance(n.op, Gemm) and isinstance(n.inputs[0], SharedVariable)}
    if not destroyers:
        return list(nodes)
    waiting = {n: sum(1 for v in {v for v in n.inputs} if v.owner in position) for n in nodes}
    users = {}
    for n in nodes:
        for v in {v for v in n.inputs}:
            if v.owner in position:
                users.setdefault(v.owner, []).append(n)
    import heapq
    ready = [(position[n] + (len(nodes) if n in destroyers else 0), position[n], n)
             for n in nodes if waiting[n] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, _, n = heapq.heappop(ready)
        order.append(n)
        for u in users.get(n, ()):
            waiting[u] -= 1
            if waiting[u] == 0:
                key = position[u] + (len(nodes) if u in destroyers else 0)
                heapq.heappush(ready, (key, position[u], u))
    return order


class ScheduleLinker:
    """Lowers a FunctionGraph to a :class:`~symconv.compile.plan.ScheduleProgram`."""

    def __init__(self, nan_guard=False, profile=False, blas_threads="auto"):
        self.nan_guard = nan_guard
        self.profile = profile
        self.blas_threads = blas_threads

    def make_program(self, fgraph):
        from .plan import ScheduleProgram
        return ScheduleProgram(fgraph, schedule_order(fgraph), nan_guard=self.nan_guard,
                               profile=self.profile, blas_threads=self.blas_threads)
