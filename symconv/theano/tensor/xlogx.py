"""``theano.tensor.xlogx``: ``xlogx(x) = x * log(x)`` and ``xlogy0(x, y) = x * log(y)``,
each 0 where ``x`` is 0 (entropies and cross-entropies of probabilities that may be 0)."""
from ...tensor.math import xlogx, xlogy0  # noqa: F401
from ..missing import missing_attribute

__getattr__ = missing_attribute(__name__)
