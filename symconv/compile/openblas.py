"""Direct calls into the OpenBLAS that NumPy is linked with: the thread count of a
plan's matrix products, and a product accumulated into its output (gemm).

Threads
-------
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
small products. The count is the library's, shared by the whole process: code
that runs compiled functions in several threads at once need do nothing: plans
enter and leave one-thread mode through :meth:`OpenBLAS.enter_one_thread` and
:meth:`OpenBLAS.leave_one_thread`, which count the plans inside it, so the
first one in saves the caller's count and the last one out restores it,
whatever order the threads finish in (``Mode(blas_threads=None)`` turns the
switch off altogether).

Idle threads
------------
After a product, OpenBLAS's worker threads spin for about 2**28 cycles before
they sleep. On a 2-core machine the spinning thread slows the single-threaded
NumPy kernels that run between products: the convolutional network's step at
mini-batch 10 took 4.8 ms with spinning threads and 4.0 ms without (at 128, the
products dominate and nothing changed). ``import symconv`` therefore sets
``OPENBLAS_THREAD_TIMEOUT=4`` (sleep almost at once) when NumPy is not loaded yet
and the variable is unset; OpenBLAS reads it when NumPy loads it, so importing
NumPy first, or setting the variable, keeps OpenBLAS's default.

Gemm
----
``np.matmul`` always writes a fresh product; BLAS's ``gemm`` computes
``z = alpha * x @ y + beta * z`` in ``z``'s memory. The SGD update of a weight
matrix, ``W - eta * dot(x.T, g)`` (with L2: ``(1 - eta * l) * W - eta * ...``),
is then one pass over ``W`` instead of a product written to a buffer and a
subtraction reading it back (see :class:`symconv.ops.blas.Gemm`).

Both need functions of the OpenBLAS library itself, found among the libraries
loaded in the process. Where they are not (another BLAS, another platform),
:data:`BLAS` says so, plans leave the thread count alone and :meth:`OpenBLAS.gemm`
runs on NumPy.
"""
import ctypes
import glob
import os
import threading

import numpy as np

MIN_FLOPS_FOR_THREADS = 8_000_000
"""Plans whose products all have fewer floating-point operations (``2 m k n``) run on
one thread."""

MIN_GEMM_SIZE = 16384
"""Outputs of fewer values are computed by NumPy in :meth:`OpenBLAS.gemm_kernel`: the
call into the library costs about 10 us more than NumPy's, which a pass over a
100 x 10 matrix does not repay."""

# the names OpenBLAS exports its thread functions under, by build (NumPy's wheels
# prefix and suffix every symbol: scipy_openblas_..._64_)
_SYMBOLS = [("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
            ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
            ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
            ("openblas_set_num_threads", "openblas_get_num_threads")]


_GEMM = {"f": ("scipy_cblas_sgemm64_", "cblas_sgemm64_", "cblas_sgemm"),
         "d": ("scipy_cblas_dgemm64_", "cblas_dgemm64_", "cblas_dgemm")}
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


class OpenBLAS:
    """The OpenBLAS loaded in this process (or the first of ``paths``).

    Attributes
    ----------
    available : bool
        Whether its thread functions were found (else :meth:`get` and :meth:`set`
        do nothing).
    """

    def __init__(self, paths=None):
        self._set = self._get = None
        self._lock = threading.Lock()
        self._one_thread_users = 0     # plans running in one-thread mode now
        self._saved = 1                # the count to restore when the last one leaves
        self._gemm = {}
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
                self._find_gemm(lib)
                break
        self.available = self._set is not None

    def _find_gemm(self, lib):
        for char, names in _GEMM.items():
            for name in names:
                if hasattr(lib, name):
                    # ILP64 builds (the "64_" names) take 64-bit sizes
                    size = ctypes.c_int64 if name.endswith("64_") else ctypes.c_int
                    real = ctypes.c_float if char == "f" else ctypes.c_double
                    fn = getattr(lib, name)
                    fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, size, size, size,
                                   real, ctypes.c_void_p, size, ctypes.c_void_p, size,
                                   real, ctypes.c_void_p, size]
                    fn.restype = None
                    self._gemm[char] = fn
                    break

    def get(self):
        """The current thread count (1 where unavailable)."""
        return self._get() if self.available else 1

    def set(self, n):
        """Use ``n`` threads for the following products (nothing where unavailable)."""
        if self.available:
            self._set(int(n))

    def enter_one_thread(self):
        """Run the following products on one thread until the matching
        :meth:`leave_one_thread`; safe to call from several threads at once."""
        if not self.available:
            return
        with self._lock:
            if self._one_thread_users == 0:
                self._saved = self._get()
                self._set(1)
            self._one_thread_users += 1

    def leave_one_thread(self):
        """Undo one :meth:`enter_one_thread`; the last one restores the saved count."""
        if not self.available:
            return
        with self._lock:
            self._one_thread_users -= 1
            if self._one_thread_users == 0:
                self._set(self._saved)

    def gemm(self, alpha, x, y, beta, z):
        """``z = alpha * x @ y + beta * z``, written into ``z``; returns ``z``.

        ``x`` and ``y`` are matrices, each in row- or column-major order (a
        transposed view is fine); ``z`` is C-contiguous and shares no memory with
        them. Other layouts and dtypes, or no library, run on NumPy (same result,
        with a temporary product).
        """
        fn = self._gemm.get(z.dtype.char)
        m, n = z.shape
        if fn is not None and x.dtype == y.dtype == z.dtype and z.flags.c_contiguous \
                and z.size and x.shape[1] and x.shape[0] == m and y.shape[1] == n:
            a, b = _operand(x), _operand(y)
            if a is not None and b is not None:
                fn(_ROW_MAJOR, a[0], b[0], m, n, x.shape[1], alpha, _address(x), a[1],
                   _address(y), b[1], beta, _address(z), n)
                return z
        return _numpy_gemm(alpha, x, y, beta, z)


    def gemm_kernel(self, alpha, beta, x, y, z, product=None):
        """A function ``(x, y, z)`` computing :meth:`gemm` for arrays laid out as these
        (shapes, dtypes and strides): the BLAS call with its arguments worked out
        once. Arrays laid out otherwise go through :meth:`gemm`; outputs of fewer
        than :data:`MIN_GEMM_SIZE` values are computed by NumPy, through the
        ``product`` buffer (of ``z``'s shape and dtype) when one is given."""
        fn = self._gemm.get(z.dtype.char)
        a, b = _operand(x), _operand(y)
        gemm = self.gemm
        if z.size < MIN_GEMM_SIZE and product is not None:
            return lambda x, y, z: _numpy_gemm(alpha, x, y, beta, z, product)
        if fn is None or a is None or b is None or not z.flags.c_contiguous or not z.size \
                or not x.dtype == y.dtype == z.dtype or x.shape[0] != z.shape[0] or \
                y.shape[1] != z.shape[1]:
            return lambda x, y, z: gemm(alpha, x, y, beta, z)
        layout = (x.strides, y.strides, z.strides)
        m, n = z.shape
        k = x.shape[1]
        head, lda, ldb = (_ROW_MAJOR, a[0], b[0], m, n, k, alpha), a[1], b[1]

        def kernel(x, y, z):
            if (x.strides, y.strides, z.strides) != layout or not z.flags.c_contiguous:
                return gemm(alpha, x, y, beta, z)
            fn(*head, _address(x), lda, _address(y), ldb, beta, _address(z), n)
            return z
        return kernel


