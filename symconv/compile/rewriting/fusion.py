"""Elementwise fusion: maximal convex groups of elementwise nodes become one kernel.

Nodes are visited from the outputs back. A node joins a group of its
consumers (its other consumers then read it as an extra output of the
group), provided the group stays convex: no path may leave the group and
come back into it, or the fused kernel would need a value computed after it.
Dimshuffles and ``broadcast_like`` (views), casts, float reductions and
``sum_to`` join groups too, so a bias broadcast or a bias gradient costs no
separate step. Each group becomes a :class:`FusedElemwise`.
"""
from ...ops.elemwise import Cast, Elemwise
from ...ops.fused import FusedElemwise, Instruction
from ...ops.reduction import BroadcastLike, Max, Mean, Min, Prod, Sum, SumTo
from ...ops.shape import DimShuffle
from .registry import graph_rewrite

_REDUCE_NAMES = {Sum: "sum", Max: "max", Min: "min", Prod: "prod", Mean: "mean"}


def _kind(node):
    """How a node enters a fused program, or None if it cannot."""
    op = node.op
    if isinstance(op, Elemwise):
        return "scalar"
    if isinstance(op, Cast):
        return "cast"
    if isinstance(op, DimShuffle):
        return "dimshuffle"
    if type(op) in _REDUCE_NAMES and node.inputs[0].type.is_float:
        return "reduce"
    if isinstance(op, SumTo) and node.inputs[0].type.is_float:
        return "sum_to"
    if isinstance(op, BroadcastLike):
        return "broadcast"
    return None


# views cost nothing: they join a group only as internal values
_VIEWS = ("dimshuffle", "broadcast")


def _instruction(node, kind, refs):
    op = node.op
    if kind == "scalar":
        arg = op.scalar_op.name
    elif kind == "cast":
        arg = op.dtype
    elif kind == "dimshuffle":
        arg = op.pattern
    elif kind == "reduce":
        arg = (_REDUCE_NAMES[type(op)], op.axis, op.keepdims)
    else:
        arg = None
    return Instruction(kind, arg, refs, node.outputs[0].type, str(op), node.trace)


def find_groups(fgraph):
    """The fusable groups, each a list of nodes in topological order."""
    nodes = fgraph.nodes
    index = {n: k for k, n in enumerate(nodes)}
    ancestors = [0] * len(nodes)  # bitset of the indices of every node upstream
    for k, n in enumerate(nodes):
        bits = 0
        for v in n.inputs:
            if v.owner is not None:
                j = index[v.owner]
                bits |= ancestors[j] | (1 << j)
        ancestors[k] = bits
    group_of, members, group_anc = {}, [], []
    for n in reversed(nodes):
        kind = _kind(n)
        if kind is None:
            continue
        users = [c for out in n.outputs for c, _ in fgraph.client_list(out)]
        inside = sorted({group_of[c] for c in users if c != "output" and c in group_of})
        target = None
        for g in inside:
            outside = [c for c in users if c == "output" or group_of.get(c) != g]
            if kind in _VIEWS and outside:
                break  # a view used elsewhere too is cheaper left alone
            if _convex_with(n, g, outside, index, ancestors, members, group_anc):
                target = g
                break
        if target is None:
            if kind in _VIEWS:
                continue
            target = len(members)
            members.append(0)
            group_anc.append(0)
        group_of[n] = target
        members[target] |= 1 << index[n]
        group_anc[target] |= ancestors[index[n]]
    groups = {}
    for n, g in group_of.items():
        groups.setdefault(g, []).append(n)
    return [sorted(g, key=index.__getitem__) for g in groups.values()]


def _convex_with(node, g, outside, index, ancestors, members, group_anc):
    # a producer of the node's inputs must not depend on the group ...
    for v in node.inputs:
        if v.owner is not None and ancestors[index[v.owner]] & members[g]:
            return False
    # ... and the node's other users must not feed the group
    for c in outside:
        if c != "output" and (group_anc[g] >> index[c]) & 1:
            return False
    return True


def build_fused(fgraph, group):
    """The FusedElemwise node for ``group`` and the variables its outputs replace."""
    in_group = set(group)
    inputs, input_pos, result_pos, program = [], {}, {}, []
    for node in group:
        refs = []
        for v in node.inputs:
            if v in result_pos:
                refs.append(result_pos[v])
                continue
            if v not in input_pos:
                input_pos[v] = len(inputs)
                inputs.append(v)
            refs.append(-1 - input_pos[v])
        result_pos[node.outputs[0]] = len(program)
        program.append(_instruction(node, _kind(node), refs))
    leaving = []
    for node in group:
        out = node.outputs[0]
        if any(c == "output" or c not in in_group for c, _ in fgraph.client_list(out)):
            leaving.append(out)
    op = FusedElemwise(program, [result_pos[v] for v in leaving])
    new_node = op.make_node(*inputs)
    new_node.trace = group[-1].trace
    return new_node, leaving


@graph_rewrite("fusion", tags=("fuse", "elemwise_fusion"))
def fuse_elementwise(fgraph, log):
    """Replace every fusable group by one :class:`FusedElemwise` node."""
    for group in find_groups(fgraph):
        node, leaving = build_fused(fgraph, group)
        fgraph.replace_all(list(zip(leaving, node.outputs)))
        log.add(group[-1], f"{node.op} ({len(group)} nodes)")
