"""symconv.function: outputs, updates, givens, input checking and the values it returns."""
import warnings

import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from tests.helpers import raises_naming, random_array


def test_single_output_gives_an_array_list_gives_a_list():
    x = T.dvector("x")
    v = np.array([1.0, 2.0])
    single = sc.function([x], x * 2)(v)
    assert isinstance(single, np.ndarray)
    np.testing.assert_array_equal(single, [2.0, 4.0])
    listed = sc.function([x], [x * 2])(v)
    assert isinstance(listed, list) and len(listed) == 1
    a, b = sc.function([x], (x * 2, x.sum()))(v)
    np.testing.assert_array_equal(a, [2.0, 4.0])
    assert float(b) == 3.0
    assert sc.function([x], [], on_unused_input="ignore")(v) == []


def test_outputs_can_be_inputs_constants_or_shared():
    x = T.dvector("x")
    w = sc.shared(np.array([5.0]), name="w")
    out_x, out_c, out_w = sc.function([x], [x, T.constant(3.0), w])(np.array([1.0]))
    np.testing.assert_array_equal(out_x, [1.0])
    assert float(out_c) == 3.0
    np.testing.assert_array_equal(out_w, [5.0])


def test_returned_arrays_never_alias_inputs_or_shared_state():
    x = T.dvector("x")
    w = sc.shared(np.array([1.0, 2.0]), name="w")
    data = np.array([3.0, 4.0])
    out_x, out_w, out_view, out_grad = sc.function(
        [x], [x, w, w[::-1], sc.grad((w * x).sum(), w)])(data)
    for out in (out_x, out_w, out_view, out_grad):
        assert out.flags.writeable
        out[...] = -1.0
    np.testing.assert_array_equal(data, [3.0, 4.0])
    np.testing.assert_array_equal(w.get_value(), [1.0, 2.0])


def test_an_output_listed_twice_or_also_an_update_is_not_shared():
    x = T.dvector("x")
    w = sc.shared(np.zeros(2), name="w")
    y = x * 2
    first, second = sc.function([x], [y, y], updates=[(w, y)])(np.ones(2))
    first[0] = 100.0
    assert second[0] == 2.0 and w.get_value()[0] == 2.0


def test_updates_are_simultaneous():
    a = sc.shared(np.array([1.0, 2.0]), name="a")
    b = sc.shared(np.array([10.0, 20.0]), name="b")
    swap = sc.function([], [], updates=[(a, b), (b, a)])
    swap()
    np.testing.assert_array_equal(a.get_value(), [10.0, 20.0])
    np.testing.assert_array_equal(b.get_value(), [1.0, 2.0])
    # each new value is computed from the values before the call
    step = sc.function([], a + b, updates={a: a + b, b: a - b})
    out = step()
    np.testing.assert_array_equal(out, [11.0, 22.0])
    np.testing.assert_array_equal(a.get_value(), [11.0, 22.0])
    np.testing.assert_array_equal(b.get_value(), [9.0, 18.0])
    # after a swap the two shared variables do not share storage
    swap()
    a.get_value(borrow=True)[0] = 0.0
    assert b.get_value()[0] == 11.0


def test_outputs_see_values_before_the_updates():
    counter = sc.shared(np.int64(0), name="counter")
    tick = sc.function([], counter, updates=[(counter, counter + 1)])
    assert [int(tick()) for _ in range(3)] == [0, 1, 2]
    assert int(counter.get_value()) == 3


def test_update_values_from_python_and_inputs():
    w = sc.shared(np.zeros(2), name="w")
    x = T.dvector("x")
    f = sc.function([x], [], updates=[(w, x)])
    data = np.array([1.0, 2.0])
    f(data)
    data[0] = 100.0  # the shared variable does not hold the caller's array
    np.testing.assert_array_equal(w.get_value(), [1.0, 2.0])
    sc.function([], [], updates=[(w, [7.0, 8.0])])()
    np.testing.assert_array_equal(w.get_value(), [7.0, 8.0])


