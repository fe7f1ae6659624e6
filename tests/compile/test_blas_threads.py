"""BLAS threads: small-product plans run on one thread and give the caller's count back."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.compile.blas_threads import BLAS, MIN_FLOPS_FOR_THREADS, BlasThreads, threads_for
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
    assert threads_for(MIN_FLOPS_FOR_THREADS - 1, 2) == 1
    assert threads_for(MIN_FLOPS_FOR_THREADS, 2) == 2
    assert threads_for(MIN_FLOPS_FOR_THREADS, 1) == 1


def test_a_library_without_the_functions_is_unavailable_and_harmless(tmp_path):
    blas = BlasThreads(paths=[str(tmp_path / "missing.so")])
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
    assert ("_blas_set(1)" in source) == one_thread
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
        assert "_blas_set(1)" in f.kernel_source()
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
