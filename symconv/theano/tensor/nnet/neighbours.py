"""``theano.tensor.nnet.neighbours``: ``images2neibs`` and ``neibs2images``."""
from ....ops.neighbours import images2neibs, neibs2images  # noqa: F401
from ...missing import missing_attribute

__getattr__ = missing_attribute(__name__)
