"""The fused kernels' ``switch``: a bitwise select that gives exactly np.where's bits."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T

RNG = np.random.default_rng(0)


def _special(shape, dtype):
    """Values with NaN, infinities, signed zeros and tiny numbers among ordinary ones."""
    v = RNG.standard_normal(shape).astype(dtype)
    if np.dtype(dtype).kind == "f":
        flat = v.reshape(-1)
        flat[:6] = [np.nan, np.inf, -np.inf, -0.0, 0.0, np.finfo(dtype).tiny / 4]
        RNG.shuffle(flat)
    return v


def _same_bits(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(np.ascontiguousarray(got).view(f"u{got.itemsize}"),
                          np.ascontiguousarray(want).view(f"u{want.itemsize}"))


def _kernel(f):
    return f.kernel_source().split("# kernel", 1)[1]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_relu_gradient_selects_the_bits_of_its_operands(dtype):
    pre, g = T.matrix("pre", dtype=dtype), T.matrix("g", dtype=dtype)
    out = T.switch(T.ge(0, pre), 0, g) * 1
    f = sc.function([pre, g], [out, T.switch(pre > 0, g, 0) + 0])
    pv, gv = _special((7, 33), dtype), _special((7, 33), dtype)
    got = f(pv, gv)
    assert "_bitwise_and" in _kernel(f) and "where=" not in _kernel(f)
    zero = np.zeros((), dtype)
    _same_bits(got[0], np.where(0 >= pv, zero, gv))
    _same_bits(got[1], np.where(pv > 0, gv, zero))


def test_switch_of_two_arrays_broadcast_and_strided_equals_where():
    c, a, b = T.matrix("c"), T.matrix("a"), T.vector("b")
    f = sc.function([c, a, b], T.switch(c > 0.25, a * 2, b - 1) * 1)
    cv = RNG.random((9, 5)).astype("float32")
    av = _special((5, 9), "float32").T                    # F-ordered operand
    bv = _special((10,), "float32")[::2]                   # strided, broadcast over rows
    want = np.where(cv > 0.25, av * 2, bv - 1)
    _same_bits(f(cv, av, bv), want)
    assert "_bitwise_xor" in _kernel(f)
    _same_bits(sc.function([c, a, b], T.switch(c > 0.25, a * 2, b - 1) * 1,
                           mode="FAST_COMPILE")(cv, av, bv), want)


def test_switch_on_a_numeric_condition_and_integer_values():
    c, a, b = T.imatrix("c"), T.imatrix("a"), T.imatrix("b")
    f = sc.function([c, a, b], T.switch(c, a + 1, b * 3))
    cv = RNG.integers(-2, 3, (4, 6)).astype("int32")
    av, bv = (RNG.integers(-2**30, 2**30, (4, 6)).astype("int32") for _ in range(2))
    np.testing.assert_array_equal(f(cv, av, bv), np.where(cv != 0, av + 1, bv * 3))


def test_a_negative_zero_constant_is_not_taken_for_zero():
    x = T.vector("x")
    f = sc.function([x], T.switch(x > 0, x, -0.0) * 1)
    v = np.array([-1.0, 2.0, -3.0], dtype="float32")
    got = f(v)
    assert "_bitwise_xor" in _kernel(f)      # -0.0 is not all zero bits
    assert np.signbit(got[[0, 2]]).all() and got[1] == 2.0


def test_switch_with_different_operand_dtypes_keeps_the_masked_copy():
    c, a = T.vector("c", dtype="float64"), T.vector("a", dtype="float32")
    f = sc.function([c, a], T.switch(c > 0, a, c) * 1)
    cv = np.array([1.0, -1.0, 2.0]); av = np.array([5.0, 6.0, 7.0], dtype="float32")
    np.testing.assert_array_equal(f(cv, av), np.where(cv > 0, av, cv))
    assert "where=" in _kernel(f)
