"""Walking and copying graphs: topological order, ancestors, substitution."""
from .basic import Apply, Variable


def toposort(outputs):
    """The Apply nodes needed for ``outputs``, each after the nodes it depends on."""
    order, done = [], set()
    for out in outputs:
        if out.owner is None or out.owner in done:
            continue
        # iterative DFS: deep graphs (long chains of updates) must not hit the recursion limit
        stack = [(out.owner, False)]
        while stack:
            node, expanded = stack.pop()
            if node in done:
                continue
            if expanded:
                done.add(node)
                order.append(node)
                continue
            stack.append((node, True))
            for inp in reversed(node.inputs):
                if inp.owner is not None and inp.owner not in done:
                    stack.append((inp.owner, False))
    return order


def graph_inputs(outputs):
    """The owner-less variables that ``outputs`` depend on, in first-seen order."""
    seen, result = set(), []
    for out in outputs:
        if out.owner is None and out not in seen:
            seen.add(out)
            result.append(out)
    for node in toposort(outputs):
        for inp in node.inputs:
            if inp.owner is None and inp not in seen:
                seen.add(inp)
                result.append(inp)
    return result


def ancestors(outputs):
    """Every variable that ``outputs`` depend on, themselves included."""
    result = set(outputs)
    for node in toposort(outputs):
        result.update(node.inputs)
        result.update(node.outputs)
    return result


def clone_replace(outputs, replace=None):
    """Copy the graph of ``outputs``, substituting variables.

    Parameters
    ----------
    outputs : list of Variable
    replace : dict Variable -> Variable
        Each key is replaced by its value wherever it appears.

    Returns
    -------
    list of Variable
        The new outputs. Graph inputs that are not replaced are kept (not copied),
        so shared variables and constants stay the same objects.
    """
    memo = dict(replace or {})
    for node in toposort(outputs):
        new_inputs = [memo.get(v, v) for v in node.inputs]
        if all(a is b for a, b in zip(new_inputs, node.inputs)) and not any(
                o in memo for o in node.outputs):
            continue
        new_outputs = [type(o)(o.type, name=o.name) for o in node.outputs]
        new_node = Apply(node.op, new_inputs, new_outputs)
        new_node.trace = node.trace
        for old, new in zip(node.outputs, new_node.outputs):
            memo.setdefault(old, new)
    return [memo.get(o, o) for o in outputs]


def clone_graph(outputs):
    """A full copy of every Apply node of ``outputs`` (inputs are kept).

    Rewrites work on such a copy so that the user's graph is never mutated.
    """
    memo = {}
    for node in toposort(outputs):
        new_inputs = [memo.get(v, v) for v in node.inputs]
        new_outputs = [type(o)(o.type, name=o.name) for o in node.outputs]
        new_node = Apply(node.op, new_inputs, new_outputs)
        new_node.trace = node.trace
        memo.update(zip(node.outputs, new_node.outputs))
    return [memo.get(o, o) for o in outputs], memo
