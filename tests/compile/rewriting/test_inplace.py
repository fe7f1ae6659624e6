"""In-place updates of shared variables."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.compile.openblas import MIN_GEMM_SIZE
from symconv.compile.rewriting.inplace import linear_form
from symconv.ops.blas import Gemm
from symconv.ops.fused import FusedElemwise
from tests.helpers import check_rewrite, compiled_ops

RNG = np.random.default_rng(0)
RNG_W = RNG.standard_normal((150, 150))


def _sgd(mode, start):
    w = sc.shared(start.copy(), name="w")
    x = T.dvector("x")
    cost = ((w * x) ** 2).sum()
    return sc.function([x], cost, updates=[(w, w - 0.1 * sc.grad(cost, w))], mode=mode), [w]


def test_the_update_kernel_is_marked_and_writes_into_the_shared_storage():
    start = np.array([1.0, -2.0, 3.0])
    f, (w,) = _sgd(None, start)
    (op,) = [op for op in compiled_ops(f) if isinstance(op, FusedElemwise) and op.destroy]
    assert "inplace" in str(op)
    storage = w.get_value(borrow=True)
    f(np.ones(3))
    f(np.ones(3))
    assert w.get_value(borrow=True) is storage          # updated where it lives
    np.testing.assert_allclose(storage, start * 0.8 ** 2)


def test_in_place_updates_equal_the_reference():
    start = np.array([1.0, -2.0, 3.0])
    check_rewrite(lambda mode: _sgd(mode, start), calls=[(np.arange(3.0),)] * 3,
                  rtol=1e-12, atol=1e-12)


def test_no_in_place_write_while_the_old_value_is_still_read():
    # the old w is returned, so its storage must not change under the caller
    w = sc.shared(np.array([1.0, 2.0]), name="w")
    f = sc.function([], w * 1.0, updates=[(w, w + 1)])
    first = f()
    second = f()
    np.testing.assert_allclose(first, [1.0, 2.0])
    np.testing.assert_allclose(second, [2.0, 3.0])
    np.testing.assert_allclose(w.get_value(), [3.0, 4.0])


def test_swapped_updates_stay_simultaneous():
    a = sc.shared(np.array([1.0, 2.0]), name="a")
    b = sc.shared(np.array([10.0, 20.0]), name="b")
    f = sc.function([], [], updates=[(a, b + 0), (b, a + 0)])
    f()
    np.testing.assert_allclose(a.get_value(), [10.0, 20.0])
    np.testing.assert_allclose(b.get_value(), [1.0, 2.0])


def test_a_read_only_shared_value_is_not_written():
    value = np.array([1.0, 2.0])
    value.setflags(write=False)
    w = sc.shared(value, name="w", borrow=True)
    f = sc.function([], [], updates=[(w, w * 2)])
    f()
    f()
    np.testing.assert_allclose(value, [1.0, 2.0])
    np.testing.assert_allclose(w.get_value(), [4.0, 8.0])


def test_can_be_switched_off():
    f, (w,) = _sgd(sc.Mode(exclude=["inplace"]), np.ones(3))
    assert not any(getattr(op, "destroy", ()) for op in compiled_ops(f))
    storage = w.get_value(borrow=True)
    f(np.ones(3))
    assert w.get_value(borrow=True) is not storage


# --- gemm: a weight matrix's update as one BLAS call into the weights ---------------

def _dense_sgd(mode, start, lmbda=0.0, shape=None, returns_old=False, dtype="float64"):
    """SGD on a dense layer's weights: ``W - eta * (dot(x.T, g) + lmbda * W)``."""
    w = sc.shared(start.astype(dtype), name="w", shape=shape)
    x = T.matrix("x", dtype=dtype)
    cost = T.sum(T.tanh(T.dot(x, w)) ** 2) + lmbda * T.sum(w ** 2)
    outputs = [cost, w * 1.0] if returns_old else cost
    return sc.function([x], outputs, updates=[(w, w - 0.05 * sc.grad(cost, w))],
                       mode=mode), [w]


