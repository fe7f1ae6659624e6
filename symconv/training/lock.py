"""One writer per checkpoint: a lock file beside it, held while a run writes it.

``acquire(path)`` creates ``path + ".lock"``, takes an exclusive ``flock`` on it
and writes who holds it (process id, host, command, start time). A second run
asking for the same checkpoint is refused at once with those details. The
operating system drops the ``flock`` when its process ends, however it ends, so
a lock file left by a killed run is recognised as stale (nobody holds it) and
taken over; a run that ends normally removes its lock file. Over NFS, Linux
maps ``flock`` to POSIX locks, which the NFS lock manager shares between hosts.
"""
import contextlib
import datetime
import json
import os
import socket
import sys

try:
    import fcntl
except ImportError:  # not POSIX: locking is not available
    fcntl = None


class CheckpointLocked(FileExistsError):
    """Another process is writing this checkpoint."""


class Lock:
    """A held checkpoint lock; :meth:`release` (or leaving a ``with`` block) frees it.

    Attributes
    ----------
    path : str
        The checkpoint the lock guards.
    lock_path : str
    stale : dict or None
        The holder of a stale lock file that was taken over, if there was one.
    """

    def __init__(self, path, lock_path, fd, stale):
        self.path, self.lock_path, self._fd, self.stale = path, lock_path, fd, stale

    def release(self):
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.lock_path)   # unlinked before unlocking: no one locks a dead file
        os.close(self._fd)
        self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def lock_path_of(path):
    """The lock file guarding the checkpoint ``path``."""
    return path + ".lock"


def acquire(path):
    """Take the lock on checkpoint ``path``.

    Raises
    ------
    CheckpointLocked
        Naming ``path`` and the process that holds it.
    OSError
        Naming ``path`` when the lock file cannot be created there.
    """
    lock_path = lock_path_of(path)
    if fcntl is None:
        return Lock(path, lock_path, None, None)
    while True:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise type(exc)(exc.errno, f"cannot lock the checkpoint {path}: {exc.strerror} "
                            f"({lock_path})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise CheckpointLocked(f"{path}: another run is writing this checkpoint: "
                                   f"{describe(holder)}; lock file {lock_path}") from None
        if _same_file(fd, lock_path):
            break
        os.close(fd)   # the holder released it between our open and flock: try the new one
    stale = _read(fd) or None
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(_me()).encode())
    return Lock(path, lock_path, fd, stale)


def describe(holder):
    """``process 123 on host (symconv train ...), since 2026-01-01 12:00``."""
    if not holder:
        return "a process that has not written its details yet"
    return (f"process {holder.get('pid')} on {holder.get('host')} ({holder.get('command')}), "
            f"since {holder.get('started')}")


def _me():
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:])[:200],
            "started": datetime.datetime.now().isoformat(timespec="seconds")}


def _read(fd):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return json.loads(os.read(fd, 4096).decode() or "{}")
    except (OSError, ValueError):
        return {}


def _same_file(fd, path):
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False
