"""Linear algebra on matrices: inverse, determinant, Cholesky factor, solve, and the
decompositions without gradients (eigh, svd, qr), on ``numpy.linalg``.

Gradients (for square ``A``, ``g`` the gradient reaching the output):

- ``inv(A)``: ``-inv(A).T @ g @ inv(A).T``;
- ``det(A)``: ``g * det(A) * inv(A).T``;
- ``solve(A, b)`` (``x``): ``b`` gets ``solve(A.T, g)``, ``A`` gets ``-gb @ x.T``;
- ``cholesky(A)`` (``L``, lower): with ``phi(M)`` the lower triangle of ``M`` with its
  diagonal halved and ``S = L^-T phi(L.T @ g) L^-1``, ``A`` gets ``tril(S + S.T) -
  diag(S)`` (Murray, 2016), the derivative with respect to the lower triangle that
  the factorization reads.
"""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable
from . import elemwise as E


def _float_dtype(x):
    return x.dtype if x.type.is_float else "float64"


def _matrix(x, name, square=True):
    x = as_tensor_variable(x)
    if x.ndim != 2:
        raise TypeError(f"{name}: expects a matrix, got {x.describe()}")
    n, m = x.type.shape
    if square and n is not None and m is not None and n != m:
        raise ValueError(f"{name}: expects a square matrix, got {x.describe()} of shape ({n}, {m})")
    return x


def _run(name, fn, *arrays):
    try:
        return fn(*arrays)
    except np.linalg.LinAlgError as exc:
        shapes = " and ".join(str(np.shape(a)) for a in arrays)
        raise np.linalg.LinAlgError(f"{name} of {shapes}: {exc}") from None


