"""Specialize: squares, scaled products and fully connected layers as one kernel."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from symconv.ops.blas import Dot
from symconv.ops.affine import Affine
from symconv.ops.blas import ScaledDot
from tests.helpers import check_rewrite, compiled_ops

NO_FUSION = sc.Mode(exclude=["fusion"])
RNG = np.random.default_rng(0)
W, B = RNG.standard_normal((6, 4)), RNG.standard_normal(4)


def test_powers_of_two_and_one_half():
    x = T.dvector("x")
    f = sc.function([x], [x ** 2, x * x, x ** 0.5], mode=NO_FUSION)
    assert sorted(str(op) for op in compiled_ops(f)) == ["sqr", "sqrt"]
    v = np.array([4.0, 9.0])
    a, b, c = f(v)
    np.testing.assert_allclose(a, v ** 2)
    np.testing.assert_allclose(c, np.sqrt(v))


def test_scaled_dot_scales_the_smallest_operand():
    start = RNG.standard_normal((50, 40))

    def build(mode):
        # the new value is returned, not an update (an update would be one gemm)
        w = sc.shared(start, name="w")
        x, g = T.dmatrix("x"), T.dmatrix("g")
        return sc.function([x, g], w - 0.1 * T.dot(x.T, g), mode=mode), [w]
    x, g = RNG.standard_normal((3, 50)), RNG.standard_normal((3, 40))
    f = check_rewrite(build, calls=[(x, g)] * 2, present=(ScaledDot,), absent=(Dot,),
                      rtol=1e-12, atol=1e-12)
    scaling = [line for line in f.kernel_source().splitlines() if "_multiply" in line]
    assert len(scaling) == 1 and "(a1," in scaling[0]    # g, 3 x 40, not the 50 x 40 product


@pytest.mark.parametrize("act", [None, nnet.relu, nnet.sigmoid, T.tanh])
def test_affine(act):
    def build(mode):
        w = sc.shared(W, name="w", shape=(6, 4))
        b = sc.shared(B, name="b", shape=(4,))
        x = T.dmatrix("x")
        z = T.dot(x, w) + b
        y = act(z) if act else z
        cost = (y ** 2).sum()
        return sc.function([x], [y, cost] + sc.grad(cost, [w, b]), mode=mode), [w, b]
    x = RNG.standard_normal((3, 6))
    f = check_rewrite(build, calls=[(x,)], present=(Affine,), rtol=1e-12, atol=1e-12)
    affine = [op for op in compiled_ops(f) if isinstance(op, Affine)]
    assert len(affine) == 1
    assert affine[0].act == {None: None, nnet.relu: "relu", nnet.sigmoid: "sigmoid",
                             T.tanh: "tanh"}[act]


def test_affine_needs_the_product_unshared():
    w = sc.shared(RNG.standard_normal((6, 4)))
    b = sc.shared(RNG.standard_normal(4))
    x = T.dmatrix("x")
    d = T.dot(x, w)
    f = sc.function([x], [d + b, d * 2])
    assert not any(isinstance(op, Affine) for op in compiled_ops(f))
