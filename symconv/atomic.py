"""Writing files atomically: a reader sees the old file or the new one, never half of one.

Each writer writes a temporary file in the target's folder, flushes it to disk
and renames it over the target (``os.replace`` is atomic on POSIX and Windows).
Checkpoints, run records, the expanded-data cache and benchmark results all go
through here, so an interrupted run never leaves a truncated file behind.
"""
import contextlib
import glob
import os
import tempfile

import numpy as np


@contextlib.contextmanager
def atomic_open(path, mode="w", encoding=None):
    """Open a temporary file that replaces ``path`` when the ``with`` block ends.

    If the block raises, the temporary file is removed and ``path`` is untouched.

    Examples
    --------
    >>> with atomic_open("/tmp/symconv-example.txt") as f:  # doctest: +SKIP
    ...     f.write("done")
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open: mode must be 'w' or 'wb', got {mode!r}")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=folder)
    except OSError as exc:
        # name the file the caller asked for, not the temporary one beside it
        raise type(exc)(exc.errno, f"cannot write {path} ({exc.strerror})") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would
        with os.fdopen(fd, mode, encoding=None if "b" in mode else (encoding or "utf-8")) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        # KeyboardInterrupt too: never leave a stray temporary file
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _temporary_prefix(path):
    return "." + os.path.basename(path) + "."


def remove_temporaries(path):
    """Remove temporary files left beside ``path`` by writes that were killed half-way.

    Only call this while no other process may be writing ``path`` (for a
    checkpoint: while holding its lock), since a write in progress looks the same.

    Returns
    -------
    list of str
        The files removed.
    """
    folder = os.path.dirname(os.path.abspath(path))
    pattern = os.path.join(glob.escape(folder), glob.escape(_temporary_prefix(path)) + "*.tmp")
    removed = []
    for stray in glob.glob(pattern):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(stray)
            removed.append(stray)
    return removed


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path, text):
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, "w") as f:
        f.write(text)


def savez(path, compressed=False, **arrays):
    """``np.savez`` (or ``np.savez_compressed``) to ``path``, atomically.

    The file is written exactly at ``path`` (no ``.npz`` is appended).
    """
    save = np.savez_compressed if compressed else np.savez
    with atomic_open(path, "wb") as f:
        save(f, **arrays)
