"""2-d convolution over NCHW tensors, and its two gradient ops.

Three ops share one set of parameters (border mode, stride, flip, shape hints):

- :class:`Conv2d` ``(x, w) -> y``: the forward convolution;
- :class:`Conv2dGradWeights` ``(x, gy, (kh, kw)) -> gw``: its gradient with
  respect to the filters;
- :class:`Conv2dGradInputs` ``(w, gy, (h, w)) -> gx``: its gradient with
  respect to the input.

The forward op is bilinear in ``(x, w)``, so the three are each other's
gradients: ``<gy, conv(x, w)> = <grad_weights(x, gy), w> = <grad_inputs(w, gy), x>``.

Kernels
-------
All three work in the *CHWB* memory order (channels, rows, columns, batch),
where a window's row of ``ow`` outputs for the whole batch is one contiguous
run of ``ow * B`` values. The patch matrix (im2col) is then filled by long
memcpy-like runs instead of gathers of a few values, and one GEMM computes
the whole batch. Outputs keep that memory order: ``conv2d`` returns an array
of shape ``(B, F, oh, ow)`` whose memory is ``(F, oh, ow, B)``, which the next
conv layer reads without any transposition. Only the input of the first layer
(NCHW data) is transposed once, a copy the size of the input.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..graph.basic import Apply, Constant, Op, op_name
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable, constant

BORDER_MODES = ("valid", "full", "half")


# --- parameters ------------------------------------------------------------

def normalize_border_mode(border_mode, op_name="conv2d"):
    """``"valid"``, ``"full"``, ``"half"`` or a ``(ph, pw)`` pair of non-negative ints."""
    if isinstance(border_mode, str):
        if border_mode not in BORDER_MODES:
            raise ValueError(f"{op_name}: unknown border_mode {border_mode!r}; use 'valid', "
                             "'full', 'half', an int or a (rows, cols) padding pair")
        return border_mode
    if isinstance(border_mode, (int, np.integer)) and not isinstance(border_mode, bool):
        border_mode = (border_mode, border_mode)
    if (isinstance(border_mode, (tuple, list)) and len(border_mode) == 2
            and all(isinstance(p, (int, np.integer)) and not isinstance(p, bool)
                    for p in border_mode)):
        pad = (int(border_mode[0]), int(border_mode[1]))
        if min(pad) < 0:
            raise ValueError(f"{op_name}: padding must be non-negative, got border_mode={pad}")
        return "valid" if pad == (0, 0) else pad
    raise ValueError(f"{op_name}: unknown border_mode {border_mode!r}; use 'valid', 'full', "
                     "'half', an int or a (rows, cols) padding pair")


def normalize_pair(value, what, op_name, minimum=1):
    """``value`` (an int or a pair) as a pair of ints ``>= minimum``."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 for v in pair):
        raise ValueError(f"{op_name}: {what} must be a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{op_name}: {what} must be at least {minimum}, got {tuple(pair)}")
    return (int(pair[0]), int(pair[1]))


