"""Reproduce the results table of chapter 6 of Nielsen's book with symconv.

Each row trains the chapter's network with network3's hyper-parameters
(mini-batches of 10) and reports the test accuracy at the epoch of best
validation accuracy, as the chapter does, beside the published one and the
wall time of the run on this machine. Results go to
``benchmarks/results/chapter6.md``, rewritten atomically after each row; rows
already there and not rerun are kept, so rows can be run one at a time::

    python benchmarks/chapter6.py --rows 1,2       # published epochs
    python benchmarks/chapter6.py --rows 4 --epochs 1 --train-size 1000   # a smoke test

The table says how many epochs (and training images) each row actually used.
"""
import argparse
import datetime
import os
import platform
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from symconv import atomic, network3  # noqa: E402
from symconv.training import presets  # noqa: E402
from symconv.training.ensemble import ensemble_predictions, vote  # noqa: E402

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "chapter6.md")
ROWS = [p.row for p in presets.PRESETS.values() if p.row]
COLUMNS = ["row", "network", "activation", "eta", "lmbda", "training images", "epochs (chapter)",
           "epochs run", "published", "ours", "wall time", "run on", "notes"]

HEADER = """# Chapter 6, reproduced

Chapter 6 of Michael Nielsen's *Neural Networks and Deep Learning* trains a series of
networks on MNIST with `network3.py`; each row below trains the same network with the
same hyper-parameters (mini-batches of 10, mini-batches in stored order) with
`symconv.network3`, and reports the test accuracy at the epoch of best validation
accuracy, as the chapter does. CP(k) is a layer of k 5x5 filters with 2x2 max-pooling,
FC(k) a fully connected layer of k neurons, SM the softmax layer. "ours" and "wall time"
come from one real run (seed given in the notes) on the machine named in "run on".
Rows with fewer epochs or training images than the chapter are marked by the
"epochs run" and "training images" columns.

Regenerate a row with `python benchmarks/chapter6.py --rows ROW`.

"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default=",".join(ROWS),
                        help=f"comma-separated rows to run (default: all of {','.join(ROWS)})")
    parser.add_argument("--epochs", type=int, help="cut every row to this many epochs (smoke test)")
    parser.add_argument("--train-size", type=int, help="train on the first N training images only")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    parser.add_argument("--out", default=DEFAULT_OUT, help="the results file (markdown)")
    args = parser.parse_args(argv)
    args.rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in args.rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; the rows are {ROWS}")
    return args


def machine():
    return f"{platform.machine()}, {os.cpu_count()} CPUs, NumPy {np.__version__}"


def run_row(preset, args, data_cache):
    """Train the row's network(s); returns the table's cells for it."""
    epochs = args.epochs or preset.epochs
    key = (preset.expanded, args.train_size)
    if key not in data_cache:
        data_cache[key] = network3.load_data_shared(expanded=preset.expanded,
                                                    train_size=args.train_size)
    training, validation, test = data_cache[key]
    print(f"row {preset.row}: {preset.describe()}; running {epochs} epochs on "
          f"{network3.size(training):,} images", flush=True)
    started = time.perf_counter()
    nets, results = [], []
    for k in range(preset.ensemble):
        seed = args.seed + k
        layers = preset.layers(preset.mini_batch_size, rng=np.random.RandomState(seed))
        net = network3.Network(layers, preset.mini_batch_size, seed=seed)
        if preset.ensemble > 1:
            print(f"  network {k + 1} of {preset.ensemble} (seed {seed})", flush=True)
        results.append(net.SGD(training, epochs, preset.mini_batch_size, preset.eta, validation,
                               test, lmbda=preset.lmbda, report="progress"))
        nets.append(net)
    if preset.ensemble > 1:
        images, labels = test[0].get_value(borrow=True), network3.label_values(test)
        predictions = ensemble_predictions(nets, images)
        ours = float(np.mean(vote(predictions) == labels))
        notes = (f"seeds {args.seed}-{args.seed + preset.ensemble - 1}; members: "
                 + ", ".join(f"{np.mean(p == labels):.2%}" for p in predictions))
    else:
        ours = results[0].test_accuracy
        notes = f"seed {args.seed}"
    seconds = time.perf_counter() - started
    return {
        "row": preset.row, "network": preset.architecture
        + (f", dropout {preset.dropout:g}" if preset.dropout else "")
        + (f", vote of {preset.ensemble}" if preset.ensemble > 1 else ""),
        "activation": preset.activation, "eta": f"{preset.eta:g}", "lmbda": f"{preset.lmbda:g}",
        "training images": f"{network3.size(training):,}" + (" (expanded)" if preset.expanded else ""),
        "epochs (chapter)": str(preset.epochs), "epochs run": str(epochs),
        "published": f"{preset.published:.2%}", "ours": f"{ours:.2%}",
        "wall time": _duration(seconds),
        "run on": f"{datetime.date.today().isoformat()}, {machine()}", "notes": notes,
    }


def _duration(seconds):
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def read_rows(path):
    """The rows already in the results file: row id -> line."""
    if not os.path.exists(path):
        return {}
    kept = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            match = re.match(r"\|\s*([0-9][a-z]?)\s*\|", line)
            if match and match.group(1) in ROWS:
                kept[match.group(1)] = line.rstrip("\n")
    return kept


def write_rows(path, rows):
    lines = [HEADER.rstrip("\n"), "", "| " + " | ".join(COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    lines += [rows[r] for r in ROWS if r in rows]
    atomic.write_text(path, "\n".join(lines) + "\n")


def main(argv=None):
    args = parse_args(argv)
    by_row = {p.row: p for p in presets.PRESETS.values() if p.row}
    rows = read_rows(args.out)
    data_cache = {}
    for row in args.rows:
        cells = run_row(by_row[row], args, data_cache)
        rows[row] = "| " + " | ".join(cells[c] for c in COLUMNS) + " |"
        write_rows(args.out, rows)
        print(f"row {row}: published {cells['published']}, ours {cells['ours']}, "
              f"{cells['wall time']} -> {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
