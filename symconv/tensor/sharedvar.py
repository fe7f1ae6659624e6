"""``shared``: symbolic tensors that hold state (weights, data sets) between calls."""
import numpy as np

from ..config import config
from ..graph.type import type_of_value
from ..graph.tensor import TensorSharedVariable


def shared(value, name=None, borrow=False, shape=None):
    """A shared variable holding ``value``.

    Parameters
    ----------
    value : array_like
        The initial value; its dtype is kept (a Python float becomes ``config.floatX``).
    name : str, optional
        Shown in printed graphs and error messages.
    borrow : bool
        Use ``value`` itself instead of a copy (later changes to it show through).
    shape : tuple, optional
        Static shape; by default every dimension is unknown, so ``set_value``
        may change the shape, as in Theano.

    Examples
    --------
    >>> import numpy as np, symconv as sc
    >>> W = sc.shared(np.zeros((784, 10), dtype="float32"), name="W")
    >>> W.get_value().shape
    (784, 10)
    """
    if isinstance(value, float) and not isinstance(value, np.generic):
        # a Python float; a NumPy scalar (np.float64 is a float too) keeps its dtype
        value = np.asarray(value, dtype=config.floatX)
    elif isinstance(value, bool):
        value = np.asarray(value)
    elif isinstance(value, int):
        value = np.asarray(value, dtype="int64")
    array = value if (borrow and isinstance(value, np.ndarray)) else np.array(value, copy=True)
    return TensorSharedVariable(type_of_value(array, shape=shape), array, name=name)
