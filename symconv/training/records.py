"""Per-epoch records of a training run: written as CSV or JSON, read back for plots.

Each record is a dict with the fields in :data:`FIELDS`: ``epoch`` (counted
from 1, as the progress lines, messages and plots count them; network3's own
printed lines say ``Epoch 0`` for the first), ``iteration`` (network3's count of
mini-batches at the end of the epoch), ``cost`` (mean training cost over the
epoch), ``validation_accuracy``, ``test_accuracy`` (measured when the validation
accuracy is the best so far, else empty), ``best``, ``seconds`` (training time
of the epoch), ``examples_per_second`` and ``elapsed_seconds`` (wall time of the
run at the end of the epoch, over all its sessions).

Records written before epochs were counted from 1 (their first row says epoch
0) are renumbered when read.
"""
import csv
import io
import json
import os

from .. import atomic

FIELDS = ("epoch", "iteration", "cost", "validation_accuracy", "test_accuracy", "best", "seconds",
          "examples_per_second", "elapsed_seconds")
_INTS = ("epoch", "iteration")


def _format(path):
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".csv", ".json"):
        raise ValueError(f"{path}: a run record must be a .csv or a .json file")
    return extension[1:]


def check_path(path):
    """Raise ``ValueError`` naming ``path`` unless it can name a run record."""
    _format(path)


def renumber(rows):
    """``rows`` with epochs counted from 1 (older records counted them from 0)."""
    rows = [dict(row) for row in rows]
    if rows and rows[0].get("epoch") == 0:
        for row in rows:
            row["epoch"] += 1
    return rows


def _tidy(value):
    if isinstance(value, float):
        return float(f"{value:.12g}")
    return value


def tidy(row):
    """``row`` with its floats to 12 significant digits: an accuracy of 9,962 in 10,000
    reads 0.9962, not the 0.9962000000000001 its division gave (the digits dropped are
    rounding noise). Training keeps its history so, and records are written so."""
    return {k: _tidy(v) for k, v in dict(row).items()}


def write(path, rows):
    """Write ``rows`` to ``path`` (CSV or JSON by extension), atomically."""
    rows = [tidy(r) for r in rows]
    if _format(path) == "json":
        atomic.write_text(path, json.dumps({"epochs": rows}, indent=1) + "\n")
        return
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in FIELDS})
    atomic.write_text(path, text.getvalue())


def read(path):
    """The records in ``path``, a file written by :func:`write`."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such run record")
    if _format(path) == "json":
        with open(path, encoding="utf-8") as f:
            try:
                return renumber(json.load(f)["epochs"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}: not a symconv run record ({exc})") from None
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "validation_accuracy" not in reader.fieldnames:
            raise ValueError(f"{path}: not a symconv run record (no validation_accuracy column)")
        for raw in reader:
            row = {}
            for key, value in raw.items():
                if value in ("", None):
                    row[key] = None
                elif key == "best":
                    row[key] = value == "True"
                elif key in _INTS:
                    row[key] = int(value)
                else:
                    row[key] = float(value)
            rows.append(row)
    return renumber(rows)


def progress_line(row, epochs, examples):
    """One line per epoch: cost, accuracies, time and speed."""
    line = (f"epoch {row['epoch']}/{epochs}  cost {row['cost']:.4f}  "
            f"validation {row['validation_accuracy']:.2%}")
    if row["best"]:
        line += " (best)"
    if row["test_accuracy"] is not None:
        line += f"  test {row['test_accuracy']:.2%}"
    line += f"  {examples:,} examples in {row['seconds']:.1f} s"
    if row["examples_per_second"]:
        line += f" ({row['examples_per_second']:,.0f} examples/s)"
    return line


def summary_line(state):
    """The run's outcome in one line."""
    if state["best_iteration"] is None:
        return "no epoch finished"
    epoch = state["best_iteration"] // state["num_training_batches"] + 1
    line = f"best validation accuracy {state['best_validation_accuracy']:.2%} at epoch {epoch}"
    if state["test_accuracy"] is not None:
        line += f", test accuracy {state['test_accuracy']:.2%}"
    return line
