"""The compiler: ``function`` turns a graph into a callable, in phases.

1. :mod:`.fgraph` -- a private copy of the graph (``FunctionGraph``);
2. :mod:`.rewriting` -- named rewrites in ordered phases (merge, dce, constant
   folding, canonicalize, stabilize, specialize, fusion, inplace), chosen by the
   :class:`Mode` (:mod:`.mode`);
3. :mod:`.lowering` -- the schedule and one lowering rule per op (the contract,
   the rule table, elementwise, view and layer rules, the fused-kernel
   generator);
4. :mod:`.linker` -- the plain reference executor, or a
   :class:`~.program.ScheduleProgram` (:mod:`.program`: dispatch over plans, one
   per set of shapes) whose plans :mod:`.planbuilder` generates (buffers reused
   by liveness, in-place writes, one Python function per plan), the rules
   reaching the plan through :mod:`.emitter`;
   :mod:`.openblas` sets the BLAS thread count and runs the gemm of weight
   updates;
5. :mod:`.runtime` -- the ``Function`` users call, with :mod:`.profile`,
   :mod:`.nanguard` and :mod:`.errors` for inspection.

``FAST_COMPILE`` stops after merging and runs :mod:`.linker`'s plain executor,
the reference every rewrite is tested against.
"""
from .function import function
from .mode import FAST_COMPILE, FAST_RUN, Mode, get_mode
from .nanguard import NanGuardError
from .runtime import Function

__all__ = ["function", "Function", "Mode", "FAST_RUN", "FAST_COMPILE", "get_mode",
           "NanGuardError"]
