"""``scan`` and its relatives against NumPy loops, their gradients against finite
differences, FAST_RUN against FAST_COMPILE, and the errors they give."""
import pickle

import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.scan import Scan, foldl, foldr, map, reduce, scan, until
from tests.helpers import check_grad, raises_naming

MODES = ["FAST_RUN", "FAST_COMPILE"]
rng = np.random.default_rng(0)


def run(inputs, outputs, values, mode="FAST_RUN", **kwargs):
    return sc.function(inputs, outputs, mode=mode, **kwargs)(*values)


def scan_nodes(outputs):
    from symconv.graph.traversal import toposort
    return [n for n in toposort(outputs if isinstance(outputs, list) else [outputs])
            if isinstance(n.op, Scan)]


# -- forward: every form against a NumPy loop -------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_running_sum_of_a_sequence(mode):
    x = T.dvector("x")
    sums, updates = scan(lambda v, total: total + v, sequences=x,
                         outputs_info=T.constant(np.array(0.0)), mode=mode)
    assert updates == {} and len(scan_nodes(sums)) == 1
    values = rng.normal(size=7)
    np.testing.assert_allclose(run([x], sums, [values], mode), np.cumsum(values))


@pytest.mark.parametrize("mode", MODES)
def test_recurrent_layer_reads_a_shared_weight_it_is_not_given(mode):
    W = sc.shared(rng.normal(size=(4, 4)), name="W")
    X, h0 = T.dmatrix("X"), T.dvector("h0")
    hs, _ = scan(lambda x_t, h: T.tanh(T.dot(h, W) + x_t), sequences=X, outputs_info=h0,
                 mode=mode)
    Xv, hv = rng.normal(size=(6, 4)), rng.normal(size=4)
    want, h = [], hv
    for x_t in Xv:
        h = np.tanh(h @ W.get_value() + x_t)
        want.append(h)
    np.testing.assert_allclose(run([X, h0], hs, [Xv, hv], mode), np.array(want), rtol=1e-12)
    # the shared weight is an input of the loop, so a new value is seen at the next call
    W.set_value(np.zeros((4, 4)))
    np.testing.assert_allclose(run([X, h0], hs, [Xv, hv], mode), np.tanh(Xv), rtol=1e-12)


def test_power_by_n_steps_with_a_non_sequence():
    A = T.dvector("A")
    k = T.iscalar("k")
    powers, _ = scan(lambda prior, a: prior * a, outputs_info=T.ones_like(A),
                     non_sequences=A, n_steps=k)
    av = np.array([1.0, 2.0, 3.0])
    got = run([A, k], powers, [av, np.int32(4)])
    np.testing.assert_allclose(got, np.array([av ** p for p in range(1, 5)]))
    assert run([A, k], powers, [av, np.int32(0)]).shape == (0, 3)


def test_polynomial_by_map_over_two_sequences():
    coefficients, x = T.dvector("c"), T.dscalar("x")
    terms, _ = map(lambda c, power, v: c * v ** power,
                   sequences=[coefficients, T.arange(10)], non_sequences=x)
    cv = np.array([1.0, 0.0, 2.0])
    got = run([coefficients, x], terms.sum(), [cv, np.float64(3.0)])
    np.testing.assert_allclose(got, 1.0 + 2.0 * 9.0)     # the shortest sequence decides


def test_sequence_taps_and_go_backwards():
    x = T.dvector("x")
    out, _ = scan(lambda a, b, c: a + 10 * b + 100 * c,
                  sequences=dict(input=x, taps=[-2, 0, 1]))
    back, _ = scan(lambda a, b: a - b, sequences=dict(input=x, taps=[-1, 0]),
                   go_backwards=True)
    v = np.arange(6.0)
    got, got_back = run([x], [out, back], [v])
    np.testing.assert_allclose(got, [v[t - 2] + 10 * v[t] + 100 * v[t + 1] for t in range(2, 5)])
    pairs = [(v[t - 1], v[t]) for t in range(1, 6)][::-1]
    np.testing.assert_allclose(got_back, [a - b for a, b in pairs])


def test_a_state_read_at_two_past_steps():
    f0 = T.dvector("f0")                       # the two values before the first step
    fib, _ = scan(lambda older, last: older + last,
                  outputs_info=dict(initial=f0, taps=[-2, -1]), n_steps=6)
    np.testing.assert_allclose(run([f0], fib, [np.array([0.0, 1.0])]), [1, 2, 3, 5, 8, 13])


