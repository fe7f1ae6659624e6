"""benchmarks/chapter6.py: short runs never replace a full row; rows from checkpoints trained
elsewhere, with their accuracy and wall time summed over sessions."""
import importlib.util
import os
import re

import pytest

from symconv.cli import main as symconv
from symconv.training import checkpoint
from tests.test_cli import small_split  # noqa: F401  (autouse: small MNIST, a scratch folder)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def chapter6(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "chapter6", os.path.join(ROOT, "benchmarks", "chapter6.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "DEFAULT_OUT", str(tmp_path / "chapter6.md"))
    monkeypatch.setattr(module, "SHORT_OUT", str(tmp_path / "chapter6-short.md"))
    return module


def _row(path, row):
    with open(path) as f:
        return next(line for line in f if line.startswith(f"| {row} |")).split(" | ")


def test_a_short_run_does_not_replace_a_committed_row(chapter6, tmp_path, capsys):
    committed = tmp_path / "chapter6.md"
    committed.write_text("| 1 | FC100-SM | the full 60-epoch row |\n")
    assert chapter6.main(["--rows", "1", "--epochs", "1", "--train-size", "100"]) == 0
    assert "| the full 60-epoch row |" in committed.read_text()
    cells = _row(tmp_path / "chapter6-short.md", "1")
    assert cells[6:8] == ["60", "1"] and cells[5] == "100"
    assert "shorter than the chapter's: writing to" in capsys.readouterr().out


def test_a_row_from_a_checkpoint_resumed_over_sessions(chapter6, tmp_path, capsys):
    path = str(tmp_path / "row1.npz")
    common = ["--preset", "shallow", "--train-size", "100", "--quiet"]
    assert symconv(["train", *common, "--epochs", "1", "--checkpoint", path]) == 0
    first = checkpoint.load(path).state["elapsed_seconds"]
    assert symconv(["train", "--resume", path, "--epochs", "2", "--quiet"]) == 0
    state = checkpoint.load(path).state
    assert state["elapsed_seconds"] > first
    out = str(tmp_path / "table.md")
    assert chapter6.main(["--rows", "1", "--from-checkpoint", path, "--out", out]) == 0
    cells = _row(out, "1")
    assert cells[6:8] == ["60", "2"]                    # epochs (chapter), epochs run
    assert cells[9] == f"{state['test_accuracy']:.2%}"
    assert cells[10] == f"{state['elapsed_seconds']:.0f} s"
    assert "from checkpoint row1.npz, wall time summed over its sessions" in cells[12]
    assert "predates" not in cells[12]

    # a checkpoint of another row's network is refused, naming it
    assert chapter6.main(["--rows", "4", "--from-checkpoint", path, "--out", out]) == 1
    err = capsys.readouterr().err
    assert re.search(rf"{re.escape(path)}: not a run of row 4 .*preset 'shallow'", err)


def test_checkpoint_dir_continues_a_row(chapter6, tmp_path, capsys):
    args = ["--rows", "1", "--epochs", "1", "--train-size", "100", "--checkpoint-dir",
            str(tmp_path / "ck")]
    assert chapter6.main(args) == 0
    assert os.path.exists(tmp_path / "ck" / "row1-seed0.npz")
    first = _row(tmp_path / "chapter6-short.md", "1")
    capsys.readouterr()
    assert chapter6.main(args) == 0                   # started again: the row is done already
    out = capsys.readouterr().out
    assert re.search(r"continuing .*row1-seed0.npz: 1 of 1 epochs done", out)
    again = _row(tmp_path / "chapter6-short.md", "1")
    assert again[9] == first[9] and again[10] == first[10]


def test_writing_a_row_keeps_the_notes_after_the_table(chapter6, tmp_path):
    path = str(tmp_path / "table.md")
    chapter6.write_rows(path, {"1": "| 1 | FC100-SM | first |"})
    with open(path, "a") as f:
        f.write("\n## Rows in progress\n\nrow 8: 18 of 40 epochs\n")
    chapter6.write_rows(path, {"1": "| 1 | FC100-SM | first |", "2": "| 2 | CP20-FC100-SM | x |"})
    text = open(path).read()
    assert text.count("## Rows in progress") == 1 and text.endswith("row 8: 18 of 40 epochs\n")
    assert text.index("| 2 |") < text.index("## Rows in progress")


def test_rows_in_a_section_after_the_table_are_not_read_as_results(chapter6, tmp_path):
    path = str(tmp_path / "table.md")
    chapter6.write_rows(path, {"1": "| 1 | FC100-SM | done |"})
    with open(path, "a") as f:
        f.write("\n## Rows in progress\n\n| row | done |\n|---|---|\n| 8 | 3 of 5 members |\n")
    assert chapter6.read_rows(path) == {"1": "| 1 | FC100-SM | done |"}
    rows = chapter6.read_rows(path)
    rows["2"] = "| 2 | CP20-FC100-SM | done |"
    chapter6.write_rows(path, rows)
    table = open(path).read().split("## ")[0]
    assert "| 8 |" not in table and "| 2 | CP20-FC100-SM | done |" in table
