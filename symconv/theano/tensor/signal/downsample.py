"""``theano.tensor.signal.downsample``: Theano's former pooling module, the one
Nielsen's network3 imports (``downsample.max_pool_2d``)."""
import warnings

from .... import nnet as _nnet
from ...missing import missing_attribute
from .pool import IGNORE_BORDER_WARNING


def max_pool_2d(input, ds, ignore_border=None, st=None, padding=(0, 0), mode="max"):
    """Pooling with windows ``ds`` and stride ``st``; ``ignore_border`` not given is
    False, with Theano's warning (see :func:`theano.tensor.signal.pool.pool_2d`)."""
    if ignore_border is None:
        warnings.warn(IGNORE_BORDER_WARNING, stacklevel=2)
        ignore_border = False
    return _nnet.pool_2d(input, ws=ds, ignore_border=ignore_border, stride=st, pad=padding,
                         mode=mode)


__getattr__ = missing_attribute(__name__)
