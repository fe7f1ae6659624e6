"""dot in its four vector/matrix cases, against NumPy, with gradients and errors."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from tests.helpers import check_grad, check_graph, check_op, raises_naming, random_array

CASES = {"matrix.matrix": ((3, 4), (4, 2)), "matrix.vector": ((3, 4), (4,)),
         "vector.matrix": ((4,), (4, 2)), "vector.vector": ((4,), (4,))}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_dot_against_numpy(case, dtype):
    sa, sb = CASES[case]
    a, b = random_array(sa, seed=1).astype(dtype), random_array(sb, seed=2).astype(dtype)
    check_op(T.dot, [a, b], np.dot)
    check_op(lambda x, y: x @ y, [a, b], np.dot)
    check_op(lambda x, y: x.dot(y), [a, b], np.dot)


@pytest.mark.parametrize("case", sorted(CASES))
def test_dot_gradient(case):
    sa, sb = CASES[case]
    check_grad(T.dot, [random_array(sa, seed=3), random_array(sb, seed=4)])


def test_dot_with_constants_and_mixed_dtypes():
    w = random_array((4, 2), seed=5)
    check_op(lambda x: T.dot(x, w), [random_array((3, 4), seed=6)], lambda x: np.dot(x, w))
    check_op(lambda x: np.ones(3) @ x, [random_array((3, 4), seed=6)], lambda x: np.ones(3) @ x)
    check_op(T.dot, [random_array((2, 3)).astype("float32"), random_array((3,))], np.dot)
    check_op(T.dot, [np.arange(6, dtype="int32").reshape(2, 3), np.arange(3, dtype="int32")], np.dot)
    x, y = T.fmatrix("x"), T.dmatrix("y")
    g = sc.grad(T.dot(x, y).sum(), x)
    assert g.dtype == "float32"  # the gradient has its variable's dtype


def test_dot_static_shapes():
    assert T.dot(T.dmatrix(shape=(3, None)), T.dmatrix(shape=(None, 5))).type.shape == (3, 5)
    assert T.dot(T.dmatrix(shape=(3, 4)), T.dvector()).type.shape == (3,)
    assert T.dot(T.dvector(), T.dvector()).type.shape == ()


def test_dot_errors():
    a, b = T.dmatrix("a", shape=(2, 3)), T.dvector("b", shape=(4,))
    with raises_naming(ValueError, "dot", "[2,3]", "[4]", "'a'", "'b'", "3", "4"):
        T.dot(a, b)
    with raises_naming(TypeError, "dot", "vectors or matrices", "'t'"):
        T.dot(T.dtensor3("t"), T.dmatrix())
    x, y = T.dmatrix("x"), T.dmatrix("y")
    f = sc.function([x, y], T.dot(x, y))
    with raises_naming(ValueError, "dot", "(2, 3)", "(4, 2)", "'x'", "'y'"):
        f(np.ones((2, 3)), np.ones((4, 2)))


def test_infer_shape_of_dot():
    x, v = T.dmatrix("x"), T.dvector("v")
    outs = [T.dot(x, x.T), T.dot(x, v), T.dot(v, x.T), T.dot(v, v)]
    check_graph(outs, [x, v], [random_array((3, 4)), random_array((4,))])