def test_several_outputs_in_the_order_of_outputs_info():
    x = T.dvector("x")

    def step(v, total):
        return v * 2, total + v, v > 0

    (doubled, totals, positive), _ = scan(step, sequences=x,
                                          outputs_info=[None, T.constant(np.array(0.0)), None])
    v = np.array([1.0, -2.0, 3.0])
    d, t, p = run([x], [doubled, totals, positive], [v])
    np.testing.assert_allclose(d, 2 * v)
    np.testing.assert_allclose(t, np.cumsum(v))
    np.testing.assert_array_equal(p, v > 0)
    outs, _ = scan(lambda v: v + 1, sequences=x, return_list=True)
    assert isinstance(outs, list) and len(outs) == 1


def test_updates_of_a_shared_variable_by_the_step():
    count = sc.shared(np.int64(0), name="count")
    x = T.dvector("x")

    def step(v):
        return v * count, {count: count + 1}

    scaled, updates = scan(step, sequences=x)
    assert list(updates) == [count]
    f = sc.function([x], scaled, updates=updates)
    np.testing.assert_allclose(f(np.ones(3)), [0.0, 1.0, 2.0])   # each step sees the last's
    assert count.get_value() == 3
    np.testing.assert_allclose(f(np.ones(2)), [3.0, 4.0])
    assert count.get_value() == 5


def test_a_step_that_only_updates():
    total = sc.shared(np.array(0.0), name="total")
    x = T.dvector("x")
    outputs, updates = scan(lambda v: {total: total + v}, sequences=x)
    assert outputs is None
    sc.function([x], [], updates=updates)(np.array([1.0, 2.0, 4.0]))
    assert total.get_value() == 7.0


@pytest.mark.parametrize("mode", MODES)
def test_until_stops_the_loop(mode):
    start = T.dscalar("start")

    def step(v):
        doubled = v * 2
        return doubled, until(doubled > 100)

    values, _ = scan(step, outputs_info=start, n_steps=50, mode=mode)
    np.testing.assert_allclose(run([start], values, [np.float64(3.0)], mode),
                               [6, 12, 24, 48, 96, 192])


def test_reduce_foldl_foldr():
    x = T.dvector("x")
    zero = T.constant(np.array(0.0))
    total, _ = reduce(lambda v, acc: acc + v, sequences=x, outputs_info=zero)
    left, _ = foldl(lambda v, acc: acc * 10 + v, sequences=x, outputs_info=zero)
    right, _ = foldr(lambda v, acc: acc * 10 + v, sequences=x, outputs_info=zero)
    v = np.array([1.0, 2.0, 3.0])
    got = run([x], [total, left, right], [v])
    np.testing.assert_allclose(got, [6.0, 123.0, 321.0])
    assert total.ndim == 0


def test_a_loop_inside_a_loop():
    X = T.dmatrix("X")
    row_sums, _ = scan(lambda row: scan(lambda v, acc: acc + v, sequences=row,
                                        outputs_info=T.constant(np.array(0.0)))[0][-1],
                       sequences=X)
    v = rng.normal(size=(4, 5))
    np.testing.assert_allclose(run([X], row_sums, [v]), v.sum(axis=1))


def test_odd_memory_layouts_and_repeated_calls():
    X = T.dmatrix("X")
    h0 = T.dvector("h0")
    hs, _ = scan(lambda x_t, h: h * 0.5 + x_t, sequences=X, outputs_info=h0)
    f = sc.function([X, h0], hs)
    base = rng.normal(size=(5, 8))
    for Xv in (np.asfortranarray(base), base[:, ::2], base.T.copy().T):
        hv = rng.normal(size=Xv.shape[1])
        want, h = [], hv
        for x_t in Xv:
            h = h * 0.5 + x_t
            want.append(h)
        np.testing.assert_allclose(f(Xv, hv), np.array(want), rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_random_draws_in_the_step_differ_per_step_and_per_call(mode):
    srng = sc.RandomStreams(seed=3)
    x = T.dvector("x")
    noisy, _ = scan(lambda v: v + srng.normal(size=(2,)), sequences=x, mode=mode)
    f = sc.function([x], noisy, mode=mode)
    first, second = f(np.zeros(3)), f(np.zeros(3))
    assert first.shape == (3, 2) and len(np.unique(first)) == 6
    assert not np.allclose(first, second)
    srng2 = sc.RandomStreams(seed=3)
    again, _ = scan(lambda v: v + srng2.normal(size=(2,)), sequences=x, mode=mode)
    np.testing.assert_allclose(sc.function([x], again, mode="FAST_COMPILE")(np.zeros(3)), first)
    with raises_naming(NotImplementedError, "random"):
        sc.grad(noisy.sum(), x)


# -- gradients ---------------------------------------------------------------------------
def test_gradient_of_a_recurrent_layer():
    def rnn(X, h0, W):
        hs, _ = scan(lambda x_t, h, w: T.tanh(T.dot(h, w) + x_t), sequences=X,
                     outputs_info=h0, non_sequences=W)
        return hs
    check_grad(rnn, [rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(3, 3))])


