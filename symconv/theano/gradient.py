"""``theano.gradient``: ``grad``, ``verify_grad``, ``zero_grad``, ``disconnected_grad``
and ``grad_clip``."""
from ..gradient import (DisconnectedInputError, disconnected_grad, grad,  # noqa: F401
                        grad_clip, zero_grad)
from ..verify import GradientError, verify_grad  # noqa: F401
from .missing import missing_attribute

__getattr__ = missing_attribute(__name__)
