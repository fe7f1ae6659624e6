"""The test helpers themselves: each check must fail when what it checks is wrong."""
import numpy as np
import pytest

import symconv.tensor as T
from symconv.graph.basic import Apply, Op
from symconv.graph.type import TensorType
from symconv.graph.tensor import TensorVariable, as_tensor_variable
from tests.helpers import (check_grad, check_graph, check_op, compile_and_run, raises_naming,
                           symbolic_like)


class Faulty(Op):
    """Doubles its input, but can lie about its dtype, static shape or inferred shape."""

    __props__ = ("fault",)

    def __init__(self, fault=None):
        self.fault = fault

    def make_node(self, x):
        x = as_tensor_variable(x)
        dtype = "float32" if self.fault == "dtype" else x.dtype
        shape = (7,) * x.ndim if self.fault == "static" else x.type.shape
        return Apply(self, [x], [TensorVariable(TensorType(dtype, shape))])

    def perform(self, node, inputs):
        return [inputs[0] * (3 if self.fault == "value" else 2)]

    def infer_shape(self, node, input_shapes):
        if self.fault == "infer":
            return [tuple(s + 1 for s in input_shapes[0])]
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        return [output_grads[0] * 2]


def test_check_op_passes_a_correct_op():
    check_op(lambda x: Faulty()(x), [np.ones((2, 3))], lambda x: 2 * x)
    check_grad(lambda x: Faulty()(x), [np.ones((2, 3))])


@pytest.mark.parametrize("fault", ["value", "dtype", "static", "infer"])
def test_check_op_catches_each_fault(fault):
    with pytest.raises(AssertionError):
        check_op(lambda x: Faulty(fault)(x), [np.ones((2, 3))], lambda x: 2 * x)


def test_check_grad_catches_a_wrong_gradient():
    with pytest.raises(AssertionError):
        check_grad(lambda x: Faulty("value")(x), [np.ones(3)])


def test_check_graph_returns_the_values():
    x = T.dvector("x")
    (out,) = check_graph([Faulty()(x) + 1.0], [x], [np.array([1.0, 2.0])])
    np.testing.assert_array_equal(out, [3.0, 5.0])


def test_raises_naming_requires_every_fragment():
    with raises_naming(ValueError, "bad", "value"):
        raise ValueError("a bad value")
    with pytest.raises(AssertionError, match="lacks"):
        with raises_naming(ValueError, "bad", "shape"):
            raise ValueError("a bad value")


def test_compile_and_run_and_symbolic_like():
    a = np.ones((2, 3), dtype="float32")
    (x,) = symbolic_like([a])
    assert x.type.shape == (None, None) and x.dtype == "float32"
    assert symbolic_like([a], static=True)[0].type.shape == (2, 3)
    np.testing.assert_array_equal(compile_and_run([x], x * 2, [a]), 2 * a)