def test_update_errors():
    w = sc.shared(np.zeros(2), name="w")
    x = T.dvector("x")
    with raises_naming(TypeError, "update", "'w'", "f64[?]", "f32[?]", "float64"):
        sc.function([], [], updates=[(w, w.astype("float32"))])
    with raises_naming(TypeError, "update", "'w'", "f64[]"):
        sc.function([], [], updates=[(w, w.sum())])
    with raises_naming(TypeError, "updates", "shared", "'x'"):
        sc.function([x], [], updates=[(x, x * 2)])
    with raises_naming(ValueError, "'w'", "updated twice"):
        sc.function([], [], updates=[(w, w + 1), (w, w + 2)])
    with raises_naming(TypeError, "updates", "pairs"):
        sc.function([], [], updates=[(w, w + 1, 3)])


def test_givens_substitute_variables():
    x, y = T.dvector("x"), T.dvector("y")
    f = sc.function([y], x * 2, givens={x: y + 1})
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [4.0, 6.0])
    f = sc.function([y], x * 2, givens=[(x, y[::-1])])
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [4.0, 2.0])
    # a given can replace a shared variable too
    w = sc.shared(np.array([1.0, 1.0]), name="w")
    f = sc.function([x], w * x, givens={w: x})
    np.testing.assert_array_equal(f(np.array([3.0, 4.0])), [9.0, 16.0])


def test_givens_slice_shared_data_by_mini_batch_index():
    data_x = sc.shared(np.arange(40.0).reshape(20, 2), name="data_x")
    data_y = T.cast(sc.shared(np.arange(20.0), name="data_y"), "int32")
    x, y, i = T.dmatrix("x"), T.ivector("y"), T.lscalar("i")
    total = sc.shared(np.zeros(2), name="total")
    f = sc.function([i], y.sum(), updates=[(total, total + x.sum(axis=0))],
                    givens={x: data_x[i * 5:(i + 1) * 5], y: data_y[i * 5:(i + 1) * 5]})
    sums = [int(f(k)) for k in range(4)]
    assert sums == [sum(range(5 * k, 5 * k + 5)) for k in range(4)]
    np.testing.assert_array_equal(total.get_value(), data_x.get_value().sum(axis=0))


def test_givens_errors():
    x, y = T.dmatrix("x"), T.ivector("y")
    labels = sc.shared(np.zeros(5), name="labels")
    with raises_naming(TypeError, "given", "'y'", "i32[?]", "f64[?]", "int32", "cast"):
        sc.function([], y.sum(), givens={y: labels})
    with raises_naming(TypeError, "given", "'x'", "f64[?,?]", "2 dimensions"):
        sc.function([], x.sum(), givens={x: T.dvector("v")})
    with raises_naming(TypeError, "given", "symbolic variable"):
        sc.function([], x.sum(), givens={T.constant(1.0): x})


def test_wrong_number_of_arguments():
    x, y = T.dvector("x"), T.lscalar("y")
    f = sc.function([x, y], x * y, name="scale")
    with raises_naming(TypeError, "'scale'", "expected 2 argument(s)", "'x'", "'y'", "got 1"):
        f(np.ones(2))
    with raises_naming(TypeError, "expected 2", "got 3"):
        f(np.ones(2), 1, 2)


def test_wrong_ndim_and_static_shape():
    x = T.fmatrix("x")
    f = sc.function([x], x * 2)
    with raises_naming(TypeError, "input 'x'", "2-d", "1-d", "(3,)"):
        f(np.ones(3, dtype="float32"))
    s = T.dmatrix("s", shape=(None, 3))
    g = sc.function([s], s * 2)
    with raises_naming(ValueError, "input 's'", "[?,3]", "(2, 4)"):
        g(np.ones((2, 4)))


