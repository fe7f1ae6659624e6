"""Errors raised while a compiled function runs say which node failed and where the
user's code built it."""


def raise_with_node(exc, node, values=None):
    """Re-raise ``exc`` with a note naming the node, its inputs (with their
    run-time shapes when ``values`` are given) and the user code that built it."""
    if values is None:
        described = [v.describe() for v in node.inputs]
    else:
        described = [f"{v.describe()} of shape {getattr(a, 'shape', ())}"
                     for v, a in zip(node.inputs, values)]
    note = f"while computing {node.op} on {', '.join(described)}"
    if node.trace is not None:
        filename, line, func = node.trace
        note += f"; the node was built at {filename}:{line} in {func}"
    if hasattr(exc, "add_note"):
        exc.add_note(note)
        raise exc
    raise type(exc)(f"{exc} ({note})") from exc
