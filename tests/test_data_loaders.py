"""MNIST from a pickle or a folder of IDX files, the restricted unpickler, and expanded data."""
import gzip
import os
import pickle
import shutil
import struct

import numpy as np
import pytest

from symconv.data import loaders
from symconv.data.mnist import BUNDLED_DIR, DataError


def _tiny_split(seed=0, sizes=(20, 6, 6)):
    rng = np.random.RandomState(seed)
    return tuple((rng.randint(0, 256, (n, 784)).astype(np.float32) / np.float32(255),
                  rng.randint(0, 10, n).astype(np.int64)) for n in sizes)


def _write_pickle(path, obj, protocol=2, compress=True):
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def _assert_split_equal(got, want):
    for (gx, gy), (wx, wy) in zip(got, want):
        assert gx.dtype == np.float32 and gy.dtype == np.int64
        np.testing.assert_array_equal(gx, wx)
        np.testing.assert_array_equal(gy, wy)


# --- pickles -----------------------------------------------------------------

@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_pickle_of_three_pairs_is_read(tmp_path, protocol):
    data = _tiny_split()
    path = str(tmp_path / "mnist.pkl.gz")
    _write_pickle(path, data, protocol)
    _assert_split_equal(loaders.load_split(path), data)


def test_uncompressed_pickle_and_float_labels_are_read(tmp_path):
    data = _tiny_split()
    as_float_labels = tuple((x, y.astype(np.float32)) for x, y in data)
    path = str(tmp_path / "mnist.pkl")
    _write_pickle(path, as_float_labels, compress=False)
    _assert_split_equal(loaders.load_split(path), data)


def _py2_array_pickle(array):
    """The opcodes Python 2's cPickle wrote for an ndarray (as in Nielsen's mnist.pkl.gz):
    byte strings are SHORT_BINSTRING/BINSTRING, which Python 3 can only read as latin-1 text."""
    def binstring(b):
        return (b"U" + bytes([len(b)]) + b) if len(b) < 256 else (b"T" + struct.pack("<I", len(b)) + b)

    def small_int(k):
        return b"K" + bytes([k]) if 0 <= k < 256 else b"J" + struct.pack("<i", k)

    dtype_code = {np.dtype("float32"): b"f4", np.dtype("int64"): b"i8"}[array.dtype]
    out = b"cnumpy.core.multiarray\n_reconstruct\n" + b"cnumpy\nndarray\n"
    out += small_int(0) + b"\x85" + binstring(b"b") + b"\x87R"          # _reconstruct(ndarray, (0,), 'b')
    out += b"(" + small_int(1) + b"(" + b"".join(small_int(s) for s in array.shape) + b"t"
    out += b"cnumpy\ndtype\n" + binstring(dtype_code) + small_int(0) + small_int(1) + b"\x87R"
    out += b"(" + small_int(3) + binstring(b"<") + b"NNN" + small_int(-1) + small_int(-1) \
        + small_int(0) + b"tb"                                              # dtype state
    out += b"\x89" + binstring(array.tobytes()) + b"tb"                     # array state
    return out


def test_python2_pickle_like_nielsens_file_is_read(tmp_path):
    data = _tiny_split()
    stream = b"\x80\x02"
    for x, y in data:
        stream += _py2_array_pickle(x) + _py2_array_pickle(y) + b"\x86"
    stream += b"\x87."
    path = str(tmp_path / "mnist.pkl.gz")
    with gzip.open(path, "wb") as f:
        f.write(stream)
    _assert_split_equal(loaders.load_split(path), data)


class _CreatesAFile:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


class _RunsAShellCommand:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


@pytest.mark.parametrize("payload", [_CreatesAFile, _RunsAShellCommand])
def test_hostile_pickle_is_refused_and_never_run(tmp_path, payload):
    target = tmp_path / "pwned"
    evil = (_tiny_split()[0], payload(str(target)), _tiny_split()[2])
    path = str(tmp_path / "mnist.pkl.gz")
    _write_pickle(path, evil)
    # the payload works when unpickled the ordinary way ...
    with gzip.open(path, "rb") as f:
        pickle.load(f)
    assert target.exists()
    target.unlink()
    # ... but the loader refuses it before anything runs
    with pytest.raises(DataError) as info:
        loaders.load_split(path)
    message = str(info.value)
    assert path in message and "refusing" in message
    assert ("open" in message) or ("system" in message)
    assert not target.exists()