@pytest.mark.parametrize("lmbda", [0.0, 0.01])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_weight_update_becomes_one_gemm_into_the_weights(lmbda, dtype):
    start = RNG.standard_normal((200, 100)) * 0.1
    x = RNG.standard_normal((7, 200))
    tol = 1e-5 if dtype == "float32" else 1e-12
    f = check_rewrite(lambda mode: _dense_sgd(mode, start, lmbda, dtype=dtype),
                      calls=[(x.astype(dtype),)] * 3, present=(Gemm,), rtol=tol, atol=tol)
    (gemm,) = [op for op in compiled_ops(f) if isinstance(op, Gemm)]
    assert gemm.alpha == pytest.approx(-0.05)
    assert gemm.beta == pytest.approx(1 - 0.05 * 2 * lmbda)
    w = [v for v in f.fgraph.shared_inputs if v.name == "w"][0]
    assert not [n for n in f.fgraph.nodes if isinstance(n.op, FusedElemwise) and n.op.destroy
                and w in n.inputs]                             # no elementwise update left
    storage = w.get_value(borrow=True)
    f(x.astype(dtype))
    assert w.get_value(borrow=True) is storage               # written where it lives
    assert "gemm" in f.kernel_source()


def test_small_weights_are_updated_by_numpy():
    start = RNG.standard_normal((20, 10))
    f = check_rewrite(lambda mode: _dense_sgd(mode, start),
                      calls=[(RNG.standard_normal((3, 20)),)] * 2, present=(Gemm,),
                      rtol=1e-12, atol=1e-12)
    assert 20 * 10 < MIN_GEMM_SIZE
    assert "_gemm" in f.kernel_source()      # the node's kernel, which runs NumPy's matmul


def test_a_gemm_update_whose_old_value_is_still_returned_writes_a_copy():
    start = RNG.standard_normal((200, 100))
    x = RNG.standard_normal((5, 200))
    f = check_rewrite(lambda mode: _dense_sgd(mode, start, returns_old=True),
                      calls=[(x,)] * 2, present=(Gemm,), rtol=1e-12, atol=1e-12)
    w = [v for v in f.fgraph.shared_inputs if v.name == "w"][0]
    before = w.get_value()
    _, old = f(x)
    np.testing.assert_array_equal(old, before)             # the caller's copy is the old W
    assert not np.array_equal(w.get_value(), before)


def test_a_product_reading_the_weights_is_not_overwritten_while_read():
    # W - 0.1 * dot(W.T, g): the product reads W, so the gemm must not write into it
    def build(mode):
        w = sc.shared(RNG_W.copy(), name="w")
        g = T.dmatrix("g")
        return sc.function([g], [], updates=[(w, w - 0.1 * T.dot(w.T, g))], mode=mode), [w]
    g = RNG.standard_normal((150, 150))
    check_rewrite(build, calls=[(g,)] * 2, present=(Gemm,), rtol=1e-12, atol=1e-12)


def test_linear_forms_of_fused_update_kernels():
    start = RNG.standard_normal((200, 100))
    f, (w,) = _dense_sgd(sc.Mode(exclude=["gemm_updates"]), start, lmbda=0.01)
    (node,) = [n for n in f.fgraph.nodes if isinstance(n.op, FusedElemwise) and n.op.destroy
               and n.inputs[dict(n.op.destroy)[0]] is w]
    form = linear_form(node)
    w_index = dict(node.op.destroy)[0]
    assert form.pop(w_index) == pytest.approx(1 - 0.05 * 0.02)
    assert list(form.values()) == [pytest.approx(-0.05)]
    # a nonlinear kernel has no linear form
    (other,) = [n for n in f.fgraph.nodes if isinstance(n.op, FusedElemwise)
                and any(i.kind == "scalar" and i.arg == "tanh" for i in n.op.program)][:1]
    assert linear_form(other) is None