def test_gradient_through_a_shared_weight_read_implicitly():
    W = sc.shared(rng.normal(size=(3, 3)), name="W")
    X = T.dmatrix("X")
    hs, _ = scan(lambda x_t, h: T.tanh(T.dot(h, W) + x_t), sequences=X,
                 outputs_info=T.zeros((3,), dtype="float64"))
    cost = (hs[-1] ** 2).sum()
    g = sc.function([X], sc.grad(cost, W))
    Xv = rng.normal(size=(4, 3))

    def numeric_cost(Wv):
        h = np.zeros(3)
        for x_t in Xv:
            h = np.tanh(h @ Wv + x_t)
        return (h ** 2).sum()

    Wv, eps, want = W.get_value(), 1e-6, np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            d = np.zeros((3, 3))
            d[i, j] = eps
            want[i, j] = (numeric_cost(Wv + d) - numeric_cost(Wv - d)) / (2 * eps)
    np.testing.assert_allclose(g(Xv), want, rtol=1e-6, atol=1e-9)


def test_gradient_of_several_outputs_taps_and_a_window():
    def loop(x, f0, a):
        def step(x_prev, x_now, older, last, scale):
            new = older * 0.5 + last * scale + x_now * x_prev
            return new, T.sin(new) * x_now
        (states, extra), _ = scan(step, sequences=dict(input=x, taps=[-1, 0]),
                                  outputs_info=[dict(initial=f0, taps=[-2, -1]), None],
                                  non_sequences=a)
        return states.sum() + (extra ** 2).sum()
    check_grad(loop, [rng.normal(size=6), rng.normal(size=(2, 2)), rng.normal(size=2)])


def test_gradient_with_go_backwards_and_n_steps_shorter_than_the_sequence():
    def loop(x, h0):
        hs, _ = scan(lambda v, h: h * v + v, sequences=x, outputs_info=h0, n_steps=3,
                     go_backwards=True)
        return hs
    check_grad(loop, [rng.normal(size=5), rng.normal(size=())])


def test_gradient_of_reduce_and_of_an_update_state():
    def total(x, h0):
        out, _ = reduce(lambda v, acc: acc * T.tanh(v) + v, sequences=x, outputs_info=h0)
        return out
    check_grad(total, [rng.normal(size=4), rng.normal(size=2 * (1,))[0]])


def test_second_derivative_through_the_loop():
    def gradient_of_loop(x):
        hs, _ = scan(lambda v, h: T.tanh(h * v + v), sequences=x,
                     outputs_info=T.constant(np.array(0.1)))
        return sc.grad((hs ** 2).sum(), x)
    check_grad(gradient_of_loop, [rng.normal(size=4)])


def test_truncated_gradient_keeps_the_last_steps():
    X, h0 = T.dvector("x"), T.dscalar("h0")

    def loop(truncate):
        hs, _ = scan(lambda v, h: T.tanh(h * 0.9 + v), sequences=X, outputs_info=h0,
                     truncate_gradient=truncate)
        return sc.grad(hs.sum(), [X, h0])

    Xv, hv = rng.normal(size=6), np.float64(0.3)
    full = run([X, h0], loop(-1), [Xv, hv])
    short = run([X, h0], loop(2), [Xv, hv])
    np.testing.assert_allclose(short[0][-2:], full[0][-2:], rtol=1e-12)
    np.testing.assert_array_equal(short[0][:-2], 0.0)
    assert short[1] == 0.0 and full[1] != 0.0
    again = run([X, h0], loop(10), [Xv, hv])          # longer than the loop: all of it
    np.testing.assert_allclose(again[0], full[0], rtol=1e-12)
    np.testing.assert_allclose(again[1], full[1], rtol=1e-12)


