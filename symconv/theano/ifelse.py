"""``theano.ifelse``: ``ifelse(condition, then_branch, else_branch)`` (both branches
are computed; see :mod:`symconv.ops.conditional`)."""
from ..ops.conditional import IfElse, ifelse  # noqa: F401
from .missing import missing_attribute

__getattr__ = missing_attribute(__name__)
