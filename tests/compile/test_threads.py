"""Compiled functions called from several threads give the single-thread answers,
and the BLAS thread count comes back whatever the threads do."""
import threading

import numpy as np

import symconv as sc
import symconv.tensor as T
from symconv.compile.openblas import BLAS


def _run_in_threads(target, n_threads=4):
    errors = []

    def wrapped(k):
        try:
            target(k)
        except Exception as exc:   # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_one_function_from_several_threads():
    rng = np.random.default_rng(0)
    x, y = T.matrix("x"), T.matrix("y")
    f = sc.function([x, y], T.tanh(T.dot(x, y)) + 1)
    data = [(rng.standard_normal((60, 80)).astype("float32"),
             rng.standard_normal((80, 50)).astype("float32")) for _ in range(4)]
    want = [np.tanh(a @ b) + 1 for a, b in data]
    wrong = []

    def work(k):
        for _ in range(100):
            got = f(*data[k])
            if not np.allclose(got, want[k], rtol=1e-5, atol=1e-6):
                wrong.append(k)

    _run_in_threads(work)
    assert not wrong


def test_updates_from_several_threads_all_happen():
    counter = sc.shared(np.zeros(3), name="counter")
    f = sc.function([], [], updates=[(counter, counter + 1)])

    def work(k):
        for _ in range(200):
            f()

    _run_in_threads(work)
    np.testing.assert_array_equal(counter.get_value(), [800.0] * 3)


def test_blas_thread_count_restored_after_threads():
    if not BLAS.available:
        return
    rng = np.random.default_rng(1)
    x = T.matrix("x")
    w = sc.shared(rng.standard_normal((30, 20)).astype("float32"))
    small = [sc.function([x], T.dot(x, w) * k) for k in range(3)]   # all-small plans
    saved = BLAS.get()
    try:
        BLAS.set(2)
        for _ in range(10):
            _run_in_threads(lambda k: [small[k % 3](rng.standard_normal((10, 30))
                                                     .astype("float32")) for _ in range(50)])
            assert BLAS.get() == 2
    finally:
        BLAS.set(saved)


def test_enter_and_leave_one_thread_nest():
    if not BLAS.available:
        return
    saved = BLAS.get()
    try:
        BLAS.set(2)
        BLAS.enter_one_thread()
        BLAS.enter_one_thread()
        assert BLAS.get() == 1
        BLAS.leave_one_thread()
        assert BLAS.get() == 1
        BLAS.leave_one_thread()
        assert BLAS.get() == 2
    finally:
        BLAS.set(saved)
