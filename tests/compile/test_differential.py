"""Differential tests: FAST_RUN must give the reference's answers on every graph.

Hypothesis draws random programs (:mod:`tests.compile.graphs`): graphs over
elementwise ops, broadcasting, reductions, indexing and its writable forms,
reshapes, products, softmax and the label gathers of a classifier's cost,
convolution and pooling, gradients used in SGD-style updates, shared variables
whose updates read each other, and several calls in a row with arrays in odd
memory layouts. :func:`tests.compile.differential.check_program` runs each in
FAST_RUN and FAST_COMPILE and compares both, after every call, with an
independent float64 NumPy evaluation. A failure prints the shrunk program as a
runnable script.

``python tests/compile/fuzz.py`` runs many more examples and lists every
program that differs.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from tests.compile.differential import check_program
from tests.compile.graphs import (conv_layer_programs, label_programs, programs,
                                  shared_update_programs)

# derandomize: the same examples on every run, so that a CI run never fails by chance
# and a fixed compiler is seen to be fixed
FAST = dict(deadline=None, derandomize=True, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                   HealthCheck.filter_too_much])


def _check(prog):
    result = check_program(prog)
    assume(result.rejected is None)
    assert result.ok, result.report(prog)


@settings(max_examples=250, **FAST)
@given(programs())
def test_fast_run_matches_the_reference(prog):
    _check(prog)


@settings(max_examples=150, **FAST)
@given(shared_update_programs())
def test_updates_that_read_each_other(prog):
    _check(prog)


@settings(max_examples=80, **FAST)
@given(label_programs())
def test_label_costs_and_their_gradients(prog):
    _check(prog)


@settings(max_examples=40, **FAST)
@given(conv_layer_programs())
def test_conv_layers_in_every_order(prog):
    _check(prog)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(programs(max_steps=10))
def test_many_programs(prog):
    _check(prog)


@pytest.mark.slow
@settings(max_examples=600, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(conv_layer_programs())
def test_many_conv_layers(prog):
    _check(prog)


# --- graphs the random search found, kept as plain tests -------------------------------

def _run(outputs, updates, shared, mode):
    f = sc.function([], outputs, updates=updates, mode=mode)
    got = f()
    return got, [s.get_value() for s in shared]


def test_updates_that_read_each_other_are_simultaneous():
    # b's update reads a's old value through the same subexpression a * 2 that is a's
    # new value: writing a's update in place before b's is computed gives b = [2, 8]
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        a = sc.shared(np.array([1.0, 2.0]))
        b = sc.shared(np.array([10.0, 20.0]))
        sc.function([], [], updates=[(a, a * 2), (b, (a * 2) * a)], mode=mode)()
        np.testing.assert_array_equal(a.get_value(), [2.0, 4.0], err_msg=mode)
        np.testing.assert_array_equal(b.get_value(), [2.0, 8.0], err_msg=mode)


def test_output_reads_the_value_before_its_update():
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        s = sc.shared(np.array([1.0, 2.0, 3.0]))
        out = sc.function([], (s + s) + s, updates=[(s, 1.0 * s + s)], mode=mode)()
        np.testing.assert_array_equal(out, [3.0, 6.0, 9.0], err_msg=mode)
        np.testing.assert_array_equal(s.get_value(), [2.0, 4.0, 6.0], err_msg=mode)


def test_a_reduction_of_a_product_with_an_updated_value():
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        a = sc.shared(np.array([1.0, 2.0]))
        out = sc.function([], (a * 2 * a).sum(), updates=[(a, a * 2)], mode=mode)()
        assert float(out) == 10.0, mode
        np.testing.assert_array_equal(a.get_value(), [2.0, 4.0], err_msg=mode)


def test_an_update_is_not_overwritten_by_an_output():
    # found by the random search: the output abs(s) + s was written into the buffer of
    # abs(s), which is also s's new value
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        s = sc.shared(np.array(-0.3))
        out = sc.function([], abs(s) + s, updates=[(s, abs(s))], mode=mode)()
        assert float(out) == 0.0, mode
        assert float(s.get_value()) == 0.3, mode


def test_each_update_keeps_its_own_shape():
    # found by the random search: b (a scalar) received a's new value, a 1x1 matrix
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        a = sc.shared(np.array([[0.3]]))
        b = sc.shared(np.array(1.2))
        g = sc.grad((a / b).max(axis=0).sum(), b)
        sc.function([], [a, a / b], updates=[(a, a + a), (b, g)], mode=mode)()
        np.testing.assert_array_equal(a.get_value(), [[0.6]], err_msg=mode)
        assert b.get_value().shape == (), mode
        np.testing.assert_allclose(b.get_value(), -0.3 / 1.2 ** 2, rtol=1e-12, err_msg=mode)


def test_an_update_that_adds_a_product_to_its_variable():
    # found by the random search: s + dot(s, c) broadcasts a 1x1 product over the 1x2
    # value; an in-place product into the 1x1 buffer cannot hold the sum
    c = np.array([[0.5], [-0.25]])
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        s = sc.shared(np.array([[1.0, 2.0]]))
        sc.function([], [], updates=[(s, s + T.dot(s, c))], mode=mode)()
        np.testing.assert_array_equal(s.get_value(), [[1.0, 2.0]] + np.array([[1.0, 2.0]]) @ c,
                                      err_msg=mode)


def _label_cost(mode):
    x = T.dmatrix("x")
    y = T.ivector("y")
    cost = -T.mean(T.log(nnet.softmax(x))[T.arange(y.shape[0]), y])
    return sc.function([x, y], cost, mode=mode)


def _np_label_cost(x, y):
    z = x - x.max(axis=1, keepdims=True)
    lsm = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.mean(lsm[np.arange(len(y)), y])


X = np.array([[0.1, 0.5, -0.3], [0.2, -0.1, 0.4], [0.3, 0.0, -0.2]])
GOOD_LABELS = np.array([0, 1, 2], dtype="int32")


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_negative_labels_count_from_the_last_class(mode):
    # NumPy's rule, which the graph as written follows: label -1 is the last class.
    # A first call with valid labels builds the plan the second call runs.
    f = _label_cost(mode)
    np.testing.assert_allclose(f(X, GOOD_LABELS), _np_label_cost(X, GOOD_LABELS), rtol=1e-12)
    y = np.array([0, -1, 1], dtype="int32")
    np.testing.assert_allclose(f(X, y), _np_label_cost(X, y), rtol=1e-12)


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
@pytest.mark.parametrize("label", [3, -4])
def test_labels_out_of_range_raise(mode, label):
    # in the middle row, where reading past the row's end still lands inside the array
    f = _label_cost(mode)
    np.testing.assert_allclose(f(X, GOOD_LABELS), _np_label_cost(X, GOOD_LABELS), rtol=1e-12)
    y = np.array([0, label, 1], dtype="int32")
    with pytest.raises(IndexError):
        _np_label_cost(X, y)
    with pytest.raises(IndexError):
        f(X, y)


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
@pytest.mark.parametrize("labels", [[-2, 0], [0, -1]])
def test_the_gradient_of_the_label_cost_with_negative_labels(mode, labels):
    # d mean(log_softmax(x)[i, y_i]) / dx = (onehot(y) - softmax(x)) / n, with y's
    # negative entries counted from the last class
    x_value = np.array([[0.1, 0.5], [0.2, -0.1]])
    y_value = np.array(labels, dtype="int64")
    x, y = T.dmatrix("x"), T.lvector("y")
    cost = T.mean(T.log(nnet.softmax(x))[T.arange(y.shape[0]), y])
    got = sc.function([x, y], sc.grad(cost, x), mode=mode)(x_value, y_value)
    e = np.exp(x_value - x_value.max(axis=1, keepdims=True))
    onehot = np.zeros_like(x_value)
    onehot[np.arange(2), y_value] = 1.0
    np.testing.assert_allclose(got, (onehot - e / e.sum(axis=1, keepdims=True)) / 2, rtol=1e-12)


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_an_input_that_is_a_shared_variables_storage(mode):
    # the caller passes the shared variable's own array (get_value(borrow=True)); the
    # output is the input's value at the call, not the value the update writes there
    s = sc.shared(np.array([1.0, 2.0]))
    x = T.dvector("x")
    f = sc.function([x], x, updates=[(s, s + x)], mode=mode)
    out = f(s.get_value(borrow=True))
    np.testing.assert_array_equal(out, [1.0, 2.0])
    np.testing.assert_array_equal(s.get_value(), [2.0, 4.0])
