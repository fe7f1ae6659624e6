"""``theano.tensor.extra_ops``: ``cumsum``, ``repeat``, ``to_one_hot`` and ``squeeze``."""
from ...config import config
from ...graph.tensor import as_tensor_variable
from ...ops.arrays import cumsum, repeat  # noqa: F401
from ...ops.basic import arange, zeros
from ...ops.indexing import set_subtensor
from ...ops.shape import dimshuffle, shape
from ..missing import missing_attribute


def to_one_hot(y, nb_class, dtype=None):
    """The rows of the identity of size ``nb_class`` picked by the integer vector ``y``
    (a matrix of ``len(y)`` rows with a 1 in column ``y[i]``), in ``dtype``
    (``floatX`` by default)."""
    y = as_tensor_variable(y)
    if y.ndim != 1 or not y.type.is_integer:
        raise TypeError(f"to_one_hot: y must be a vector of integer labels, got {y.describe()}")
    rows = shape(y)[0]
    one_hot = zeros((rows, nb_class), dtype=dtype or config.floatX)
    return set_subtensor(one_hot[arange(rows), y], 1)


def squeeze(x):
    """``x`` without its axes known to have size 1 (its broadcastable axes)."""
    x = as_tensor_variable(x)
    return dimshuffle(x, [k for k, d in enumerate(x.type.shape) if d != 1])


__getattr__ = missing_attribute(__name__)
