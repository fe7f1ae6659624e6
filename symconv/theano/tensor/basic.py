"""``theano.tensor.basic``, where Theano defines most of ``theano.tensor``: the same
names (``from theano.tensor import basic as T`` works as ``import theano.tensor as T``)."""
from . import *  # noqa: F401,F403
from . import __getattr__  # noqa: F401  (names symconv lacks say so, as theano.tensor's)
