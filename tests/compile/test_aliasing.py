"""In-place writes in FAST_RUN plans never change a value something still reads.

Each test runs the same function in FAST_RUN and FAST_COMPILE (the reference,
which writes nothing in place) and compares every output and every shared
variable after each call.
"""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T


def run_both(build, values, calls=3):
    """Build the function twice over fresh shared variables (``values``: name -> array),
    call each ``calls`` times, and assert equal outputs and shared values after every
    call. Returns the FAST_RUN function."""
    results = {}
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        shared = {k: sc.shared(np.array(v), name=k) for k, v in values.items()}
        outputs, updates = build(**shared)
        f = sc.function([], outputs, updates=updates, mode=mode)
        trace = []
        for _ in range(calls):
            out = f()
            trace.append(([np.array(o) for o in out],
                          {k: s.get_value() for k, s in shared.items()}))
        results[mode] = (f, trace)
    for (outs_ref, sh_ref), (outs, sh) in zip(results["FAST_COMPILE"][1],
                                              results["FAST_RUN"][1]):
        for a, b in zip(outs_ref, outs):
            np.testing.assert_allclose(b, a, rtol=1e-12)
        for k in sh_ref:
            np.testing.assert_allclose(sh[k], sh_ref[k], rtol=1e-12, err_msg=k)
    return results["FAST_RUN"][0]


def test_update_reading_another_updated_variable():
    f = run_both(lambda a, b: ([], [(a, a * 2), (b, (a * 2) * a)]),
                 {"a": [1., 2.], "b": [10., 20.]}, calls=1)
    assert f.fgraph is not None


def test_update_values_after_one_call():
    a = sc.shared(np.array([1., 2.])); b = sc.shared(np.array([10., 20.]))
    sc.function([], [], updates=[(a, a * 2), (b, (a * 2) * a)])()
    np.testing.assert_array_equal(a.get_value(), [2., 4.])
    np.testing.assert_array_equal(b.get_value(), [2., 8.])


def test_output_read_after_the_update_in_one_kernel():
    s = sc.shared(np.array([1., 2., 3.]))
    out = sc.function([], (s + s) + s, updates=[(s, 1.0 * s + s)])()
    np.testing.assert_array_equal(out, [3., 6., 9.])
    np.testing.assert_array_equal(s.get_value(), [2., 4., 6.])


def test_reduction_beside_an_update():
    a = sc.shared(np.array([1., 2.]))
    out = sc.function([], (a * 2 * a).sum(), updates=[(a, a * 2)])()
    assert float(out) == 10.0
    np.testing.assert_array_equal(a.get_value(), [2., 4.])


def test_every_plan_variable_has_its_own_name():
    a = sc.shared(np.array([1., 2.])); b = sc.shared(np.array([10., 20.]))
    f = sc.function([], [], updates=[(a, a * 2), (b, (a * 2) * a)])
    f()
    source = f.kernel_source()
    assigned = [line.split("=")[0].strip() for line in source.splitlines()
                if line.strip().startswith("v") and "=" in line]
    assert len(assigned) == len(set(assigned)), source


def test_in_place_mark_only_where_the_kernel_allows_it():
    s = sc.shared(np.array([1., 2., 3.]), name="s")
    f = sc.function([], (s + s) + s, updates=[(s, 1.0 * s + s)])
    assert "inplace" not in str(f.fgraph.nodes[0].op)


@pytest.mark.parametrize("calls", [1, 4])
def test_sgd_like_updates_over_several_calls(calls):
    run_both(lambda w, v: ([(w * v).sum()], [(w, w - 0.1 * v * w), (v, 0.9 * v + w)]),
             {"w": np.linspace(-1, 1, 6).reshape(2, 3), "v": np.ones((2, 3))}, calls=calls)


def test_shared_values_that_share_memory():
    # b's value is a's storage: an in-place update of a must not change what b reads
    data = np.array([1., 2., 3.])
    a = sc.shared(data, borrow=True); b = sc.shared(data, borrow=True)
    f = sc.function([], b * 1.0, updates=[(a, a * 2)])
    out = f()
    np.testing.assert_array_equal(out, [1., 2., 3.])
    # and with the aliasing made after the plan was built
    a2 = sc.shared(np.array([1., 2., 3.]))
    b2 = sc.shared(np.array([5., 5., 5.]))
    g = sc.function([], [b2 + 0.0], updates=[(a2, a2 * 2)])
    g()
    np.testing.assert_array_equal(a2.get_value(), [2., 4., 6.])
    b2.set_value(a2.get_value(borrow=True), borrow=True)
    (out,) = g()
    np.testing.assert_array_equal(out, [2., 4., 6.])
    np.testing.assert_array_equal(a2.get_value(), [4., 8., 12.])


def test_input_aliasing_a_shared_variable_updated_in_place():
    w = sc.shared(np.array([1., 2., 3.]))
    x = T.dvector("x")
    f = sc.function([x], (x * 1.0).sum(), updates=[(w, w * 2)])
    assert float(f(np.zeros(3))) == 0.0
    assert float(f(w.get_value(borrow=True))) == 12.0   # read before w doubled
    np.testing.assert_array_equal(w.get_value(), [4., 8., 12.])


def test_outputs_of_one_call_survive_the_next():
    w = sc.shared(np.array([1., 2.]))
    x = T.dvector("x")
    f = sc.function([x], [x * w, (x * w).sum()], updates=[(w, w + 1)])
    first = f(np.array([1., 1.]))
    kept = [np.array(o) for o in first]
    f(np.array([5., 5.]))
    for a, b in zip(first, kept):
        np.testing.assert_array_equal(a, b)


def test_gemm_update_with_a_borrowed_operand():
    rng = np.random.default_rng(0)
    w = sc.shared(rng.standard_normal((200, 200)))
    v = sc.shared(w.get_value(borrow=True), borrow=True)     # the same storage
    f = sc.function([], [], updates=[(w, w - 0.1 * T.dot(v, v))])
    before = w.get_value()
    f()
    np.testing.assert_allclose(w.get_value(), before - 0.1 * before @ before, rtol=1e-12, atol=1e-12)


def test_a_scalar_input_that_is_the_storage_of_a_scalar_updated_in_place():
    # s.get_value(borrow=True) of a 0-d shared variable passed as an input: the
    # update must not land in it before the input is read and returned
    s = sc.shared(np.array(0.75), name="s")
    x = T.dscalar("x")
    f = sc.function([x], [x, T.log(x) + s], updates=[(s, T.sigmoid(s) * x)])
    f(0.5)
    f(0.5)
    before = float(s.get_value())
    out, other = f(s.get_value(borrow=True))
    assert float(out) == before
    np.testing.assert_allclose(float(other), np.log(before) + before)
    np.testing.assert_allclose(float(s.get_value()), before / (1 + np.exp(-before)))
