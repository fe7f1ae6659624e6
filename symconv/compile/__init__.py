"""The compiler: ``function`` turns a graph into a callable, in phases.

1. :mod:`.fgraph` -- a private copy of the graph (``FunctionGraph``);
2. :mod:`.rewriting` -- named rewrites in ordered phases (merge, dce, constant
   folding, canonicalize, stabilize, specialize, fusion, inplace), chosen by the
   :class:`Mode`;
3. :mod:`.lowering` -- a linear schedule of kernels, one rule per op (the
   layer kernels' rules in :mod:`.lowering_layers`);
4. :mod:`.plan` -- for each set of shapes, buffers reused by liveness and one
   generated Python function running the schedule (:mod:`.kernels` generates
   the fused elementwise kernels; :mod:`.openblas` sets the BLAS thread count
   and runs the gemm of weight updates);
5. :mod:`.runtime` -- the ``Function`` users call, with :mod:`.profile` and
   :mod:`.nanguard` for inspection.

``FAST_COMPILE`` stops after merging and runs :mod:`.linker`'s plain executor,
the reference every rewrite is tested against.
"""
from .function import function
from .mode import FAST_COMPILE, FAST_RUN, Mode, get_mode
from .nanguard import NanGuardError
from .runtime import Function

__all__ = ["function", "Function", "Mode", "FAST_RUN", "FAST_COMPILE", "get_mode",
           "NanGuardError"]
