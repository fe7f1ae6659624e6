"""``theano.gradient``: ``grad`` and ``verify_grad``."""
from ..gradient import DisconnectedInputError, grad  # noqa: F401
from ..verify import GradientError, verify_grad  # noqa: F401
from .missing import missing_attribute

__getattr__ = missing_attribute(__name__)
