"""TensorType: dtypes, static shapes, compatibility and conversion of values (filter)."""
import numpy as np
import pytest

from symconv.graph.type import TensorType, type_of_value
from tests.helpers import raises_naming


def test_type_basics():
    t = TensorType("float32", (None, 784))
    assert t.dtype == "float32" and t.shape == (None, 784) and t.ndim == 2
    assert t.broadcastable == (False, False)
    assert TensorType(np.float64, (1, None)).broadcastable == (True, False)
    assert t.is_float and not t.is_integer
    assert TensorType("int32", ()).is_integer
    assert repr(t) == "TensorType(float32, (?, 784))"
    assert repr(TensorType("int64", (None,))) == "TensorType(int64, (?,))"
    assert t.short() == "f32[?,784]"
    assert TensorType("bool", ()).short() == "b1[]"


def test_types_compare_by_dtype_and_shape():
    assert TensorType("float32", (None, 3)) == TensorType(np.dtype("float32"), [None, 3])
    assert hash(TensorType("float32", (None, 3))) == hash(TensorType("float32", (None, 3)))
    assert TensorType("float32", (None, 3)) != TensorType("float64", (None, 3))
    assert TensorType("float32", (None, 3)) != TensorType("float32", (2, 3))


def test_compatibility():
    t = TensorType("float32", (None, 3))
    assert t.is_compatible(TensorType("float32", (5, 3)))
    assert t.is_compatible(TensorType("float32", (None, None)))
    assert not t.is_compatible(TensorType("float32", (5, 4)))
    assert not t.is_compatible(TensorType("float64", (5, 3)))
    assert not t.is_compatible(TensorType("float32", (3,)))


def test_bad_types():
    with raises_naming(TypeError, "complex128", "not supported"):
        TensorType("complex128", ())
    with raises_naming(TypeError, "(-1,)", "non-negative"):
        TensorType("float32", (-1,))
    with raises_naming(TypeError, "static shape"):
        TensorType("float32", (2.5,))


def test_filter_accepts_safe_conversions():
    f32 = TensorType("float32", (None,))
    assert f32.filter([1.0, 2.0]).dtype == np.float32          # Python floats
    assert f32.filter([1, 2]).dtype == np.float32              # Python ints
    assert f32.filter(np.array([1, 2], dtype="int8")).dtype == np.float32  # safe cast
    assert TensorType("float64", ()).filter(np.float32(1.5)).dtype == np.float64
    i32 = TensorType("int32", (None,))
    assert i32.filter(np.array([1, 2], dtype="int64")).dtype == np.int32  # values fit
    assert i32.filter([True, False]).dtype == np.int32
    assert TensorType("int32", ()).filter(7).dtype == np.int32


def test_filter_refuses_lossy_conversions_unless_allowed():
    f32 = TensorType("float32", (None,))
    with raises_naming(TypeError, "x", "float64", "float32", "allow_input_downcast"):
        f32.filter(np.array([1.0]), name="x")
    assert f32.filter(np.array([1.0]), allow_downcast=True).dtype == np.float32
    i32 = TensorType("int32", ())
    with raises_naming(TypeError, "n", "float64", "int32"):
        i32.filter(1.5, name="n")
    with raises_naming(TypeError, "int64", "int32"):
        i32.filter(np.int64(2 ** 40))
    with raises_naming(TypeError, "float64", "int32"):
        i32.filter(np.float64(2.0))
    assert i32.filter(1.5, allow_downcast=True) == 1


def test_filter_checks_ndim_and_static_shape():
    t = TensorType("float64", (None, 3))
    with raises_naming(TypeError, "x", "2-d", "1-d", "(3,)"):
        t.filter(np.ones(3), name="x")
    with raises_naming(ValueError, "x", "[?,3]", "(2, 4)", "dimension 1"):
        t.filter(np.ones((2, 4)), name="x")
    out = t.filter(np.ones((2, 3)))
    assert out.shape == (2, 3)


def test_filter_keeps_arrays_of_the_right_type():
    data = np.ones((2, 3))
    assert TensorType("float64", (None, None)).filter(data) is data


def test_type_of_value():
    assert type_of_value(np.zeros((2, 3), dtype="float32")) == TensorType("float32", (None, None))
    assert type_of_value(np.zeros(2), shape=(2,)) == TensorType("float64", (2,))
    assert type_of_value([1, 2], dtype="int32") == TensorType("int32", (None,))
