"""``theano.tensor.sharedvar``: the class of tensor shared variables, for the
``isinstance`` checks of Theano code."""
from ...graph.basic import SharedVariable  # noqa: F401
from ...graph.tensor import TensorSharedVariable  # noqa: F401
from ..missing import missing_attribute

__getattr__ = missing_attribute(__name__)
