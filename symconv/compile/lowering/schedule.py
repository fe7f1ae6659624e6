"""The schedule: a topological order of the rewritten graph's nodes, fixed at compile
time, in which kernels that overwrite a shared variable run as late as they can."""
import heapq

from ...graph.basic import SharedVariable


def destroyed_shared(node):
    """The shared variables ``node`` may write over (its op's ``destroy_map``)."""
    return [node.inputs[i] for ins in node.op.destroy_map.values() for i in ins
            if isinstance(node.inputs[i], SharedVariable)]


def schedule_order(fgraph):
    """A topological order of the nodes in which kernels that overwrite a shared
    variable run as late as their dependencies allow (so that every other reader of
    the variable runs before them)."""
    nodes = fgraph.nodes
    position = {n: k for k, n in enumerate(nodes)}
    destroyers = {n for n in nodes if destroyed_shared(n)}
    if not destroyers:
        return list(nodes)
    waiting = {n: sum(1 for v in {v for v in n.inputs} if v.owner in position) for n in nodes}
    users = {}
    for n in nodes:
        for v in {v for v in n.inputs}:
            if v.owner in position:
                users.setdefault(v.owner, []).append(n)
    ready = [(position[n] + (len(nodes) if n in destroyers else 0), position[n], n)
             for n in nodes if waiting[n] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, _, n = heapq.heappop(ready)
        order.append(n)
        for u in users.get(n, ()):
            waiting[u] -= 1
            if waiting[u] == 0:
                key = position[u] + (len(nodes) if u in destroyers else 0)
                heapq.heappush(ready, (key, position[u], u))
    return order
