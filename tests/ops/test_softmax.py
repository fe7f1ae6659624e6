"""softmax, log-softmax, their gradient ops and the cross-entropies against
loop-based references, finite differences, stability and bad input."""
import math

import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from symconv.graph.traversal import toposort
from symconv.ops.softmax import CategoricalCrossentropy1HotGrad, LogSoftmaxGrad, SoftmaxGrad
from tests.helpers import check_grad, check_op, raises_naming, random_array
from tests.reference import reference_crossentropy, reference_log_softmax, reference_softmax

X = random_array((4, 5), low=-3, high=3, seed=31)
LABELS = np.array([0, 4, 2, 4], dtype="int32")


# --- loop-based references ------------------------------------------------------------------


# --- forward ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_and_log_softmax_match_loops(dtype):
    x = X.astype(dtype)
    check_op(nnet.softmax, [x], reference_softmax)
    check_op(nnet.log_softmax, [x], reference_log_softmax)


def test_vectors_and_higher_dimensions_act_on_the_last_axis():
    v = X[0]
    check_op(nnet.softmax, [v], reference_softmax)
    x3 = random_array((2, 3, 4), seed=32)
    check_op(nnet.log_softmax, [x3],
             lambda x: reference_log_softmax(x.reshape(6, 4)).reshape(x.shape))


def test_numerically_stable_for_large_and_very_negative_values():
    x = np.array([[1000.0, 0.0, -1000.0], [-800.0, -800.0, -801.0]], dtype="float32")
    xs = T.fmatrix("x")
    sm, lsm = sc.function([xs], [nnet.softmax(xs), nnet.log_softmax(xs)])(x)
    assert np.isfinite(sm).all() and np.isfinite(lsm).all()
    np.testing.assert_allclose(sm[0], [1, 0, 0])
    np.testing.assert_allclose(lsm[0], [0, -1000, -2000])
    np.testing.assert_allclose(sm[1].sum(), 1, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_categorical_crossentropy_with_labels_and_one_hot_rows(dtype):
    p = reference_softmax(X).astype(dtype)
    check_op(nnet.categorical_crossentropy, [p, LABELS], reference_crossentropy)
    one_hot = np.eye(5, dtype=dtype)[LABELS]
    check_op(nnet.categorical_crossentropy, [p, one_hot], reference_crossentropy)
    soft = reference_softmax(X[::-1]).astype(dtype)
    check_op(nnet.categorical_crossentropy, [p, soft], reference_crossentropy)


def test_binary_crossentropy_matches_loops():
    out = random_array((3, 4), low=0.05, high=0.95, seed=33)
    target = (random_array((3, 4), seed=34) > 0).astype("float64")

    def reference(o, t):
        t = np.broadcast_to(t, o.shape)
        flat = [-(ti * math.log(oi) + (1 - ti) * math.log(1 - oi)) for oi, ti in
                zip(o.ravel(), t.ravel())]
        return np.array(flat).reshape(o.shape)
    check_op(nnet.binary_crossentropy, [out, target], reference)
    check_op(nnet.binary_crossentropy, [out, target[0]], reference)


# --- gradients ---------------------------------------------------------------------------------

def test_softmax_family_gradients():
    check_grad(nnet.softmax, [X])
    check_grad(nnet.log_softmax, [X])
    check_grad(nnet.softmax, [X[1]])
    check_grad(lambda x: nnet.categorical_crossentropy(nnet.softmax(x), LABELS), [X])
    check_grad(lambda x: nnet.categorical_crossentropy(nnet.softmax(x), np.eye(5)[LABELS]), [X])
    check_grad(lambda x, t: nnet.binary_crossentropy(nnet.sigmoid(x), t),
               [X, random_array(X.shape, low=0, high=1, seed=35)])


def test_gradient_ops_are_differentiable():
    sm, lsm = reference_softmax(X), reference_log_softmax(X)
    gy = random_array(X.shape, seed=36)
    check_grad(lambda g, s: SoftmaxGrad()(g, s), [gy, sm])
    check_grad(lambda g, s: LogSoftmaxGrad()(g, s), [gy, lsm])
    p = sm
    check_grad(lambda g, q: CategoricalCrossentropy1HotGrad()(g, q, LABELS),
               [random_array((4,), seed=37), p])


def test_gradient_graphs_show_the_gradient_ops():
    x = T.dmatrix("x")
    for fn, op_class in [(nnet.softmax, SoftmaxGrad), (nnet.log_softmax, LogSoftmaxGrad)]:
        g = sc.grad(fn(x).sum(), x)
        assert op_class in {type(n.op) for n in toposort([g])}
    g = sc.grad(nnet.categorical_crossentropy(x, T.ivector("y")).sum(), x)
    assert CategoricalCrossentropy1HotGrad in {type(n.op) for n in toposort([g])}


def test_gradient_of_crossentropy_of_softmax_is_p_minus_one_hot():
    x, y = T.dmatrix("x"), T.ivector("y")
    cost = nnet.categorical_crossentropy(nnet.softmax(x), y).mean()
    g = sc.function([x, y], sc.grad(cost, x))(X, LABELS)
    np.testing.assert_allclose(g, (reference_softmax(X) - np.eye(5)[LABELS]) / 4, atol=1e-12)


# --- bad input ---------------------------------------------------------------------------------

def test_labels_out_of_range_at_run_time():
    p, y = T.dmatrix("p"), T.ivector("y")
    f = sc.function([p, y], nnet.categorical_crossentropy(p, y))
    # labels as NumPy indexes, as in the fused kernel FAST_RUN makes of softmax + this op
    with raises_naming(IndexError, "categorical_crossentropy1_hot", "'y'", "label 7 at position 1",
                       "5 classes"):
        f(reference_softmax(X), np.array([0, 7, 1, 1], dtype="int32"))
    np.testing.assert_allclose(f(reference_softmax(X), np.array([0, -1, 1, -5], dtype="int32")),
                               f(reference_softmax(X), np.array([0, 4, 1, 0], dtype="int32")))
    with raises_naming(ValueError, "categorical_crossentropy1_hot", "4 rows", "(3,)"):
        f(reference_softmax(X), np.array([0, 1, 1], dtype="int32"))


def test_bad_inputs_at_build_time():
    with raises_naming(TypeError, "softmax", "float"):
        nnet.softmax(T.imatrix("labels"))
    with raises_naming(TypeError, "softmax", "at least one dimension"):
        nnet.softmax(T.scalar())
    with raises_naming(ValueError, "4 rows", "3 labels"):
        nnet.categorical_crossentropy(T.matrix(shape=(4, 5)), T.ivector(shape=(3,)))
    with raises_naming(TypeError, "categorical_crossentropy", "integer vector"):
        nnet.categorical_crossentropy(T.matrix(), T.vector())
    with raises_naming(ValueError, "categorical_crossentropy", "cannot be broadcast"):
        nnet.categorical_crossentropy(T.matrix(shape=(4, 5)), T.matrix(shape=(4, 3)))
    with raises_naming(ValueError, "softmax_grad", "same shape"):
        SoftmaxGrad()(T.matrix(shape=(2, 3)), T.matrix(shape=(2, 4)))
    with raises_naming(TypeError, "binary_crossentropy", "float"):
        nnet.binary_crossentropy(T.imatrix(), T.matrix())
