"""symconv: a symbolic graph compiler on NumPy for the convolutional networks
of Nielsen's *Neural Networks and Deep Learning*, chapter 6.

Write expressions with :mod:`symconv.tensor`, differentiate them with
:func:`grad`, compile them with :func:`function`, read them with
:mod:`symconv.printing`.
"""
from . import printing, tensor
from .compile import FAST_COMPILE, FAST_RUN, Function, Mode, function
from .config import config
from .gradient import grad, verify_grad
from . import nnet
from .ops.random import RandomStreams
from .tensor.sharedvar import shared

__version__ = "0.1.0"
__all__ = ["config", "function", "Function", "grad", "verify_grad", "Mode", "FAST_RUN",
           "FAST_COMPILE", "printing", "shared", "tensor", "nnet", "RandomStreams"]
