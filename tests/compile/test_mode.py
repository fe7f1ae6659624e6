"""Modes: which rewrites run, switched by rewrite, tag or phase name."""
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.compile.rewriting import PHASES, REGISTRY, RewriteLog
from symconv.ops.elemwise import Elemwise
from symconv.ops.fused import FusedElemwise
from tests.helpers import compiled_ops, raises_naming


def _expr():
    x = T.dvector("x")
    return x, T.exp(x * 1.0) + T.exp(x * 1.0) + 0


def test_phases_run_in_the_documented_order():
    assert PHASES == ("merge", "dce", "constant_folding", "canonicalize", "stabilize",
                      "specialize", "fusion", "inplace")
    order = [r.phase for r in sc.FAST_RUN.enabled_rewrites]
    assert order == sorted(order, key=PHASES.index)


def test_fast_compile_only_merges_and_runs_the_plain_executor():
    x, y = _expr()
    f = sc.function([x], y, mode="FAST_COMPILE")
    assert {r.phase for r in f.rewrites} <= {"merge"}
    assert f.rewrites.fired("merge") >= 1      # the two equal exp(x * 1) become one
    ops = compiled_ops(f)
    assert all(isinstance(op, Elemwise) for op in ops)
    assert sum(1 for op in ops if str(op) == "exp") == 1
    assert "plain executor" in f.kernel_source()
    np.testing.assert_allclose(f(np.array([0.0, 1.0])), 2 * np.exp([0.0, 1.0]))


def test_fast_run_is_the_default_and_rewrites_everything():
    x, y = _expr()
    f = sc.function([x], y)
    assert f.mode is sc.FAST_RUN
    counts = f.rewrites.counts()
    assert counts["useless_elemwise"] >= 2 and counts["fuse_elementwise"] == 1
    assert [type(op) for op in compiled_ops(f)] == [FusedElemwise]
    np.testing.assert_allclose(f(np.array([0.0, 1.0])), 2 * np.exp([0.0, 1.0]))


@pytest.mark.parametrize("name", ["fusion", "fuse_elementwise", "fuse"])  # phase, rewrite, tag
def test_excluding_a_phase_rewrite_or_tag(name):
    x, y = _expr()
    f = sc.function([x], y, mode=sc.Mode(exclude=[name]))
    assert not any(isinstance(op, FusedElemwise) for op in compiled_ops(f))
    assert f.rewrites.fired("fusion") == 0
    np.testing.assert_allclose(f(np.array([2.0])), 2 * np.exp([2.0]))


def test_including_a_phase_into_fast_compile():
    x, y = _expr()
    mode = sc.FAST_COMPILE.including("canonicalize")
    f = sc.function([x], y, mode=mode)
    assert f.rewrites.fired("canonicalize") >= 2
    assert not any(isinstance(op, FusedElemwise) for op in compiled_ops(f))
    assert "fusion" in sc.FAST_RUN.excluding("fusion").exclude


def test_unknown_names_are_refused_when_the_mode_is_built():
    with raises_naming(ValueError, "unknown rewrite", "no_such_rewrite"):
        sc.Mode(exclude=["no_such_rewrite"])
    x = T.dvector("x")
    with raises_naming(ValueError, "unknown mode", "FAST"):
        sc.function([x], x * 2, mode="FAST")


def test_every_rewrite_has_a_name_phase_and_is_switchable():
    names = REGISTRY.names()
    for rewrite in REGISTRY:
        assert rewrite.name in names and rewrite.phase in PHASES
        assert rewrite not in sc.Mode(exclude=[rewrite.name]).enabled_rewrites


def test_rewrite_log_is_a_list_of_records_printed_as_a_table():
    x, y = _expr()
    f = sc.function([x], y)
    assert isinstance(f.rewrites, RewriteLog) and isinstance(f.rewrites, list)
    record = f.rewrites[0]
    assert record.phase in PHASES and record.rewrite and "test_mode.py" in record.where
    text = str(f.rewrites)
    header, *rows = text.splitlines()
    assert header.split() == ["phase", "rewrite", "count", "where"]
    assert any(row.split()[1] == "useless_elemwise" and row.split()[2] == "2" for row in rows)
    assert sum(f.rewrites.counts().values()) == len(f.rewrites)
