"""The methods of symbolic tensors that Theano's variables have, against NumPy."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from tests.helpers import check_grad, check_op, random_array

X = random_array((3, 4), seed=11)
POS = random_array((3, 4), low=0.5, high=0.9, seed=12)

ELEMENTWISE = {
    "arccos": (np.arccos, POS), "arccosh": (np.arccosh, POS + 1), "arcsin": (np.arcsin, POS),
    "arcsinh": (np.arcsinh, X), "arctan": (np.arctan, X), "arctanh": (np.arctanh, POS),
    "ceil": (np.ceil, X * 3), "cos": (np.cos, X), "cosh": (np.cosh, X),
    "deg2rad": (np.deg2rad, X), "exp": (np.exp, X), "exp2": (np.exp2, X),
    "expm1": (np.expm1, X), "floor": (np.floor, X * 3), "log": (np.log, POS),
    "log10": (np.log10, POS), "log1p": (np.log1p, POS), "log2": (np.log2, POS),
    "rad2deg": (np.rad2deg, X), "sin": (np.sin, X), "sinh": (np.sinh, X),
    "sqrt": (np.sqrt, POS), "tan": (np.tan, X), "tanh": (np.tanh, X),
    "trunc": (np.trunc, X * 3), "round": (np.round, X * 3 + 0.1),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_methods(name):
    ref, domain = ELEMENTWISE[name]
    check_op(lambda x: getattr(x, name)(), [domain], ref)


def _norm(x, L, axis=None):
    if L == 0:
        return np.sum(x != 0, axis=axis).astype(x.dtype)
    return np.sum(np.abs(x) ** L, axis=axis) ** (1.0 / L)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_reducing_methods(axis):
    data = np.where(np.abs(X) < 0.2, 0.0, X)
    check_op(lambda x: x.any(axis=axis), [data], lambda x: np.any(x, axis=axis))
    check_op(lambda x: x.all(axis=axis), [data], lambda x: np.all(x, axis=axis))
    check_op(lambda x: x.ptp(axis=axis), [X], lambda x: np.ptp(x, axis=axis))
    for L in (0, 1, 2, 3):
        check_op(lambda x: x.norm(L, axis=axis), [data], lambda x: _norm(x, L, axis))
    check_grad(lambda x: x.norm(2, axis=axis), [X])
    check_grad(lambda x: x.norm(3, axis=axis), [X])


def test_shape_and_copy_methods():
    check_op(lambda x: x.ravel(), [X], np.ravel)
    check_op(lambda x: x.swapaxes(0, 1), [X], lambda x: np.swapaxes(x, 0, 1))
    check_op(lambda x: x.repeat(2, axis=1), [X], lambda x: np.repeat(x, 2, axis=1))
    check_op(lambda x: x.cumsum(axis=0), [X], lambda x: np.cumsum(x, axis=0))
    check_op(lambda x: x.copy(), [X], np.copy)
    check_op(lambda x: x.zeros_like(), [X], np.zeros_like)
    check_op(lambda x: x.ones_like(dtype="int32"), [X], lambda x: np.ones_like(x, dtype="int32"))
    check_op(lambda x: x.fill(7.0), [X], lambda x: np.full_like(x, 7.0))
    row = T.dmatrix("row", shape=(1, None))
    assert row.squeeze().ndim == 1
    np.testing.assert_array_equal(sc.function([row], row.squeeze())(X[:1]), X[0])
    assert X.dtype == T.dmatrix().copy(name="c").dtype and T.dmatrix().copy(name="c").name == "c"


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_take_against_numpy(axis):
    idx = np.array([[0, 2], [1, 1]], dtype="int64")
    check_op(lambda x: x.take(idx, axis=axis), [X], lambda x: np.take(x, idx, axis=axis))
    check_grad(lambda x: x.take(idx, axis=axis), [X])
    with pytest.raises(NotImplementedError, match="wrap"):
        T.dmatrix().take(idx, mode="wrap")