def test_pickle_of_other_objects_is_refused(tmp_path):
    import collections
    path = str(tmp_path / "odd.pkl")
    _write_pickle(path, collections.OrderedDict(a=1), compress=False)
    with pytest.raises(DataError, match="collections.OrderedDict"):
        loaders.load_split(path)


def test_object_arrays_and_wrong_layouts_are_clear_errors(tmp_path):
    path = str(tmp_path / "objects.pkl")
    (x, y), v, t = _tiny_split()
    _write_pickle(path, ((x, y.astype(object)), v, t), compress=False)
    with pytest.raises(DataError, match="training set has dtypes"):
        loaders.load_split(path)
    _write_pickle(path, ((x[:, :100], y), v, t), compress=False)
    with pytest.raises(DataError, match=r"training images have shape \(20, 100\)"):
        loaders.load_split(path)
    _write_pickle(path, ((x, y), v), compress=False)
    with pytest.raises(DataError, match="three"):
        loaders.load_split(path)


def test_truncated_and_corrupt_pickles_are_clear_errors(tmp_path):
    path = str(tmp_path / "mnist.pkl.gz")
    _write_pickle(path, _tiny_split())
    raw = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="corrupt or truncated") as info:
        loaders.load_split(path)
    assert path in str(info.value)
    plain = str(tmp_path / "mnist.pkl")
    _write_pickle(plain, _tiny_split(), compress=False)
    raw = open(plain, "rb").read()
    with open(plain, "wb") as f:
        f.write(raw[: len(raw) - 50])
    with pytest.raises(DataError, match="corrupt or truncated"):
        loaders.load_split(plain)


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no such file or folder"):
        loaders.load_split(str(tmp_path / "nowhere.pkl.gz"))


# --- IDX folders ---------------------------------------------------------------

