"""``theano.tensor.nnet.abstract_conv``: the two gradients of ``conv2d`` as functions
of their own (``conv2d_grad_wrt_inputs`` is the transposed convolution of
deconvolution layers), and ``get_conv_output_shape``."""
from ....graph.basic import Variable
from ....graph.tensor import as_tensor_variable
from ....nnet import shape_hint
from ....ops.conv import (Conv2dGradInputs, Conv2dGradWeights, normalize_border_mode,
                          normalize_pair, output_size, resolve_padding)
from ....ops.shape import stack_scalars
from ...missing import missing_attribute


def _no_dilation(filter_dilation, num_groups, name):
    if tuple(filter_dilation) != (1, 1):
        raise NotImplementedError(f"{name}: filter_dilation={tuple(filter_dilation)} is not "
                                  "implemented; only (1, 1)")
    if num_groups != 1:
        raise NotImplementedError(f"{name}: num_groups={num_groups} is not implemented; only 1")


def _spatial(shape, what, name):
    """The (rows, cols) of a 4-entry shape (a tuple, or a symbolic vector: ``x.shape``),
    and the shape as a hint (None for a symbolic vector)."""
    if isinstance(shape, Variable):
        if shape.ndim != 1 or shape.type.shape[0] not in (None, 4) or not shape.type.is_integer:
            raise ValueError(f"{name}: {what} must have 4 entries (batch, channels, rows, "
                             f"cols), got {shape.describe()}")
        return shape[2:4], None
    if shape is None or len(shape) != 4:
        raise ValueError(f"{name}: {what} must be given, 4 entries (batch, channels, rows, cols)")
    return stack_scalars([as_tensor_variable(s) for s in shape[2:]]), shape_hint(shape, what)


def conv2d_grad_wrt_inputs(output_grad, filters, input_shape, filter_shape=None,
                           border_mode="valid", subsample=(1, 1), filter_flip=True,
                           filter_dilation=(1, 1), num_groups=1):
    """The gradient of ``conv2d(x, filters, ...)`` with respect to ``x`` of shape
    ``input_shape``, given ``output_grad`` (shaped like the convolution's output): a
    transposed convolution, differentiable in ``output_grad`` and ``filters``."""
    _no_dilation(filter_dilation, num_groups, "conv2d_grad_wrt_inputs")
    image, input_hint = _spatial(input_shape, "input_shape", "conv2d_grad_wrt_inputs")
    op = Conv2dGradInputs(border_mode, subsample, filter_flip, input_hint,
                          shape_hint(filter_shape, "filter_shape"))
    return op(filters, output_grad, image)


def conv2d_grad_wrt_weights(input, output_grad, filter_shape, input_shape=None,
                            border_mode="valid", subsample=(1, 1), filter_flip=True,
                            filter_dilation=(1, 1), num_groups=1):
    """The gradient of ``conv2d(input, w, ...)`` with respect to ``w`` of shape
    ``filter_shape``, given ``output_grad``."""
    _no_dilation(filter_dilation, num_groups, "conv2d_grad_wrt_weights")
    kernel, filter_hint = _spatial(filter_shape, "filter_shape", "conv2d_grad_wrt_weights")
    input_hint = None if isinstance(input_shape, Variable) else shape_hint(input_shape, "input_shape")
    op = Conv2dGradWeights(border_mode, subsample, filter_flip, input_hint, filter_hint)
    return op(input, output_grad, kernel)


def get_conv_output_shape(image_shape, kernel_shape, border_mode, subsample,
                          filter_dilation=None):
    """The shape of ``conv2d``'s output for an input of ``image_shape`` and filters of
    ``kernel_shape`` (entries None where unknown), as Theano's."""
    if filter_dilation is not None and tuple(filter_dilation) != (1, 1):
        raise NotImplementedError("get_conv_output_shape: only filter_dilation (1, 1)")
    border_mode = normalize_border_mode(border_mode, "get_conv_output_shape")
    subsample = normalize_pair(subsample, "subsample", "get_conv_output_shape")
    batch, _, rows, cols = image_shape
    n_filters, _, kh, kw = kernel_shape
    out = []
    for k, (size, ksize) in enumerate(((rows, kh), (cols, kw))):
        if size is None or ksize is None:
            out.append(None)
            continue
        pad = resolve_padding(border_mode, kh if kh is not None else 0,
                              kw if kw is not None else 0)[k]
        out.append(output_size(size, ksize, pad, subsample[k]))
    return (batch, n_filters, out[0], out[1])


__getattr__ = missing_attribute(__name__)
