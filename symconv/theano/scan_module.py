"""``theano.scan_module``: ``scan`` and ``until`` (and ``map``, ``reduce``, ``foldl``,
``foldr``), which ``theano`` itself also offers, on :mod:`symconv.scan`."""
from ..scan import foldl, foldr, map, reduce, scan, until  # noqa: F401
from .missing import missing_attribute

__getattr__ = missing_attribute(__name__)
