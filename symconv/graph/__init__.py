"""The graph IR: types, variables, Apply nodes, the Op contract and graph traversal."""
from .basic import Apply, Constant, Op, SharedVariable, Variable
from .traversal import ancestors, clone_graph, clone_replace, graph_inputs, toposort
from .type import TensorType

__all__ = ["Apply", "Constant", "Op", "SharedVariable", "Variable", "TensorType",
           "ancestors", "clone_graph", "clone_replace", "graph_inputs", "toposort"]
