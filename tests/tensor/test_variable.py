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
    with raises_naming(TypeError, "truth value", "switch"):
        bool(x)


def test_shared_variables_are_tensors():
    w = sc.shared(np.ones((2, 2)), name="w")
    f = sc.function([], (w * 2).sum() + w[0, 0] + w.T.shape[0])
    assert float(f()) == 8.0 + 1.0 + 2.0
