"""Symbolic tensors behave like NumPy arrays in expressions, and refuse what they cannot do."""
import numpy as np

import symconv as sc
import symconv.tensor as T
from tests.helpers import check_op, raises_naming, random_array


def test_operators_and_methods_match_numpy():
    a, b = random_array((3, 4), seed=1), random_array((3, 4), low=0.5, high=2.0, seed=2)

    def expr(x, y):
        return [x + y, x - y, x * y, x / y, x // y, x % y, y ** x, -x, +x, abs(x),
                x.sum(axis=0), x.mean(), x.max(axis=1), x.min(), x.prod(axis=1),
                x.argmax(axis=0), x.argmin(), x.T, x.flatten(), x.reshape(4, 3),
                x.dimshuffle(1, "x", 0), x.transpose(), x.astype("float32"), x.clip(-0.5, 0.5),
                x[1:, ::2], x.dot(y.T), x @ y.T]

    def ref(x, y):
        return [x + y, x - y, x * y, x / y, x // y, x % y, y ** x, -x, +x, abs(x),
                x.sum(axis=0), x.mean(), x.max(axis=1), x.min(), x.prod(axis=1),
                x.argmax(axis=0), x.argmin(), x.T, x.flatten(), x.reshape(4, 3),
                x.T[:, None, :], x.T, x.astype("float32"), x.clip(-0.5, 0.5),
                x[1:, ::2], x.dot(y.T), x @ y.T]

    check_op(expr, [a, b], ref, rtol=1e-6, atol=1e-6)


def test_comparison_operators():
    a = np.array([1.0, 2.0, 3.0])
    check_op(lambda x: [x < 2, x <= 2, x > 2, x >= 2, T.eq(x, 2), T.neq(x, 2)], [a],
             lambda x: [x < 2, x <= 2, x > 2, x >= 2, x == 2, x != 2])


def test_python_protocols_are_refused_clearly():
    x = T.dvector("x")
    with raises_naming(TypeError, "'x'", "x.shape[0]"):
        len(x)
    with raises_naming(TypeError, "'x'", "iterated"):
        iter(x)


def test_shared_variables_are_tensors():
    w = sc.shared(np.ones((2, 2)), name="w")
    f = sc.function([], (w * 2).sum() + w[0, 0] + w.T.shape[0])
    assert float(f()) == 8.0 + 1.0 + 2.0


def test_var_and_std_match_numpy():
    a = random_array((3, 4), seed=3)
    check_op(lambda x: [x.var(), x.var(axis=0), x.std(axis=1, keepdims=True),
                        T.var(x, axis=(0, 1), ddof=1), T.std(x, ddof=1)], [a],
             lambda x: [x.var(), x.var(axis=0), x.std(axis=1, keepdims=True),
                        x.var(ddof=1), x.std(ddof=1)])


def test_eval_computes_and_keeps_its_function():
    x, y = T.dvectors("x", "y")
    z = x * 2 + y
    np.testing.assert_allclose(z.eval({x: [1.0, 2.0], y: [3.0, 4.0]}), [5.0, 8.0])
    np.testing.assert_allclose(z.eval({x: [0.0, 1.0], y: [1.0, 1.0]}), [1.0, 3.0])
    assert len(z._eval_functions) == 1
    assert float(T.constant(2.5).eval()) == 2.5
    w = sc.shared(np.ones(2), name="w")
    np.testing.assert_allclose((w * 3).eval(), [3.0, 3.0])
    with raises_naming(ValueError, "depend", "'y'"):
        z.eval({x: [1.0, 2.0]})


def test_plural_constructors_follow_theano():
    a, b = T.dmatrices("a", "b")
    assert (a.name, b.name, a.dtype, a.ndim) == ("a", "b", "float64", 2)
    x, y = T.fvectors("xy")
    assert (x.name, y.name, x.dtype) == ("x", "y", "float32")
    assert [v.name for v in T.iscalars(3)] == [None, None, None]
    single = T.tensor4s("t")
    assert single.name == "t" and single.ndim == 4 and single.dtype == sc.config.floatX


def test_a_variable_is_true_but_a_comparison_has_no_truth_value():
    # Theano's rule: ``if not W:`` checks that a parameter was given; ``if x < 0:`` and
    # ``0 < x < 1`` ask for a value only the graph can compute
    x = T.dvector("x")
    w = sc.shared(np.ones(2), name="w")
    assert bool(x) and bool(w) and bool(x + 1) and bool(T.constant(0.0)) and bool(T.lt(x, 1))
    assert (x or None) is x and (None or w) is w
    with raises_naming(TypeError, "truth value", "'x' (f64[?]) < 2", "switch"):
        bool(x < 2)
    for compare in (lambda: x <= 2, lambda: x > 2, lambda: x >= w):
        with raises_naming(TypeError, "truth value", "switch"):
            bool(compare())
    with raises_naming(TypeError, "'x' (f64[?]) > 0", "T.and_"):
        0 < x < 1
