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
A run with fewer epochs or training images than the chapter's is written to
``benchmarks/results/chapter6-short.md`` instead, so that it never replaces a
full row, unless ``--out`` names the file.

A long row can be trained elsewhere, over several sessions, with ``symconv
train --preset NAME --checkpoint PATH`` and ``--resume PATH``, then written into
the table from its checkpoint (its accuracy and its wall time summed over the
sessions)::

    python benchmarks/chapter6.py --rows 5 --from-checkpoint runs/row5-seed0.npz
    python benchmarks/chapter6.py --rows 8 --from-checkpoint runs/ensemble-2026-12-01-1

``--checkpoint-dir DIR`` makes the script itself checkpoint each row after every
epoch (``DIR/row5-seed0.npz``) and continue from there when started again.
"""
import argparse
import datetime
import glob
import os
import platform
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from symconv import atomic, network3  # noqa: E402
from symconv.training import checkpoint, jobs, presets, runs  # noqa: E402
from symconv.training.ensemble import ensemble_predictions, vote  # noqa: E402
from symconv.training.sgd import previous_elapsed_seconds  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
DEFAULT_OUT = os.path.join(RESULTS, "chapter6.md")
SHORT_OUT = os.path.join(RESULTS, "chapter6-short.md")
FULL_TRAINING_IMAGES = 50000
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
    parser.add_argument("--out", help="the results file (markdown; default "
                        "results/chapter6.md, or results/chapter6-short.md for a run with fewer "
                        "epochs or images than the chapter's)")
    parser.add_argument("--from-checkpoint", metavar="PATH",
                        help="take the row from a checkpoint trained elsewhere (symconv train "
                        "--checkpoint/--resume), or from a folder or comma-separated list of "
                        "the ensemble's members for row 8, instead of training it")
    parser.add_argument("--checkpoint-dir", metavar="DIR",
                        help="checkpoint each row after every epoch in DIR, and continue a row "
                        "from its checkpoint there")
    args = parser.parse_args(argv)
    args.rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in args.rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; the rows are {ROWS}")
    if args.from_checkpoint and len(args.rows) != 1:
        parser.error("--from-checkpoint takes one row: give --rows ROW")
    if args.from_checkpoint and (args.epochs or args.train_size):
        parser.error("--from-checkpoint takes the epochs and images from the checkpoint")
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
    data = data_cache[key]
    training, _, test = data
    print(f"row {preset.row}: {preset.describe()}; running {epochs} epochs on "
          f"{network3.size(training):,} images", flush=True)
    started = time.perf_counter()
    nets, results, elapsed = [], [], []
    for k in range(preset.ensemble):
        seed = args.seed + k
        settings = jobs.settings_for(preset.name, epochs=epochs, train_size=args.train_size,
                                     seed=seed)
        path = None
        if args.checkpoint_dir:
            path = os.path.join(args.checkpoint_dir, f"row{preset.row}-seed{seed}.npz")
            runs.check_writable(path, "checkpoint")
        resume = jobs.continuable(path, settings)
        if preset.ensemble > 1:
            print(f"  network {k + 1} of {preset.ensemble} (seed {seed})", flush=True)
        if resume is not None:
            print(f"  continuing {path}: {resume.state['epoch']} of {epochs} epochs done",
                  flush=True)
        net = jobs.make_network(settings, seed)
        result = jobs.train(net, settings, data, report="progress", checkpoint=path,
                            resume=resume)
        results.append(result)
        nets.append(net)
        elapsed.append(result.history[-1].get("elapsed_seconds") if result.history else None)
    # a row continued from checkpoints counts the time of all its sessions
    seconds = sum(elapsed) if None not in elapsed else time.perf_counter() - started
    if preset.ensemble > 1:
        ours, notes = _vote(nets, test, f"seeds {args.seed}-{args.seed + preset.ensemble - 1}")
    else:
        ours, notes = results[0].test_accuracy, f"seed {args.seed}"
    return _cells(preset, network3.size(training), epochs, ours, seconds,
                  datetime.date.today(), notes)


def _vote(nets, test, what):
    images, labels = test[0].get_value(borrow=True), network3.label_values(test)
    predictions = ensemble_predictions(nets, images)
    ours = float(np.mean(vote(predictions) == labels))
    return ours, f"{what}; members: " + ", ".join(f"{np.mean(p == labels):.2%}"
                                                  for p in predictions)


def _cells(preset, images, epochs, ours, seconds, day, notes):
    return {
        "row": preset.row, "network": preset.architecture
        + (f", dropout {preset.dropout:g}" if preset.dropout else "")
        + (f", vote of {preset.ensemble}" if preset.ensemble > 1 else ""),
        "activation": preset.activation, "eta": f"{preset.eta:g}", "lmbda": f"{preset.lmbda:g}",
        "training images": f"{images:,}" + (" (expanded)" if preset.expanded else ""),
        "epochs (chapter)": str(preset.epochs), "epochs run": str(epochs),
        "published": f"{preset.published:.2%}", "ours": f"{ours:.2%}",
        "wall time": _duration(seconds),
        "run on": f"{day.isoformat()}, {machine()}", "notes": notes,
    }


def _checkpoint_paths(spec):
    paths = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        paths += runs.checkpoints_in(part) if os.path.isdir(part) else sorted(glob.glob(part)) \
            or runs.checkpoints_in(part)
    return paths


def row_from_checkpoints(preset, spec):
    """The row's cells from checkpoints trained elsewhere; returns (cells, epochs, images).

    Raises
    ------
    ValueError
        Naming the checkpoint, when it is not a run of the row's network and settings.
    """
    paths = _checkpoint_paths(spec)
    if len(paths) != preset.ensemble:
        raise ValueError(f"{spec}: row {preset.row} needs {preset.ensemble} checkpoint(s), "
                         f"found {len(paths)}")
    saved = [checkpoint.load(path) for path in paths]
    for path, one in zip(paths, saved):
        info = one.state.get("info", {})
        wanted = {"preset": _same_network(preset), "eta": {preset.eta}, "lmbda": {preset.lmbda},
                  "expand": {preset.expanded}, "dropout": {preset.dropout},
                  "activation": {preset.activation}}
        wrong = [f"{key} {info.get(key)!r}" for key, allowed in wanted.items()
                 if info.get(key) not in allowed]
        if wrong:
            raise ValueError(f"{path}: not a run of row {preset.row} ({preset.describe()}): "
                             f"it has {', '.join(wrong)}")
    states = [one.state for one in saved]
    epochs = min(state.get("epoch", 0) for state in states)
    images = states[0]["num_training_batches"] * states[0]["mini_batch_size"]
    seconds = sum(previous_elapsed_seconds(state) for state in states)
    day = datetime.date.fromtimestamp(max(os.path.getmtime(path) for path in paths))
    seeds = [one.state.get("info", {}).get("seed", one.meta.get("seed")) for one in saved]
    names = ", ".join(os.path.basename(path) for path in paths)
    if preset.ensemble > 1:
        _, _, test = network3.load_data_shared()
        ours, notes = _vote([one.build_network() for one in saved], test,
                            "seeds " + ", ".join(map(str, seeds)))
    else:
        ours, notes = states[0].get("test_accuracy"), f"seed {seeds[0]}"
        if ours is None:
            raise ValueError(f"{paths[0]}: the run has no test accuracy yet (no epoch finished)")
    sessions = "" if all(s.get("elapsed_seconds") is not None for s in states) else \
        " (training seconds only: the checkpoint predates elapsed time)"
    notes += f"; from checkpoint {names}, wall time summed over its sessions{sessions}"
    return _cells(preset, images, epochs, ours, seconds, day, notes), epochs, images


def _same_network(preset):
    """The presets that train the row's network the row's way (row 8's members are row 7's)."""
    def key(p):
        return (p.conv_layers, p.fc_layers, p.activation, p.eta, p.lmbda, p.expanded, p.dropout)
    return {p.name for p in presets.PRESETS.values() if key(p) == key(preset)}


def is_short(preset, epochs, images):
    """Whether a run used fewer epochs or training images than the chapter's."""
    full = FULL_TRAINING_IMAGES * (5 if preset.expanded else 1)
    return epochs < preset.epochs or images < full


