"""``theano.scalar``: what Theano code reads of it, the dtype rule ``upcast``."""
import numpy as _np

from .missing import missing_attribute


def upcast(dtype, *dtypes):
    """The dtype of a sum of values of ``dtype`` and ``dtypes`` (NumPy's promotion,
    Theano's default ``cast_policy``): ``upcast('int8', 'float32')`` is 'float32'."""
    return _np.result_type(*(_np.dtype(d) for d in (dtype,) + dtypes)).name


__getattr__ = missing_attribute(__name__)