def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape)
    with open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_folder_of_uncompressed_idx_files(tmp_path):
    rng = np.random.RandomState(1)
    images = rng.randint(0, 256, (12, 28, 28))
    labels = rng.randint(0, 10, 12)
    for name, array in [("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels),
                        ("t10k-images-idx3-ubyte", images[:4]), ("t10k-labels-idx1-ubyte", labels[:4])]:
        _write_idx(str(tmp_path / name), array)
    (tx, ty), (vx, vy), (sx, sy) = loaders.load_split(str(tmp_path))
    np.testing.assert_array_equal(tx, images.reshape(12, 784).astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(ty, labels)
    assert len(vx) == 0 and sx.shape == (4, 784)


def test_corrupt_idx_folder_is_a_clear_error(tmp_path):
    for name in os.listdir(BUNDLED_DIR):
        if name.endswith(".gz"):
            shutil.copy(os.path.join(BUNDLED_DIR, name), tmp_path / name)
    target = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(target.read_bytes())
    raw[-5] ^= 0xFF
    target.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz.*corrupt"):
        loaders.load_split(str(tmp_path))


def test_a_recompressed_idx_folder_of_ones_own_is_read(tmp_path):
    # another gzip header (time stamp, level) than the bundled files': the same data
    for name in os.listdir(BUNDLED_DIR):
        if name.endswith(".gz"):
            with gzip.open(os.path.join(BUNDLED_DIR, name)) as f:
                raw = f.read()
            with gzip.GzipFile(tmp_path / name, "wb", compresslevel=1, mtime=12345) as f:
                f.write(raw)
    (tx, ty), _, (sx, sy) = loaders.load_split(str(tmp_path))
    (bx, by), _, (cx, cy) = loaders.load_split()
    np.testing.assert_array_equal(ty, by)
    np.testing.assert_array_equal(sx, cx)


@pytest.mark.parametrize("bad", [10, -1, 255])
def test_labels_outside_the_digits_name_the_file_and_example(tmp_path, bad):
    rng = np.random.RandomState(2)
    images = rng.randint(0, 256, (12, 28, 28))
    labels = rng.randint(0, 10, 12)
    labels[7] = bad % 256          # IDX labels are unsigned bytes
    for name, array in [("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels),
                        ("t10k-images-idx3-ubyte", images[:4]),
                        ("t10k-labels-idx1-ubyte", labels[:4])]:
        _write_idx(str(tmp_path / name), array)
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte: example 7 has label"):
        loaders.load_split(str(tmp_path))


def test_pickle_labels_outside_the_digits_name_the_set_and_example(tmp_path):
    data = list(_tiny_split())
    x, y = data[1]
    y = y.copy()
    y[3] = -1
    data[1] = (x, y)
    path = str(tmp_path / "mnist.pkl.gz")
    _write_pickle(path, tuple(data))
    with pytest.raises(DataError, match=r"mnist.pkl.gz, validation set: example 3 has label -1"):
        loaders.load_split(path)


# --- expanded data ---------------------------------------------------------------

def _shift_reference(image, dy, dx):
    """One image shifted by (dy, dx) with np.roll, then the wrapped row/column zeroed."""
    out = np.roll(image.reshape(28, 28), (dy, dx), axis=(0, 1))
    if dy == 1:
        out[0, :] = 0
    if dy == -1:
        out[-1, :] = 0
    if dx == 1:
        out[:, 0] = 0
    if dx == -1:
        out[:, -1] = 0
    return out.reshape(784)


def test_expansion_adds_four_one_pixel_shifts_in_order():
    (x, y), _, _ = _tiny_split(sizes=(7, 1, 1))
    big_x, big_y = loaders.expand_training_data(x, y, shuffle=False)
    assert big_x.shape == (35, 784) and big_x.dtype == np.float32
    for k in range(7):
        want = [x[k]] + [_shift_reference(x[k], dy, dx)
                         for dy, dx in [(1, 0), (-1, 0), (0, 1), (0, -1)]]
        np.testing.assert_array_equal(big_x[5 * k:5 * k + 5], np.stack(want))
        assert list(big_y[5 * k:5 * k + 5]) == [y[k]] * 5


def test_shuffled_expansion_is_deterministic_and_keeps_pairs():
    (x, y), _, _ = _tiny_split(sizes=(9, 1, 1))
    ordered_x, ordered_y = loaders.expand_training_data(x, y, shuffle=False)
    a_x, a_y = loaders.expand_training_data(x, y, seed=3)
    b_x, b_y = loaders.expand_training_data(x, y, seed=3)
    np.testing.assert_array_equal(a_x, b_x)
    np.testing.assert_array_equal(a_y, b_y)
    assert not np.array_equal(a_x, ordered_x)
    # the same (image, label) pairs, in another order
    key = lambda xs, ys: sorted(zip(map(bytes, xs.view(np.uint8)), ys.tolist()))
    assert key(a_x, a_y) == key(ordered_x, ordered_y)


def test_expanded_data_is_cached_atomically_and_reused(tmp_path, monkeypatch):
    (x, y), _, _ = _tiny_split(sizes=(10, 1, 1))
    first = loaders.load_expanded(x, y, cache=str(tmp_path))
    files = os.listdir(tmp_path)
    assert len(files) == 1 and files[0].endswith(".npz")   # no temporary file left behind

    def fail(*args, **kwargs):
        raise AssertionError("recomputed instead of read from the cache")

    monkeypatch.setattr(loaders, "expand_training_data", fail)
    second = loaders.load_expanded(x, y, cache=str(tmp_path))
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert second[0].dtype == np.float32


def test_damaged_cache_is_rebuilt(tmp_path):
    (x, y), _, _ = _tiny_split(sizes=(4, 1, 1))
    good = loaders.load_expanded(x, y, cache=str(tmp_path))
    (path,) = [tmp_path / f for f in os.listdir(tmp_path)]
    path.write_bytes(b"not a zip file")
    with pytest.warns(UserWarning, match="damaged"):
        again = loaders.load_expanded(x, y, cache=str(tmp_path))
    np.testing.assert_array_equal(good[0], again[0])


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("SYMCONV_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert loaders.cache_dir() == os.path.join(str(tmp_path), "symconv")
    monkeypatch.setenv("SYMCONV_CACHE_DIR", str(tmp_path / "mine"))
    assert loaders.cache_dir() == str(tmp_path / "mine")
