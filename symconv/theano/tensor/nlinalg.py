"""``theano.tensor.nlinalg``: ``matrix_inverse``, ``det``, ``eigh``, ``svd``, ``qr``,
``matrix_dot``, ``trace``, ``diag``, ``extract_diag`` and ``alloc_diag``."""
import functools

from ...graph.tensor import as_tensor_variable
from ...ops.basic import arange, zeros
from ...ops.blas import dot
from ...ops.elemwise import minimum
from ...ops.indexing import set_subtensor
from ...ops.linalg import det, eigh, matrix_inverse, qr, svd  # noqa: F401
from ...ops.shape import shape
from ..missing import missing_attribute


def matrix_dot(*args):
    """``dot(dot(a, b), c)...`` of the arguments, in order."""
    if not args:
        raise TypeError("matrix_dot: give at least one matrix")
    return functools.reduce(dot, args)


def extract_diag(x):
    """The main diagonal of the matrix ``x``, as a vector."""
    x = as_tensor_variable(x)
    if x.ndim != 2:
        raise TypeError(f"extract_diag: expects a matrix, got {x.describe()}")
    k = arange(minimum(shape(x)[0], shape(x)[1]))
    return x[k, k]


def alloc_diag(v):
    """The square matrix with the vector ``v`` on its diagonal and zeros elsewhere."""
    v = as_tensor_variable(v)
    if v.ndim != 1:
        raise TypeError(f"alloc_diag: expects a vector, got {v.describe()}")
    n = shape(v)[0]
    k = arange(n)
    return set_subtensor(zeros((n, n), dtype=v.dtype)[k, k], v)


def diag(x):
    """A vector's diagonal matrix, or a matrix's diagonal (as ``np.diag``)."""
    x = as_tensor_variable(x)
    if x.ndim == 1:
        return alloc_diag(x)
    if x.ndim == 2:
        return extract_diag(x)
    raise TypeError(f"diag: expects a vector or a matrix, got {x.describe()}")


def trace(x):
    """The sum of the main diagonal of the matrix ``x``."""
    return extract_diag(x).sum()


__getattr__ = missing_attribute(__name__)
