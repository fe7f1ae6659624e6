"""Reading MNIST from IDX files (the bundled copy or a folder of them).

The bundled files are checked against their SHA-256 checksums, so a corrupt or
truncated copy is a clear error rather than silently wrong data.
"""
import gzip
import hashlib
import os

import numpy as np

BUNDLED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist")

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
SHA256 = {
    "t10k-images-idx3-ubyte.gz": "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
    "t10k-labels-idx1-ubyte.gz": "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
    "train-images-idx3-ubyte.gz": "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
    "train-labels-idx1-ubyte.gz": "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DataError(ValueError):
    """A data file is missing, corrupt, truncated or of the wrong format."""


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_idx(path, expected_sha256=None):
    """Read one IDX file (gzip-compressed or not) into an ndarray.

    Raises
    ------
    DataError
        Naming the file, when the checksum, the magic number or the size is wrong.
    """
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file")
    if expected_sha256 is not None and _sha256(path) != expected_sha256:
        raise DataError(f"{path}: SHA-256 checksum mismatch; the file is corrupt or not the "
                        "standard MNIST file")
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot be read ({exc}); the file is corrupt or truncated") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{path}: not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(f"{path}: expected {expected} bytes of data for shape {shape}, found "
                        f"{len(raw) - header}; the file is truncated or corrupt")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


CLASSES = 10


def check_label_range(labels, where):
    """Raise a DataError naming ``where`` and the first example whose label is not a
    digit 0-9 (a label out of range would index past the softmax's classes)."""
    bad = np.flatnonzero((labels < 0) | (labels >= CLASSES))
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{where}: example {i} has label {int(labels[i])}; MNIST labels are the "
                        f"digits 0 to {CLASSES - 1} ({bad.size} of {labels.size} labels are out of range)")


def load_mnist(folder=None, verify=True):
    """The four MNIST arrays: ``(train_images, train_labels, test_images, test_labels)``.

    Images are float32 in [0, 1] with shape (N, 784), labels int64 with shape (N,).
    ``folder`` defaults to the bundled copy, whose checksums are verified.
    """
    folder = folder or BUNDLED_DIR
    arrays = {}
    for key, filename in FILES.items():
        path = os.path.join(folder, filename)
        if not os.path.exists(path) and os.path.exists(path[:-3]):
            path = path[:-3]  # an uncompressed copy
        # the bundled files are ours to vouch for; a folder of the user's may hold a
        # re-compressed copy (another gzip header) or another data set in IDX form
        bundled = os.path.abspath(folder) == os.path.abspath(BUNDLED_DIR)
        checksum = SHA256[filename] if verify and bundled and path.endswith(".gz") else None
        arrays[key] = read_idx(path, checksum)
        if key.endswith("_labels"):
            check_label_range(arrays[key], path)
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
            raise DataError(f"{folder}: {split} images {images.shape} and labels {labels.shape} "
                            "do not form an MNIST set")
    as_float = lambda a: (a.reshape(len(a), -1).astype(np.float32) / np.float32(255.0))
    return (as_float(arrays["train_images"]), arrays["train_labels"].astype(np.int64),
            as_float(arrays["test_images"]), arrays["test_labels"].astype(np.int64))


def mnist_split(folder=None):
    """Nielsen's split: ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))``,
    50,000 / 10,000 / 10,000 examples."""
    train_x, train_y, test_x, test_y = load_mnist(folder)
    return ((train_x[:50000], train_y[:50000]), (train_x[50000:], train_y[50000:]),
            (test_x, test_y))
