"""How many threads the BLAS library runs each matrix product of a plan on.

A second BLAS thread halves a large product, but on a small one it costs more
than it saves: the sleeping thread must be woken, and the next kernel reads a
result that half sits in the other core's cache (on a 2-core machine,
subtracting a 784x100 gradient that two threads wrote takes 71 us, against 15 us
after one thread wrote it). So a plan whose products are all small, below
:data:`MIN_FLOPS_FOR_THREADS` floating-point operations, runs on one BLAS thread
(the shallow network's SGD step at mini-batch 10 gets 15-25% faster), and puts
the caller's count back when it returns. Plans with a large product leave the
count alone: switching it between products costs a wake-up each time, which on
the convolutional network at mini-batch 10 undid what one thread saved on the
small products.

This needs the thread functions of the OpenBLAS that NumPy is linked with.
They are found among the libraries loaded in the process; where they are not
(another BLAS, another platform), :data:`BLAS` is unavailable and plans leave
the thread count alone.
"""
import ctypes
import glob
import os

import numpy as np

MIN_FLOPS_FOR_THREADS = 8_000_000
"""Products with fewer floating-point operations (``2 m k n``) run on one thread."""

# the names OpenBLAS exports its thread functions under, by build (NumPy's wheels
# prefix and suffix every symbol: scipy_openblas_..._64_)
_SYMBOLS = [("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
            ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
            ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
            ("openblas_set_num_threads", "openblas_get_num_threads")]


class BlasThreads:
    """The thread count of the OpenBLAS loaded in this process.

    Attributes
    ----------
    available : bool
        False where no OpenBLAS thread functions were found (calls do nothing).
    """

    def __init__(self, paths=None):
        self._set = self._get = None
        for path in (_loaded_openblas() if paths is None else paths):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for set_name, get_name in _SYMBOLS:
                if hasattr(lib, set_name) and hasattr(lib, get_name):
                    self._set, self._get = getattr(lib, set_name), getattr(lib, get_name)
                    self._set.argtypes, self._set.restype = [ctypes.c_int], None
                    self._get.argtypes, self._get.restype = [], ctypes.c_int
                    break
            if self._set is not None:
                break
        self.available = self._set is not None

    def get(self):
        """The current thread count (1 where unavailable)."""
        return self._get() if self.available else 1

    def set(self, n):
        """Use ``n`` threads for the following products (nothing where unavailable)."""
        if self.available:
            self._set(int(n))


def threads_for(flops, most):
    """The thread count for a plan whose largest product has ``flops`` operations,
    at most ``most``."""
    return 1 if flops < MIN_FLOPS_FOR_THREADS else most


def _loaded_openblas():
    """Paths of the OpenBLAS libraries in this process, NumPy's first."""
    paths = []
    try:
        with open("/proc/self/maps") as maps:     # Linux: every mapped library
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if "openblas" in os.path.basename(path).lower() and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    here = os.path.dirname(np.__file__)
    for pattern in ("../numpy.libs/*openblas*", ".dylibs/*openblas*", "../numpy.libs/*.dll"):
        for path in sorted(glob.glob(os.path.join(here, pattern))):
            if path not in paths:
                paths.append(path)
    numpy_libs = [p for p in paths if "numpy" in p]
    return numpy_libs + [p for p in paths if p not in numpy_libs]


BLAS = BlasThreads()
"""The thread control of NumPy's BLAS (``BLAS.available`` says whether it was found)."""
