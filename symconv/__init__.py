"""symconv: a symbolic graph compiler on NumPy for the convolutional networks
of Nielsen's *Neural Networks and Deep Learning*, chapter 6.

Write expressions with :mod:`symconv.tensor`, differentiate them with
:func:`grad`, compile them with :func:`function`, read them with
:mod:`symconv.printing`.
"""
import os as _os
import sys as _sys

if "numpy" not in _sys.modules:
    # Idle OpenBLAS threads spin for about 2**28 cycles before they sleep, and on a
    # small machine they slow the single-threaded kernels between two products (the
    # conv net's step at mini-batch 10 ran 20% slower). OpenBLAS reads this when NumPy
    # loads it; set the variable yourself to choose otherwise (see
    # symconv/compile/openblas.py).
    _os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

from . import printing, tensor  # noqa: E402
from .compile import FAST_COMPILE, FAST_RUN, Function, Mode, function
from .config import config
from .gradient import grad
from .verify import verify_grad
from . import nnet
from .ops.random import RandomStreams
from .tensor.sharedvar import shared

__version__ = "0.1.0"
__all__ = ["config", "function", "Function", "grad", "verify_grad", "Mode", "FAST_RUN",
           "FAST_COMPILE", "printing", "shared", "tensor", "nnet", "RandomStreams"]
