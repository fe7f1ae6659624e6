"""Graph rewrites, registered by name into phases that run in a fixed order:

merge -> dce -> constant_folding -> canonicalize -> stabilize -> specialize
-> fusion -> inplace.

Each module holds one family of rewrites; importing this package registers them.
"""
from . import (canonicalize, conv, fold, fusion, inplace, merge, softmax,  # noqa: F401
               specialize, stabilize)
from .registry import (PHASES, REGISTRY, Rewrite, RewriteLog, RewriteRecord, enabled_rewrites,
                       graph_rewrite, node_rewrite, run_phases)

__all__ = ["PHASES", "REGISTRY", "Rewrite", "RewriteLog", "RewriteRecord", "enabled_rewrites",
           "graph_rewrite", "node_rewrite", "run_phases"]
