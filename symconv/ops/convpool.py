"""The fused convolution-pooling layer: network3's ConvPoolLayer as one kernel each way.

The compiler's specialize phase turns ``conv2d -> max pooling (non-overlapping
windows, ignore_border) [-> + bias -> activation]`` into one :class:`ConvPool`
node, and the pooling and convolution gradients that differentiation built
into one :class:`ConvPoolGrad` node. Users never build these.

Forward (``ConvPool``), in the CHWB memory order of :mod:`symconv.ops.conv`
(channels, rows, columns, batch innermost):

1. the patch matrix of the input (im2col) and one GEMM give the convolution;
2. max pooling is ``kh * kw - 1`` ``np.maximum`` calls over strided views of it;
3. ``mask`` marks, for the backward pass, every position equal to its window's
   maximum (all ties, Theano's rule, as :class:`~symconv.ops.pool.MaxPoolGrad`);
4. bias and activation are applied in place on the pooled values.

Backward (``ConvPoolGrad``): the pooled gradient is spread through ``mask``
(one multiply per window offset), then one GEMM with the forward's patch
matrix (kept, not rebuilt) gives the filter gradient and one GEMM plus col2im
the input gradient.

Window-major order (``window_major=True``, for a layer whose input gradient is
not needed: the first layer, or inference): the patch matrix's columns are
ordered (offset in the pooling window, pooled row, pooled column, batch), so
that the convolution comes out as (F, kh * kw, OH * OW * B): each window offset
is one contiguous slab, and pooling, the mask and the gradient's spread each
become a few passes over long contiguous runs instead of strided runs of B
values (at a mini-batch of 10, the first layer's pooling, mask and spread take
a tenth of the time). Positions outside every window are not computed at all.
``mask`` then has shape (F, kh * kw, OH * OW * B).
"""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable
from numpy.lib.stride_tricks import as_strided

from .conv import conv2d_grad_inputs, output_size
from .affine import AFFINE_ACTIVATIONS as ACTIVATIONS
from .affine import activate


def _windows(c, ws, pooled):
    """``c`` (F, oh, ow, B) as (F, OH, kh, OW, kw, B): each pooling window's values
    (a view: the part of ``c`` that no whole window covers is left out)."""
    (kh, kw), (ph, pw) = ws, pooled
    f, _, _, b = c.shape
    return c[:, :ph * kh, :pw * kw].reshape(f, ph, kh, pw, kw, b)


