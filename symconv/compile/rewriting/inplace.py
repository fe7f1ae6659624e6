"""In-place updates: a shared variable's new value may be written into its own storage.

The rewrite marks a fused kernel computing an update ``W - eta * g`` from ``W``
itself as allowed to overwrite ``W`` (``destroy``). Whether it does is decided
when the schedule is laid out, where the order of the nodes is known: only if
no node that still has to read ``W`` (or a view of it) runs after it.
Intermediate buffers are reused by liveness analysis in the lowering, which
needs no marks.
"""
from ...ops.fused import FusedElemwise
from .registry import graph_rewrite


@graph_rewrite("inplace", tags=("destroy",))
def inplace_updates(fgraph, log):
    """Mark fused kernels computing a shared variable's update from it as destructive."""
    marks = {}  # node -> {output index: input index}
    for shared, k in fgraph.update_pairs:
        value = fgraph.outputs[k]
        node = value.owner
        if node is None or not isinstance(node.op, FusedElemwise) or shared not in node.inputs:
            continue
        if value.type != shared.type and not shared.type.is_compatible(value.type):
            continue
        destroy = marks.setdefault(node, dict(node.op.destroy))
        out_index = node.outputs.index(value)
        if out_index not in destroy:
            destroy[out_index] = node.inputs.index(shared)
            log.add(node, f"{shared.name or 'shared'} updated in place")
    pairs = []
    for node, destroy in marks.items():
        new_node = node.op.with_destroy(tuple(sorted(destroy.items()))).make_node(*node.inputs)
        new_node.trace = node.trace
        pairs.extend(zip(node.outputs, new_node.outputs))
    if pairs:
        fgraph.replace_all(pairs)
