"""Variables, constants, shared variables, Apply nodes and the Op contract."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.graph.basic import Apply, Constant, Op, SharedVariable, Variable
from symconv.graph.type import TensorType
from symconv.graph.tensor import TensorVariable, as_tensor_variable
from tests.helpers import check_grad, check_graph, raises_naming


class Scale(Op):
    """A small Op written against the contract: multiply by a constant factor."""

    __props__ = ("factor",)

    def __init__(self, factor):
        self.factor = factor

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorVariable(x.type)])

    def perform(self, node, inputs):
        return [inputs[0] * self.factor]

    def grad(self, inputs, outputs, output_grads):
        return [Scale(self.factor)(output_grads[0])]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]


def test_op_contract_end_to_end():
    x = T.dvector("x")
    y = Scale(3.0)(x)
    assert y.owner.op == Scale(3.0) and y.owner.inputs == [x] and y.index == 0
    np.testing.assert_array_equal(sc.function([x], y)(np.array([1.0, 2.0])), [3.0, 6.0])
    check_graph([y], [x], [np.ones(4)])
    check_grad(lambda v: Scale(3.0)(v), [np.ones(4)])


def test_op_equality_and_hash_come_from_props():
    assert Scale(2.0) == Scale(2.0) and hash(Scale(2.0)) == hash(Scale(2.0))
    assert Scale(2.0) != Scale(3.0)
    assert len({Scale(2.0), Scale(2.0), Scale(3.0)}) == 2
    assert str(Scale(2.0)) == "scale{2.0}"


def test_op_defaults():
    class Bare(Op):
        pass
    with pytest.raises(NotImplementedError):
        Bare().make_node()
    with raises_naming(NotImplementedError, "bare", "perform"):
        Bare().perform(None, [])
    with raises_naming(NotImplementedError, "bare", "gradient"):
        Bare().grad([], [], [])
    assert str(Bare()) == "bare" and Bare() == Bare()


def test_default_infer_shape_uses_known_static_shapes():
    node = Apply(Op(), [], [TensorVariable(TensorType("float64", (2, 3)))])
    assert Op().infer_shape(node, []) == [(2, 3)]
    node = Apply(Op(), [], [TensorVariable(TensorType("float64", (None, 3)))])
    with pytest.raises(NotImplementedError):
        Op().infer_shape(node, [])


def test_apply_connects_variables():
    x = T.dvector("x")
    out = TensorVariable(TensorType("float64", (None,)))
    node = Apply(Scale(1.0), [x], [out])
    assert out.owner is node and out.index == 0 and node.out is out
    with raises_naming(TypeError, "scale", "Variables", "ndarray"):
        Apply(Scale(1.0), [np.ones(2)], [])


def test_apply_records_the_user_line():
    y = T.dvector("x") * 2
    filename, line, func = y.owner.trace
    assert filename == __file__ and func == "test_apply_records_the_user_line"


def test_variable_attributes_and_descriptions():
    x = T.fmatrix("x", shape=(None, 3))
    assert x.dtype == "float32" and x.ndim == 2 and x.static_shape == (None, 3)
    assert x.broadcastable == (False, False)
    assert x.describe() == "'x' (f32[?,3])"
    assert repr(x) == "x:f32[?,3]"
    y = x * 2
    assert y.describe() == "output of mul (f32[?,3])"
    assert repr(y) == "mul.0:f32[?,3]"
    assert T.dvector().describe() == "an unnamed input (f64[?])"
    with raises_naming(TypeError, "TensorType"):
        Variable("float32")


def test_variables_compare_by_identity():
    a, b = T.dvector("a"), T.dvector("a")
    assert a is not b and len({a, b}) == 2
    assert (a == a) is True  # == is identity, as in Theano; T.eq compares values


def test_constants():
    c = T.constant([[1.0, 2.0]])
    assert isinstance(c, Constant) and c.type == TensorType(sc.config.floatX, (1, 2))
    assert not c.data.flags.writeable
    assert c.signature() == T.constant([[1.0, 2.0]]).signature()
    assert T.constant(3).dtype == "int64" and T.constant(True).dtype == "bool"
    assert T.constant(np.arange(3, dtype="int8")).dtype == "int8"
    assert T.constant(2.5, dtype="float64").dtype == "float64"
    assert repr(T.constant(2)) == "2:i64[]"


def test_as_tensor_variable():
    x = T.dvector("x")
    assert as_tensor_variable(x) is x
    assert as_tensor_variable(x, dtype="float32").dtype == "float32"
    assert isinstance(as_tensor_variable(np.ones(2)), Constant)
    s = T.lscalar("s")
    v = as_tensor_variable([s, 3])
    assert v.type.shape == (2,) and v.dtype == "int64"


def test_shared_variable_value_semantics():
    data = np.arange(3.0)
    s = sc.shared(data, name="s")
    assert isinstance(s, SharedVariable) and s.type == TensorType("float64", (None,))
    data[0] = 100.0  # the shared variable copied its value
    assert s.get_value()[0] == 0.0
    value = s.get_value()
    value[1] = 100.0  # get_value returns a copy
    assert s.get_value()[1] == 1.0
    assert s.get_value(borrow=True) is s.get_value(borrow=True)


def test_shared_borrow():
    data = np.arange(3.0)
    s = sc.shared(data, borrow=True)
    data[0] = 7.0
    assert s.get_value()[0] == 7.0
    new = np.ones(3)
    s.set_value(new, borrow=True)
    new[2] = 5.0
    assert s.get_value()[2] == 5.0
    new = np.ones(3)
    s.set_value(new)
    new[2] = 5.0
    assert s.get_value()[2] == 1.0


def test_shared_set_value_checks_the_type():
    s = sc.shared(np.zeros((2, 2)), name="W")
    s.set_value(np.ones((3, 5)))  # the shape may change: no static shape by default
    assert s.get_value().shape == (3, 5)
    with raises_naming(TypeError, "'W'", "2-d", "1-d"):
        s.set_value(np.ones(3))
    s.set_value(np.ones((2, 2), dtype="float32"))
    assert s.get_value().dtype == np.float64
    fixed = sc.shared(np.zeros(3), name="b", shape=(3,))
    with raises_naming(ValueError, "'b'", "[3]", "(4,)"):
        fixed.set_value(np.zeros(4))


def test_shared_of_python_values():
    assert sc.shared(1.5).dtype == sc.config.floatX
    assert sc.shared(3).dtype == "int64"
    assert sc.shared(True).dtype == "bool"
    assert sc.shared([[1, 2]]).type.shape == (None, None)
