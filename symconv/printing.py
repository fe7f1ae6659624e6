"""Reading graphs: a typed SSA listing (``debugprint``), networkx graphs and DOT text.

``debugprint`` prints one line per node, in the order the nodes run::

    inputs: x:f32[?,784]
    shared: W:f32[?,?]
      %0:f32[?,?] = dot x W
      %1:f32[] = sum{axis=(0, 1)} %0
    outputs: %1

Every intermediate gets an id the first time it is computed and is referred
to by that id afterwards, so a subgraph used twice is printed once. A loop
(``symconv.scan``) prints as one node, and its step's graph follows the listing,
indented, with the step's inputs (``x[t]``, ``h[t-1]``) named.
"""
import sys

from .graph.basic import Constant, SharedVariable, Variable
from .graph.traversal import graph_inputs, toposort
from .ops.debug import Print  # noqa: F401  (an identity that prints when it runs)


def _outputs_of(obj):
    """(outputs, title) for a Variable, a list of them or a compiled Function."""
    if isinstance(obj, Variable):
        return [obj], None
    if isinstance(obj, (list, tuple)) and all(isinstance(v, Variable) for v in obj):
        return list(obj), None
    fgraph = getattr(obj, "fgraph", None)
    if fgraph is not None:
        n = obj.n_outputs
        title = f"compiled function{' ' + repr(obj.name) if obj.name else ''} " \
                f"({obj.mode.name if obj.mode else ''}, {len(fgraph.nodes)} nodes)"
        labels = [f"out{k}" for k in range(n)] + [
            f"update {s.name or 'shared'}" for s in obj.updated]
        return list(fgraph.outputs), (title, labels, fgraph.inputs)
    raise TypeError(f"debugprint: expected a Variable, a list of Variables or a compiled "
                    f"function, got {type(obj).__name__}")


class _Namer:
    """Gives each variable its printed name: its own name for inputs, %k otherwise."""

    def __init__(self):
        self.names = {}
        self.taken = set()
        self.counter = 0

    def __call__(self, v):
        if v in self.names:
            return self.names[v]
        if isinstance(v, Constant):
            return repr(v)
        if v.owner is None:
            name = v.name or f"in{len(self.names)}"
            if name in self.taken:  # two different inputs with one name: keep them apart
                k = 1
                while f"{name}.{k}" in self.taken:
                    k += 1
                name = f"{name}.{k}"
            self.taken.add(name)
        else:
            name = f"%{self.counter}"
            self.counter += 1
        self.names[v] = name
        return name


def _named(outputs, explicit_inputs=None):
    """The namer with every variable of the graph named as ``debugprint`` names it
    (inputs, then shared variables, then each node's outputs in the order the nodes
    print), and the free inputs and shared variables."""
    namer = _Namer()
    free = [v for v in graph_inputs(outputs) if not isinstance(v, (Constant, SharedVariable))]
    if explicit_inputs is not None:
        free = list(explicit_inputs) + [v for v in free if v not in explicit_inputs]
    shared = [v for v in graph_inputs(outputs) if isinstance(v, SharedVariable)]
    for v in free + shared:
        namer(v)
    for node in toposort(outputs):
        for o in node.outputs:
            namer(o)
    return namer, free, shared


def value_names(fgraph):
    """``{variable: name}`` for a compiled function's graph, the names ``debugprint``
    shows for it (``%12``, ``x``...), so that other reports (the profile) use them too."""
    return dict(_named(list(fgraph.outputs), fgraph.inputs)[0].names)


def debugprint(obj, file=None, print_trace=False, print_kernels=False):
    """Print the graph of ``obj`` (variables or a compiled function), one node a line.

    Parameters
    ----------
    obj : Variable, list of Variable, or Function
        For a compiled function, the graph after the compiler's rewrites.
    file : file-like or "str", optional
        Where to print (stdout by default); "str" prints nothing and returns the text.
    print_trace : bool
        Add the file and line of user code that built each node.
    print_kernels : bool
        For a compiled function, add the code it runs: the generated schedule and
        the source of each fused kernel (see :func:`kernel_source`).

    Returns
    -------
    str
        The listing.
    """
    outputs, extra = _outputs_of(obj)
    lines = []
    if extra is not None:
        title, labels, explicit_inputs = extra
        lines.append(title)
    else:
        labels, explicit_inputs = None, None
    lines += _listing(outputs, explicit_inputs, labels, print_trace, "")
    if print_kernels and extra is not None:
        lines.append(kernel_source(obj))
    text = "\n".join(lines)
    if file != "str":
        print(text, file=file or sys.stdout)
    return text


