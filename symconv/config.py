"""Global settings, read once at import and changeable at run time.

``floatX`` is the dtype that float constructors (``T.matrix``, ``shared`` of a
Python float, float literals in expressions) use by default, as in Theano.
Set it with the ``SYMCONV_FLOATX`` environment variable or by assignment::

    import symconv
    symconv.config.floatX = "float64"
"""
import os

_VALID_FLOATX = ("float16", "float32", "float64")


class _Config:
    def __init__(self):
        self._floatX = os.environ.get("SYMCONV_FLOATX", "float32")
        if self._floatX not in _VALID_FLOATX:
            raise ValueError(
                f"SYMCONV_FLOATX={self._floatX!r}: expected one of {_VALID_FLOATX}")

    @property
    def floatX(self):
        return self._floatX

    @floatX.setter
    def floatX(self, value):
        if value not in _VALID_FLOATX:
            raise ValueError(f"config.floatX={value!r}: expected one of {_VALID_FLOATX}")
        self._floatX = value


config = _Config()