def test_unsafe_dtypes_are_refused_unless_allowed():
    x = T.fmatrix("x")
    f = sc.function([x], x * 2)
    data = np.ones((2, 2))  # float64
    with raises_naming(TypeError, "input 'x'", "float64", "float32", "allow_input_downcast"):
        f(data)
    out = sc.function([x], x * 2, allow_input_downcast=True)(data)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, 2 * data)
    # safe conversions and Python numbers are accepted
    assert f(np.ones((1, 2), dtype="int8")).dtype == np.float32
    assert f([[1.5, 2.5]]).dtype == np.float32
    i = T.iscalar("i")
    g = sc.function([i], i * 2)
    assert int(g(3)) == 6 and int(g(np.int64(4))) == 8
    with raises_naming(TypeError, "input 'i'", "float64", "int32"):
        g(1.5)


def test_input_errors():
    x = T.dvector("x")
    w = sc.shared(np.ones(2), name="w")
    with raises_naming(TypeError, "inputs", "list"):
        sc.function(x, x * 2)
    with raises_naming(TypeError, "'w'", "shared variable", "set_value"):
        sc.function([w], w * 2)
    with raises_naming(TypeError, "input", "computed", "givens"):
        sc.function([x * 2], x)
    with raises_naming(TypeError, "constant"):
        sc.function([T.constant(1.0)], x)
    with raises_naming(ValueError, "'x'", "twice"):
        sc.function([x, x], x)
    with raises_naming(TypeError, "symbolic variable"):
        sc.function([np.ones(2)], x)


def test_missing_and_unused_inputs():
    x, y = T.dvector("x"), T.dvector("y")
    with raises_naming(ValueError, "'y'", "neither among the inputs nor replaced by givens"):
        sc.function([x], x + y)
    with raises_naming(ValueError, "input 1", "'y'", "not used", "on_unused_input"):
        sc.function([x, y], x * 2)
    with pytest.warns(UserWarning, match="'y'"):
        f = sc.function([x, y], x * 2, on_unused_input="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = sc.function([x, y], x * 2, on_unused_input="ignore")
    np.testing.assert_array_equal(f(np.ones(2), np.zeros(5)), [2.0, 2.0])
    with raises_naming(ValueError, "on_unused_input", "'never'"):
        sc.function([x], x, on_unused_input="never")


def test_compiling_does_not_change_the_user_graph():
    x, y = T.dvector("x"), T.dvector("y")
    out = (x * 1.0 + 0.0) * y
    nodes_before = [(n.op, list(n.inputs)) for n in sc.graph.toposort([out])]
    sc.function([x], out, givens={y: x})
    assert [(n.op, list(n.inputs)) for n in sc.graph.toposort([out])] == nodes_before


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN", None])
def test_modes_give_the_same_results(mode):
    x = T.dmatrix("x")
    w = sc.shared(random_array((3, 2), seed=1), name="w")
    cost = T.tanh(T.dot(x, w)).sum() * 1.0 + 0.0
    f = sc.function([x], [cost, sc.grad(cost, w)], mode=mode)
    data = random_array((4, 3), seed=2)
    c, g = f(data)
    z = np.tanh(data @ w.get_value())
    np.testing.assert_allclose(c, z.sum(), rtol=1e-12)
    np.testing.assert_allclose(g, data.T @ (1 - z ** 2), rtol=1e-12)


def test_unknown_mode():
    x = T.dvector("x")
    with raises_naming(ValueError, "mode", "'FAST'", "FAST_RUN", "FAST_COMPILE"):
        sc.function([x], x, mode="FAST")


def test_function_attributes():
    x = T.dvector("x")
    w = sc.shared(np.ones(2), name="w")
    f = sc.function([x], x * w, updates=[(w, w * 2)], name="double")
    assert f.name == "double" and f.inputs == [x] and f.updated == [w]
    assert "double" in repr(f)
    assert isinstance(f.rewrites, list)


def test_default_updates_apply_unless_turned_off():
    counter = sc.shared(np.int64(0), name="counter")
    counter.default_update = counter + 1
    sc.function([], counter * 2)()
    assert counter.get_value() == 1
    sc.function([], counter * 2, no_default_updates=True)()
    sc.function([], counter * 2, no_default_updates=[counter])()
    assert counter.get_value() == 1
    sc.function([], counter, updates=[(counter, counter + 10)])()
    assert counter.get_value() == 11


def test_no_default_updates_errors_name_the_entry():
    x = T.dvector("x")
    with raises_naming(TypeError, "no_default_updates", "'x'"):
        sc.function([x], x, no_default_updates=[x])
    with raises_naming(TypeError, "no_default_updates", "True, False or a list"):
        sc.function([x], x, no_default_updates="all")
    counter = sc.shared(np.int64(0), name="counter")
    counter.default_update = counter + 0.5
    with raises_naming(TypeError, "update", "'counter'", "i64"):
        sc.function([x], x + counter)


# --- pickling (as Theano: graphs pickle, functions pickle as their graph) -------------

def test_graphs_pickle_and_compile_after_loading():
    import pickle
    x = T.dmatrix("x")
    W = sc.shared(np.arange(6.0).reshape(3, 2), name="W")
    b = sc.shared(np.zeros(2), name="b")
    p = sc.nnet.softmax(T.dot(x, W) + b)
    model = {"input": x, "p": p, "y_pred": T.argmax(p, axis=1), "act": T.tanh(x * 2) + 1}
    loaded = pickle.loads(pickle.dumps(model))
    xv = np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]])
    for key in ("p", "y_pred", "act"):
        want = sc.function([x], model[key])(xv)
        got = sc.function([loaded["input"]], loaded[key])(xv)
        np.testing.assert_array_equal(got, want)


