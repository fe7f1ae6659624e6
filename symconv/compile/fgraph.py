"""FunctionGraph: the private copy of a graph that the compiler rewrites.

It knows its inputs (free variables, shared variables, constants), its outputs
(the function's outputs followed by the new values of updated shared
variables), and for each variable the nodes that use it (its clients), which
is what rewrites need to replace one variable by another.
"""
from ..graph.basic import Constant, SharedVariable
from ..graph.traversal import clone_graph, graph_inputs, toposort


class FunctionGraph:
    """A graph under compilation.

    Parameters
    ----------
    inputs : list of Variable
        The function's explicit inputs, in call order.
    outputs : list of Variable
        Everything to compute: outputs, then update values.
    clone : bool
        Work on a copy so the user's graph never changes (the default).
    """

    def __init__(self, inputs, outputs, clone=True):
        self.inputs = list(inputs)
        if clone:
            outputs, _ = clone_graph(outputs)
        self.outputs = list(outputs)
        self.rebuild()

    def rebuild(self):
        """Recompute the node order and the clients after the graph changed."""
        self.nodes = toposort(self.outputs)
        self.clients = {}
        for node in self.nodes:
            for i, v in enumerate(node.inputs):
                self.clients.setdefault(v, []).append((node, i))
        for k, out in enumerate(self.outputs):
            self.clients.setdefault(out, []).append(("output", k))

    @property
    def variables(self):
        result = list(graph_inputs(self.outputs))
        for node in self.nodes:
            result.extend(node.outputs)
        return result

    @property
    def shared_inputs(self):
        return [v for v in graph_inputs(self.outputs) if isinstance(v, SharedVariable)]

    @property
    def constants(self):
        return [v for v in graph_inputs(self.outputs) if isinstance(v, Constant)]

    def replace(self, old, new, rebuild=True):
        """Make every user of ``old`` (and the outputs) use ``new`` instead."""
        if old is new:
            return
        if old.type.dtype != new.type.dtype or old.ndim != new.ndim:
            raise TypeError(f"replace: {new.describe()} cannot stand for {old.describe()}")
        for client, i in self.clients.get(old, []):
            if client == "output":
                self.outputs[i] = new
            else:
                client.inputs[i] = new
        if rebuild:
            self.rebuild()

    def __repr__(self):
        return f"FunctionGraph({len(self.inputs)} inputs, {len(self.outputs)} outputs, " \
               f"{len(self.nodes)} nodes)"
