"""``theano.gradient``: ``grad``, ``verify_grad``, ``Lop``, ``Rop``, ``jacobian``,
``hessian`` (for lengths known when the graph is built), ``zero_grad``,
``disconnected_grad`` and ``grad_clip``."""
from ..gradient import (DisconnectedInputError, Lop, Rop, disconnected_grad,  # noqa: F401
                        grad, grad_clip, hessian, jacobian, zero_grad)
from ..verify import GradientError, verify_grad  # noqa: F401
from .missing import missing_attribute

__getattr__ = missing_attribute(__name__)
