"""Patches of images as rows: ``images2neibs`` and its inverse ``neibs2images``
(Theano's ``theano.tensor.nnet.neighbours``).

``images2neibs(x, (r, c), step)`` of a ``(batch, channels, rows, cols)`` tensor has
one row per patch: for each image and channel, the patches in row-major order of
their top-left corners, each flattened row-major. Its gradient adds each row back
onto the pixels it was read from (:class:`NeibsToImages`), which for patches that
do not overlap is the inverse, ``neibs2images``.
"""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable

MODES = ("valid", "ignore_borders", "half", "full")


def _pair(value, what):
    try:
        a, b = (int(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"images2neibs: {what} must be two ints, got {value!r}") from None
    if a <= 0 or b <= 0:
        raise ValueError(f"images2neibs: {what} must be positive, got {(a, b)}")
    return a, b


class _Neighbours(Op):
    __props__ = ("neib_shape", "neib_step", "mode")

    def __init__(self, neib_shape, neib_step=None, mode="valid"):
        if mode not in MODES:
            raise ValueError(f"images2neibs: mode must be one of {MODES}, got {mode!r}")
        self.neib_shape = _pair(neib_shape, "neib_shape")
        self.neib_step = self.neib_shape if neib_step is None else _pair(neib_step, "neib_step")
        self.mode = mode

    def padding(self):
        r, c = self.neib_shape
        return {"half": (r // 2, c // 2), "full": (r - 1, c - 1)}.get(self.mode, (0, 0))

    def grid(self, rows, cols):
        """The number of patches down and across an image of ``rows`` x ``cols``."""
        (r, c), (sr, sc), (pr, pc) = self.neib_shape, self.neib_step, self.padding()
        counts = []
        for size, k, s, p, what in ((rows, r, sr, pr, "rows"), (cols, c, sc, pc, "cols")):
            span = size + 2 * p - k
            if size < k or span < 0:
                raise ValueError(f"images2neibs: patches of {k} {what} do not fit images of "
                                 f"{size} {what}")
            if self.mode != "ignore_borders" and span % s:
                raise ValueError(
                    f"images2neibs: patches of {k} {what} every {s} do not tile {size} {what} "
                    f"(mode {self.mode!r}; 'ignore_borders' drops the rest)")
            counts.append(1 + span // s)
        return tuple(counts)


class ImagesToNeibs(_Neighbours):
    """``images2neibs``: ``(batch, channels, rows, cols) -> (patches, r * c)``."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim != 4:
            raise TypeError(f"images2neibs: expects a 4-d tensor (batch, channels, rows, cols), "
                            f"got {x.describe()}")
        width = self.neib_shape[0] * self.neib_shape[1]
        return Apply(self, [x], [TensorVariable(TensorType(x.dtype, (None, width)))])

    def perform(self, node, inputs):
        (x,) = inputs
        (r, c), (sr, sc), (pr, pc) = self.neib_shape, self.neib_step, self.padding()
        gr, gc = self.grid(x.shape[2], x.shape[3])
        if pr or pc:
            x = np.pad(x, ((0, 0), (0, 0), (pr, pr), (pc, pc)))
        windows = np.lib.stride_tricks.sliding_window_view(x, (r, c), axis=(2, 3))
        windows = windows[:, :, :(gr - 1) * sr + 1:sr, :(gc - 1) * sc + 1:sc]
        return [np.ascontiguousarray(windows).reshape(-1, r * c)]

    def grad(self, inputs, outputs, output_grads):
        from .shape import shape
        (x,) = inputs
        if not x.type.is_float:
            return [None]
        return [NeibsToImages(self.neib_shape, self.neib_step, self.mode)(output_grads[0], shape(x))]


class NeibsToImages(_Neighbours):
    """``(patches, r * c), image shape -> (batch, channels, rows, cols)``: each row added
    back onto the pixels its patch covers (the adjoint of :class:`ImagesToNeibs`;
    its inverse where the patches do not overlap)."""

    def make_node(self, neibs, image_shape):
        neibs, image_shape = as_tensor_variable(neibs), as_tensor_variable(image_shape)
        if neibs.ndim != 2:
            raise TypeError(f"neibs2images: expects a matrix of patches, got {neibs.describe()}")
        if image_shape.ndim != 1 or not image_shape.type.is_integer:
            raise TypeError(f"neibs2images: the image shape must be an integer vector of 4, "
                            f"got {image_shape.describe()}")
        return Apply(self, [neibs, image_shape],
                     [TensorVariable(TensorType(neibs.dtype, (None,) * 4))])

    def perform(self, node, inputs):
        neibs, image_shape = inputs
        batch, channels, rows, cols = (int(s) for s in image_shape)
        (r, c), (sr, sc), (pr, pc) = self.neib_shape, self.neib_step, self.padding()
        gr, gc = self.grid(rows, cols)
        want = (batch * channels * gr * gc, r * c)
        if neibs.shape != want:
            raise ValueError(f"neibs2images: {neibs.shape[0]} patches of {neibs.shape[1]} "
                             f"values for images {tuple(image_shape)}; patches of {(r, c)} every "
                             f"{(sr, sc)} give {want}")
        patches = neibs.reshape(batch, channels, gr, gc, r, c)
        out = np.zeros((batch, channels, rows + 2 * pr, cols + 2 * pc), dtype=neibs.dtype)
        for i in range(r):              # over the patch's offsets, as col2im: every pixel at once
            for j in range(c):
                out[:, :, i:i + (gr - 1) * sr + 1:sr, j:j + (gc - 1) * sc + 1:sc] += patches[..., i, j]
        return [out[:, :, pr:pr + rows, pc:pc + cols]]

    def grad(self, inputs, outputs, output_grads):
        neibs, _ = inputs
        g = ImagesToNeibs(self.neib_shape, self.neib_step, self.mode)(output_grads[0])
        return [g if neibs.type.is_float else None, None]


def images2neibs(ten4, neib_shape, neib_step=None, mode="valid"):
    """The ``neib_shape`` patches of each image and channel of ``ten4``, every
    ``neib_step`` (``neib_shape`` by default: patches side by side), one per row.

    ``mode``: 'valid' (the patches must tile the images), 'ignore_borders' (the
    pixels past the last whole patch are left out), 'half' and 'full' (the images
    padded with zeros by half the patch, or the patch less one, on each side).
    """
    return ImagesToNeibs(neib_shape, neib_step, mode)(ten4)


def neibs2images(neibs, neib_shape, original_shape, mode="valid"):
    """The images ``images2neibs(images, neib_shape, mode=mode)`` came from, of
    ``original_shape`` (patches side by side, as Theano's inverse assumes)."""
    from .shape import stack_scalars
    if not hasattr(original_shape, "type"):
        original_shape = stack_scalars([as_tensor_variable(s) for s in original_shape])
    return NeibsToImages(neib_shape, None, mode)(neibs, original_shape)
