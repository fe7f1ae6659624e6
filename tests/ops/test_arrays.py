"""cumsum, tile, repeat and eye against NumPy, their gradients against finite
differences (second derivatives too: each gradient op is differentiable)."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from tests.helpers import check_grad, check_op, raises_naming, random_array

A = random_array((2, 3, 4), seed=21)


@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1])
def test_cumsum(axis):
    check_op(lambda x: T.cumsum(x, axis=axis), [A], lambda x: np.cumsum(x, axis=axis))
    check_op(lambda x: T.cumsum(x, axis=axis), [A.astype("float32")],
             lambda x: np.cumsum(x, axis=axis), dtype="float32")
    check_grad(lambda x: T.cumsum(x, axis=axis), [A])
    check_grad(lambda x: sc.grad((T.cumsum(x, axis=axis) ** 3).sum(), x), [A])


def test_cumsum_of_integers_and_booleans_follows_numpy():
    check_op(lambda x: T.cumsum(x, 0), [np.array([[1, 2], [3, 4]], dtype="int32")],
             lambda x: np.cumsum(x, 0))
    check_op(lambda x: T.cumsum(x), [np.array([True, False, True])], lambda x: np.cumsum(x))


@pytest.mark.parametrize("reps", [(2,), (1, 3), (2, 1, 2), (2, 2, 1, 2), (0, 1, 1), 3])
def test_tile(reps):
    check_op(lambda x: T.tile(x, reps), [A], lambda x: np.tile(x, reps))
    check_grad(lambda x: T.tile(x, reps), [A])
    check_grad(lambda x: sc.grad((T.tile(x, reps) ** 3).sum(), x), [A])


@pytest.mark.parametrize("repeats,axis", [(2, None), (3, 0), (2, 1), (1, 2), (2, -1), (0, 1)])
def test_repeat(repeats, axis):
    check_op(lambda x: T.repeat(x, repeats, axis=axis), [A],
             lambda x: np.repeat(x, repeats, axis=axis))
    check_grad(lambda x: T.repeat(x, repeats, axis=axis), [A])
    check_grad(lambda x: sc.grad((T.repeat(x, repeats, axis=axis) ** 3).sum(), x), [A])


def test_eye():
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        f = sc.function([], [T.eye(3), T.eye(2, 4, 1, dtype="int32"), T.eye(3, k=-1)], mode=mode)
        a, b, c = f()
        np.testing.assert_array_equal(a, np.eye(3, dtype=sc.config.floatX))
        np.testing.assert_array_equal(b, np.eye(2, 4, 1, dtype="int32"))
        np.testing.assert_array_equal(c, np.eye(3, k=-1))
        assert b.dtype == np.int32
    n = T.lscalar("n")
    e = T.eye(n, dtype="float64")
    assert e.type.shape == (None, None) and T.eye(3).type.shape == (3, 3)
    np.testing.assert_array_equal(sc.function([n], e)(4), np.eye(4))


def test_bad_arguments_name_the_function_and_value():
    x = T.dmatrix("x")
    with raises_naming(TypeError, "tile", "non-negative ints"):
        T.tile(x, (2, -1))
    with raises_naming(TypeError, "repeat", "non-negative int"):
        T.repeat(x, T.lscalar("r"))
    with raises_naming(ValueError, "cumsum", "axis 2"):
        T.cumsum(x, axis=2)
    with raises_naming(ValueError, "repeat", "axis -3"):
        T.repeat(x, 2, axis=-3)
    with raises_naming(TypeError, "eye", "integer scalar"):
        T.eye(T.dscalar("n"))


def test_zero_dimensional_inputs_and_zero_repeats_follow_numpy():
    s = np.array(3.0)
    for axis in (None, 0, -1):
        check_op(lambda x: T.cumsum(x, axis=axis), [s], lambda x: np.cumsum(x, axis=axis))
        check_op(lambda x: T.repeat(x, 2, axis=axis), [s], lambda x: np.repeat(x, 2, axis=axis))
    check_grad(lambda x: T.cumsum(x, axis=0), [s])
    for axis in (None, 0, 1):
        check_op(lambda x: T.repeat(x, 0, axis=axis), [A[0]], lambda x: np.repeat(x, 0, axis=axis))
        x = T.dmatrix("x")
        g = sc.function([x], sc.grad(T.repeat(x, 0, axis=axis).sum() + x.sum(), x))(A[0])
        np.testing.assert_array_equal(g, np.ones_like(A[0]))
