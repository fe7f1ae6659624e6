"""The fused ops the compiler builds, against NumPy references and finite differences."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.compile.lowering.kernels import FusedKernel
from symconv.graph.type import TensorType
from symconv.ops.affine import Affine
from symconv.ops.blas import Gemm, ScaledDot
from symconv.ops.fused import FusedElemwise, Instruction, inplace_ok
from symconv.ops.softmax_nll import SoftmaxNLL, SoftmaxNLLGrad
from tests.helpers import check_grad, raises_naming

RNG = np.random.default_rng(0)


def _program():
    """i0 * 2 + i1 (broadcast), its exp, and their row sums: three outputs."""
    t = TensorType("float64", (None, None))
    return FusedElemwise([
        Instruction("scalar", "mul", (-1, -3), t, "mul"),
        Instruction("dimshuffle", ("x", 0), (-2,), t, "dimshuffle{x,0}"),
        Instruction("scalar", "add", (0, 1), t, "add"),
        Instruction("scalar", "exp", (2,), t, "exp"),
        Instruction("reduce", ("sum", (1,), False), (3,), TensorType("float64", (None,)), "sum"),
    ], outputs=(2, 3, 4))


def test_fused_elemwise_perform_and_listing():
    op = _program()
    x, b = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    two = np.array(2.0)
    node = op.make_node(T.dmatrix(), T.dvector(), T.constant(two))
    z, e, s = op.perform(node, [x, b, two])
    np.testing.assert_allclose(z, x * 2 + b)
    np.testing.assert_allclose(e, np.exp(x * 2 + b))
    np.testing.assert_allclose(s, np.exp(x * 2 + b).sum(axis=1))
    assert op.infer_shape(node, [(3, 4), (4,), ()]) == [(3, 4), (3, 4), (3,)]
    listing = op.listing()
    assert listing[0].startswith("t0:f64[?,?] = scalar:mul i0 i2") and listing[-1].endswith("out2")


def test_generated_kernel_equals_perform_with_buffers_and_donated_inputs():
    op = _program()
    x, b, two = RNG.standard_normal((3, 4)), RNG.standard_normal(4), np.array(2.0)
    want = op.perform(op.make_node(T.dmatrix(), T.dvector(), T.dscalar()), [x, b, two])
    kernel = FusedKernel("k", op, [(3, 4), (4,), ()], ["float64"] * 3, donated={0: True})
    outs = [np.empty((3, 4)), np.empty((3, 4)), np.empty(3)]
    temps = [np.empty(s, d) for s, d in kernel.temps]
    donated = x.copy()
    kernel.fn(donated, b, two, *outs, *temps)
    for got, expected in zip(outs, want):
        np.testing.assert_allclose(got, expected)
    assert "for " not in kernel.source and kernel.source.count("out=") >= 4


def test_in_place_output_waits_for_the_last_read_of_its_input():
    op = _program()
    assert inplace_ok(op, 1, 0)          # exp(...) is written after the last read of i0
    t = TensorType("float64", (None,))
    # out0 = i0 + 1, out1 = i0 * 3: writing out0 into i0 would spoil out1
    early = FusedElemwise([Instruction("scalar", "add", (-1, -2), t),
                           Instruction("scalar", "mul", (-1, -3), t)], outputs=(0, 1))
    assert not inplace_ok(early, 0, 0) and inplace_ok(early, 1, 0)


def test_scaled_dot():
    x, y = RNG.standard_normal((3, 5)), RNG.standard_normal((5, 2))
    op = ScaledDot(-0.5)
    node = op.make_node(T.dmatrix(), T.dmatrix())
    np.testing.assert_allclose(op.perform(node, [x, y])[0], -0.5 * x @ y)
    assert str(op) == "scaled_dot{-0.5}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gemm_against_numpy(dtype):
    z, x, y = (RNG.standard_normal(s).astype(dtype) for s in ((3, 2), (3, 5), (5, 2)))
    op = Gemm(-0.5, 0.9)
    node = op.make_node(T.matrix(dtype=dtype), T.matrix(dtype=dtype), T.matrix(dtype=dtype))
    (got,) = op.perform(node, [z, x, y])
    np.testing.assert_allclose(got, 0.9 * z - 0.5 * x @ y, rtol=1e-6)
    assert got.dtype == dtype and str(op) == "gemm{-0.5,0.9}"
    assert op.infer_shape(node, [(3, 2), (3, 5), (5, 2)]) == [(3, 2)]
    # compiled: the plan's kernel (BLAS, or NumPy for so small a matrix) equals perform
    zs = sc.shared(z.copy())
    xs, ys = T.matrix(dtype=dtype), T.matrix(dtype=dtype)
    f = sc.function([xs, ys], [], updates=[(zs, op(zs, xs, ys))])
    f(x, y)
    np.testing.assert_allclose(zs.get_value(), got, rtol=1e-6)


def test_gemm_checks_its_operands():
    with raises_naming(TypeError, "gemm{1,1}"):
        Gemm(1, 1).make_node(T.dvector("z"), T.dmatrix(), T.dmatrix())
    with raises_naming(TypeError, "'z' (f32[?,?])", "f64[?,?]"):
        Gemm(1, 1).make_node(T.fmatrix("z"), T.dmatrix(), T.dmatrix())


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_softmax_nll_against_numpy():
    x = RNG.standard_normal((5, 3)) * 10
    y = np.array([2, 0, 1, 1, 0], dtype="int32")
    nll, sm = sc.function([], list(SoftmaxNLL()(T.constant(x), T.constant(y))))()
    np.testing.assert_allclose(sm, _softmax(x))
    np.testing.assert_allclose(nll, -np.log(_softmax(x)[np.arange(5), y]))
    g = RNG.standard_normal(5)
    dx = sc.function([], SoftmaxNLLGrad()(T.constant(g), T.constant(sm), T.constant(y)))()
    np.testing.assert_allclose(dx, (_softmax(x) - np.eye(3)[y]) * g[:, None])


def test_softmax_nll_gradients_by_finite_differences():
    x = RNG.standard_normal((4, 3))
    y = np.array([2, 0, 1, 1], dtype="int32")
    check_grad(lambda s: SoftmaxNLL()(s, T.constant(y))[0], [x])
    check_grad(lambda s: SoftmaxNLL()(s, T.constant(y[:2]))[0], [x])   # 2 labelled rows
    check_grad(lambda s: SoftmaxNLL()(s, T.constant(y))[1], [x])       # through sm


def test_softmax_nll_bad_input():
    with raises_naming(TypeError, "softmax_nll", "labels", "integer vector"):
        SoftmaxNLL()(T.dmatrix(), T.dvector())
    f = sc.function([], SoftmaxNLL()(T.constant(np.ones((2, 3))),
                                     T.constant(np.zeros(3, "int32")))[0])
    with raises_naming(IndexError, "3 labels for 2 rows"):
        f()


@pytest.mark.parametrize("act", [None, "relu", "sigmoid", "tanh"])
def test_affine_against_numpy(act):
    x, w, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2)), RNG.standard_normal(2)
    op = Affine(act)
    outs = op(T.constant(x), T.constant(w), T.constant(b))
    got = sc.function([], outs if act else [outs])()
    z = x @ w + b
    ref = {None: z, "relu": np.maximum(z, 0), "sigmoid": 1 / (1 + np.exp(-z)), "tanh": np.tanh(z)}
    np.testing.assert_allclose(got[0], ref[act])
    if act:
        np.testing.assert_allclose(got[1], z)
    with raises_naming(ValueError, "affine", "softsign"):
        Affine("softsign")
