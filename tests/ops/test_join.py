"""Join (concatenate, stack): values against NumPy, finite-difference gradients, errors."""
import numpy as np
import pytest

import symconv.tensor as T
from symconv.ops.join import Join
from tests.helpers import check_grad, check_op, raises_naming, random_array

A = random_array((2, 3), seed=1)
B = random_array((4, 3), seed=2)
C = random_array((2, 5), seed=3)


@pytest.mark.parametrize("values,axis", [([A, B], 0), ([A, C], 1), ([A, C, A], -1),
                                         ([A[0], B[1], C[0]], 0)])
def test_concatenate_matches_numpy(values, axis):
    check_op(lambda *xs: T.concatenate(list(xs), axis=axis), values,
             lambda *xs: np.concatenate(xs, axis=axis))


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack_matches_numpy(axis):
    check_op(lambda x, y: T.stack([x, y], axis=axis), [A, A * 2],
             lambda x, y: np.stack([x, y], axis=axis))
    check_op(lambda x, y: T.stack(x, y, axis=axis), [A, A * 2],
             lambda x, y: np.stack([x, y], axis=axis))


def test_stack_of_scalars_is_a_vector_and_mixed_dtypes_upcast():
    check_op(lambda a, b: T.stack([a, b]), [np.float64(1.5), np.int32(2)],
             lambda a, b: np.stack([a, b]))
    check_op(lambda a, b: T.concatenate([a, b]), [A[0], np.arange(3, dtype="int32")],
             lambda a, b: np.concatenate([a, b]))


def test_static_shape_adds_up_along_the_axis():
    x, y = T.dmatrix(shape=(2, 3)), T.dmatrix(shape=(4, None))
    assert T.concatenate([x, y]).type.shape == (6, 3)
    assert T.concatenate([x, T.dmatrix()], axis=1).type.shape == (2, None)


@pytest.mark.parametrize("values,axis", [([A, B], 0), ([A, C], 1), ([A, C, A], 1)])
def test_concatenate_gradient(values, axis):
    check_grad(lambda *xs: T.concatenate(list(xs), axis=axis), values)


def test_stack_gradient_and_integer_inputs_get_none():
    check_grad(lambda x, y: T.stack([x, y], axis=1), [A, A + 1])
    x, i = T.dvector("x"), T.lvector("i")
    node = Join(0)(x, i).owner
    assert node.op.grad(node.inputs, node.outputs, [T.dvector()])[1] is None


def test_errors_name_the_tensors():
    with raises_naming(TypeError, "join", "dimensions", "'v'", "'m'"):
        T.concatenate([T.dvector("v"), T.dmatrix("m")])
    with raises_naming(ValueError, "join", "axis 1", "'p'", "'q'"):
        T.concatenate([T.dmatrix("p", shape=(2, 3)), T.dmatrix("q", shape=(2, 4))])
    with raises_naming(TypeError, "concatenate", "scalars", "stack"):
        T.concatenate([T.dscalar(), T.dscalar()])
    with raises_naming(ValueError, "stack", "axis 3"):
        T.stack([T.dmatrix(), T.dmatrix()], axis=3)
    x, y = T.dmatrix("x"), T.dmatrix("y")
    with raises_naming(ValueError, "join", "(2, 3)", "(2, 4)"):
        T.concatenate([x, y]).eval({x: A, y: np.zeros((2, 4))})
