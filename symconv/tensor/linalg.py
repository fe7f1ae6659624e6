"""Linear algebra in NumPy's names (``np.linalg``): ``inv``, ``det``, ``solve``,
``cholesky``, ``eigh``, ``svd``, ``qr``; the first four with gradients."""
from ..ops.linalg import cholesky, det, eigh, qr, solve, svd
from ..ops.linalg import matrix_inverse as inv

__all__ = ["inv", "det", "solve", "cholesky", "eigh", "svd", "qr"]
