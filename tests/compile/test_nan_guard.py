"""The NaN guard: stop at the first node producing NaN or Inf, and name it."""
import inspect

import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.compile.nanguard import NanGuardError
from tests.helpers import raises_naming


def _graph():
    x = T.dvector("x")
    shifted = x - 1.0
    bad = T.log(shifted)                      # NaN for x < 1: the line the guard must name
    line = inspect.currentframe().f_lineno - 1
    return x, T.exp(bad) * 2 + 1, line


@pytest.mark.parametrize("mode", [sc.Mode(nan_guard=True), "NanGuard"])
def test_names_the_node_and_the_line_that_built_it(mode):
    x, y, line = _graph()
    f = sc.function([x], y, mode=mode)
    np.testing.assert_allclose(f(np.array([2.0, 3.0])), 2 * np.array([1.0, 2.0]) + 1)
    for _ in range(2):                        # the first call and the compiled plan
        with np.errstate(invalid="ignore"):
            with raises_naming(NanGuardError, "NaN", "'log'", f"test_nan_guard.py:{line}"):
                f(np.array([2.0, 0.5]))


def test_inf_from_a_node_outside_fused_kernels():
    a, b = T.dmatrix("a"), T.dmatrix("b")
    f = sc.function([a, b], T.dot(a, b), mode="NanGuard")
    big = np.full((2, 2), 1e200)
    f(np.ones((2, 2)), np.ones((2, 2)))
    with np.errstate(over="ignore"):
        with raises_naming(NanGuardError, "Inf", "dot"):
            f(big, big)


def test_names_an_input_holding_nan():
    x, y, _ = _graph()
    f = sc.function([x], y, mode="NanGuard")
    with raises_naming(NanGuardError, "NaN", "input 'x'"):
        f(np.array([np.nan, 2.0]))


def test_the_default_mode_does_not_check():
    x, y, _ = _graph()
    with np.errstate(invalid="ignore"):
        assert np.isnan(sc.function([x], y)(np.array([0.5]))).all()


def test_no_update_is_written_before_every_node_checked_out():
    # an SGD-like update the plan would write into W's storage: under the guard the
    # overflow is caught before anything is committed, and blamed on the product
    rng = np.random.default_rng(0)
    w = sc.shared(rng.standard_normal((200, 200)) * 1e200, name="W")
    v = sc.shared(rng.standard_normal(3) * 1e300, name="V")
    x = T.dmatrix("x")
    f = sc.function([x], [], updates=[(w, w - 0.1 * T.dot(x, w)), (v, v * 1e10)],
                    mode="NanGuard")
    before_w, before_v = w.get_value(), v.get_value()
    with np.errstate(all="ignore"):
        for _ in range(2):   # the recording call, then the plan
            with pytest.raises(NanGuardError, match=r"test_nan_guard.py"):
                f(np.ones((200, 200)))
            np.testing.assert_array_equal(w.get_value(), before_w)
            np.testing.assert_array_equal(v.get_value(), before_v)
