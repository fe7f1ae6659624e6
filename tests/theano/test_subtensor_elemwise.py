"""Follows Theano 1.0's theano/tensor/tests/test_subtensor.py (T_subtensor,
TestIncSubtensor, advanced indexing) and test_elemwise.py (test_CAReduce,
test_DimShuffle): values against NumPy, and gradients."""
import numpy as np
import pytest

import symconv.theano as theano
import symconv.theano.tensor as T

DATA = np.arange(20.0).reshape(4, 5)


@pytest.mark.parametrize("index", [
    (slice(1, 3),), (slice(None, None, 2),), (1,), (-1, slice(1, None)),
    (slice(None), 2), (slice(3, 0, -1), slice(None, None, -2)),
], ids=["slice", "step", "int", "neg-int", "column", "negative-steps"])
def test_subtensor_basic(index):
    # T_subtensor.test1_ok_range_finite, test2_ok_elem, test2_ok_row, test2_ok_col, test2_ok_strided
    x = T.dmatrix()
    np.testing.assert_array_equal(x[index].eval({x: DATA}), DATA[index])
    theano.gradient.verify_grad(lambda v: v[index], [DATA])


def test_subtensor_out_of_range_raises():
    # T_subtensor.test1_err_bounds: IndexError at run time
    x = T.dvector()
    with pytest.raises(IndexError):
        x[7].eval({x: np.ones(5)})


def test_advanced_indexing_and_its_gradient():
    # TestAdvancedSubtensor1.test_grad / T_subtensor.test_grad_1d: repeated indices add up
    x = T.dvector()
    idx = np.array([0, 2, 2, 4])
    np.testing.assert_array_equal(x[idx].eval({x: np.arange(5.0)}), [0, 2, 2, 4])
    g = T.grad(x[idx].sum(), x).eval({x: np.arange(5.0)})
    np.testing.assert_array_equal(g, [1, 0, 2, 0, 1])


def test_advanced_indexing_rows_and_labels():
    # TestAdvancedSubtensor.test_2d_3d_tensors: x[arange(n), y], network3's cost
    x, y = T.dmatrix(), T.lvector()
    labels = np.array([4, 0, 3, 1])
    np.testing.assert_array_equal(x[T.arange(4), y].eval({x: DATA, y: labels}),
                                  DATA[np.arange(4), labels])


def test_set_and_inc_subtensor():
    # TestIncSubtensor.test_simple_2d: set_subtensor and inc_subtensor, with their gradients
    x, v = T.dmatrix(), T.dvector()
    setv = T.set_subtensor(x[1, 1:4], v).eval({x: DATA, v: [1.0, 2.0, 3.0]})
    want = DATA.copy()
    want[1, 1:4] = [1, 2, 3]
    np.testing.assert_array_equal(setv, want)
    inc = T.inc_subtensor(x[T.arange(2), np.array([0, 0])], 5.0).eval({x: DATA})
    want = DATA.copy()
    want[[0, 1], [0, 0]] += 5
    np.testing.assert_array_equal(inc, want)
    theano.gradient.verify_grad(lambda a, b: T.inc_subtensor(a[1, 1:4], b),
                                [DATA, np.array([1.0, 2.0, 3.0])])


@pytest.mark.parametrize("op,np_op", [(T.sum, np.sum), (T.max, np.max), (T.min, np.min),
                                      (T.prod, np.prod), (T.mean, np.mean)])
@pytest.mark.parametrize("axis", [None, 0, 2, (0, 1), (1, 2), [0, 2]])
def test_careduce(op, np_op, axis):
    # test_elemwise.test_CAReduce.with_mode: each reduction over each set of axes of a 3-d tensor
    data = np.random.RandomState(3).rand(2, 3, 4) + 0.5
    x = T.dtensor3()
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    np.testing.assert_allclose(op(x, axis=axis).eval({x: data}), np_op(data, axis=np_axis))
    np.testing.assert_allclose(op(x, axis=axis, keepdims=True).eval({x: data}),
                               np_op(data, axis=np_axis, keepdims=True))


@pytest.mark.parametrize("axis", [None, 0, (0, 2)])
def test_careduce_gradient(axis):
    # test_elemwise.test_CAReduce grad: verify_grad of sum, prod and max
    data = np.random.RandomState(4).rand(2, 3, 4) + 0.5
    for op in (T.sum, T.prod, T.max, T.mean):
        theano.gradient.verify_grad(lambda v: op(v, axis=axis), [data])


def test_max_gradient_of_ties_is_split():
    # Theano gives each tied maximum the full gradient; symconv splits it evenly (see README)
    x = T.dvector()
    np.testing.assert_allclose(T.grad(T.max(x), x).eval({x: [1.0, 3.0, 3.0]}), [0, 0.5, 0.5])


@pytest.mark.parametrize("pattern,shape", [((1, 0), (5, 4)), (("x", 0, 1), (1, 4, 5)),
                                           ((0, "x", 1), (4, 1, 5))])
def test_dimshuffle(pattern, shape):
    # test_elemwise.test_DimShuffle.with_linker
    x = T.dmatrix()
    out = x.dimshuffle(*pattern).eval({x: DATA})
    assert out.shape == shape
    np.testing.assert_array_equal(out.reshape(-1), np.transpose(DATA, [p for p in pattern
                                                                       if p != "x"]).reshape(-1))
