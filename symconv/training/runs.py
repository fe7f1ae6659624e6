"""Run folders: where a training run keeps its checkpoint and its record.

``symconv train`` with no ``--checkpoint`` or ``--record`` makes a new folder
``runs/<preset>-<date>-<n>/`` holding ``run.npz`` (the checkpoint) and
``run.csv`` (one row per epoch); the members of an ensemble are ``run-1.npz``,
``run-1.csv``, ... ``evaluate``, ``plot`` and ``train --resume`` take the folder.
"""
import datetime
import os

from . import records

CHECKPOINT, RECORD = "run.npz", "run.csv"
ROOT = "runs"


def new_run_dir(preset, root=ROOT, today=None):
    """Create and return a new folder ``root/<preset>-<YYYY-MM-DD>-<n>`` (n = 1, 2, ...).

    The folder is created with ``os.mkdir``, so two runs started at once never
    share one.
    """
    day = (today or datetime.date.today()).isoformat()
    os.makedirs(root, exist_ok=True)
    n = 1
    while True:
        path = os.path.join(root, f"{preset}-{day}-{n}")
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            n += 1


def member_path(path, index, n):
    """The file of ensemble member ``index`` (from 0) of ``n``: ``run.npz`` -> ``run-2.npz``."""
    if not path or n == 1:
        return path
    stem, ext = os.path.splitext(path)
    return f"{stem}-{index + 1}{ext}"


def checkpoints_in(path):
    """The checkpoints a path names: the file itself, or the ``.npz`` files of a run folder.

    Raises
    ------
    FileNotFoundError
        Naming ``path`` when there is no such file, or no checkpoint in the folder.
    """
    if os.path.isdir(path):
        found = sorted((os.path.join(path, f) for f in os.listdir(path) if f.endswith(".npz")),
                       key=_member_order)
        if not found:
            raise FileNotFoundError(f"{path}: no checkpoint (.npz) in this folder")
        return found
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such checkpoint file or run folder")
    return [path]


def _member_order(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    head, _, tail = stem.rpartition("-")
    return (head, int(tail)) if head and tail.isdigit() else (stem, 0)


def record_beside(checkpoint_path):
    """A record with the checkpoint's name beside it (``run.npz`` -> ``run.csv``), or None."""
    stem = os.path.splitext(checkpoint_path)[0]
    for ext in (".csv", ".json"):
        if os.path.isfile(stem + ext):
            return stem + ext
    return None


def check_writable(path, what):
    """Check, before any work, that ``path`` can be written; create its folder.

    Parameters
    ----------
    path : str
        A file to be written later (checkpoint, record).
    what : str
        What it is, for the error message ("checkpoint", "record").

    Raises
    ------
    ValueError
        Naming ``path`` as the user gave it and what is wrong with it.
    """
    if what == "record":
        records.check_path(path)
    if os.path.isdir(path):
        raise ValueError(f"{path}: is a folder; the {what} needs a file name")
    folder = os.path.dirname(os.path.abspath(path))
    existing = folder
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError(f"{path}: cannot write the {what} there: {existing} is a file, "
                         "not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{path}: cannot write the {what} there: the folder {existing} is "
                         "not writable")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise ValueError(f"{path}: cannot write the {what}: the file is not writable")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{path}: cannot create the folder for the {what} "
                         f"({exc.strerror})") from None
