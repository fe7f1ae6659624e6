"""In-place updates of shared variables."""
import numpy as np

import symconv as sc
import symconv.tensor as T
from symconv.ops.fused import FusedElemwise
from tests.helpers import check_rewrite, compiled_ops


def _sgd(mode, start):
    w = sc.shared(start.copy(), name="w")
    x = T.dvector("x")
    cost = ((w * x) ** 2).sum()
    return sc.function([x], cost, updates=[(w, w - 0.1 * sc.grad(cost, w))], mode=mode), [w]


def test_the_update_kernel_is_marked_and_writes_into_the_shared_storage():
    start = np.array([1.0, -2.0, 3.0])
    f, (w,) = _sgd(None, start)
    (op,) = [op for op in compiled_ops(f) if isinstance(op, FusedElemwise) and op.destroy]
    assert "inplace" in str(op)
    storage = w.get_value(borrow=True)
    f(np.ones(3))
    f(np.ones(3))
    assert w.get_value(borrow=True) is storage          # updated where it lives
    np.testing.assert_allclose(storage, start * 0.8 ** 2)


def test_in_place_updates_equal_the_reference():
    start = np.array([1.0, -2.0, 3.0])
    check_rewrite(lambda mode: _sgd(mode, start), calls=[(np.arange(3.0),)] * 3,
                  rtol=1e-12, atol=1e-12)


def test_no_in_place_write_while_the_old_value_is_still_read():
    # the old w is returned, so its storage must not change under the caller
    w = sc.shared(np.array([1.0, 2.0]), name="w")
    f = sc.function([], w * 1.0, updates=[(w, w + 1)])
    first = f()
    second = f()
    np.testing.assert_allclose(first, [1.0, 2.0])
    np.testing.assert_allclose(second, [2.0, 3.0])
    np.testing.assert_allclose(w.get_value(), [3.0, 4.0])


def test_swapped_updates_stay_simultaneous():
    a = sc.shared(np.array([1.0, 2.0]), name="a")
    b = sc.shared(np.array([10.0, 20.0]), name="b")
    f = sc.function([], [], updates=[(a, b + 0), (b, a + 0)])
    f()
    np.testing.assert_allclose(a.get_value(), [10.0, 20.0])
    np.testing.assert_allclose(b.get_value(), [1.0, 2.0])


def test_a_read_only_shared_value_is_not_written():
    value = np.array([1.0, 2.0])
    value.setflags(write=False)
    w = sc.shared(value, name="w", borrow=True)
    f = sc.function([], [], updates=[(w, w * 2)])
    f()
    f()
    np.testing.assert_allclose(value, [1.0, 2.0])
    np.testing.assert_allclose(w.get_value(), [4.0, 8.0])


def test_can_be_switched_off():
    f, (w,) = _sgd(sc.Mode(exclude=["inplace"]), np.ones(3))
    assert not any(getattr(op, "destroy", ()) for op in compiled_ops(f))
    storage = w.get_value(borrow=True)
    f(np.ones(3))
    assert w.get_value(borrow=True) is not storage