def test_gradient_is_the_same_in_both_modes():
    X, W = T.dmatrix("X"), T.dmatrix("W")
    hs, _ = scan(lambda x_t, h, w: sc.nnet.sigmoid(T.dot(h, w) + x_t), sequences=X,
                 outputs_info=T.zeros((3,), dtype="float64"), non_sequences=W)
    grads = sc.grad((hs ** 2).sum(), [X, W])
    Xv, Wv = rng.normal(size=(5, 3)), rng.normal(size=(3, 3))
    fast = run([X, W], grads, [Xv, Wv], "FAST_RUN")
    reference = run([X, W], grads, [Xv, Wv], "FAST_COMPILE")
    for a, b in zip(fast, reference):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_gradient_through_until_says_it_is_not_there():
    start = T.dscalar("start")
    values, _ = scan(lambda v: (v * 2, until(v > 10)), outputs_info=start, n_steps=9)
    with raises_naming(NotImplementedError, "until"):
        sc.grad(values.sum(), start)


# -- training, pickling, printing --------------------------------------------------------
def test_training_a_recurrent_weight_by_sgd_lowers_the_cost():
    W = sc.shared(np.full((2, 2), 0.1), name="W")
    X, target = T.dmatrix("X"), T.dmatrix("target")
    hs, _ = scan(lambda x_t, h: T.tanh(T.dot(h, W) + x_t), sequences=X,
                 outputs_info=T.zeros((2,), dtype="float64"))
    cost = ((hs - target) ** 2).mean()
    step = sc.function([X, target], cost, updates=[(W, W - 0.5 * sc.grad(cost, W))])
    Xv = rng.normal(size=(5, 2))
    targets = np.tanh(Xv)
    costs = [float(step(Xv, targets)) for _ in range(30)]
    assert costs[-1] < 0.5 * costs[0]


def test_a_function_with_a_loop_pickles():
    x = T.dvector("x")
    sums, _ = scan(lambda v, total: total + v, sequences=x,
                   outputs_info=T.constant(np.array(0.0)))
    f = sc.function([x], sums)
    f(np.ones(2))
    loaded = pickle.loads(pickle.dumps(f))
    np.testing.assert_allclose(loaded(np.array([1.0, 2.0])), [1.0, 3.0])


def test_printed_graph_names_the_loop():
    x = T.dvector("x")
    sums, _ = scan(lambda v, total: total + v, sequences=x,
                   outputs_info=T.constant(np.array(0.0)), name="running_sum")
    text = sc.printing.debugprint(sums, file="str")
    outer, step = text.split("step of running_sum")
    assert "= running_sum " in outer and "add" not in outer
    assert "run once per step" in step
    assert "inputs: x[t]:f64[]" in step and "= add state[t-1] x[t]" in step
    grad_text = sc.printing.debugprint(sc.grad(sums.sum(), x), file="str")
    assert "step of running_sum_grad" in grad_text and "d_state0[t+1]" in grad_text


# -- errors ------------------------------------------------------------------------------
def test_a_state_changing_type_is_refused_naming_the_output():
    x = T.dvector("x")
    with raises_naming(TypeError, "output 0", "float64", "int64"):
        scan(lambda v, total: total + v, sequences=x, outputs_info=T.constant(np.int64(0)))


def test_a_state_changing_shape_is_refused_naming_the_step():
    h0 = T.dvector("h0")
    hs, _ = scan(lambda h: T.concatenate([h, h]), outputs_info=h0, n_steps=3)
    with raises_naming(ValueError, "step 0", "state 0", "(4,)", "(2,)"):
        sc.function([h0], hs)(np.ones(2))


def test_no_number_of_steps():
    with raises_naming(ValueError, "n_steps", "sequence"):
        scan(lambda h: h + 1, outputs_info=T.dscalar("h0"))


def test_a_sequence_shorter_than_n_steps():
    x = T.dvector("x")
    out, _ = scan(lambda v: v * 2, sequences=x, n_steps=5)
    with raises_naming(ValueError, "sequence 0", "3 entries", "5 steps"):
        sc.function([x], out)(np.ones(3))


def test_outputs_info_of_the_wrong_length():
    x = T.dvector("x")
    with raises_naming(ValueError, "returned 2 output(s)", "outputs_info has 1"):
        scan(lambda v, h: (h + v, v), sequences=x, outputs_info=[T.constant(np.array(0.0))])


def test_strict_refuses_a_shared_variable_not_passed():
    W = sc.shared(np.ones(2), name="W")
    x = T.dmatrix("x")
    with raises_naming(ValueError, "strict", "W"):
        scan(lambda v: v * W, sequences=x, strict=True)
    out, _ = scan(lambda v, w: v * w, sequences=x, non_sequences=W, strict=True)
    np.testing.assert_allclose(run([x], out, [np.ones((2, 2))]), np.ones((2, 2)))


