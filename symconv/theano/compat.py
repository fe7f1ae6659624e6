"""``theano.compat``: the Python-version shims Theano code imports (``OrderedDict``,
``izip``, ``imap``, ``ifilter``, ``decode``...), as Python 3 has them."""
from collections import OrderedDict  # noqa: F401

from .missing import missing_attribute

izip, imap, ifilter = zip, map, filter
PY3 = True


def decode(x):
    """``bytes`` as text (UTF-8)."""
    return x.decode() if isinstance(x, bytes) else x


__getattr__ = missing_attribute(__name__)
