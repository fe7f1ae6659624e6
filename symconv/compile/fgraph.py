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
    updated : list of SharedVariable, optional
        The shared variables whose new values are the last ``len(updated)``
        outputs, in order (rewrites use it to update them in place).
    """

    def __init__(self, inputs, outputs, clone=True, updated=()):
        self.inputs = list(inputs)
        if clone:
            outputs, _ = clone_graph(outputs)
        self.outputs = list(outputs)
        self.updated = list(updated)
        self.rebuild()

    def rebuild(self):
        """Recompute the node order and the clients after the graph changed."""
        self._nodes = toposort(self.outputs)
        self._node_set = set(self._nodes)
        self.clients = {}
        for node in self._nodes:
            for i, v in enumerate(node.inputs):
                self.clients.setdefault(v, []).append((node, i))
        for k, out in enumerate(self.outputs):
            self.clients.setdefault(out, []).append(("output", k))
        self._dirty = False

    @property
    def nodes(self):
        """The Apply nodes in the order they run (a topological order)."""
        if self._dirty:
            self.rebuild()
        return self._nodes

    def __contains__(self, node):
        if self._dirty:
            self.rebuild()
        return node in self._node_set

    def client_list(self, var):
        """The (node, input index) pairs using ``var``; ``("output", k)`` for outputs."""
        if self._dirty:
            self.rebuild()
        return self.clients.get(var, [])

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

    @property
    def update_pairs(self):
        """(shared variable, index of its new value in ``outputs``) pairs."""
        first = len(self.outputs) - len(self.updated)
        return [(s, first + k) for k, s in enumerate(self.updated)]

    def replace(self, old, new, rebuild=True):
        """Make every user of ``old`` (and the outputs) use ``new`` instead."""
        self.replace_all([(old, new)], rebuild=rebuild)

    def replace_all(self, pairs, rebuild=False):
        """Replace each ``old`` by its ``new`` everywhere; checked for type agreement.

        The node order is recomputed lazily, the next time it is asked for.
        """
        stale = self._dirty
        for old, new in pairs:
            if old is new:
                continue
            if stale:  # nodes created for an earlier pair may use ``old``
                self.rebuild()
            if old.type.dtype != new.type.dtype or old.ndim != new.ndim or \
                    not old.type.is_compatible(new.type):
                raise TypeError(f"replace: {new.describe()} cannot stand for {old.describe()}")
            moved = self.clients.pop(old, [])
            for client, i in moved:
                if client == "output":
                    self.outputs[i] = new
                else:
                    client.inputs[i] = new
            self.clients.setdefault(new, []).extend(moved)
            self._dirty = True
            stale = new.owner is not None and new.owner not in self._node_set
        if rebuild:
            self.rebuild()

    def __repr__(self):
        return f"FunctionGraph({len(self.inputs)} inputs, {len(self.outputs)} outputs, " \
               f"{len(self.nodes)} nodes)"