def resolve_padding(border_mode, kh, kw):
    """The ``(rows, cols)`` zero padding that ``border_mode`` means for a kh x kw kernel."""
    if border_mode == "valid":
        return (0, 0)
    if border_mode == "full":
        return (kh - 1, kw - 1)
    if border_mode == "half":
        return (kh // 2, kw // 2)
    return border_mode


def output_size(size, kernel, pad, stride):
    """Positions of a ``kernel``-wide window over ``size + 2 * pad`` values, stepping ``stride``."""
    return (size + 2 * pad - kernel) // stride + 1


def _normalize_hint(hint, what, op_name):
    if hint is None:
        return (None,) * 4
    hint = tuple(hint)
    if len(hint) != 4 or not all(h is None or (isinstance(h, (int, np.integer)) and h > 0)
                                 for h in hint):
        raise ValueError(f"{op_name}: {what} must have 4 entries, each a positive int or None, "
                         f"got {hint!r}")
    return tuple(None if h is None else int(h) for h in hint)


# --- NumPy kernels ----------------------------------------------------------

def to_chwb(x, pad=(0, 0)):
    """``x`` (B, C, H, W) as an array of shape (C, H + 2 ph, W + 2 pw, B), zero padded.

    A view when ``x`` already has that memory order and no padding is asked for.
    """
    ph, pw = pad
    t = x.transpose(1, 2, 3, 0)
    if ph == 0 and pw == 0:
        return t if t.flags.c_contiguous else np.ascontiguousarray(t)
    c, h, w, b = t.shape
    out = np.zeros((c, h + 2 * ph, w + 2 * pw, b), dtype=x.dtype)
    out[:, ph:ph + h, pw:pw + w] = t
    return out


def im2col(xt, kernel, stride, out_hw):
    """Patch matrix of a CHWB array: row ``(c, u, v)``, column ``(i, j, b)`` holds
    ``xt[c, i * sh + u, j * sw + v, b]``; shape (C kh kw, oh ow B)."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out_hw
    c, _, _, b = xt.shape
    s_c, s_h, s_w, s_b = xt.strides
    windows = as_strided(xt, (c, kh, kw, oh, ow, b), (s_c, s_h, s_w, s_h * sh, s_w * sw, s_b),
                         writeable=False)
    return windows.reshape(c * kh * kw, oh * ow * b)


def _oriented(w, flip):
    """The filters as correlation kernels: a true convolution flips rows and columns."""
    return w[:, :, ::-1, ::-1] if flip else w


def _gy_matrix(gy):
    """The output gradient (B, F, oh, ow) as an (F, oh ow B) matrix (a view in CHWB order)."""
    return to_chwb(gy).reshape(gy.shape[1], -1)


def conv2d_forward(x, w, subsample=(1, 1), padding=(0, 0), flip=True):
    """``y[b, f] = sum_c x[b, c] (*) w[f, c]`` as one GEMM over an im2col matrix.

    Returns an array of shape (B, F, oh, ow) in CHWB memory order.
    """
    b, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh = output_size(h, kh, padding[0], subsample[0])
    ow = output_size(wd, kw, padding[1], subsample[1])
    cols = im2col(to_chwb(x, padding), (kh, kw), subsample, (oh, ow))
    wm = _oriented(w, flip).reshape(f, c * kh * kw)
    y = np.matmul(wm, cols)
    return y.reshape(f, oh, ow, b).transpose(3, 0, 1, 2)


def conv2d_grad_weights(x, gy, kernel, subsample=(1, 1), padding=(0, 0), flip=True):
    """Gradient of ``conv2d_forward`` with respect to the filters: one GEMM of the
    output gradient with the input's patch matrix."""
    b, c, h, wd = x.shape
    f = gy.shape[1]
    kh, kw = kernel
    oh, ow = gy.shape[2], gy.shape[3]
    cols = im2col(to_chwb(x, padding), (kh, kw), subsample, (oh, ow))
    # (patches x gradients) then transposed: OpenBLAS runs this orientation faster
    gw = np.matmul(cols, _gy_matrix(gy).T).T.reshape(f, c, kh, kw)
    return np.ascontiguousarray(_oriented(gw, flip))


def conv2d_grad_inputs(w, gy, image, subsample=(1, 1), padding=(0, 0), flip=True):
    """Gradient of ``conv2d_forward`` with respect to the input: one GEMM gives each
    patch's gradient, which is then added back into place (col2im) by a loop over
    the kh x kw kernel offsets only (over the kh rows only for a unit step, see
    :func:`_grad_inputs_unit_step`)."""
    f, c, kh, kw = w.shape
    b, _, oh, ow = gy.shape
    h, wd = image
    (ph, pw), (sh, sw) = padding, subsample
    if (sh, sw) == (1, 1):
        return _grad_inputs_unit_step(w, gy, image, padding, flip)
    # rows (c, tap row, tap column) of the filters as stored: the GEMM reads w in place
    wm = w.reshape(f, c * kh * kw)
    patches = np.matmul(wm.T, _gy_matrix(gy)).reshape(c, kh, kw, oh, ow, b)
    gxt = np.zeros((c, h + 2 * ph, wd + 2 * pw, b), dtype=patches.dtype)
    for u in range(kh):
        rows = slice(u, u + (oh - 1) * sh + 1, sh)
        for v in range(kw):
            # a true convolution meets input offset (u, v) with tap (kh-1-u, kw-1-v)
            tap = patches[:, kh - 1 - u, kw - 1 - v] if flip else patches[:, u, v]
            gxt[:, rows, v:v + (ow - 1) * sw + 1:sw] += tap
    return gxt[:, ph:ph + h, pw:pw + wd].transpose(3, 0, 1, 2)


def _grad_inputs_unit_step(w, gy, image, padding, flip):
    """:func:`conv2d_grad_inputs` of a unit-step convolution, with the kernel's columns
    folded into the GEMM: the output gradient is laid out once per kernel column ``v``,
    shifted ``v`` columns right in rows as wide as the padded input, so that one GEMM
    over (filter, kernel column) gives each kernel row's contribution at its final
    column, and col2im is ``kh`` adds of whole rows instead of ``kh * kw`` adds of
    short runs (the second conv layer's input gradient at a mini-batch of 10: 0.53 ms
    instead of 0.68; the GEMM is ``(ow + kw - 1) / ow`` times larger, the adds fewer
    and longer)."""
    f, c, kh, kw = w.shape
    b, _, oh, ow = gy.shape
    h, wd = image
    ph, pw = padding
    hp, wp = h + 2 * ph, wd + 2 * pw
    g = gy.transpose(1, 2, 3, 0)                 # (F, oh, ow, B): a view in CHWB order
    # a true convolution meets input offset (u, v) with tap (kh-1-u, kw-1-v)
    taps = w[:, :, ::-1, ::-1] if flip else w
    rows = np.ascontiguousarray(taps.transpose(1, 2, 0, 3)).reshape(c * kh, f * kw)
    shifted = np.empty((f, kw, oh, wp, b), dtype=gy.dtype)
    for v in range(kw):
        shifted[:, v, :, :v] = 0
        shifted[:, v, :, v + ow:] = 0
        shifted[:, v, :, v:v + ow] = g
    by_row = np.matmul(rows, shifted.reshape(f * kw, -1)).reshape(c, kh, oh, wp, b)
    gxt = np.zeros((c, hp, wp, b), dtype=by_row.dtype)
    for u in range(kh):
        gxt[:, u:u + oh] += by_row[:, u]
    return gxt[:, ph:ph + h, pw:pw + wd].transpose(3, 0, 1, 2)


# --- ops --------------------------------------------------------------------

def spatial_shape(v, hint):
    """The last two dimensions of ``v`` as an int64 vector: a constant when known
    (from the static type or the hint), else read at run time."""
    dims = [s if s is not None else h for s, h in zip(v.type.shape[2:], hint[2:])]
    if None not in dims:
        return constant(np.array(dims, dtype="int64"))
    from .shape import shape
    return shape(v)[2:]


class _Conv2dBase(Op):
    """Parameters and shape checks shared by the convolution op and its gradients.

    ``input_shape`` and ``filter_shape`` describe the *forward* convolution's
    input and filters (entries may be None); they refine static shapes and are
    checked when the graph runs.
    """

    __props__ = ("border_mode", "subsample", "filter_flip", "input_shape", "filter_shape")

    def __init__(self, border_mode="valid", subsample=(1, 1), filter_flip=True,
                 input_shape=None, filter_shape=None):
        name = op_name(type(self))
        self.border_mode = normalize_border_mode(border_mode, name)
        self.subsample = normalize_pair(subsample, "subsample (the stride)", name)
        self.filter_flip = bool(filter_flip)
        self.input_shape = _normalize_hint(input_shape, "input_shape", name)
        self.filter_shape = _normalize_hint(filter_shape, "filter_shape", name)

    def __str__(self):
        mode = self.border_mode if isinstance(self.border_mode, str) else \
            f"pad=({self.border_mode[0]},{self.border_mode[1]})"
        text = f"{op_name(type(self))}{{{mode}"
        if self.subsample != (1, 1):
            text += f",stride=({self.subsample[0]},{self.subsample[1]})"
        if not self.filter_flip:
            text += ",no_flip"
        return text + "}"

    def padding(self, kh, kw):
        return resolve_padding(self.border_mode, kh, kw)

    # static shape checks --------------------------------------------------
    def _refine(self, v, hint, what):
        """Static shape of ``v`` merged with ``hint``; raises where they disagree."""
        if v.ndim != 4:
            raise TypeError(f"{self}: the {what} must be a 4-d tensor, got {v.describe()}")
        if not v.type.is_float:
            raise TypeError(f"{self}: the {what} must be a float tensor, got {v.describe()}")
        merged = []
        for axis, (s, h) in enumerate(zip(v.type.shape, hint)):
            if s is not None and h is not None and s != h:
                raise ValueError(
                    f"{self}: the {what} {v.describe()} has size {s} on axis {axis}, but the "
                    f"declared {what} shape is {_fmt(hint)}")
            merged.append(s if s is not None else h)
        return tuple(merged)

    def _check_geometry(self, xshape, wshape):
        """Channel agreement and a window that fits the padded input, when known."""
        (_, c, h, wd), (_, wc, kh, kw) = xshape, wshape
        if c is not None and wc is not None and c != wc:
            raise ValueError(
                f"{self}: the input has {c} channels but the filters expect {wc} "
                f"(input shape {_fmt(xshape)}, filter shape {_fmt(wshape)}; filters are "
                "(out channels, in channels, rows, cols))")
        out = [None, None]
        for k, (size, ksize, name) in enumerate(((h, kh, "rows"), (wd, kw, "cols"))):
            if size is None or ksize is None:
                continue
            pad = resolve_padding(self.border_mode, ksize, ksize)[k]
            if ksize > size + 2 * pad:
                raise ValueError(
                    f"{self}: the filter window ({ksize} {name}) is larger than the padded "
                    f"input ({size} + 2*{pad} {name}); input shape {_fmt(xshape)}, filter "
                    f"shape {_fmt(wshape)}")
            out[k] = output_size(size, ksize, pad, self.subsample[k])
        return tuple(out)

    def _runtime_check(self, xshape, wshape):
        """The checks of ``make_node``, repeated on run-time shapes (hints included)."""
        for actual, hint, what in ((xshape, self.input_shape, "input"),
                                   (wshape, self.filter_shape, "filter")):
            if any(h is not None and h != a for a, h in zip(actual, hint)):
                raise ValueError(f"{self}: the {what} has shape {tuple(actual)}, but the declared "
                                 f"{what} shape is {_fmt(hint)}")
        self._check_geometry(tuple(xshape), tuple(wshape))

    def _shape_vector(self, v, what):
        v = as_tensor_variable(v)
        if v.ndim != 1 or not v.type.is_integer or v.type.shape[0] not in (None, 2):
            raise TypeError(f"{self}: the {what} must be an integer vector of 2 entries, "
                            f"got {v.describe()}")
        if isinstance(v, Constant):
            return v, tuple(int(s) for s in v.data)
        return v, (None, None)

    def _params(self, kh, kw):
        return dict(subsample=self.subsample, padding=self.padding(kh, kw),
                    flip=self.filter_flip)

    def _same(self, cls):
        return cls(self.border_mode, self.subsample, self.filter_flip,
                   self.input_shape, self.filter_shape)


class Conv2d(_Conv2dBase):
    """``conv2d(x, w)``: NCHW input, (out, in, rows, cols) filters.

    See :func:`symconv.nnet.conv2d` for the parameters.
    """

    def make_node(self, x, w):
        x, w = as_tensor_variable(x), as_tensor_variable(w)
        xshape = self._refine(x, self.input_shape, "input")
        wshape = self._refine(w, self.filter_shape, "filters")
        oh, ow = self._check_geometry(xshape, wshape)
        dtype = np.result_type(x.dtype, w.dtype).name
        out = TensorType(dtype, (xshape[0], wshape[0], oh, ow))
        return Apply(self, [x, w], [TensorVariable(out)])

    def perform(self, node, inputs):
        x, w = inputs
        self._runtime_check(x.shape, w.shape)
        y = conv2d_forward(x, w, **self._params(w.shape[2], w.shape[3]))
        return [y.astype(node.outputs[0].dtype, copy=False)]

    def infer_shape(self, node, input_shapes):
        (b, _, h, wd), (f, _, kh, kw) = input_shapes
        (ph, pw), (sh, sw) = self.padding(kh, kw), self.subsample
        return [(b, f, output_size(h, kh, ph, sh), output_size(wd, kw, pw, sw))]

    def grad(self, inputs, outputs, output_grads):
        x, w = inputs
        (gy,) = output_grads
        gx = self._same(Conv2dGradInputs)(w, gy, spatial_shape(x, self.input_shape))
        gw = self._same(Conv2dGradWeights)(x, gy, spatial_shape(w, self.filter_shape))
        return [_as_dtype(gx, x), _as_dtype(gw, w)]


class Conv2dGradWeights(_Conv2dBase):
    """Gradient of :class:`Conv2d` with respect to the filters: ``(x, gy, (kh, kw)) -> gw``."""

    def make_node(self, x, gy, kernel):
        x, gy = as_tensor_variable(x), as_tensor_variable(gy)
        xshape = self._refine(x, self.input_shape, "input")
        gshape = self._refine(gy, (None,) * 4, "output gradient")
        kernel, (kh, kw) = self._shape_vector(kernel, "filter size (rows, cols)")
        fh = self.filter_shape
        kh = kh if kh is not None else fh[2]
        kw = kw if kw is not None else fh[3]
        wshape = (gshape[1] if gshape[1] is not None else fh[0],
                  xshape[1] if xshape[1] is not None else fh[1], kh, kw)
        self._check_geometry(xshape, wshape)
        dtype = np.result_type(x.dtype, gy.dtype).name
        return Apply(self, [x, gy, kernel], [TensorVariable(TensorType(dtype, wshape))])

    def perform(self, node, inputs):
        x, gy, kernel = inputs
        kh, kw = int(kernel[0]), int(kernel[1])
        wshape = (gy.shape[1], x.shape[1], kh, kw)
        self._runtime_check(x.shape, wshape)
        _check_gy(self, gy, x.shape, wshape)
        gw = conv2d_grad_weights(x, gy, (kh, kw), **self._params(kh, kw))
        return [gw.astype(node.outputs[0].dtype, copy=False)]

    def grad(self, inputs, outputs, output_grads):
        x, gy, _ = inputs
        (g,) = output_grads  # shaped like the filters
        gx = self._same(Conv2dGradInputs)(g, gy, spatial_shape(x, self.input_shape))
        ggy = self._same(Conv2d)(x, g)
        return [_as_dtype(gx, x), _as_dtype(ggy, gy), None]


class Conv2dGradInputs(_Conv2dBase):
    """Gradient of :class:`Conv2d` with respect to the input: ``(w, gy, (h, w)) -> gx``."""

    def make_node(self, w, gy, image):
        w, gy = as_tensor_variable(w), as_tensor_variable(gy)
        wshape = self._refine(w, self.filter_shape, "filters")
        gshape = self._refine(gy, (None,) * 4, "output gradient")
        image, (h, wd) = self._shape_vector(image, "input size (rows, cols)")
        ih = self.input_shape
        xshape = (gshape[0] if gshape[0] is not None else ih[0],
                  wshape[1] if wshape[1] is not None else ih[1],
                  h if h is not None else ih[2], wd if wd is not None else ih[3])
        self._check_geometry(xshape, wshape)
        dtype = np.result_type(w.dtype, gy.dtype).name
        return Apply(self, [w, gy, image], [TensorVariable(TensorType(dtype, xshape))])

    def perform(self, node, inputs):
        w, gy, image = inputs
        h, wd = int(image[0]), int(image[1])
        xshape = (gy.shape[0], w.shape[1], h, wd)
        self._runtime_check(xshape, w.shape)
        _check_gy(self, gy, xshape, w.shape)
        gx = conv2d_grad_inputs(w, gy, (h, wd), **self._params(w.shape[2], w.shape[3]))
        return [gx.astype(node.outputs[0].dtype, copy=False)]

    def grad(self, inputs, outputs, output_grads):
        w, gy, _ = inputs
        (g,) = output_grads  # shaped like the input
        gw = self._same(Conv2dGradWeights)(g, gy, spatial_shape(w, self.filter_shape))
        ggy = self._same(Conv2d)(g, w)
        return [_as_dtype(gw, w), _as_dtype(ggy, gy), None]


def _check_gy(op, gy, xshape, wshape):
    (b, _, h, wd), (f, _, kh, kw) = xshape, wshape
    (ph, pw), (sh, sw) = op.padding(kh, kw), op.subsample
    want = (b, f, output_size(h, kh, ph, sh), output_size(wd, kw, pw, sw))
    if tuple(gy.shape) != want:
        raise ValueError(f"{op}: the output gradient has shape {gy.shape}; the convolution of "
                         f"an input {tuple(xshape)} with filters {tuple(wshape)} gives {want}")


def _as_dtype(g, like):
    from .elemwise import cast
    return cast(g, like.dtype) if g.dtype != like.dtype else g


def _fmt(shape):
    return "(" + ", ".join("?" if s is None else str(s) for s in shape) + ")"