def _patches(x, w, conv, ws=None, cache=None):
    """The patch matrix of ``x`` as a strided view (C, kh, kw, oh, ow, B) and the geometry;
    in window-major order (pooling windows ``ws`` given) the view is (C, kh, kw, wu, wv,
    OH, OW, B): output row ``I * wu + u``, column ``J * wv + v``.

    When the convolution flips its filters, the view runs over the taps backwards,
    so that row ``(c, u, v)`` meets ``w[:, c, u, v]`` as stored (no flipped copy of
    ``w``). ``cache``, a dict the caller keeps across calls, keeps the view: for an
    ``x`` already in CHWB memory order the view of that same array, else the view
    of a padded CHWB buffer that each call copies ``x`` into.
    """
    f, c, kh, kw = w.shape
    bsz, _, h, wd = x.shape
    ph, pw = conv.padding(kh, kw)
    t = x.transpose(1, 2, 3, 0)
    direct = ph == pw == 0 and t.flags.c_contiguous
    if cache is not None:
        if direct and cache.get("x") is x:
            return cache["view"]
        if not direct and cache.get("like") == (x.shape, x.dtype):
            np.copyto(cache["buf"][:, ph:ph + h, pw:pw + wd], t)
            return cache["view"]
    if direct:
        xt = t
    else:
        xt = np.zeros((c, h + 2 * ph, wd + 2 * pw, bsz), x.dtype)
        xt[:, ph:ph + h, pw:pw + wd] = t
    (sh, sw) = conv.subsample
    oh, ow = output_size(h, kh, ph, sh), output_size(wd, kw, pw, sw)
    s_c, s_h, s_w, s_b = xt.strides
    taps = (s_h, s_w)
    if conv.filter_flip:
        xt, taps = xt[:, kh - 1:, kw - 1:], (-s_h, -s_w)
    if ws is None:
        shape = (c, kh, kw, oh, ow, bsz)
        strides = (s_c,) + taps + (s_h * sh, s_w * sw, s_b)
    else:
        (wu, wv) = ws
        shape = (c, kh, kw, wu, wv, oh // wu, ow // wv, bsz)
        strides = (s_c,) + taps + (s_h * sh, s_w * sw, s_h * sh * wu, s_w * sw * wv, s_b)
    result = as_strided(xt, shape, strides, writeable=False), (oh, ow)
    if cache is not None:
        cache.clear()
        if direct:
            cache.update(x=x, view=result)
        else:
            cache.update(like=(x.shape, x.dtype), buf=xt.base if conv.filter_flip else xt,
                         view=result)
    return result


def convpool_forward(x, w, b, conv, ws, act, out=None, pre=None, mask=None, cols=None,
                     scratch=None, want_mask=True, window_major=False, cache=None):
    """The fused forward pass. Every array is in CHWB order: ``out`` and ``pre``
    (F, OH, OW, B), ``mask`` (F, oh, ow, B), ``cols`` (C kh kw, oh ow B), ``scratch``
    (F, oh ow B) for the convolution before pooling; those given as None are
    allocated. Returns ``(out, pre, mask, cols)``. In window-major order ``mask`` is
    (F, kh kw, OH OW B), ``cols`` (C kh kw, kh kw OH OW B) and ``scratch``
    (F, kh kw OH OW B). ``cache``: see :func:`_patches`.
    """
    f, c, kh, kw = w.shape
    bsz = x.shape[0]
    windows, (oh, ow) = _patches(x, w, conv, ws if window_major else None, cache)
    pooled = (oh // ws[0], ow // ws[1])
    dtype = x.dtype if x.dtype == w.dtype else np.result_type(x.dtype, w.dtype)
    if cols is None:
        cols = np.empty((c * kh * kw, int(np.prod(windows.shape[3:]))), dtype)
    np.copyto(cols.reshape(windows.shape), windows)        # im2col: the one copy of x
    wm = w.reshape(f, c * kh * kw)    # the patches meet the taps as stored
    if pre is None:
        pre = np.empty((f,) + pooled + (bsz,), dtype)
    if window_major:
        slabs = np.matmul(wm, cols, out=scratch).reshape(f, ws[0] * ws[1], -1)
        # pooled values as (F, OH OW B): a view of a contiguous pre, else a copy put back below
        flat = pre.reshape(f, -1) if pre.flags.c_contiguous else np.empty((f, pre[0].size), dtype)
        views = [slabs[:, k] for k in range(ws[0] * ws[1])]
        win = None
    else:
        conv_out = np.matmul(wm, cols, out=scratch).reshape(f, oh, ow, bsz)
        win = _windows(conv_out, ws, pooled)
        flat = pre
        views = [win[:, :, u, :, v] for u in range(ws[0]) for v in range(ws[1])]
    if len(views) == 1:
        np.copyto(flat, views[0])
    else:
        np.maximum(views[0], views[1], out=flat)
        for view in views[2:]:
            np.maximum(flat, view, out=flat)
    if window_major and not pre.flags.c_contiguous:
        np.copyto(pre, flat.reshape(pre.shape))
    if want_mask and window_major:
        if mask is None:
            mask = np.empty(slabs.shape, dtype=bool)
        np.equal(slabs, flat[:, None, :], out=mask)
    elif want_mask:
        if mask is None:
            mask = np.empty((f, oh, ow, bsz), dtype=bool)
        if pooled[0] * ws[0] != oh or pooled[1] * ws[1] != ow:
            mask[...] = False  # border cells outside every window get no gradient
        np.equal(win, pre[:, :, None, :, None], out=_windows(mask, ws, pooled))
    if b is not None:
        np.add(pre, b.reshape(-1, 1, 1, 1), out=pre)   # one value per filter, or one for all
    if act is None:
        if out is None:
            out = pre
        elif out is not pre:
            np.copyto(out, pre)
    else:
        out = activate(act, pre, np.empty_like(pre) if out is None else out)
    return out, pre, mask, cols


def convpool_backward(gpooled, mask, cols, xshape, w, conv, ws, want, gw=None, scratch=None,
                      window_major=False, gb=None):
    """The fused backward pass: ``{"gw": ..., "gx": ..., "gb": ...}`` for those named in
    ``want``; ``gb`` is the sum over each filter's positions of the gradient spread to
    the convolution's values (the gradient of a bias added *before* the pooling).

    ``gpooled`` is the gradient of the pooled values, (B, F, OH, OW) in any memory
    order; ``mask`` and ``cols`` come from :func:`convpool_forward` (CHWB order);
    ``gw`` and ``scratch`` (F, oh, ow, B) may be given to write into. In window-major
    order (only ``gw``), ``scratch`` is (F, kh kw, OH OW B) like ``mask``.
    """
    f, c, kh, kw = w.shape
    g = gpooled.transpose(1, 2, 3, 0)  # CHWB view
    dtype = gpooled.dtype if gpooled.dtype == w.dtype else np.result_type(gpooled.dtype, w.dtype)
    if window_major:
        if "gx" in want:
            raise ValueError("convpool_backward: window-major order gives no input gradient")
        gc = np.empty(mask.shape, dtype) if scratch is None else scratch
        # every position equal to its window's maximum gets the window's gradient
        np.multiply(mask, g.reshape(f, 1, -1), out=gc)
        gmat = gc.reshape(f, -1)
    else:
        _, oh, ow, bsz = mask.shape
        pooled = gpooled.shape[2:]
        gc = np.empty((f, oh, ow, bsz), dtype) if scratch is None else scratch
        if pooled[0] * ws[0] != oh or pooled[1] * ws[1] != ow:
            gc[...] = 0
        np.multiply(_windows(mask, ws, pooled), g[:, :, None, :, None],
                    out=_windows(gc, ws, pooled))
        gmat = gc.reshape(f, oh * ow * bsz)
    result = {}
    if "gb" in want:
        result["gb"] = np.add.reduce(gmat, axis=1, out=gb)
    if "gw" in want:
        # (patches x gradients) then transposed: OpenBLAS runs this orientation faster
        # (the patch rows are in the filters' own tap order, flipped or not)
        full = np.matmul(cols, gmat.T).T.reshape(f, c, kh, kw)
        if gw is None:
            gw = np.ascontiguousarray(full)
        else:
            np.copyto(gw, full)
        result["gw"] = gw
    if "gx" in want:
        pad = conv.padding(kh, kw)
        result["gx"] = conv2d_grad_inputs(w, gc.transpose(3, 0, 1, 2), xshape[2:],
                                          conv.subsample, pad, conv.filter_flip)
    return result


class ConvPool(Op):
    """``conv2d -> max pool [-> + bias -> activation]`` of network3's ConvPoolLayer.

    Parameters
    ----------
    conv : Conv2d
        The convolution (border mode, stride, flip, shape hints).
    ws : (int, int)
        The pooling window (non-overlapping, ignore_border).
    act : {None, "relu", "sigmoid", "tanh"}
    bias : bool
        Whether a bias (one per filter) is an input.
    keep_for_grad : bool
        Whether to also return ``mask`` and ``cols`` for :class:`ConvPoolGrad` (the
        setting is not called ``grad``, which is the Op's gradient method).
    window_major : bool
        Window-major patch order (see the module docstring): for layers whose
        input gradient is not needed.

    Inputs are ``(x, w[, b])``; outputs ``out`` (the layer's output), then
    ``pre`` (before the activation) when there is one, then ``mask`` and
    ``cols`` when ``keep_for_grad``.
    """

    __props__ = ("conv", "ws", "act", "bias", "keep_for_grad", "window_major")

    def __init__(self, conv, ws, act=None, bias=False, keep_for_grad=False, window_major=False):
        if act not in ACTIVATIONS:
            raise ValueError(f"conv_pool: unknown activation {act!r}")
        self.conv, self.ws, self.act = conv, tuple(ws), act
        self.bias, self.window_major = bool(bias), bool(window_major)
        self.keep_for_grad = bool(keep_for_grad)

    def __str__(self):
        parts = [str(self.conv), f"maxpool({self.ws[0]},{self.ws[1]})"]
        if self.window_major:
            parts.append("windows")
        if self.bias:
            parts.append("bias")
        if self.act:
            parts.append(self.act)
        return "conv_pool{" + ",".join(parts) + ("}" if not self.keep_for_grad else ",+grad}")

    def output_names(self):
        return ["out"] + (["pre"] if self.act else []) + (["mask", "cols"] if self.keep_for_grad else [])

    def make_node(self, x, w, b=None):
        x, w = as_tensor_variable(x), as_tensor_variable(w)
        c = self.conv.make_node(x, w).outputs[0]
        bsz, f, oh, ow = c.type.shape
        pooled = tuple(None if s is None else s // k for s, k in zip((oh, ow), self.ws))
        out_type = TensorType(c.dtype, (bsz, f) + pooled)
        inputs = [x, w]
        if self.bias:
            b = as_tensor_variable(b)
            if b.ndim != 1:
                raise TypeError(f"{self}: the bias must be a vector, got {b.describe()}")
            inputs.append(b)
        outputs = [TensorVariable(out_type)]
        if self.act:
            outputs.append(TensorVariable(out_type))
        if self.keep_for_grad:
            mask, cols = self._mask_and_cols(bsz, w.type.shape, (oh, ow))
            outputs.append(TensorVariable(TensorType("bool", mask)))
            outputs.append(TensorVariable(TensorType(c.dtype, cols)))
        return Apply(self, inputs, outputs)

    def _mask_and_cols(self, bsz, wshape, conv_hw):
        """Shapes of ``mask`` and ``cols`` (None where unknown)."""
        (f, c, kh, kw), (oh, ow) = wshape, conv_hw
        if self.window_major:
            pooled = [None if s is None else (s // k) * k for s, k in zip(conv_hw, self.ws)]
            oh, ow = pooled
        positions = None if None in (oh, ow, bsz) else oh * ow * bsz
        patch = None if None in (c, kh, kw) else c * kh * kw
        if self.window_major:
            per_offset = None if positions is None else positions // (self.ws[0] * self.ws[1])
            mask = (f, self.ws[0] * self.ws[1], per_offset)
        else:
            mask = (bsz, f) + tuple(conv_hw)
        return mask, (patch, positions)

    def perform(self, node, inputs):
        x, w = inputs[:2]
        b = inputs[2] if self.bias else None
        self.conv._runtime_check(x.shape, w.shape)
        out, pre, mask, cols = convpool_forward(x, w, b, self.conv, self.ws, self.act,
                                                want_mask=self.keep_for_grad,
                                                window_major=self.window_major)
        values = {"out": _nchw(out), "pre": _nchw(pre), "cols": cols,
                  "mask": mask if self.window_major or mask is None else _nchw(mask)}
        return [values[name] for name in self.output_names()]

    def infer_shape(self, node, input_shapes):
        xs, ws = input_shapes[:2]
        (b, _, h, wd), (f, c, kh, kw) = xs, ws
        pad = self.conv.padding(kh, kw)
        oh = output_size(h, kh, pad[0], self.conv.subsample[0])
        ow = output_size(wd, kw, pad[1], self.conv.subsample[1])
        out = (b, f, oh // self.ws[0], ow // self.ws[1])
        mask, cols = self._mask_and_cols(b, (f, c, kh, kw), (oh, ow))
        shapes = {"out": out, "pre": out, "mask": mask, "cols": cols}
        return [shapes[name] for name in self.output_names()]

    def grad(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation; "
                                  "take gradients of the original graph")


class ConvPoolGrad(Op):
    """Gradients of a :class:`ConvPool`'s convolution and pooling: ``(gpooled, mask,
    cols, x, w) -> (gw, gx, gb)`` (those named in ``want``), where ``gpooled`` is the
    gradient with respect to the pooled values and ``x`` gives the input's shape;
    ``gb`` is the gradient of a bias added before the pooling: the spread gradient
    summed per filter (a window's tied maxima each count, as the unfused graph's)."""

    __props__ = ("conv", "ws", "want", "window_major")

    def __init__(self, conv, ws, want=("gw", "gx"), window_major=False):
        self.conv, self.ws, self.want = conv, tuple(ws), tuple(want)
        self.window_major = bool(window_major)
        if self.window_major and "gx" in self.want:
            raise ValueError("conv_pool_grad: window-major order gives no input gradient")

    def __str__(self):
        pool = f"maxpool({self.ws[0]},{self.ws[1]})" + (",windows" if self.window_major else "")
        return f"conv_pool_grad{{{self.conv},{pool},{'+'.join(self.want)}}}"

    def make_node(self, gpooled, mask, cols, x, w):
        inputs = [as_tensor_variable(v) for v in (gpooled, mask, cols, x, w)]
        gpooled, mask, cols, x, w = inputs
        dtype = np.result_type(gpooled.dtype, w.dtype).name
        types = {"gw": TensorType(dtype, w.type.shape), "gx": TensorType(dtype, x.type.shape),
                 "gb": TensorType(dtype, w.type.shape[:1])}
        return Apply(self, inputs, [TensorVariable(types[name]) for name in self.want])

    def perform(self, node, inputs):
        gpooled, mask, cols, x, w = inputs
        if not self.window_major:
            mask = mask.transpose(1, 2, 3, 0)
        result = convpool_backward(gpooled, mask, cols, x.shape, w, self.conv, self.ws,
                                   self.want, window_major=self.window_major)
        return [result[name].astype(out.dtype, copy=False)
                for name, out in zip(self.want, node.outputs)]

    def infer_shape(self, node, input_shapes):
        shapes = {"gw": input_shapes[4], "gx": input_shapes[3], "gb": input_shapes[4][:1]}
        return [shapes[name] for name in self.want]

    def grad(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation")


def _nchw(chwb):
    """A (C, H, W, B) array seen as (B, C, H, W) (a view)."""
    return chwb.transpose(3, 0, 1, 2)
