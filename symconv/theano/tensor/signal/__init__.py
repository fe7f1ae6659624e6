"""``theano.tensor.signal``: pooling (``pool``, and the former ``downsample``)."""
from ...missing import missing_attribute
from . import downsample, pool  # noqa: F401

__getattr__ = missing_attribute(__name__)
