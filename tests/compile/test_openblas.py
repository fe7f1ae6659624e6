"""BLAS threads: small-product plans run on one thread and give the caller's count back."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.compile.openblas import BLAS, MIN_FLOPS_FOR_THREADS, OpenBLAS, one_thread
from tests.helpers import raises_naming

needs_openblas = pytest.mark.skipif(not BLAS.available,
                                    reason="NumPy's BLAS here is not an OpenBLAS")


def _step(n_in, n_out, batch, mode=None):
    """A dense layer's SGD step: the products are batch x n_in x n_out."""
    rng = np.random.default_rng(0)
    w = sc.shared(rng.standard_normal((n_in, n_out)).astype("float32"), name="w")
    x = T.fmatrix("x")
    cost = T.sum(T.tanh(T.dot(x, w)) ** 2)
    f = sc.function([x], cost, updates=[(w, w - 0.01 * sc.grad(cost, w))], mode=mode)
    return f, w, rng.standard_normal((batch, n_in)).astype("float32")


def test_threads_follow_the_largest_product():
    assert one_thread(MIN_FLOPS_FOR_THREADS - 1)
    assert not one_thread(MIN_FLOPS_FOR_THREADS)


def test_a_library_without_the_functions_is_unavailable_and_harmless(tmp_path):
    blas = OpenBLAS(paths=[str(tmp_path / "missing.so")])
    assert not blas.available
    blas.set(4)                      # nothing happens, nothing fails
    assert blas.get() == 1


@needs_openblas
@pytest.mark.parametrize("batch, one_thread", [(10, True), (4096, False)])
def test_plans_with_only_small_products_run_on_one_thread(batch, one_thread):
    f, w, x = _step(784, 100, batch)
    before = w.get_value()
    f(x)
    source = f.kernel_source()
    assert ("_blas_enter()" in source) == one_thread
    # the same step without thread control computes the same update
    g, w2, _ = _step(784, 100, batch, mode=sc.Mode(blas_threads=None))
    g(x)
    assert "_blas" not in g.kernel_source()
    np.testing.assert_allclose(w.get_value(), w2.get_value(), rtol=1e-5, atol=1e-6)
    assert not np.array_equal(w.get_value(), before)


@needs_openblas
def test_the_callers_thread_count_comes_back_however_the_plan_ends():
    rng = np.random.default_rng(0)
    data = sc.shared(rng.standard_normal((25, 784)).astype("float32"))
    w = sc.shared(rng.standard_normal((784, 100)).astype("float32"))
    i = T.lscalar("i")
    f = sc.function([i], T.sum(T.dot(data[i * 10:(i + 1) * 10], w)))
    saved = BLAS.get()
    try:
        BLAS.set(2)
        f(0)
        assert "_blas_enter()" in f.kernel_source()
        assert BLAS.get() == 2
        # a short last mini-batch: the plan stops at its shape check, inside the
        # one-thread region, and the call is run again for the new shapes
        np.testing.assert_allclose(f(2), (data.get_value()[20:] @ w.get_value()).sum(),
                                   rtol=1e-4)
        assert BLAS.get() == 2
    finally:
        BLAS.set(saved)


def test_mode_checks_blas_threads():
    with raises_naming(ValueError, "blas_threads"):
        sc.Mode(blas_threads=2)
    assert sc.Mode(blas_threads=None).excluding("fusion").blas_threads is None


def _layouts(a):
    """``a`` in row-major order, column-major order and as a column slice of a wider array."""
    wide = np.zeros((a.shape[0], a.shape[1] + 3), a.dtype)
    wide[:, 1:-2] = a
    return {"C": np.ascontiguousarray(a), "F": np.asfortranarray(a), "slice": wide[:, 1:-2]}


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_gemm_in_every_layout_equals_numpy(dtype):
    rng = np.random.default_rng(1)
    x0, y0 = rng.standard_normal((30, 20)), rng.standard_normal((20, 40))
    z0 = rng.standard_normal((30, 40))
    if dtype == "int64":
        x0, y0, z0 = (np.round(a * 10) for a in (x0, y0, z0))
    x0, y0, z0 = (a.astype(dtype) for a in (x0, y0, z0))
    alpha, beta = np.dtype(dtype).type(-3), np.dtype(dtype).type(2)
    want = beta * z0 + alpha * (x0 @ y0)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    for x in _layouts(x0).values():
        for y in _layouts(y0).values():
            for z in (z0.copy(), np.asfortranarray(z0)):      # a Fortran z goes through NumPy
                got = BLAS.gemm(alpha, x, y, beta, z)
                assert got is z
                np.testing.assert_allclose(z, want, rtol=rtol, atol=rtol)
                kernel = BLAS.gemm_kernel(alpha, beta, x, y, z)
                z[...] = z0
                kernel(x, y, z)
                np.testing.assert_allclose(z, want, rtol=rtol, atol=rtol)


def test_a_gemm_kernel_meeting_another_layout_still_computes_it():
    rng = np.random.default_rng(2)
    x, y, z = rng.standard_normal((30, 20)), rng.standard_normal((20, 600)), np.zeros((30, 600))
    kernel = BLAS.gemm_kernel(2.0, 0.0, x, y, z)
    kernel(np.asfortranarray(x), y[:, ::-1][:, ::-1], z)         # strides differ
    np.testing.assert_allclose(z, 2 * x @ y, rtol=1e-12)
    small = np.zeros((30, 4))
    product = np.empty_like(small)
    BLAS.gemm_kernel(1.0, 1.0, x, y[:, :4], small, product)(x, y[:, :4], small)
    np.testing.assert_allclose(small, x @ y[:, :4], rtol=1e-12)   # NumPy for small outputs


def _environment_after(code, **env):
    """OPENBLAS_THREAD_TIMEOUT as a fresh interpreter sees it after running ``code``."""
    import os
    import subprocess
    import sys
    environ = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    environ.update(env)
    out = subprocess.run([sys.executable, "-c", code + "; import os; "
                          "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT', 'unset'))"],
                         env=environ, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_importing_symconv_first_lets_idle_blas_threads_sleep():
    assert _environment_after("import symconv") == "4"
    # too late once NumPy has loaded OpenBLAS, and the user's choice stands
    assert _environment_after("import numpy, symconv") == "unset"
    assert _environment_after("import symconv", OPENBLAS_THREAD_TIMEOUT="20") == "20"
