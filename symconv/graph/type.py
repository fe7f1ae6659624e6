"""Tensor types: a dtype and a static shape, where ``None`` marks an unknown dimension."""
import numpy as np

# dtypes a symbolic tensor may have; bool comes from comparisons, as in NumPy.
ALLOWED_DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
)
SHORT_DTYPE = {
    "bool": "b1", "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
    "float16": "f16", "float32": "f32", "float64": "f64",
}


def normalize_dtype(dtype):
    name = np.dtype(dtype).name
    if name not in ALLOWED_DTYPES:
        raise TypeError(f"dtype {name!r} is not supported; use one of {ALLOWED_DTYPES}")
    return name


class TensorType:
    """The type of a symbolic tensor.

    Parameters
    ----------
    dtype : str or numpy dtype
    shape : tuple of (int or None)
        The static shape: an ``int`` where the size is known when the graph is
        built, ``None`` where it is only known at run time.

    Examples
    --------
    >>> TensorType("float32", (None, 784))
    TensorType(float32, (?, 784))
    """

    __slots__ = ("dtype", "shape")

    def __init__(self, dtype, shape):
        self.dtype = normalize_dtype(dtype)
        shape = tuple(shape)
        for s in shape:
            if isinstance(s, (bool, np.bool_)):
                # Theano's TensorType(dtype, broadcastable) takes flags; here they would
                # read as sizes 0 and 1
                raise TypeError(f"static shape {shape}: sizes, not broadcastable flags (None "
                                "for a size known at run time, 1 for a broadcastable axis)")
            if s is not None and (not isinstance(s, (int, np.integer)) or s < 0):
                raise TypeError(f"static shape {shape}: each entry must be a non-negative int or None")
        self.shape = tuple(None if s is None else int(s) for s in shape)

    def __call__(self, name=None):
        """A new symbolic variable of this type (Theano's ``Type.__call__``)."""
        from .tensor import TensorVariable
        return TensorVariable(self, name=name)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def broadcastable(self):
        """Theano's view of the shape: True where the size is statically 1."""
        return tuple(s == 1 for s in self.shape)

    @property
    def is_float(self):
        return self.dtype.startswith("float")

    @property
    def is_integer(self):
        return self.dtype.startswith(("int", "uint"))

    def __eq__(self, other):
        return isinstance(other, TensorType) and self.dtype == other.dtype and self.shape == other.shape

    def __hash__(self):
        return hash((TensorType, self.dtype, self.shape))

    def shape_str(self):
        return "[" + ",".join("?" if s is None else str(s) for s in self.shape) + "]"

    def short(self):
        """Compact JAX-like spelling, e.g. ``f32[?,784]``."""
        return SHORT_DTYPE[self.dtype] + self.shape_str()

    def __repr__(self):
        dims = ", ".join("?" if s is None else str(s) for s in self.shape)
        if len(self.shape) == 1:
            dims += ","
        return f"TensorType({self.dtype}, ({dims}))"

    def is_compatible(self, other):
        """True if a value of type ``other`` can stand where ``self`` is expected:
        same dtype and ndim, and no contradicting known dimension."""
        if self.dtype != other.dtype or self.ndim != other.ndim:
            return False
        return all(a is None or b is None or a == b for a, b in zip(self.shape, other.shape))

    def filter(self, value, name="input", allow_downcast=False):
        """Convert ``value`` to an ndarray of this type, or raise a clear error.

        Safe conversions (int into float, float32 into float64, Python numbers
        into any float type, integers that fit into a smaller integer type)
        happen silently; a lossy one (float64 arrays into float32, floats into
        integers) only with ``allow_downcast=True``.
        """
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
        if arr.ndim != self.ndim:
            raise TypeError(
                f"{name}: expected a {self.ndim}-d array of type {self}, "
                f"got a {arr.ndim}-d array of shape {arr.shape}")
        for axis, (want, got) in enumerate(zip(self.shape, arr.shape)):
            if want is not None and want != got:
                raise ValueError(
                    f"{name}: expected shape {self.shape_str()}, got {arr.shape} "
                    f"(dimension {axis} differs)")
        if arr.dtype.name != self.dtype:
            safe = np.can_cast(arr.dtype, self.dtype, casting="safe")
            if not (safe or allow_downcast or _weak_ok(value, arr, self.dtype)
                    or _lossless(arr, self.dtype)):
                raise TypeError(
                    f"{name}: cannot convert {arr.dtype.name} data to {self.dtype} without loss; "
                    f"pass data of dtype {self.dtype} or use allow_input_downcast=True")
            arr = arr.astype(self.dtype)
        return arr


def _weak_ok(value, arr, dtype):
    """Python numbers (and lists of them) carry no dtype of their own: Python
    floats may go into any float type and Python ints into any float type, but a
    Python float is never silently truncated into an integer type."""
    if isinstance(value, (np.ndarray, np.generic)):
        return False
    target = np.dtype(dtype)
    return target.kind == "f" and arr.dtype.kind in "biuf"


def _lossless(arr, dtype):
    """Integer data that fits the target integer dtype is accepted (label arrays)."""
    target = np.dtype(dtype)
    if arr.dtype.kind in "iub" and target.kind in "iu" and arr.size:
        info = np.iinfo(target)
        return bool(arr.min() >= info.min and arr.max() <= info.max)
    return False


def type_of_value(value, dtype=None, shape=None):
    """The TensorType matching an array value, with all dimensions unknown unless
    ``shape`` is given (shared variables may change shape with ``set_value``)."""
    arr = np.asarray(value)
    dt = dtype or arr.dtype
    return TensorType(dt, shape if shape is not None else (None,) * arr.ndim)
