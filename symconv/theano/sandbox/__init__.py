"""``theano.sandbox``: of it symconv implements ``rng_mrg.MRG_RandomStreams``."""
from ..missing import missing_attribute

__getattr__ = missing_attribute(__name__)
