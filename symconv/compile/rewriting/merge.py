"""Merging common subexpressions and removing dead code.

Two nodes with equal ops (``__props__`` decide equality) applied to the same
inputs compute the same value, so the later one is replaced by the earlier;
constants with equal type and value become one. Stateful ops (random draws)
never merge: two draws are two different values.
"""
from ...graph.basic import Constant
from .registry import graph_rewrite
from .utils import is_stateful


@graph_rewrite("merge", "specialize", tags=("cse",))
def merge(fgraph, log):
    """Common-subexpression elimination over the whole graph, in one topological sweep
    (again after specialization, for what the rewrites built)."""
    canonical = {}    # variable -> the variable it is merged into
    constants = {}    # signature -> first constant seen
    seen = {}         # (op, inputs) -> node
    pairs = []
    for node in fgraph.nodes:
        inputs = []
        for v in node.inputs:
            v = canonical.get(v, v)
            if isinstance(v, Constant):
                first = constants.setdefault(v.signature(), v)
                if first is not v:
                    canonical[v] = first
                    pairs.append((v, first))
                    v = first
            inputs.append(v)
        if is_stateful(node.op):
            continue
        key = (node.op, tuple(inputs))
        twin = seen.get(key)
        if twin is None:
            seen[key] = node
            continue
        if any(a.type != b.type for a, b in zip(node.outputs, twin.outputs)):
            continue
        for old, new in zip(node.outputs, twin.outputs):
            canonical[old] = new
            pairs.append((old, new))
        log.add(node, f"merged into an equal {twin.op}")
    if pairs:
        # constant pairs may repeat; replacing twice is harmless but wasteful
        unique = list(dict((id(o), (o, n)) for o, n in pairs).values())
        fgraph.replace_all(unique)


@graph_rewrite("dce", tags=("dead_code",))
def dead_code(fgraph, log):
    """Drop nodes that no output depends on (the node list is rebuilt from the outputs)."""
    before = set(fgraph._nodes)
    fgraph.rebuild()
    for node in before - set(fgraph.nodes):
        log.add(node, "removed")
