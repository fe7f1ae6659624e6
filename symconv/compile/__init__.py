"""The compiler: FunctionGraph, modes (rewrites), lowering and the runtime."""
from .function import function
from .mode import FAST_COMPILE, FAST_RUN, Mode, get_mode
from .runtime import Function

__all__ = ["function", "Function", "Mode", "FAST_RUN", "FAST_COMPILE", "get_mode"]
