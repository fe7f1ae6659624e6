"""Indexing: basic slices with symbolic bounds, integer and advanced indices, and
set_subtensor/inc_subtensor, against NumPy, with gradients and static shapes."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from tests.helpers import check_grad, check_graph, check_op, raises_naming, random_array

X = random_array((4, 5, 3), seed=31)

CONSTANT_INDICES = [
    1, -1, (1, 2), (slice(1, 3),), (slice(None, None, 2),), (slice(None, None, -1),),
    (slice(-3, None), slice(None, 2)), (slice(5, 1, -2),), (slice(10, 20),), (Ellipsis, 0),
    (0, Ellipsis), (1, Ellipsis, 2), (slice(None), 0), (None,), (slice(None), None),
    (Ellipsis, None), (None, slice(1, 3), None),
    ([0, 2, 2],), (np.array([3, 0]),), (slice(None), [4, 0, 1]), ([0, 1], [2, 3]),
    ([[0], [3]], [[1, 2]]), (0, slice(None), [1, 2]), (slice(None), 1, [0, 2]),
    ([0, 3], slice(None), [1, 2]), (slice(1, None), [0, 2]), (np.array([[1, 2], [3, 0]]),),
    (-1, [0, -1]),
]


@pytest.mark.parametrize("index", CONSTANT_INDICES, ids=str)
def test_constant_indices(index):
    check_op(lambda x: x[index], [X], lambda x: x[index])


@pytest.mark.parametrize("index", [1, (slice(1, 3),), (slice(None, None, -1),), (Ellipsis, 0),
                                   (None, slice(1, 3)), ([0, 2, 2],), ([0, 1], [2, 3]),
                                   (0, slice(None), [1, 2]), ([0, 3], slice(None), [1, 2])],
                         ids=str)
def test_gradient_of_constant_indices(index):
    check_grad(lambda x: x[index], [X])


def test_static_shapes_of_indexing():
    x = T.dtensor3(shape=(4, 5, 3))
    cases = [
        ((slice(1, 3),), (2, 5, 3)), ((slice(None, None, -2),), (2, 5, 3)),
        ((slice(-10, 2),), (2, 5, 3)), ((1,), (5, 3)), ((1, 2), (3,)), ((Ellipsis, 0), (4, 5)),
        ((None,), (1, 4, 5, 3)), (([0, 2, 2],), (3, 5, 3)), ((slice(None), [4, 0]), (4, 2, 3)),
        (([0, 1], [2, 3]), (2, 3)), ((0, slice(None), [1, 2]), (2, 5)),
        ((slice(None), 1, [0, 2]), (4, 2)), (([0, 3], slice(None), [1, 2]), (2, 5)),
        ((np.array([[1, 2], [3, 0]]),), (2, 2, 5, 3)),
    ]
    for index, shape in cases:
        assert x[index].type.shape == shape, index
        assert shape == np.empty((4, 5, 3))[index].shape
    # unknown sizes and symbolic bounds give unknown sizes
    i = T.lscalar("i")
    assert x[i:i + 2].type.shape == (None, 5, 3)
    assert x[:, i].type.shape == (4, 3)
    assert T.dmatrix(shape=(None, 3))[1:].type.shape == (None, 3)
    assert x[T.lvector()].type.shape == (None, 5, 3)


def test_symbolic_bounds():
    x, i, j = T.dtensor3("x"), T.lscalar("i"), T.iscalar("j")
    outs = [x[i:i + 2], x[i * 1:(i + 1) * 2, j], x[::j], x[-i:], x[:, i:j], x[i], x[-i, :, j]]
    f = sc.function([x, i, j], outs)
    for iv, jv in [(1, 2), (0, 1), (2, 1)]:
        want = [X[iv:iv + 2], X[iv:(iv + 1) * 2, jv], X[::jv], X[-iv:], X[:, iv:jv], X[iv],
                X[-iv, :, jv]]
        for got, w in zip(f(X, iv, jv), want):
            np.testing.assert_array_equal(got, w)
    check_graph(outs, [x, i, j], [X, 1, 2])
    check_grad(lambda a, k: a[k:k + 2, ::-1], [X, np.array(1)])


def test_mini_batch_slice_of_shared_data_through_givens():
    data = sc.shared(np.arange(50.0).reshape(25, 2), name="data")
    x, i = T.dmatrix("x"), T.lscalar("i")
    f = sc.function([i], x.sum(axis=0), givens={x: data[i * 10:(i + 1) * 10]})
    np.testing.assert_array_equal(f(0), data.get_value()[:10].sum(axis=0))
    np.testing.assert_array_equal(f(2), data.get_value()[20:].sum(axis=0))  # last, short batch


def test_symbolic_integer_arrays():
    x, idx = T.dmatrix("x"), T.lvector("idx")
    m = X[:, :, 0]
    f = sc.function([x, idx], [x[idx], x[:, idx], x[idx, idx]])
    ids = np.array([3, 0, 0, 1])
    for got, want in zip(f(m, ids), [m[ids], m[:, ids], m[ids, ids]]):
        np.testing.assert_array_equal(got, want)
    check_grad(lambda a, k: a[k], [m, ids])


def test_row_picking_and_its_gradient_with_repeated_indices():
    # network3's cost picks log p[n, y[n]]; the gradient must add up repeated picks
    p, y = T.dmatrix("p"), T.lvector("y")
    picked = p[T.arange(y.shape[0]), y]
    probs = random_array((5, 3), low=0.1, high=1.0, seed=4)
    labels = np.array([2, 2, 0, 1, 2])
    np.testing.assert_array_equal(sc.function([p, y], picked)(probs, labels),
                                  probs[np.arange(5), labels])
    check_grad(lambda a, k: T.log(a[T.arange(k.shape[0]), k]), [probs, labels])
    # the same row several times: contributions accumulate
    rows = np.array([0, 0, 2, 0])
    g = sc.function([p, y], sc.grad(p[y].sum(), p))(probs, rows)
    want = np.zeros_like(probs)
    np.add.at(want, rows, 1.0)
    np.testing.assert_array_equal(g, want)
    check_grad(lambda a, k: a[k, k] * a[k], [probs[:3], np.array([1, 1, 0])])


def test_indexing_integer_tensors_has_no_gradient_path():
    x = T.dvector("x")
    labels = T.cast(x, "int64")
    out = (x * labels[0]).sum()  # labels[0] is an integer: flat in x
    g = sc.function([x], sc.grad(out, x))(np.array([2.5, 1.0]))
    np.testing.assert_array_equal(g, [2.0, 2.0])


def test_indexing_errors():
    x = T.dmatrix("x", shape=(3, 4))
    with raises_naming(IndexError, "too many indices", "'x'", "3 given", "2 dimensions"):
        x[0, 1, 2]
    with raises_naming(IndexError, "index 5", "axis 0", "'x'", "size 3"):
        x[5]
    with raises_naming(IndexError, "index -4", "axis 0"):
        x[-4]
    with raises_naming(IndexError, "index 4", "axis 1", "'x'", "size 4"):
        x[:, [0, 4, 1]]
    with raises_naming(TypeError, "indices must be integers", "f32[]"):
        x[1.5]
    with raises_naming(TypeError, "boolean mask"):
        x[T.dmatrix() > 0]
    with raises_naming(TypeError, "slice bounds must be integer scalars", "f64[]"):
        x[T.dscalar():]
    with raises_naming(ValueError, "slice step cannot be zero"):
        x[::0]
    with raises_naming(IndexError, "single ellipsis"):
        x[..., ...]
    with raises_naming(IndexError, "None", "integer"):
        x[None, 0]
    v, k = T.dvector("v"), T.lscalar("k")
    f = sc.function([v, k], v[k])
    with raises_naming(IndexError, "index 5", "subtensor", "'v'", "(3,)"):
        f(np.ones(3), 5)


# --- set_subtensor / inc_subtensor ---------------------------------------------------

def _numpy_set(x, index, y, inc):
    out = x.copy()
    if inc:
        np.add.at(out, index, y)
    else:
        out[index] = y
    return out


WRITES = [((slice(1, 3),), (2, 5, 3)), ((0,), (5, 3)), ((slice(None), 2), (3,)),
          (([0, 2, 3],), (3, 5, 3)), (([1, 3], [2, 0]), (2, 3)), ((Ellipsis, 1), (4, 5)),
          ((slice(None, None, -1), 0, [0, 2]), (4, 2))]
# repeated positions add up with inc_subtensor; with set_subtensor which write wins is
# unspecified (as in NumPy), so they are only tested with inc_subtensor
REPEATED = [(([0, 2, 0],), (3, 5, 3)), (([1, 1], [2, 2]), (2, 3))]


@pytest.mark.parametrize("index,yshape", WRITES, ids=str)
@pytest.mark.parametrize("inc", [False, True], ids=["set", "inc"])
def test_set_and_inc_subtensor(index, yshape, inc):
    y = random_array(yshape, seed=8)
    write = T.inc_subtensor if inc else T.set_subtensor
    check_op(lambda a, b: write(a[index], b), [X, y], lambda a, b: _numpy_set(a, index, b, inc))
    check_grad(lambda a, b: write(a[index], b), [X, y])


@pytest.mark.parametrize("index,yshape", REPEATED, ids=str)
def test_inc_subtensor_adds_up_repeated_positions(index, yshape):
    y = random_array(yshape, seed=9)
    check_op(lambda a, b: T.inc_subtensor(a[index], b), [X, y],
             lambda a, b: _numpy_set(a, index, b, True))
    check_grad(lambda a, b: T.inc_subtensor(a[index], b), [X, y])


@pytest.mark.parametrize("index,yshape", REPEATED + [(([0, 2, 0],), ())], ids=str)
def test_set_subtensor_gradient_counts_each_written_position_once(index, yshape):
    # whichever write NumPy keeps for a repeated position, the value's gradient
    # comes only from the writes that stayed, as finite differences say
    y = random_array(yshape, seed=10)
    check_grad(lambda a, b: T.set_subtensor(a[index], b), [X, y])


def test_set_subtensor_of_a_scalar_at_repeated_rows():
    # rows 0, 2, 0: two rows are written, so d sum / d y is the size of two rows
    a, b = T.dtensor3("a"), T.dscalar("b")
    g = sc.grad(T.set_subtensor(a[[0, 2, 0]], b).sum(), b)
    assert float(sc.function([a, b], g)(X, 0.5)) == 2 * X[0].size


def test_set_and_inc_with_broadcast_values():
    check_op(lambda a: T.set_subtensor(a[1:3], 7.0), [X], lambda a: _numpy_set(a, slice(1, 3), 7.0, False))
    check_op(lambda a, b: T.inc_subtensor(a[:, 0], b), [X, X[0, 0]],
             lambda a, b: _numpy_set(a, (slice(None), 0), b, True))
    check_grad(lambda a, b: T.inc_subtensor(a[:, 0], b), [X, X[0, 0]])


def test_inc_subtensor_with_symbolic_bounds():
    x, i, v = T.dmatrix("x"), T.lscalar("i"), T.dvector("v")
    f = sc.function([x, i, v], T.inc_subtensor(x[i, i:], v))
    m = np.zeros((3, 3))
    np.testing.assert_array_equal(f(m, 1, np.array([1.0, 2.0])), [[0, 0, 0], [0, 1, 2], [0, 0, 0]])


def test_set_subtensor_errors():
    x = T.dmatrix("x", shape=(3, 4))
    with raises_naming(TypeError, "set_subtensor", "indexed tensor", "'x'"):
        T.set_subtensor(x, 1.0)
    with raises_naming(ValueError, "inc_subtensor", "[2,4]", "[3]"):
        T.inc_subtensor(x[1:], T.dvector(shape=(3,)))
    with raises_naming(TypeError, "inc_subtensor", "float64", "int64", "'n'"):
        T.inc_subtensor(T.lvector("n")[0], T.dscalar())


def test_infer_shape_of_writes():
    x, y = T.dtensor3("x"), T.dmatrix("y")
    outs = [T.set_subtensor(x[0], y), T.inc_subtensor(x[[0, 0]], 1.0), x[1:, [0, 1]]]
    check_graph(outs, [x, y], [X, X[0]])
