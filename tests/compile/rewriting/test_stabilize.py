"""Stabilize: rewrites that keep results finite where the graph as written is not."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from tests.helpers import check_rewrite, compiled_ops

NO_FUSION = sc.Mode(exclude=["fusion"])
EXTREME = np.array([-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0])


def _ops(f):
    return [str(op) for op in compiled_ops(f)]


def test_log_sigmoid_becomes_minus_softplus_of_minus_x():
    x = T.dvector("x")
    f = sc.function([x], T.log(T.sigmoid(x)), mode=NO_FUSION)
    assert _ops(f) == ["neg", "softplus", "neg"]
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        got = f(EXTREME)
    np.testing.assert_allclose(got, -np.logaddexp(0, -EXTREME))
    assert np.isfinite(got).all()       # log(sigmoid(-800)) as written is -inf


def test_log_one_minus_sigmoid_becomes_minus_softplus():
    x = T.dvector("x")
    f = sc.function([x], T.log(1 - T.sigmoid(x)), mode=NO_FUSION)
    assert _ops(f) == ["softplus", "neg"]
    np.testing.assert_allclose(f(EXTREME), -np.logaddexp(0, EXTREME))


def test_log_one_plus():
    x = T.dvector("x")
    f = sc.function([x], [T.log(1 + x), T.log(1 + T.exp(x))], mode=NO_FUSION)
    assert sorted(_ops(f)) == ["log1p", "softplus"]
    tiny = np.array([1e-20, 1e-10, 0.5])
    a, b = f(tiny)
    np.testing.assert_allclose(a, np.log1p(tiny))
    assert a[0] == 1e-20                  # log(1 + 1e-20) as written is 0
    with np.errstate(divide="ignore", invalid="ignore"):  # log1p of x < -1 is NaN anyway
        np.testing.assert_allclose(f(EXTREME)[1], np.logaddexp(0, EXTREME))


def test_exp_minus_one_becomes_expm1():
    x = T.dvector("x")
    f = sc.function([x], T.exp(x) - 1, mode=NO_FUSION)
    assert _ops(f) == ["expm1"]
    assert f(np.array([1e-20]))[0] == 1e-20


@pytest.mark.parametrize("name", ["log_sigmoid", "stabilize"])
def test_stabilization_can_be_switched_off(name):
    x = T.dvector("x")
    f = sc.function([x], T.log(T.sigmoid(x)), mode=sc.Mode(exclude=[name, "fusion"]))
    assert _ops(f) == ["sigmoid", "log"]


def test_stabilized_graphs_compute_the_same_on_ordinary_values():
    def build(mode):
        x = T.dvector("x")
        y = T.log(T.sigmoid(x)) + T.log(1 - T.sigmoid(x)) + T.log(1 + x * x) + (T.exp(x) - 1)
        return sc.function([x], [y, sc.grad(y.sum(), x)], mode=mode), []
    check_rewrite(build, calls=[(np.linspace(-3, 3, 7),)], rtol=1e-10, atol=1e-12)
