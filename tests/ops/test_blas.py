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
    with raises_naming(ValueError, "dot", "axis 2 of 't'", "4", "5"):
        T.dot(T.dtensor3("t", shape=(2, 3, 4)), T.dmatrix(shape=(5, 2)))
    x, y = T.dmatrix("x"), T.dmatrix("y")
    f = sc.function([x, y], T.dot(x, y))
    with raises_naming(ValueError, "dot", "(2, 3)", "(4, 2)", "'x'", "'y'"):
        f(np.ones((2, 3)), np.ones((4, 2)))


def test_infer_shape_of_dot():
    x, v = T.dmatrix("x"), T.dvector("v")
    outs = [T.dot(x, x.T), T.dot(x, v), T.dot(v, x.T), T.dot(v, v)]
    check_graph(outs, [x, v], [random_array((3, 4)), random_array((4,))])


# --- dot beyond matrices, and tensordot (NumPy's semantics, as Theano's dot) -------------
ND_CASES = {"scalar.matrix": ((), (3, 4)), "matrix.scalar": ((3, 4), ()),
            "tensor3.matrix": ((2, 3, 4), (4, 5)), "matrix.tensor3": ((5, 3), (2, 3, 4)),
            "tensor3.vector": ((2, 3, 4), (4,)), "vector.tensor3": ((3,), (2, 3, 4)),
            "tensor4.tensor3": ((2, 2, 3, 4), (5, 4, 2))}


@pytest.mark.parametrize("case", sorted(ND_CASES))
def test_dot_of_scalars_and_more_dimensions_against_numpy(case):
    sa, sb = ND_CASES[case]
    a, b = random_array(sa, seed=7), random_array(sb, seed=8)
    check_op(T.dot, [a, b], np.dot)
    check_op(lambda x, y: x.dot(y), [a, b], np.dot)
    check_grad(T.dot, [a, b])


TENSORDOT_CASES = [((2, 3, 4), (4, 5), [[2], [0]]), ((2, 3, 4), (3, 4, 5), 2),
                   ((2, 3, 4), (2, 3, 4), 3), ((2, 3), (4,), 0),
                   ((2, 3, 4), (4, 2), [[2, 0], [0, 1]]), ((3, 4), (4, 3), [[-1], [0]]),
                   ((2, 3), (3, 2), [1, 0])]


@pytest.mark.parametrize("sa,sb,axes", TENSORDOT_CASES)
def test_tensordot_against_numpy(sa, sb, axes):
    a, b = random_array(sa, seed=9), random_array(sb, seed=10)
    check_op(lambda x, y: T.tensordot(x, y, axes), [a, b], lambda x, y: np.tensordot(x, y, axes))
    check_grad(lambda x, y: T.tensordot(x, y, axes), [a, b])


def test_tensordot_errors_name_the_axes():
    a, b = T.dtensor3("a", shape=(2, 3, 4)), T.dmatrix("b", shape=(5, 6))
    with raises_naming(ValueError, "tensordot", "axis 2", "'a'", "4", "5"):
        T.tensordot(a, b, [[2], [0]])
    with raises_naming(ValueError, "tensordot", "2 axes", "1 of"):
        T.tensordot(a, b, [[0, 1], [0]])
    with raises_naming(ValueError, "tensordot", "axis 3", "out of range"):
        T.tensordot(a, b, [[3], [0]])
    with raises_naming(ValueError, "tensordot", "axes=3"):
        T.tensordot(a, b, 3)


BATCHED_CASES = {"3.3": ((4, 2, 3), (4, 3, 5)), "2.3": ((4, 3), (4, 3, 5)),
                 "3.2": ((4, 2, 3), (4, 3)), "2.2": ((4, 3), (4, 3)),
                 "1.3": ((4,), (4, 2, 3)), "2.1": ((4, 3), (4,))}


def _np_batched_dot(a, b):
    if a.ndim == 1 or b.ndim == 1:
        a2 = a.reshape(a.shape + (1,) * (b.ndim - 1)) if a.ndim == 1 else a
        b2 = b.reshape(b.shape + (1,) * (a.ndim - 1)) if b.ndim == 1 else b
        return a2 * b2
    return np.stack([np.dot(x, y) for x, y in zip(a, b)])


@pytest.mark.parametrize("case", sorted(BATCHED_CASES))
def test_batched_dot_against_a_loop_of_dots(case):
    sa, sb = BATCHED_CASES[case]
    a, b = random_array(sa, seed=11), random_array(sb, seed=12)
    check_op(T.batched_dot, [a, b], _np_batched_dot)
    check_grad(T.batched_dot, [a, b])


def test_batched_dot_errors():
    with raises_naming(ValueError, "batched_dot", "batch", "4 != 5"):
        T.batched_dot(T.dtensor3(shape=(4, 2, 3)), T.dtensor3(shape=(5, 3, 2)))
    with raises_naming(TypeError, "batched_dot", "batch"):
        T.batched_dot(T.dscalar(), T.dmatrix())
    x, y = T.dtensor3("x"), T.dtensor3("y")
    f = sc.function([x, y], T.batched_dot(x, y))
    with raises_naming(ValueError, "batched_dot", "(2, 2, 3)", "(2, 4, 1)"):
        f(np.ones((2, 2, 3)), np.ones((2, 4, 1)))


def test_tensordot_checks_the_paired_sizes_when_it_runs():
    x, y = T.dtensor3("x"), T.dtensor3("y")
    f = sc.function([x, y], T.tensordot(x, y, [[1, 2], [0, 1]]))
    np.testing.assert_allclose(f(np.ones((2, 3, 4)), np.ones((3, 4, 5))), np.full((2, 5), 12.0))
    # 3 * 4 entries on both sides, but paired 3 with 4 and 4 with 3: NumPy refuses too
    with raises_naming(ValueError, "tensordot", "(2, 3, 4)", "(4, 3, 5)", "axis 1"):
        f(np.ones((2, 3, 4)), np.ones((4, 3, 5)))
    m = T.dmatrix("m")
    g = sc.function([x, m], T.dot(x, m))
    with raises_naming(ValueError, "dot", "(2, 3, 4)", "(5, 6)"):
        g(np.ones((2, 3, 4)), np.ones((5, 6)))
    with raises_naming(ValueError, "tensordot", "twice"):
        T.tensordot(x, y, [[0, 0], [1, 2]])