def _listing(outputs, explicit_inputs, labels, print_trace, indent):
    """The lines of one graph's listing, then those of the inner graphs of its loops
    (ops with ``inner_inputs`` and ``inner_outputs``: a loop's step), each under the
    line of the node it belongs to, indented and numbered on its own."""
    namer, free, shared = _named(outputs, explicit_inputs)
    lines = [indent + "inputs: " + ("  ".join(f"{namer(v)}:{v.type.short()}" for v in free)
                                    or "none")]
    if shared:
        lines.append(indent + "shared: " + "  ".join(f"{namer(v)}:{v.type.short()}" for v in shared))
    inner = []
    for node in toposort(outputs):
        args = " ".join(namer(v) for v in node.inputs)
        outs = " ".join(f"{namer(o)}:{o.type.short()}" for o in node.outputs)
        line = f"{indent}  {outs} = {node.op} {args}"
        names = [o.name for o in node.outputs if o.name]
        if names:
            line += f"    # {', '.join(names)}"
        if print_trace and node.trace is not None:
            line += f"    @ {node.trace[0]}:{node.trace[1]}"
        lines.append(line)
        if hasattr(node.op, "inner_inputs") and hasattr(node.op, "inner_outputs"):
            inner.append((node, " ".join(namer(o) for o in node.outputs)))
    if labels:
        lines.append(indent + "outputs: " + "  ".join(f"{lab}={namer(o)}"
                                                      for lab, o in zip(labels, outputs)))
    else:
        lines.append(indent + "outputs: " + "  ".join(namer(o) for o in outputs))
    for node, outs in inner:
        lines.append(f"{indent}step of {node.op} ({outs}), run once per step:")
        lines += _listing(list(node.op.inner_outputs), list(node.op.inner_inputs), None,
                          print_trace, indent + "    ")
    return lines


def kernel_source(function):
    """The Python code a compiled function runs: its schedule for the shapes of the
    last call and the generated source of each fused kernel."""
    return function.kernel_source()


def to_networkx(obj):
    """The graph of ``obj`` as a ``networkx.DiGraph``.

    Nodes are variables (attribute ``kind``: "input", "shared", "constant",
    "intermediate" or "output") and Apply nodes (``kind`` "apply", attribute ``op``);
    edges run from each input variable to the Apply node and from it to its outputs.
    Every node has a ``label``, and variables have ``dtype`` and ``shape``.
    """
    import networkx as nx

    outputs, _ = _outputs_of(obj)
    namer = _Namer()
    out_set = set(outputs)
    graph = nx.DiGraph()

    def add_var(v):
        if v in graph:
            return
        if isinstance(v, Constant):
            kind = "constant"
        elif isinstance(v, SharedVariable):
            kind = "shared"
        elif v.owner is None:
            kind = "input"
        else:
            kind = "output" if v in out_set else "intermediate"
        graph.add_node(v, kind=kind, label=namer(v), dtype=v.dtype, shape=v.type.shape,
                       type=v.type.short(), name=v.name)

    for v in graph_inputs(outputs):
        add_var(v)
    for node in toposort(outputs):
        graph.add_node(node, kind="apply", op=str(node.op), label=str(node.op))
        for v in node.inputs:
            add_var(v)
            graph.add_edge(v, node)
        for v in node.outputs:
            add_var(v)
            graph.add_edge(node, v)
    for v in outputs:
        add_var(v)
    return graph


_DOT_STYLE = {
    "input": 'shape=box, style=filled, fillcolor="#cfe2f3"',
    "shared": 'shape=box, style=filled, fillcolor="#d9ead3"',
    "constant": 'shape=box, style=dashed',
    "intermediate": 'shape=ellipse',
    "output": 'shape=ellipse, style=filled, fillcolor="#fce5cd"',
    "apply": 'shape=box, style="rounded,filled", fillcolor="#eeeeee"',
}


def to_dot(obj):
    """The graph of ``obj`` as Graphviz DOT text (render with ``dot -Tpng``)."""
    graph = to_networkx(obj)
    ids = {n: f"n{k}" for k, n in enumerate(graph.nodes)}
    lines = ["digraph symconv {", "  rankdir=TB;"]
    for n, data in graph.nodes(data=True):
        # constants already spell their type in their label
        plain = data["kind"] in ("apply", "constant")
        label = data["label"] if plain else f"{data['label']}\\n{data['type']}"
        label = label.replace('"', '\\"')
        lines.append(f'  {ids[n]} [label="{label}", {_DOT_STYLE[data["kind"]]}];')
    for a, b in graph.edges:
        lines.append(f"  {ids[a]} -> {ids[b]};")
    lines.append("}")
    return "\n".join(lines)


# --- infix expressions (Theano's pp) ------------------------------------------------

_INFIX = {"add": "+", "sub": "-", "mul": "*", "true_div": "/", "floor_div": "//", "mod": "%",
          "pow": "**", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "neq": "!=",
          "and": "&", "or": "|", "xor": "^"}


def pprint(obj):
    """A variable's graph as one expression, operators infix (``((x * 2) + b)``), other
    ops as calls (``exp(x)``, ``dot(x, W)``, ``sum{axis=(0,)}(x)``); inputs by name
    (or type), constants by value. A list gives one line per variable. Theano's ``pp``;
    a shared subexpression is written out each time it is used (``debugprint`` names it
    once instead)."""
    outputs, _ = _outputs_of(obj)
    return "\n".join(_expression(v) for v in outputs)


def _expression(v):
    if isinstance(v, Constant):
        data = v.data
        return repr(data.item()) if getattr(data, "size", 0) == 1 else f"constant{v.type.short()}"
    if v.owner is None:
        return v.name or f"<{v.type.short()}>"
    node = v.owner
    args = [_expression(i) for i in node.inputs]
    scalar = getattr(node.op, "scalar_op", None)
    name = getattr(scalar, "name", None)
    if name in _INFIX and len(args) == 2:
        return f"({args[0]} {_INFIX[name]} {args[1]})"
    if name == "neg":
        return f"(-{args[0]})"
    text = f"{node.op}({', '.join(args)})"
    if len(node.outputs) > 1:
        text += f"[{node.outputs.index(v)}]"
    return text
