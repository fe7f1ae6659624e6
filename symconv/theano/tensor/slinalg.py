"""``theano.tensor.slinalg``: ``cholesky``, ``solve``, ``solve_lower_triangular``,
``solve_upper_triangular`` and ``kron`` (on NumPy: the triangular solves read the
triangle they name and solve with ``numpy.linalg.solve``)."""
from ...graph.tensor import as_tensor_variable
from ...ops.linalg import Cholesky, Solve, _tril
from ...ops.shape import dimshuffle, reshape, shape
from ..missing import missing_attribute


def cholesky(x, lower=True):
    """The Cholesky factor of the symmetric positive definite ``x`` (lower by default)."""
    return Cholesky(lower)(x)


def solve(a, b, A_structure="general", lower=False, overwrite_A=False, overwrite_b=False):
    """``x`` with ``a @ x = b``; ``A_structure`` 'lower_triangular' or
    'upper_triangular' reads only that triangle of ``a``."""
    a = as_tensor_variable(a)
    if A_structure == "lower_triangular":
        a = _tril(a)
    elif A_structure == "upper_triangular":
        a = _tril(a.T).T
    elif A_structure not in ("general", "symmetric"):
        raise ValueError(f"solve: A_structure must be 'general', 'symmetric', "
                         f"'lower_triangular' or 'upper_triangular', got {A_structure!r}")
    return Solve()(a, b)


def solve_lower_triangular(a, b):
    """``x`` with ``tril(a) @ x = b``."""
    return solve(a, b, A_structure="lower_triangular")


def solve_upper_triangular(a, b):
    """``x`` with ``triu(a) @ x = b``."""
    return solve(a, b, A_structure="upper_triangular")


def kron(a, b):
    """The Kronecker product of two matrices (or vectors), as ``np.kron``."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim != b.ndim or a.ndim not in (1, 2):
        raise TypeError(f"kron: expects two vectors or two matrices, got {a.describe()} and "
                        f"{b.describe()}")
    if a.ndim == 1:
        return reshape(dimshuffle(a, (0, "x")) * dimshuffle(b, ("x", 0)),
                       (shape(a)[0] * shape(b)[0],))
    blocks = dimshuffle(a, (0, "x", 1, "x")) * dimshuffle(b, ("x", 0, "x", 1))
    return reshape(blocks, (shape(a)[0] * shape(b)[0], shape(a)[1] * shape(b)[1]))


__getattr__ = missing_attribute(__name__)
