"""Run records: one row per epoch as CSV or JSON, written by SGD and read back."""
import json

import pytest

from symconv.training import records
from tests.helpers import mnist_slices, raises_naming, shallow_network

ROWS = [
    {"epoch": 1, "iteration": 99, "cost": 0.5, "validation_accuracy": 0.9, "test_accuracy": 0.89,
     "best": True, "seconds": 1.5, "examples_per_second": 666.7, "elapsed_seconds": 2.0},
    {"epoch": 2, "iteration": 199, "cost": 0.25, "validation_accuracy": 0.85,
     "test_accuracy": None, "best": False, "seconds": 1.25, "examples_per_second": 800.0,
     "elapsed_seconds": 3.5},
]


@pytest.mark.parametrize("name", ["run.csv", "run.json"])
def test_records_round_trip(tmp_path, name):
    path = str(tmp_path / name)
    records.write(path, ROWS)
    assert records.read(path) == ROWS


def test_csv_layout(tmp_path):
    path = tmp_path / "run.csv"
    records.write(str(path), ROWS)
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(records.FIELDS)
    assert lines[2] == "2,199,0.25,0.85,,False,1.25,800.0,3.5"


def test_records_that_counted_epochs_from_0_are_renumbered(tmp_path):
    old = tmp_path / "old.csv"       # as written before epochs were counted from 1
    old.write_text("epoch,iteration,cost,validation_accuracy,test_accuracy,best,seconds,"
                   "examples_per_second\n0,99,0.5,0.9,0.89,True,1.5,666.7\n"
                   "1,199,0.25,0.85,,False,1.25,800.0\n")
    rows = records.read(str(old))
    assert [r["epoch"] for r in rows] == [1, 2]
    assert [r.get("elapsed_seconds") for r in rows] == [None, None]


def test_sgd_writes_a_record_after_every_epoch(tmp_path):
    training, validation, test = mnist_slices(30, 20, 20)
    path = str(tmp_path / "run.json")
    seen = []

    def check(row):
        seen.append(len(json.load(open(path))["epochs"]))  # already on disk when the epoch ends

    result = shallow_network().SGD(training, 3, 10, 0.5, validation, test, report="quiet", record=path,
                            on_epoch=check)
    assert seen == [1, 2, 3]
    rows = records.read(path)
    assert rows == result.history
    assert [r["epoch"] for r in rows] == [1, 2, 3] and [r["iteration"] for r in rows] == [2, 5, 8]
    assert all(r["examples_per_second"] > 0 for r in rows)
    elapsed = [r["elapsed_seconds"] for r in rows]
    assert elapsed == sorted(elapsed) and elapsed[0] >= rows[0]["seconds"]


def test_bad_record_paths_are_clear_errors(tmp_path):
    with raises_naming(ValueError, "run.txt", ".csv or a .json"):
        records.write(str(tmp_path / "run.txt"), ROWS)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with raises_naming(ValueError, "other.csv", "not a symconv run record"):
        records.read(str(other))


def test_accuracies_are_written_without_rounding_noise(tmp_path):
    from symconv.training import records
    row = {"epoch": 1, "iteration": 9, "cost": 0.1 + 0.2, "validation_accuracy": 9962 / 10000 * 1.0
           + 1e-16, "test_accuracy": None, "best": True, "seconds": 1 / 3,
           "examples_per_second": 100.0, "elapsed_seconds": 2.5}
    for name in ("run.csv", "run.json"):
        path = str(tmp_path / name)
        records.write(path, [row])
        text = open(path).read()
        assert "0.9962" in text and "0.99620000" not in text and "0.30000000000000004" not in text
        (back,) = records.read(path)
        assert back["validation_accuracy"] == 0.9962 and abs(back["seconds"] - 1 / 3) < 1e-12
        assert back["test_accuracy"] is None and back["epoch"] == 1
