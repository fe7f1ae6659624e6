"""2-d pooling's window geometry and NumPy kernels (the ops are in :mod:`symconv.ops.pool`).

Kernels
-------
A pooled output is a reduction over the ``kh * kw`` window offsets: for offset
``(u, v)`` the values every window sees are one strided slice of the input,
``x[..., u::sh, v::sw]`` cut to the output's size. Max pooling is then
``kh * kw - 1`` calls of ``np.maximum`` over such views, with no copy of the
input; its gradient writes one slice per offset. The loops run over window
offsets only (4 for a 2x2 window), never over examples, channels or pixels.
"""
import numpy as np

POOL_MODES = ("max", "sum", "average_inc_pad", "average_exc_pad", "l2")
LINEAR_MODES = ("sum", "average_inc_pad", "average_exc_pad")


# --- geometry ----------------------------------------------------------------

def pool_output_size(size, window, stride, pad, ignore_border):
    """Number of windows along one axis (Theano's rule for partial windows)."""
    if ignore_border:
        return (size + 2 * pad - window) // stride + 1
    if stride >= window:
        return (size + stride - 1) // stride
    return max(0, (size - 1 - window + stride) // stride) + 1


def _counts(size, window, stride, pad, out, inc_pad):
    """How many positions of each window along one axis lie inside the input
    (inside the padded input when ``inc_pad``)."""
    starts = np.arange(out) * stride
    lo, hi = (0, size + 2 * pad) if inc_pad else (pad, pad + size)
    return np.minimum(starts + window, hi) - np.maximum(starts, lo)


def _fill_value(dtype, mode):
    if mode != "max":
        return 0
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


class _Geometry:
    """Window layout of one pooling call on an input of spatial size (h, w)."""

    def __init__(self, op, h, w):
        self.out = (pool_output_size(h, op.ws[0], op.stride[0], op.pad[0], op.ignore_border),
                    pool_output_size(w, op.ws[1], op.stride[1], op.pad[1], op.ignore_border))
        # the extended input: padding on both sides, plus what partial windows need
        self.ext = tuple(max(n + 2 * p, (o - 1) * s + k) for n, p, o, s, k in
                         zip((h, w), op.pad, self.out, op.stride, op.ws))
        self.size = (h, w)
        self.op = op
        self.needs_extension = self.ext != (h, w)
        self.disjoint = all(s >= k for s, k in zip(op.stride, op.ws))

    def extend(self, x, fill):
        """``x`` placed in an array of the extended size filled with ``fill``."""
        if not self.needs_extension:
            return x
        out = empty_like_layout(x, x.shape[:-2] + self.ext, x.dtype)
        out[...] = fill
        out[self.interior] = x
        return out

    @property
    def interior(self):
        (ph, pw), (h, w) = self.op.pad, self.size
        return (Ellipsis, slice(ph, ph + h), slice(pw, pw + w))

    def offsets(self):
        """``(slice index)`` per window offset: the values each window sees at that offset."""
        (oh, ow), (sh, sw) = self.out, self.op.stride
        for u in range(self.op.ws[0]):
            for v in range(self.op.ws[1]):
                yield (Ellipsis, slice(u, u + (oh - 1) * sh + 1, sh),
                       slice(v, v + (ow - 1) * sw + 1, sw))

    def counts(self, inc_pad):
        (h, w), (kh, kw), (sh, sw), (ph, pw) = self.size, self.op.ws, self.op.stride, self.op.pad
        rows = _counts(h, kh, sh, ph, self.out[0], inc_pad)
        cols = _counts(w, kw, sw, pw, self.out[1], inc_pad)
        return np.multiply.outer(rows, cols)


# --- NumPy kernels -------------------------------------------------------------

def pool_forward(op, x):
    """Pool the last two axes of ``x`` as ``op`` says."""
    geo = _Geometry(op, *x.shape[-2:])
    xe = geo.extend(x, _fill_value(x.dtype, op.mode))
    views = [xe[index] for index in geo.offsets()]
    if op.mode == "max":
        out = np.maximum(views[0], views[1]) if len(views) > 1 else views[0].copy()
        for view in views[2:]:
            np.maximum(out, view, out=out)
        return out
    if op.mode == "l2":
        out = np.square(views[0])
        square = np.empty_like(out)
        for view in views[1:]:
            out += np.square(view, out=square)
        return np.sqrt(out, out=out)
    out = views[0].copy() if len(views) == 1 else np.add(views[0], views[1])
    for view in views[2:]:
        out += view
    if op.mode != "sum":
        out /= geo.counts(op.mode == "average_inc_pad").astype(out.dtype)
    return out


def empty_like_layout(like, shape, dtype, zeros=False):
    """A new array of ``shape`` whose memory order of axes is that of ``like``.

    Elementwise kernels run fastest when inputs and output share one memory
    order; symconv's conv ops return (B, C, H, W) arrays stored channel-major
    with the batch innermost, and the gradients keep that order.
    """
    order = sorted(range(like.ndim), key=lambda a: -abs(like.strides[a]))
    make = np.zeros if zeros else np.empty
    stored = make([shape[a] for a in order], dtype=dtype)
    return stored.transpose(np.argsort(order))


def _scatter(geo, like, dtype, write):
    """An array shaped and laid out like ``like`` where ``write(index, view, disjoint)``
    fills (disjoint windows) or adds to (overlapping windows) each window offset's slice."""
    tiled = geo.disjoint and not geo.needs_extension and _covers(geo)
    shape = like.shape[:-2] + geo.ext
    full = empty_like_layout(like, shape, dtype, zeros=not tiled)
    for index in geo.offsets():
        write(index, full[index], geo.disjoint)
    return full[geo.interior] if geo.needs_extension else full


def _covers(geo):
    """True when the disjoint windows tile the whole input (no untouched cell)."""
    return all(o * k == n and s == k for o, k, n, s in
               zip(geo.out, geo.op.ws, geo.size, geo.op.stride))


def _blocks(geo, x):
    """For windows that tile ``x`` exactly, and a memory order whose innermost axis
    is not one of the pooled ones (the CHWB order of conv outputs): the split
    shapes (..., oh, kh, ow, kw) and (..., oh, 1, ow, 1) under which a gradient is
    one broadcast ufunc call over contiguous runs, instead of one call per window
    offset on strided slices. None otherwise."""
    if not (geo.disjoint and not geo.needs_extension and _covers(geo)) or x.ndim < 3:
        return None
    innermost = min(range(x.ndim), key=lambda a: abs(x.strides[a]) if x.shape[a] > 1 else 1 << 62)
    if innermost >= x.ndim - 2:
        return None
    (oh, ow), (kh, kw) = geo.out, geo.op.ws
    lead = x.shape[:-2]
    return lead + (oh, kh, ow, kw), lead + (oh, 1, ow, 1)


def max_pool_grad(op, x, y, gy):
    """Gradient of max pooling: each window's output gradient goes to every input
    value equal to that window's maximum (ties all receive it, as in Theano)."""
    geo = _Geometry(op, *x.shape[-2:])
    dtype = np.result_type(gy.dtype, x.dtype if x.dtype.kind == "f" else gy.dtype)
    blocks = _blocks(geo, x)
    if blocks is not None:
        split, pooled = blocks
        x_blocks = x.reshape(split)
        gx = empty_like_layout(x_blocks, split, dtype)
        np.multiply(np.equal(x_blocks, y.reshape(pooled)), gy.reshape(pooled), out=gx)
        return gx.reshape(x.shape)
    xe = geo.extend(x, _fill_value(x.dtype, "max"))

    def write(index, view, disjoint):
        if disjoint:
            np.multiply(np.equal(xe[index], y), gy, out=view)
        else:
            view += np.multiply(np.equal(xe[index], y), gy, dtype=dtype)
    return _scatter(geo, x, dtype, write)


def max_pool_grad_grad(op, x, y, gx):
    """Gradient of :func:`max_pool_grad` with respect to its output gradient: for
    each window, the sum of ``gx`` over the positions holding the maximum."""
    geo = _Geometry(op, *x.shape[-2:])
    xe = geo.extend(x, _fill_value(x.dtype, "max"))
    ge = geo.extend(gx, 0)
    out = None
    for index in geo.offsets():
        part = np.multiply(np.equal(xe[index], y), ge[index], dtype=gx.dtype)
        out = part if out is None else np.add(out, part, out=out)
    return out


def average_pool_grad(op, x, gy):
    """Gradient of sum and average pooling: each window spreads its (divided)
    output gradient over the input positions it covers. Only ``x``'s shape and
    memory order are read."""
    geo = _Geometry(op, *x.shape[-2:])
    if op.mode != "sum":
        gy = gy / geo.counts(op.mode == "average_inc_pad").astype(gy.dtype)
    blocks = _blocks(geo, x)
    if blocks is not None:
        split, pooled = blocks
        gx = empty_like_layout(x.reshape(split), split, gy.dtype)
        gx[...] = gy.reshape(pooled)
        return gx.reshape(x.shape)

    def write(index, view, disjoint):
        if disjoint:
            view[...] = gy
        else:
            view += gy
    return _scatter(geo, x, gy.dtype, write)
