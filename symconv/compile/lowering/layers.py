"""Lowering rules for the layer kernels: matrix products (``Dot``, ``ScaledDot``,
``Gemm``, ``Affine``), the fused conv-pool layer and its gradient, and softmax
with the negative log-likelihood and its gradient. Each writes into plan
buffers; see :mod:`.contract` for the contract.
"""
import numpy as np

from ...ops.blas import Dot
from ...ops.convpool import ConvPool, ConvPoolGrad
from ...ops.affine import Affine, activate
from ...ops.blas import Gemm, ScaledDot
from ...ops.softmax_nll import SoftmaxNLL, SoftmaxNLLGrad, checked_labels, label_description
from .contract import BUFFER, FRESH, Lowering


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


class GemmLowering(Lowering):
    """``beta * z + alpha * dot(x, y)`` by one BLAS gemm writing into ``z``'s storage when
    ``z`` is a shared variable updated in place, else into a copy of ``z``."""

    def storage(self, node, values):
        return [(BUFFER,)]

    def emit(self, em):
        from ..openblas import BLAS, MIN_GEMM_SIZE
        node = em.node
        z, x, y = node.inputs
        out = node.outputs[0]
        (m, k), n = em.value(x).shape, em.value(y).shape[1]
        em.product(m, k, n)
        target = None
        if not em.aliases(x, z) and not em.aliases(y, z) and em.can_write_shared(z, out):
            target = em.write_shared(z, out)
        if target is None:
            target = em.out(out)
            em.line(f"{em.glob(np.copyto, 'copyto')}({target}, {em.name(z)})")
        dtype = np.dtype(out.dtype).type
        product = None
        if em.value(z).size < MIN_GEMM_SIZE and em.value(x).shape[0] == em.value(z).shape[0] \
                and em.value(y).shape[1] == em.value(z).shape[1]:
            # a scratch buffer for NumPy's product (the kernel holds it: its name is unused)
            product = em.temp_array(em.value(z).shape, out.dtype)
        kernel = BLAS.gemm_kernel(dtype(node.op.alpha), dtype(node.op.beta), em.value(x),
                                  em.value(y), em.value(z), product)
        em.line(f"{em.glob(kernel, 'gemm')}({em.name(x)}, {em.name(y)}, {target})")
        em.bind(out, target)


