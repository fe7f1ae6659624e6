"""MNIST from any of its usual sources, and chapter 6's expanded training set.

``load_split(source)`` returns Nielsen's split, ``((train_x, train_y),
(valid_x, valid_y), (test_x, test_y))`` with images float32 (N, 784) in [0, 1]
and labels int64, from:

- ``None``: the copy bundled with symconv (checksums verified);
- a folder holding the four IDX files (gzip-compressed or not);
- Nielsen's ``mnist.pkl.gz`` (or any pickle of the same three pairs), read by a
  restricted unpickler that builds NumPy arrays and tuples and nothing else.
  A pickle is a program: an ordinary ``pickle.load`` would run whatever a
  hostile file asks for, so any other request is refused before it runs.

``expand_training_data`` adds the four one-pixel shifts of every training image
(250,000 images from 50,000), and ``load_expanded`` caches the result as an
``.npz`` file under the user's cache folder.
"""
import gzip
import hashlib
import io
import os
import pickle
import warnings
import zipfile
import zlib

import numpy as np

from .. import atomic
from .mnist import DataError, check_label_range, mnist_split

IMAGE_SIDE = 28

# NumPy's own array-rebuilding function, found through an array's reduce tuple
# so that its private module path does not matter.
_reconstruct = np.zeros(0).__reduce__()[0]

# The only globals a pickle of NumPy arrays needs, mapped to the objects we
# allow; the module a pickle names is never imported.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
}


def _frombuffer(buffer, dtype, shape, order):
    # the protocol-5 form of an ndarray; rebuilt here rather than trusting numpy internals by name
    array = np.frombuffer(buffer, dtype=dtype)
    return array.reshape(shape, order=order).copy()


def _latin1_bytes(text, encoding="latin1"):
    # how protocol-2 pickles written by Python 3 spell a bytes object
    if not isinstance(text, str) or encoding != "latin1":
        raise pickle.UnpicklingError("_codecs.encode is allowed only to rebuild bytes")
    return text.encode("latin1")


_ALLOWED_GLOBALS[("numpy.core.numeric", "_frombuffer")] = _frombuffer
_ALLOWED_GLOBALS[("numpy._core.numeric", "_frombuffer")] = _frombuffer
_ALLOWED_GLOBALS[("_codecs", "encode")] = _latin1_bytes


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """An unpickler that can build NumPy arrays, tuples, lists and plain values only."""

    def __init__(self, file, path):
        super().__init__(file, encoding="latin1")  # Nielsen's file was written by Python 2
        self.path = path

    def find_class(self, module, name):
        allowed = _ALLOWED_GLOBALS.get((module, name))
        if allowed is None:
            raise DataError(
                f"{self.path}: refusing to load this pickle: it asks for {module}.{name}, and "
                "only NumPy arrays and tuples are allowed (loading a pickle can run arbitrary "
                "code, so nothing else is ever built)")
        return allowed

    def persistent_load(self, pid):
        raise DataError(f"{self.path}: refusing to load this pickle: it uses persistent ids, "
                        "and only NumPy arrays and tuples are allowed")


def _read_bytes(path):
    """The bytes of ``path``, gunzipped when the file is gzip-compressed."""
    if not os.path.isfile(path):
        raise DataError(f"{path}: no such file")
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{path}: cannot be decompressed ({exc}); the file is corrupt or "
                            "truncated") from None
    return raw


def _check_pair(path, name, pair, expected_rows=None):
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise DataError(f"{path}: the {name} set must be a pair (images, labels), got "
                        f"{type(pair).__name__}")
    x, y = pair
    if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray):
        raise DataError(f"{path}: the {name} images and labels must be NumPy arrays")
    if x.dtype.kind not in "fiu" or y.dtype.kind not in "iuf":
        raise DataError(f"{path}: the {name} set has dtypes {x.dtype} and {y.dtype}; expected "
                        "numeric images and integer labels")
    if x.ndim != 2 or x.shape[1] != IMAGE_SIDE * IMAGE_SIDE or y.shape != (len(x),):
        raise DataError(f"{path}: the {name} images have shape {x.shape} and the labels "
                        f"{y.shape}; expected (N, 784) and (N,)")
    labels = y.astype(np.int64)
    if y.dtype.kind == "f" and not np.array_equal(labels, y):
        raise DataError(f"{path}: the {name} labels are not whole numbers")
    check_label_range(labels, f"{path}, {name} set")
    return np.ascontiguousarray(x, dtype=np.float32), labels


