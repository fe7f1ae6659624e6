"""``theano.tensor.nnet.conv``: Theano's former ``conv2d``, the one network3 imports."""
from .... import nnet as _nnet
from ...missing import missing_attribute


def conv2d(input, filters, image_shape=None, filter_shape=None, border_mode="valid",
           subsample=(1, 1), **kargs):
    """2-d convolution with Theano's former signature (``image_shape`` third).

    ``border_mode`` is "valid" or "full"; the filters are flipped (a true
    convolution). Other keyword arguments of the former interface (``unroll_batch``,
    ``unroll_kern``, ``imshp_logical``...) tuned Theano's C code and are ignored.
    """
    if border_mode not in ("valid", "full"):
        raise ValueError(f"conv2d: the former interface takes border_mode 'valid' or 'full', "
                         f"got {border_mode!r}")
    return _nnet.conv2d(input, filters, input_shape=image_shape, filter_shape=filter_shape,
                        border_mode=border_mode, subsample=subsample)


__getattr__ = missing_attribute(__name__)