def test_a_function_pickles_as_its_graph_with_its_shared_values():
    import pickle
    x = T.dvector("x")
    W = sc.shared(np.ones(3), name="W")
    f = sc.function([x], (x * W).sum(), updates=[(W, W + x)], name="step")
    f(np.ones(3))                                  # W is now 2s
    g, W2 = pickle.loads(pickle.dumps((f, W)))     # pickled together: one W
    assert g.name == "step" and W2 is not W
    assert float(g(np.ones(3))) == 6.0
    np.testing.assert_array_equal(W2.get_value(), np.full(3, 3.0))
    np.testing.assert_array_equal(W.get_value(), np.full(3, 2.0))   # the original is untouched
    alone = pickle.loads(pickle.dumps(f))          # alone: with its own copy of W
    assert float(alone(np.ones(3))) == 6.0 and float(f(np.ones(3))) == 6.0


def test_a_variable_that_was_evaluated_pickles_and_loads():
    import pickle
    x = T.dvector("x")
    y = x * 2
    np.testing.assert_array_equal(y.eval({x: np.ones(2)}), [2.0, 2.0])
    loaded = pickle.loads(pickle.dumps(y))
    assert loaded.owner is not None
    np.testing.assert_array_equal(loaded.eval({loaded.owner.inputs[0]: np.ones(2)}), [2.0, 2.0])


def test_copy_swaps_shared_variables_or_drops_the_updates():
    x = T.dscalar("x")
    acc = sc.shared(np.array(0.0), name="acc")
    other = sc.shared(np.array(10.0), name="other")
    f = sc.function([x], acc * 2, updates=[(acc, acc + x)], name="accumulate")
    swapped = f.copy(swap={acc: other})
    frozen = f.copy(delete_updates=True, name="peek")
    assert float(f(1.0)) == 0.0 and float(swapped(5.0)) == 20.0
    assert float(acc.get_value()) == 1.0 and float(other.get_value()) == 15.0
    assert swapped.name == "accumulate" and frozen.name == "peek"
    assert float(frozen(3.0)) == 2.0 and float(acc.get_value()) == 1.0
    with raises_naming(TypeError, "copy", "'v'", "types differ"):
        f.copy(swap={acc: sc.shared(np.zeros(2), name="v")})
