"""Linear algebra against numpy.linalg, with finite-difference gradients."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.tensor import linalg
from tests.helpers import check_grad, check_op, raises_naming

rng = np.random.default_rng(3)
A = rng.normal(size=(4, 4))
SPD = A @ A.T + 4 * np.eye(4)
B = rng.normal(size=(4, 2))
V = rng.normal(size=4)
RECT = rng.normal(size=(5, 3))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_against_numpy(dtype):
    spd, b, v = SPD.astype(dtype), B.astype(dtype), V.astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else {}
    check_op(linalg.inv, [spd], np.linalg.inv, **tol)
    check_op(linalg.det, [spd], np.linalg.det, rtol=1e-4 if dtype == "float32" else None)
    check_op(linalg.solve, [spd, b], np.linalg.solve, **tol)
    check_op(linalg.solve, [spd, v], np.linalg.solve, **tol)
    check_op(linalg.cholesky, [spd], np.linalg.cholesky, **tol)
    check_op(lambda m: linalg.cholesky(m, lower=False), [spd], lambda m: np.linalg.cholesky(m).T, **tol)


def test_gradients():
    check_grad(linalg.inv, [A])
    check_grad(linalg.det, [A])
    check_grad(linalg.solve, [A, B])
    check_grad(linalg.solve, [A, V])
    check_grad(linalg.cholesky, [SPD])
    check_grad(lambda m: linalg.cholesky(m, lower=False), [SPD])
    # a Gaussian log-likelihood through the Cholesky factor, as in Gaussian-process code
    check_grad(lambda m, y: -0.5 * T.dot(y, linalg.solve(m, y)) - T.log(linalg.det(m)) / 2,
               [SPD, V])
    check_grad(lambda m: sc.grad(linalg.det(m), m), [A])          # and its second derivative


def test_decompositions_without_gradients():
    x = T.dmatrix("x")
    w, vecs = linalg.eigh(x)
    u, s, vt = linalg.svd(x, full_matrices=False)
    q, r = linalg.qr(x)
    f = sc.function([x], [w, vecs, s, linalg.svd(x, compute_uv=False), r, linalg.qr(x, mode="r")])
    got = f(SPD)
    want_w, want_v = np.linalg.eigh(SPD)
    np.testing.assert_allclose(got[0], want_w)
    np.testing.assert_allclose(np.abs(got[1]), np.abs(want_v), atol=1e-10)
    np.testing.assert_allclose(got[2], np.linalg.svd(SPD, compute_uv=False))
    np.testing.assert_allclose(got[3], got[2])
    np.testing.assert_allclose(np.abs(got[4]), np.abs(np.linalg.qr(SPD)[1]))
    np.testing.assert_allclose(np.abs(got[5]), np.abs(got[4]))
    usv = sc.function([x], [u, s, vt])(RECT)
    np.testing.assert_allclose(usv[0] @ np.diag(usv[1]) @ usv[2], RECT, atol=1e-12)
    with raises_naming(NotImplementedError, "eigh", "no gradient"):
        sc.grad(w.sum(), x)


def test_errors_name_the_operation_and_shapes():
    with raises_naming(TypeError, "matrix_inverse", "matrix"):
        linalg.inv(T.dvector("v"))
    with raises_naming(ValueError, "det", "square", "(2, 3)"):
        linalg.det(T.dmatrix("m", shape=(2, 3)))
    with raises_naming(ValueError, "solve", "3 rows", "4"):
        linalg.solve(T.dmatrix(shape=(3, 3)), T.dvector(shape=(4,)))
    x = T.dmatrix("x")
    f = sc.function([x], linalg.inv(x))
    with raises_naming(np.linalg.LinAlgError, "matrix_inverse", "(2, 2)", "ingular"):
        f(np.ones((2, 2)))
    g = sc.function([x], linalg.cholesky(x))
    with raises_naming(np.linalg.LinAlgError, "cholesky", "(2, 2)"):
        g(-np.eye(2))


def test_each_cholesky_factor_reads_its_own_triangle():
    x = T.dmatrix("x")
    lower = sc.function([x], linalg.cholesky(x))
    upper = sc.function([x], linalg.cholesky(x, lower=False))
    np.testing.assert_allclose(lower(np.tril(SPD)), np.linalg.cholesky(SPD))
    np.testing.assert_allclose(upper(np.triu(SPD)), np.linalg.cholesky(SPD).T)
    check_grad(lambda m: linalg.cholesky(m, lower=False), [np.triu(SPD) + np.triu(SPD, 1).T])


def test_a_triangular_solve_does_not_read_the_other_triangle():
    import symconv.theano.tensor as TT
    a, b = T.dmatrix("a"), T.dmatrix("b")
    above, below = SPD.copy(), SPD.copy()
    above[0, 3], below[3, 0] = np.nan, np.inf          # in the triangle each solve skips
    lower = sc.function([a, b], TT.slinalg.solve_lower_triangular(a, b))(above, B)
    upper = sc.function([a, b], TT.slinalg.solve_upper_triangular(a, b))(below, B)
    np.testing.assert_allclose(lower, np.linalg.solve(np.tril(SPD), B))
    np.testing.assert_allclose(upper, np.linalg.solve(np.triu(SPD), B))
