"""The runtime: plans over reused buffers, shape changes, aliasing of results, errors."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv import RandomStreams
from tests.helpers import raises_naming

RNG = np.random.default_rng(0)


def test_buffers_are_reused_once_their_last_reader_ran():
    x = T.dmatrix("x")
    a = sc.shared(RNG.standard_normal((6, 6)))
    y = x
    for _ in range(6):
        y = T.dot(y, a)                  # six products of one shape
    f = sc.function([x], y.sum())
    v = RNG.standard_normal((6, 6))
    expected = np.linalg.multi_dot([v] + [a.get_value()] * 6).sum()
    np.testing.assert_allclose(f(v), expected)
    assert len(f.program.plan.buffers) <= 3   # not six: each dies after its reader


def test_results_survive_the_next_call_and_never_alias_inputs():
    x = T.dmatrix("x")
    w = sc.shared(np.ones((2, 3)), name="w")
    f = sc.function([x], [T.exp(x) + 1, x.T, w * 1.0, w])
    v1, v2 = np.zeros((2, 3)), np.ones((2, 3))
    first = f(v1)
    kept = [r.copy() for r in first]
    second = f(v2)
    for got, want in zip(first, kept):
        np.testing.assert_array_equal(got, want)
    second[1][...] = 7.0
    second[3][...] = 7.0
    np.testing.assert_array_equal(v2, np.ones((2, 3)))
    np.testing.assert_array_equal(w.get_value(), np.ones((2, 3)))


def test_an_output_listed_twice_gives_two_arrays():
    x = T.dvector("x")
    y = T.exp(x)
    a, b = sc.function([x], [y, y])(np.zeros(2))
    a[0] = 5.0
    assert b[0] == 1.0


def test_new_shapes_build_new_plans():
    x = T.dmatrix("x")
    f = sc.function([x], (T.tanh(x) * 2).sum(axis=0))
    for shape in [(2, 3), (5, 3), (2, 3), (4, 1)]:
        v = RNG.standard_normal(shape)
        np.testing.assert_allclose(f(v), (np.tanh(v) * 2).sum(axis=0))
    assert len(f.program.plans) == 3


def test_a_slice_whose_size_depends_on_a_value():
    data = sc.shared(np.arange(25.0).reshape(5, 5), name="data")
    i = T.lscalar("i")
    f = sc.function([i], (data[i * 2:(i + 1) * 2] * 2).sum(axis=1))
    np.testing.assert_allclose(f(0), np.arange(25.0).reshape(5, 5)[0:2].sum(1) * 2)
    np.testing.assert_allclose(f(2), np.arange(25.0).reshape(5, 5)[4:5].sum(1) * 2)  # 1 row
    np.testing.assert_allclose(f(1), np.arange(25.0).reshape(5, 5)[2:4].sum(1) * 2)


def test_set_value_of_another_shape():
    w = sc.shared(np.ones(3), name="w")
    f = sc.function([], [], updates=[(w, w * 2)])
    f()
    w.set_value(np.ones(5))
    f()
    np.testing.assert_allclose(w.get_value(), 2 * np.ones(5))


def test_random_draws_follow_the_same_sequence_as_the_reference():
    draws = {}
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        srng = RandomStreams(7)
        x = T.dvector("x")
        f = sc.function([x], x * srng.binomial(x.shape, p=0.5, dtype="float64") +
                        srng.normal((2,), avg=0.0, std=1.0).sum(), mode=mode)
        draws[mode] = [f(np.ones(4)) for _ in range(4)]
    for a, b in zip(*draws.values()):
        np.testing.assert_array_equal(a, b)


def test_errors_name_the_node_and_the_line_that_built_it():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    z = T.dot(x, y)
    f = sc.function([x, y], T.exp(z))
    f(np.ones((2, 3)), np.ones((3, 2)))          # a plan exists now
    with raises_naming(ValueError, "dot", "test_plan.py"):
        f(np.ones((2, 3)), np.ones((4, 2)))


def test_kernel_source_before_and_after_the_first_call():
    x = T.dvector("x")
    f = sc.function([x], T.exp(x) * 2)
    assert "first call" in f.kernel_source()
    f(np.ones(2))
    source = f.kernel_source()
    assert source.startswith("# schedule\ndef plan(") and "# kernel\ndef fused_" in source


def test_debugprint_shows_the_rewritten_graph_and_kernels():
    x = T.dvector("x")
    f = sc.function([x], T.exp(x * 1) * 2, name="f")
    text = sc.printing.debugprint(f, file="str")
    assert "compiled function 'f' (FAST_RUN, 1 nodes)" in text and "fused{exp,mul}" in text
    f(np.ones(2))
    with_kernels = sc.printing.debugprint(f, file="str", print_kernels=True)
    assert with_kernels.startswith(text) and "def fused_" in with_kernels


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_profile_table(mode):
    x = T.dmatrix("x")
    w = sc.shared(RNG.standard_normal((4, 4)), name="w")
    f = sc.function([x], T.tanh(T.dot(x, w)).sum(), profile=True, mode=mode)
    for _ in range(3):
        f(np.ones((2, 4)))
    prof = f.profile
    assert prof.calls == 3
    rows = prof.by_node()
    assert len(rows) == len(f.fgraph.nodes)
    assert abs(sum(r[4] for r in rows) - 1.0) < 1e-9
    assert {r[0] for r in prof.by_op()} == {type(n.op).__name__ for n in f.fgraph.nodes}
    text = str(prof)
    assert "3 call(s)" in text and "dot" in text and "share" in text
    # nodes are named as debugprint names their first output: "%0 Dot" in both
    listing = sc.printing.debugprint(f, file="str")
    for label, *_ in rows:
        name, op = label.split(" ", 1)
        assert name.startswith("%") and f"{name}:" in listing
        assert any(line.lstrip().startswith(name + ":") and f"= {op}" in line
                   for line in listing.splitlines())
    prof.reset()
    f(np.ones((2, 4)))
    assert prof.calls == 1


def test_integer_scalar_arithmetic_runs_as_scalar_operators():
    # a mini-batch's bounds, i * 10 and (i + 1) * 10, are NumPy scalar arithmetic in
    # the plan, not ufunc calls on 0-d buffers
    data = sc.shared(np.arange(60.0).reshape(30, 2))
    i = T.lscalar("i")
    f = sc.function([i], [data[i * 10:(i + 1) * 10].sum(), (i + 1) * 10 - i // 2])
    for k in (0, 1, 2, 1):
        total, bound = f(k)
        assert total == data.get_value()[k * 10:(k + 1) * 10].sum()
        assert bound == (k + 1) * 10 - k // 2 and bound.dtype == np.int64 and bound.shape == ()
    source = f.kernel_source()
    assert "a0[()] * " in source and "a0[()] + " in source and " // " in source


def test_integer_scalars_of_narrow_types_keep_their_dtype():
    x = T.scalar("x", dtype="int8")
    f = sc.function([x], x * np.int8(3) + np.int8(1))
    ref = sc.function([x], x * np.int8(3) + np.int8(1), mode="FAST_COMPILE")
    for v in (np.int8(5), np.int8(-7), np.int8(100)):       # 100 * 3 wraps around in int8
        with np.errstate(over="ignore"):
            got, want = f(v), ref(v)
        assert got.dtype == want.dtype == np.int8 and got == want


def test_generated_code_uses_the_listings_names():
    x = T.dmatrix("x")
    w = sc.shared(np.ones((3, 2)), name="w")
    f = sc.function([x], T.tanh(T.dot(x, w)) * 2 + 1)
    f(np.ones((4, 3)))
    listing = sc.printing.debugprint(f, file="str")
    source = f.kernel_source()
    comments = [line.strip()[2:] for line in source.splitlines()
                if line.strip().startswith("# %")]
    assert comments, source
    for comment in comments:
        names, op = comment.split(" = ")
        assert any(line.strip().startswith(names.split()[0] + ":") and f"= {op}" in line
                   for line in listing.splitlines()), (comment, listing)
    fused = [c.split(" = ")[0] for c in comments if "fused" in c]
    for name in fused:
        assert f"def fused_{name.split()[0][1:]}(" in source