def load_mnist_pickle(path):
    """Nielsen's ``mnist.pkl.gz``: three (images, labels) pairs, read safely.

    Parameters
    ----------
    path : str
        A pickle, gzip-compressed or not, of ``(training, validation, test)``
        where each is ``(images (N, 784), labels (N,))``.

    Returns
    -------
    tuple
        ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))``, images
        float32, labels int64.

    Raises
    ------
    DataError
        Naming the file: when the pickle asks for anything but NumPy arrays and
        tuples (it is refused, never run), or is corrupt, truncated or of
        another layout.
    """
    raw = _read_bytes(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy.core names in old pickles warn on numpy 2
            data = _ArraysOnlyUnpickler(io.BytesIO(raw), path).load()
    except DataError:
        raise
    except Exception as exc:  # UnpicklingError, EOFError, ValueError from a damaged stream
        raise DataError(f"{path}: not a readable pickle ({type(exc).__name__}: {exc}); the file "
                        "is corrupt or truncated") from None
    if not isinstance(data, (tuple, list)) or len(data) != 3:
        raise DataError(f"{path}: expected three (images, labels) pairs (training, validation, "
                        f"test), got {type(data).__name__}"
                        + (f" of length {len(data)}" if isinstance(data, (tuple, list)) else ""))
    return tuple(_check_pair(path, name, pair)
                 for name, pair in zip(("training", "validation", "test"), data))


def load_split(source=None):
    """Nielsen's split from the bundled copy, a folder of IDX files or a pickle.

    Parameters
    ----------
    source : str, optional
        None for the bundled MNIST, a folder of IDX files, or a pickle file
        such as Nielsen's ``mnist.pkl.gz``.

    Returns
    -------
    tuple
        ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))``: 50,000 /
        10,000 / 10,000 examples for MNIST, images float32 (N, 784) in [0, 1],
        labels int64.

    Examples
    --------
    >>> (tx, ty), (vx, vy), (sx, sy) = load_split()
    >>> tx.shape, vx.shape, sx.shape
    ((50000, 784), (10000, 784), (10000, 784))
    """
    if source is None or os.path.isdir(source):
        return mnist_split(source)
    if not os.path.exists(source):
        raise DataError(f"{source}: no such file or folder (expected a folder of MNIST IDX "
                        "files or a pickle such as mnist.pkl.gz)")
    return load_mnist_pickle(source)


# ---------------------------------------------------------------------------
# expanded training data


def expand_training_data(images, labels, shuffle=True, seed=0):
    """Each image followed by its one-pixel shifts down, up, right and left.

    The row or column a shift vacates is zero, as in chapter 6. With
    ``shuffle`` the examples are put in a fixed random order (seeded), so that a
    mini-batch mixes many digits rather than five copies of two.

    Parameters
    ----------
    images : ndarray, shape (N, 784)
    labels : ndarray, shape (N,)
    shuffle : bool
    seed : int

    Returns
    -------
    (ndarray, ndarray)
        ``5 N`` images (same dtype) and labels.
    """
    images = np.asarray(images)
    n = len(images)
    if images.ndim != 2 or images.shape[1] != IMAGE_SIDE * IMAGE_SIDE or len(labels) != n:
        raise ValueError(f"expand_training_data: expected images (N, 784) and labels (N,), got "
                         f"{images.shape} and {np.shape(labels)}")
    square = images.reshape(n, IMAGE_SIDE, IMAGE_SIDE)
    out = np.zeros((n, 5, IMAGE_SIDE, IMAGE_SIDE), dtype=images.dtype)
    out[:, 0] = square
    out[:, 1, 1:, :] = square[:, :-1, :]   # down
    out[:, 2, :-1, :] = square[:, 1:, :]   # up
    out[:, 3, :, 1:] = square[:, :, :-1]   # right
    out[:, 4, :, :-1] = square[:, :, 1:]   # left
    out = out.reshape(5 * n, IMAGE_SIDE * IMAGE_SIDE)
    out_labels = np.repeat(np.asarray(labels), 5)
    if shuffle:
        order = np.random.RandomState(seed).permutation(5 * n)
        out, out_labels = out[order], out_labels[order]
    return out, out_labels


def cache_dir():
    """Where symconv caches derived data: ``$SYMCONV_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/symconv``, else ``~/.cache/symconv``."""
    explicit = os.environ.get("SYMCONV_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "symconv")


_CACHE_VERSION = 1


def _fingerprint(images, labels, shuffle, seed):
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"v{_CACHE_VERSION} shuffle={shuffle} seed={seed} {images.shape} "
                  f"{images.dtype}".encode())
    digest.update(np.ascontiguousarray(images).data)
    digest.update(np.ascontiguousarray(labels, dtype=np.int64).data)
    return digest.hexdigest()


def load_expanded(images, labels, shuffle=True, seed=0, cache=None):
    """``expand_training_data``, cached as an ``.npz`` file keyed by the data and seed.

    Parameters
    ----------
    images, labels : ndarray
        The training set to expand (images float32 (N, 784)).
    shuffle, seed
        As in :func:`expand_training_data`.
    cache : str or False, optional
        The cache folder (default :func:`cache_dir`); False computes without caching.

    Returns
    -------
    (ndarray, ndarray)
        float32 images (5 N, 784) and int64 labels.
    """
    images = np.ascontiguousarray(images, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    if cache is False:
        return expand_training_data(images, labels, shuffle, seed)
    folder = cache or cache_dir()
    path = os.path.join(folder, f"expanded-{_fingerprint(images, labels, shuffle, seed)}.npz")
    if os.path.exists(path):
        try:
            with np.load(path, allow_pickle=False) as f:
                stored, out_labels = f["images"], f["labels"]
            if stored.shape == (5 * len(images), images.shape[1]):
                out = stored.astype(np.float32)
                if stored.dtype == np.uint8:
                    out /= np.float32(255.0)
                return out, out_labels
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
            pass  # a damaged cache file is rebuilt below
        warnings.warn(f"{path}: the cached expanded data is damaged; rebuilding it", stacklevel=2)
    out, out_labels = expand_training_data(images, labels, shuffle, seed)
    # MNIST pixels are k/255: store them as bytes (4x smaller) when that is exact
    as_bytes = np.rint(images * np.float32(255.0)).astype(np.uint8)
    exact = np.array_equal(as_bytes.astype(np.float32) / np.float32(255.0), images)
    stored, _ = expand_training_data(as_bytes, labels, shuffle, seed) if exact else (out, None)
    atomic.savez(path, compressed=True, images=stored, labels=out_labels)
    return out, out_labels