class MatrixInverse(Op):
    """``np.linalg.inv(A)``."""

    def make_node(self, a):
        a = _matrix(a, "matrix_inverse")
        return Apply(self, [a], [TensorVariable(TensorType(_float_dtype(a), a.type.shape))])

    def perform(self, node, inputs):
        out = _run("matrix_inverse", np.linalg.inv, inputs[0])
        return [np.asarray(out, dtype=node.outputs[0].dtype)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        from .blas import dot
        (a,) = inputs
        inv_t = outputs[0].T
        return [E.neg(dot(dot(inv_t, output_grads[0]), inv_t)) if a.type.is_float else None]


class Det(Op):
    """``np.linalg.det(A)``, a scalar."""

    def make_node(self, a):
        a = _matrix(a, "det")
        return Apply(self, [a], [TensorVariable(TensorType(_float_dtype(a), ()))])

    def perform(self, node, inputs):
        return [np.asarray(_run("det", np.linalg.det, inputs[0]), dtype=node.outputs[0].dtype)]

    def infer_shape(self, node, input_shapes):
        return [()]

    def grad(self, inputs, outputs, output_grads):
        (a,) = inputs
        if not a.type.is_float:
            return [None]
        return [E.mul(E.mul(output_grads[0], outputs[0]), MatrixInverse()(a).T)]


class Solve(Op):
    """``np.linalg.solve(A, b)``: ``x`` with ``A @ x = b``, ``b`` a vector or a matrix."""

    def make_node(self, a, b):
        a = _matrix(a, "solve")
        b = as_tensor_variable(b)
        if b.ndim not in (1, 2):
            raise TypeError(f"solve: b must be a vector or a matrix, got {b.describe()}")
        n, k = a.type.shape[0], b.type.shape[0]
        if n is not None and k is not None and n != k:
            raise ValueError(f"solve: {a.describe()} has {n} rows, {b.describe()} {k}")
        dtype = np.result_type(_float_dtype(a), _float_dtype(b)).name
        return Apply(self, [a, b], [TensorVariable(TensorType(dtype, (a.type.shape[1],) + b.type.shape[1:]))])

    def perform(self, node, inputs):
        a, b = inputs
        if a.shape[0] != np.shape(b)[0]:
            raise ValueError(f"solve: a matrix of shape {a.shape} and a right-hand side of "
                             f"shape {np.shape(b)}: their first axes differ")
        return [np.asarray(_run("solve", np.linalg.solve, a, b), dtype=node.outputs[0].dtype)]

    def infer_shape(self, node, input_shapes):
        sa, sb = input_shapes
        return [(sa[1],) + tuple(sb[1:])]

    def grad(self, inputs, outputs, output_grads):
        from .blas import dot
        from .shape import dimshuffle
        a, b = inputs
        (x,) = outputs
        gb = Solve()(a.T, output_grads[0])
        if b.ndim == 1:
            ga = E.neg(E.mul(dimshuffle(gb, (0, "x")), dimshuffle(x, ("x", 0))))
        else:
            ga = E.neg(dot(gb, x.T))
        return [E.cast(ga, a.dtype) if a.type.is_float else None,
                E.cast(gb, b.dtype) if b.type.is_float else None]


class Cholesky(Op):
    """``np.linalg.cholesky(A)``: the lower factor ``L`` with ``L @ L.T = A`` (``A``
    symmetric positive definite; its lower triangle is read), or with ``lower`` False
    the upper ``U`` with ``U.T @ U = A``, from ``A``'s upper triangle."""

    __props__ = ("lower",)

    def __init__(self, lower=True):
        self.lower = bool(lower)

    def make_node(self, a):
        a = _matrix(a, "cholesky")
        return Apply(self, [a], [TensorVariable(TensorType(_float_dtype(a), a.type.shape))])

    def perform(self, node, inputs):
        # the upper factor reads the upper triangle: that of the transpose is its lower
        a = inputs[0] if self.lower else inputs[0].T
        factor = _run("cholesky", np.linalg.cholesky, a)
        return [np.asarray(factor if self.lower else factor.T, dtype=node.outputs[0].dtype)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        from .blas import dot
        (a,) = inputs
        if not a.type.is_float:
            return [None]
        factor = outputs[0] if self.lower else outputs[0].T
        g = output_grads[0] if self.lower else output_grads[0].T
        inner = dot(factor.T, g)
        phi = E.sub(_tril(inner), E.mul(_diag_part(inner), 0.5))
        # S = L^-T phi L^-1, by two solves
        s = Solve()(factor.T, Solve()(factor.T, phi.T).T)
        grad = E.sub(_tril(E.add(s, s.T)), _diag_part(s))
        return [grad if self.lower else grad.T]        # upper: the factor of A.T, read there


def _tri_mask(m):
    from .basic import arange
    from .shape import dimshuffle, shape
    rows = dimshuffle(arange(shape(m)[0]), (0, "x"))
    cols = dimshuffle(arange(shape(m)[1]), ("x", 0))
    return E.ge(rows, cols)


def _tril(m):
    # a switch, not a product with the mask: what lies above is not read (inf * 0 is NaN)
    return E.switch(_tri_mask(m), m, E.cast(0, m.dtype))


def _diag_part(m):
    """``m`` with its off-diagonal entries set to 0."""
    from .basic import arange
    from .shape import dimshuffle, shape
    rows = dimshuffle(arange(shape(m)[0]), (0, "x"))
    cols = dimshuffle(arange(shape(m)[1]), ("x", 0))
    return E.mul(m, E.cast(E.eq(rows, cols), m.dtype))


class Eigh(Op):
    """``np.linalg.eigh(A, UPLO)``: the eigenvalues (ascending) and eigenvectors of a
    symmetric matrix. No gradient."""

    __props__ = ("UPLO",)

    def __init__(self, UPLO="L"):
        if UPLO not in ("L", "U"):
            raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
        self.UPLO = UPLO

    def make_node(self, a):
        a = _matrix(a, "eigh")
        dtype = _float_dtype(a)
        return Apply(self, [a], [TensorVariable(TensorType(dtype, (a.type.shape[0],))),
                                 TensorVariable(TensorType(dtype, a.type.shape))])

    def perform(self, node, inputs):
        w, v = _run("eigh", np.linalg.eigh, inputs[0], self.UPLO)
        return [np.asarray(w, dtype=node.outputs[0].dtype), np.asarray(v, dtype=node.outputs[1].dtype)]

    def grad(self, inputs, outputs, output_grads):
        raise NotImplementedError("eigh: no gradient in symconv")


class SVD(Op):
    """``np.linalg.svd(A, full_matrices, compute_uv)``. No gradient."""

    __props__ = ("full_matrices", "compute_uv")

    def __init__(self, full_matrices=True, compute_uv=True):
        self.full_matrices, self.compute_uv = bool(full_matrices), bool(compute_uv)

    def make_node(self, a):
        a = _matrix(a, "svd", square=False)
        dtype = _float_dtype(a)
        if not self.compute_uv:
            return Apply(self, [a], [TensorVariable(TensorType(dtype, (None,)))])
        return Apply(self, [a], [TensorVariable(TensorType(dtype, (None, None))),
                                 TensorVariable(TensorType(dtype, (None,))),
                                 TensorVariable(TensorType(dtype, (None, None)))])

    def perform(self, node, inputs):
        out = _run("svd", lambda m: np.linalg.svd(m, full_matrices=self.full_matrices,
                                                  compute_uv=self.compute_uv), inputs[0])
        out = out if self.compute_uv else (out,)
        return [np.asarray(o, dtype=v.dtype) for o, v in zip(out, node.outputs)]

    def grad(self, inputs, outputs, output_grads):
        raise NotImplementedError("svd: no gradient in symconv")


class QR(Op):
    """``np.linalg.qr(A, mode)`` for the modes 'reduced' and 'complete' (``q, r``) and
    'r'. No gradient."""

    __props__ = ("mode",)

    def __init__(self, mode="reduced"):
        if mode not in ("reduced", "complete", "r"):
            raise ValueError(f"qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
        self.mode = mode

    def make_node(self, a):
        a = _matrix(a, "qr", square=False)
        dtype = _float_dtype(a)
        n = 1 if self.mode == "r" else 2
        return Apply(self, [a], [TensorVariable(TensorType(dtype, (None, None))) for _ in range(n)])

    def perform(self, node, inputs):
        out = _run("qr", lambda m: np.linalg.qr(m, mode=self.mode), inputs[0])
        out = (out,) if self.mode == "r" else tuple(out)
        return [np.asarray(o, dtype=v.dtype) for o, v in zip(out, node.outputs)]

    def grad(self, inputs, outputs, output_grads):
        raise NotImplementedError("qr: no gradient in symconv")


# --- building nodes ------------------------------------------------------------------

def matrix_inverse(a):
    """The inverse of the square matrix ``a``."""
    return MatrixInverse()(a)


def det(a):
    """The determinant of the square matrix ``a``."""
    return Det()(a)


def solve(a, b):
    """``x`` with ``a @ x = b`` (``b`` a vector or a matrix)."""
    return Solve()(a, b)


def cholesky(a, lower=True):
    """The Cholesky factor of the symmetric positive definite ``a``: lower (``L @ L.T
    = a``) or, with ``lower=False``, upper."""
    return Cholesky(lower)(a)


def eigh(a, UPLO="L"):
    """``(eigenvalues, eigenvectors)`` of the symmetric ``a``."""
    return tuple(Eigh(UPLO)(a))


def svd(a, full_matrices=True, compute_uv=True):
    """``(u, s, v)`` with ``a = u @ diag(s) @ v``, or ``s`` alone."""
    out = SVD(full_matrices, compute_uv)(a)
    return tuple(out) if compute_uv else out


def qr(a, mode="reduced"):
    """``(q, r)`` with ``a = q @ r``, or ``r`` alone for ``mode='r'``."""
    out = QR(mode)(a)
    return tuple(out) if isinstance(out, list) else out