def test_what_the_step_reads_from_outside_is_computed_once():
    x = T.dvector("x")
    outside = T.exp(x).sum()                          # built before the loop
    z = T.dvector("z")
    z, loaded = pickle.loads(pickle.dumps((z, T.log(z).sum())))   # loaded before it
    out, _ = scan(lambda v: v + outside + loaded, sequences=x)
    (node,) = scan_nodes(out)
    assert outside in node.inputs and loaded in node.inputs
    inner_ops = {str(n.op) for n in node.op.inner_nodes()}
    assert not inner_ops & {"exp", "log"}, inner_ops
    v, w = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(run([x, z], out, [v, w]), v + np.exp(v).sum() + np.log(w).sum())


def test_step_results_as_a_list_of_outputs_updates_and_until():
    x = T.dvector("x")
    total = sc.shared(np.array(0.0), name="total")
    doubled, updates = scan(lambda v: [v * 2, {total: total + v}], sequences=x)
    pair, _ = scan(lambda v: [[v * 2, v + 1], {}], sequences=x)
    stopped, _ = scan(lambda v: [v * 2, until(v > 1)], sequences=x)
    f = sc.function([x], [doubled, pair[0], pair[1], stopped], updates=updates)
    got = f(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(got[0], [2, 4, 6])
    np.testing.assert_allclose(got[1], [2, 4, 6])
    np.testing.assert_allclose(got[2], [2, 3, 4])
    np.testing.assert_allclose(got[3], [2, 4])
    assert total.get_value() == 6.0


def test_empty_outputs_info_and_numpy_integer_taps():
    x = T.dvector("x")
    out, _ = scan(lambda v: v * 2, sequences=x, outputs_info=[])
    diff, _ = scan(lambda a, b: b - a, sequences=dict(input=x, taps=[np.int64(-1), 0]))
    got = run([x], [out, diff], [np.array([1.0, 3.0, 6.0])])
    np.testing.assert_allclose(got[0], [2, 6, 12])
    np.testing.assert_allclose(got[1], [2, 3])


@pytest.mark.parametrize("mode", MODES)
def test_zero_steps_keep_the_shape_of_a_step(mode):
    X, k = T.dmatrix("X"), T.lscalar("k")
    doubled, _ = scan(lambda v: v * 2, sequences=X, n_steps=k, mode=mode)
    h, _ = scan(lambda v, hh: hh * v, sequences=X, outputs_info=X[0], n_steps=k, mode=mode)
    f = sc.function([X, k], [doubled, doubled.sum(0) + X[0], sc.grad(h.sum(), X)], mode=mode)
    empty, first_row, grad = f(np.ones((4, 3)), 0)
    assert empty.shape == (0, 3)
    np.testing.assert_allclose(first_row, np.ones(3))
    np.testing.assert_allclose(grad, np.zeros((4, 3)))
    assert sc.function([X], map(lambda v: v + 1, sequences=X)[0])(np.ones((0, 3))).shape == (0, 3)


def test_updates_are_ordered_updates_that_add_up():
    from symconv.scan import OrderedUpdates
    count = sc.shared(np.int64(0), name="count")
    other = sc.shared(np.int64(0), name="other")
    x = T.dvector("x")
    _, updates = scan(lambda v: {count: count + 1}, sequences=x)
    assert isinstance(updates, OrderedUpdates)
    merged = updates + OrderedUpdates([(other, other + 2)])
    assert list(merged) == [count, other]
    sc.function([x], [], updates=merged)(np.ones(3))
    assert (count.get_value(), other.get_value()) == (3, 2)
    with raises_naming(KeyError, "two updates of", "'count'"):
        merged + {count: count * 2}
    with raises_naming(TypeError, "shared variables"):
        OrderedUpdates([(x, x)])


def test_a_step_function_with_the_wrong_arguments_is_told_what_scan_passes():
    x = T.dvector("x")
    w = T.dscalar("w")
    with raises_naming(TypeError, "cannot take the 3 arguments", "sequences at their taps (1)",
                       "states at theirs (1)", "non_sequences (1)"):
        scan(lambda v, h: h + v * w, sequences=x, outputs_info=T.constant(np.array(0.0)),
             non_sequences=w)


def test_too_few_initial_values_for_the_taps_name_the_state():
    f0 = T.dmatrix("f0")
    fib, _ = scan(lambda older, last: older + last,
                  outputs_info=dict(initial=f0, taps=[-2, -1]), n_steps=3)
    with raises_naming(ValueError, "initial value of state 0", "'f0 at taps [-2, -1]'", "(1, 3)"):
        sc.function([f0], fib)(np.ones((1, 3)))
