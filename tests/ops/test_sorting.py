"""sort, argsort and nonzero against NumPy, sort's gradient (and its own) against
finite differences."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from tests.helpers import check_grad, check_op, raises_naming, random_array

A = random_array((3, 5), seed=21)


@pytest.mark.parametrize("axis", [-1, 0, 1, None])
def test_sort_and_argsort_against_numpy(axis):
    check_op(lambda x: T.sort(x, axis=axis), [A], lambda x: np.sort(x, axis=axis))
    check_op(lambda x: T.argsort(x, axis=axis), [A], lambda x: np.argsort(x, axis=axis))
    check_op(lambda x: x.sort(axis=axis, kind="stable"), [A],
             lambda x: np.sort(x, axis=axis, kind="stable"))
    check_op(lambda x: x.argsort(axis=axis), [A.astype("float32")],
             lambda x: np.argsort(x, axis=axis))


@pytest.mark.parametrize("axis", [-1, 0, None])
def test_sort_gradient_and_its_second_derivative(axis):
    # verify_grad projects the sorted values on random weights: each position counts
    check_grad(lambda x: T.sort(x, axis=axis), [A])
    weights = np.arange(A.size, dtype="float64").reshape(A.shape if axis is not None else -1)
    check_grad(lambda x: sc.grad((T.sort(x, axis=axis) ** 3 * weights).sum(), x), [A])


def test_top_k_by_argsort():
    scores = T.dmatrix("scores")
    top2 = T.argsort(scores, axis=1)[:, -2:]
    f = sc.function([scores], top2)
    np.testing.assert_array_equal(f(A), np.argsort(A, axis=1)[:, -2:])


def test_nonzero_and_friends_against_numpy():
    data = np.where(np.abs(A) < 0.4, 0.0, A)
    x = T.dmatrix("x")
    rows, cols = T.nonzero(x)
    f = sc.function([x], [rows, cols, T.nonzero(x, return_matrix=True), T.flatnonzero(x),
                          T.nonzero_values(x), x[x.nonzero()], x[T.nonzero(T.gt(x, 0))]])
    got = f(data)
    want_rows, want_cols = np.nonzero(data)
    for g, w in zip(got, [want_rows, want_cols, np.stack(np.nonzero(data)),
                          np.flatnonzero(data), data[data != 0], data[data != 0],
                          data[data > 0]]):
        np.testing.assert_array_equal(g, w)
    assert got[0].dtype == np.int64
    assert sc.function([x], T.nonzero(x)[0])(np.zeros((2, 2))).shape == (0,)
    v = T.dvector("v")
    np.testing.assert_array_equal(sc.function([v], T.nonzero(v, return_matrix=True))(
        np.array([0.0, 2.0, 3.0])), [[1, 2]])


def test_gradient_through_values_picked_by_nonzero():
    data = np.where(np.abs(A) < 0.4, 0.0, A)
    x = T.dmatrix("x")
    g = sc.function([x], sc.grad((x[T.nonzero(x)] ** 2).sum(), x))
    np.testing.assert_allclose(g(data), 2 * data)


def test_sorting_errors():
    with raises_naming(ValueError, "sort", "kind", "bubble"):
        T.sort(T.dvector(), kind="bubble")
    with raises_naming(ValueError, "argsort", "axis 2", "out of range"):
        T.argsort(T.dmatrix("m"), axis=2)
    with raises_naming(ValueError, "sort", "order"):
        T.sort(T.dvector(), order="f")
    with raises_naming(ValueError, "nonzero", "scalar"):
        T.nonzero(T.dscalar())