class ConvPoolLowering(Lowering):
    """The fused conv-pool layer writing into plan buffers (CHWB memory order)."""

    def storage(self, node, values):
        return [(BUFFER,) for _ in node.outputs]

    def emit(self, em):
        from ...ops.convpool import convpool_forward
        node = em.node
        op = node.op
        names = op.output_names()
        bufs = {name: em.out(o) for name, o in zip(names, node.outputs)}
        x, w = node.inputs[:2]
        f = em.value(w).shape[0]
        # the convolution's values (before pooling) per filter, from the reference run
        from ...ops.conv import output_size
        kh, kw = em.value(w).shape[2:]
        pad = op.conv.padding(kh, kw)
        xs = em.value(x).shape
        conv_hw = (output_size(xs[2], kh, pad[0], op.conv.subsample[0]),
                   output_size(xs[3], kw, pad[1], op.conv.subsample[1]))
        if op.window_major:       # only the positions inside pooling windows
            conv_hw = tuple((s // k) * k for s, k in zip(conv_hw, op.ws))
        positions = xs[0] * conv_hw[0] * conv_hw[1]
        scratch = em.temp((f, positions), node.outputs[0].dtype)
        conv, ws, act, keep, window_major = op.conv, op.ws, op.act, op.keep_for_grad, op.window_major
        em.product(f, int(np.prod(em.value(w).shape[1:])), positions)
        cache = {}   # the patch view of the input, kept from call to call

        def kernel(x, w, b, out, pre, mask, cols, scratch):
            chwb = [None if a is None else a.transpose(1, 2, 3, 0) for a in (out, pre)]
            if act is None:
                chwb[1] = chwb[0]
            if mask is not None and not window_major:
                mask = mask.transpose(1, 2, 3, 0)
            convpool_forward(x, w, b, conv, ws, act, chwb[0], chwb[1], mask, cols, scratch,
                             want_mask=keep, window_major=window_major, cache=cache)

        args = [em.name(x), em.name(w), em.name(node.inputs[2]) if op.bias else "None"]
        args += [bufs.get(k, "None") for k in ("out", "pre", "mask", "cols")] + [scratch]
        em.line(f"{em.glob(kernel, 'convpool')}({', '.join(args)})")
        for name, o in zip(names, node.outputs):
            em.bind(o, bufs[name])


class ConvPoolGradLowering(Lowering):
    """The fused conv-pool gradient: the filter gradient into a buffer, the input
    gradient a fresh array from col2im."""

    def storage(self, node, values):
        return [(FRESH,) if name == "gx" else (BUFFER,) for name in node.op.want]

    def emit(self, em):
        from ...ops.convpool import convpool_backward
        node = em.node
        op = node.op
        gp, mask, cols, x, w = node.inputs
        gw = em.out(node.outputs[op.want.index("gw")]) if "gw" in op.want else "None"
        gb = em.out(node.outputs[op.want.index("gb")]) if "gb" in op.want else "None"
        mshape = np.shape(em.value(mask))
        conv, ws, want, window_major = op.conv, op.ws, op.want, op.window_major
        f = em.value(w).shape[0]
        if window_major:
            scratch = em.temp(mshape, node.outputs[0].dtype)
        else:
            scratch = em.temp((mshape[1], mshape[2], mshape[3], mshape[0]),
                              node.outputs[0].dtype)
        em.product(f, int(np.prod(mshape)) // f, int(np.prod(em.value(w).shape[1:])))

        def kernel(gp, mask, cols, x, w, gw, scratch, gb):
            if not window_major:
                mask = mask.transpose(1, 2, 3, 0)
            result = convpool_backward(gp, mask, cols, x.shape, w, conv, ws, want, gw, scratch,
                                       window_major=window_major, gb=gb)
            return result.get("gx")

        call = f"{em.glob(kernel, 'convpoolgrad')}({', '.join(em.name(v) for v in node.inputs)}" \
               f", {gw}, {scratch}, {gb})"
        if "gx" in op.want:
            em.assign(node.outputs[op.want.index("gx")], call)
        else:
            em.line(call)
        for name, buf in (("gw", gw), ("gb", gb)):
            if name in op.want:
                em.bind(node.outputs[op.want.index(name)], buf)


class AffineLowering(Lowering):
    """``act(dot(x, w) + b)``: the GEMM into a buffer, bias and activation in place."""

    def storage(self, node, values):
        return [(BUFFER,) for _ in node.outputs]

    def emit(self, em):
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
        # the flat index of every label, kept for the gradient kernel of these labels
        index_array = em.kept(("label index", labels, rows, k), (n,), np.intp)
        index = em.glob(index_array, "index")
        base = np.arange(n, dtype=np.intp) * k   # the flat index of each row's first column
        maximum, add, subtract = np.maximum.reduce, np.add.reduce, np.subtract
        what = label_description(node)

        def kernel(x, labels, nll, sm, col, picked, index):
            # a flat index must not run into the next row: NumPy's rules per label
            labels = checked_labels(labels, k, what)
            maximum(x, axis=1, keepdims=True, out=col)
            subtract(x, col, out=sm)
            np.add(base, labels, out=index)
            sm.reshape(-1).take(index, out=picked)   # the method: no dispatch layer
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
        # the forward kernel of the same labels already checked them and made the index
        kept = em.kept(("label index", labels, rows, k))
        index = em.glob(kept, "index") if kept is not None else em.temp((n,), "intp")
        base = np.arange(n, dtype=np.intp) * k
        count = np.asarray(n, dtype=node.outputs[0].dtype)
        mean, vector = node.op.mean, np.ndim(em.value(g)) == 1
        what = label_description(node)

        def kernel(g, sm, labels, dx, picked, index):
            if kept is None:
                np.add(base, checked_labels(labels, k, what), out=index)
            scale = g / count if mean else g
            np.multiply(sm[:n], scale[:, None] if vector else scale, out=dx[:n])
            if n < rows:
                dx[n:] = 0
            flat = dx.reshape(-1)
            flat.take(index, out=picked)
            np.subtract(picked, scale, out=picked)
            flat[index] = picked

        em.line(f"{em.glob(kernel, 'softmax_nll_grad')}({em.name(g)}, {em.name(sm)}, "
                f"{em.name(labels)}, {dx}, {picked}, {index})")
        em.bind(node.outputs[0], dx)


LAYER_RULES = [
    (ConvPool, ConvPoolLowering()),
    (ConvPoolGrad, ConvPoolGradLowering()),
    (ScaledDot, DotLowering()),
    (Gemm, GemmLowering()),
    (Affine, AffineLowering()),
    (SoftmaxNLL, SoftmaxNLLLowering()),
    (SoftmaxNLLGrad, SoftmaxNLLGradLowering()),
    (Dot, DotLowering()),
]
"""``(op class, rule)`` pairs, read by :func:`.lowering.lowering_for`."""
