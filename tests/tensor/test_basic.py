"""The tensor constructors and floatX."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from tests.helpers import raises_naming

PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32", "d": "float64"}
KINDS = {"scalar": 0, "vector": 1, "matrix": 2, "tensor3": 3, "tensor4": 4}


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_prefixed_constructors(prefix, kind):
    v = getattr(T, prefix + kind)("v")
    assert v.dtype == PREFIXES[prefix] and v.ndim == KINDS[kind] and v.name == "v"
    assert v.type.shape == (None,) * KINDS[kind]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_plain_constructors_use_floatx(kind):
    v = getattr(T, kind)()
    assert v.dtype == sc.config.floatX
    assert getattr(T, kind)(dtype="int32").dtype == "int32"


def test_static_shapes_in_constructors():
    assert T.fmatrix("x", shape=(None, 784)).type.shape == (None, 784)
    assert T.tensor("float64", shape=(2, 3)).type.shape == (2, 3)
    assert T.tensor(ndim=3).type.shape == (None, None, None)
    with raises_naming(ValueError, "2-d", "length 2", "(3,)"):
        T.matrix(shape=(3,))
    with raises_naming(TypeError, "tensor", "shape or an ndim"):
        T.tensor("float32")


def test_floatx_can_be_changed():
    old = sc.config.floatX
    try:
        sc.config.floatX = "float64"
        assert T.matrix().dtype == "float64"
        assert (T.ivector() * 2.5).dtype == "float64"
        assert sc.shared(1.5).dtype == "float64"
        with raises_naming(ValueError, "floatX", "'int32'"):
            sc.config.floatX = "int32"
    finally:
        sc.config.floatX = old
    assert T.matrix().dtype == old


def test_floatx_default_is_float32():
    import os
    if "SYMCONV_FLOATX" not in os.environ:
        assert sc.config.floatX == "float32"
