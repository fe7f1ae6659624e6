"""Sweeps: a grid of presets, seeds and hyper-parameters, as one job each, and their table.

``grid`` lists the runs; ``job_list`` gives each one a checkpoint and record in
the sweep's folder (which every worker must be able to reach); ``table`` writes
the results as a markdown table. :mod:`symconv.training.distributed` runs the
jobs as Dask tasks; a job whose checkpoint already holds part of the same run
continues it, so a sweep started again in its folder only does what is left.
"""
import itertools
import os

from .. import atomic
from . import jobs, presets

COLUMNS = ("run", "preset", "eta", "lmbda", "seed", "epochs", "best validation",
           "test at best validation", "wall time")


def grid(preset_names, seeds=(0,), etas=(None,), lmbdas=(None,), **common):
    """The settings of every run of the sweep: each preset x eta x lmbda x seed.

    ``None`` for eta or lmbda keeps the preset's value; ``common`` overrides
    apply to every run (``epochs``, ``train_size``, ``data``, ...).
    """
    runs = []
    for name, eta, lmbda, seed in itertools.product(preset_names, etas, lmbdas, seeds):
        runs.append(jobs.settings_for(name, eta=eta, lmbda=lmbda, seed=seed, **common))
    names = [run_name(s) for s in runs]
    if len(set(names)) != len(names):
        raise ValueError("the sweep lists one run twice; give each preset, eta, lmbda and seed once")
    return runs


def run_name(settings):
    """``relu-eta0.03-lmbda0.1-seed0``: the run's files are named after it."""
    return (f"{settings['preset']}-eta{settings['eta']:g}-lmbda{settings['lmbda']:g}-"
            f"seed{settings['seed']}")


def job_list(runs, folder):
    """One job per run, checkpointing to ``folder/<run>.npz`` and recording to ``<run>.csv``."""
    folder = os.path.abspath(folder)
    return [{"settings": s, "checkpoint": os.path.join(folder, run_name(s) + ".npz"),
             "record": os.path.join(folder, run_name(s) + ".csv"), "lock": True} for s in runs]


def table(runs, results):
    """The sweep's results as a markdown table (runs not finished yet are left blank)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for settings, result in zip(runs, results):
        cells = [run_name(settings), settings["preset"], f"{settings['eta']:g}",
                 f"{settings['lmbda']:g}", str(settings["seed"]), str(settings["epochs"])]
        if result is None:
            cells += ["", "", ""]
        else:
            best = result["result"]
            seconds = result.get("elapsed_seconds")
            cells += [f"{best.best_validation_accuracy:.2%}",
                      "-" if best.test_accuracy is None else f"{best.test_accuracy:.2%}",
                      "-" if seconds is None else wall_time(seconds)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def wall_time(seconds):
    """``0.9 s``, ``1:15``, ``1:02:05``, ``31.4 h``."""
    from .progress import format_seconds

    if seconds < 60:
        return f"{seconds:.1f} s"
    return format_seconds(seconds) if seconds < 10 * 3600 else f"{seconds / 3600:.1f} h"


def write_table(path, runs, results):
    """Write :func:`table` to ``path`` atomically."""
    atomic.write_text(path, table(runs, results))


def preset_names(names=None, rows=None):
    """Presets named directly or by their row of chapter 6's table."""
    chosen = list(names or [])
    by_row = {p.row: p.name for p in presets.PRESETS.values() if p.row}
    for row in rows or []:
        if row not in by_row:
            raise ValueError(f"unknown row {row!r}; the rows are {', '.join(by_row)}")
        chosen.append(by_row[row])
    for name in chosen:
        presets.get(name)
    if not chosen:
        raise ValueError("a sweep needs --presets or --rows")
    return chosen