def _duration(seconds):
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def read_rows(path):
    """The rows already in the results file's table: row id -> line. Sections after the
    table (headed ``## ``) may hold tables of their own, such as the rows in progress,
    whose lines are not results."""
    if not os.path.exists(path):
        return {}
    kept = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                break
            match = re.match(r"\|\s*([0-9][a-z]?)\s*\|", line)
            if match and match.group(1) in ROWS:
                kept[match.group(1)] = line.rstrip("\n")
    return kept


def notes_after_table(path):
    """What the results file says after its table (sections headed ``## ``, such as the
    rows still in progress), kept when rows are written."""
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"^## ", text, flags=re.MULTILINE)
    return text[match.start():] if match else ""


def write_rows(path, rows):
    lines = [HEADER.rstrip("\n"), "", "| " + " | ".join(COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    lines += [rows[r] for r in ROWS if r in rows]
    notes = notes_after_table(path)
    atomic.write_text(path, "\n".join(lines) + "\n" + ("\n" + notes if notes else ""))


def main(argv=None):
    args = parse_args(argv)
    try:
        return _run(args)
    except (ValueError, OSError) as exc:
        print(f"chapter6.py: error: {exc}", file=sys.stderr)
        return 1


def _run(args):
    by_row = {p.row: p for p in presets.PRESETS.values() if p.row}
    data_cache = {}
    for row in args.rows:
        preset = by_row[row]
        if args.from_checkpoint:
            cells, epochs, images = row_from_checkpoints(preset, args.from_checkpoint)
        else:
            epochs = args.epochs or preset.epochs
            images = args.train_size or FULL_TRAINING_IMAGES
            if preset.expanded and not args.train_size:
                images *= 5
            cells = None
        out = args.out or (SHORT_OUT if is_short(preset, epochs, images) else DEFAULT_OUT)
        if out == SHORT_OUT and not args.out:
            print(f"row {row}: {epochs} of {preset.epochs} epochs on {images:,} images, shorter "
                  f"than the chapter's: writing to {out}, not {DEFAULT_OUT} (--out to choose)",
                  flush=True)
        if cells is None:
            cells = run_row(preset, args, data_cache)
        rows = read_rows(out)
        rows[row] = "| " + " | ".join(cells[c] for c in COLUMNS) + " |"
        write_rows(out, rows)
        print(f"row {row}: published {cells['published']}, ours {cells['ours']}, "
              f"{cells['wall time']} -> {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