def _numpy_gemm(alpha, x, y, beta, z, product=None):
    """:meth:`OpenBLAS.gemm` by NumPy: the product into ``product`` (or a new array),
    then ``z = beta * z + alpha * product`` in place (``z`` may broadcast it)."""
    product = np.matmul(x, y, out=product)
    if alpha != 1:
        np.multiply(product, alpha, out=product)
    if beta != 1:
        np.multiply(z, beta, out=z)
    np.add(z, product, out=z)
    return z


def _operand(a):
    """``(transpose flag, leading dimension)`` of a matrix BLAS can read in place."""
    item = a.itemsize
    rows, cols = a.shape
    s0, s1 = a.strides
    if rows > 1 and cols > 1 and s0 > 0 and s1 > 0 and s0 % item == 0 and s1 % item == 0:
        if s1 == item and s0 >= cols * item:
            return _NO_TRANS, s0 // item
        if s0 == item and s1 >= rows * item:
            return _TRANS, s1 // item
    return None


_char_at = ctypes.c_char.from_buffer


def _address(a):
    """The address of ``a``'s first element (a quicker way for the usual arrays)."""
    if a.flags.writeable:
        if a.flags.c_contiguous:
            return ctypes.addressof(_char_at(a))
        if a.flags.f_contiguous:
            return ctypes.addressof(_char_at(a.T))
    return a.ctypes.data


def one_thread(flops):
    """True if a plan whose largest product has ``flops`` floating-point operations
    runs all its products on one thread."""
    return flops < MIN_FLOPS_FOR_THREADS


def _loaded_openblas():
    """Paths of the OpenBLAS libraries in this process, NumPy's first."""
    paths = []
    try:
        with open("/proc/self/maps") as maps:     # Linux: every mapped library
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if "openblas" in os.path.basename(path).lower():
                    path = os.path.realpath(path)
                    if path not in paths:
                        paths.append(path)
    except OSError:
        pass
    here = os.path.dirname(np.__file__)
    for pattern in ("../numpy.libs/*openblas*", ".dylibs/*openblas*", "../numpy.libs/*.dll"):
        for path in sorted(glob.glob(os.path.join(here, pattern))):
            path = os.path.realpath(path)
            if path not in paths:
                paths.append(path)
    numpy_libs = [p for p in paths if "numpy" in p]
    return numpy_libs + [p for p in paths if p not in numpy_libs]


BLAS = OpenBLAS()
"""NumPy's OpenBLAS (``BLAS.available`` says whether it was found)."""
