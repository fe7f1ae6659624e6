"""Graph traversal: topological order, inputs, ancestors, cloning and substitution."""
import numpy as np

import symconv as sc
import symconv.tensor as T
from symconv.graph.basic import Constant
from symconv.graph.traversal import ancestors, clone_graph, clone_replace, graph_inputs, toposort


def _graph():
    x, y = T.dvector("x"), T.dvector("y")
    a = x * y
    b = T.exp(a)
    c = a + b  # a is used twice
    return x, y, a, b, c


def test_toposort_orders_each_node_after_its_inputs():
    x, y, a, b, c = _graph()
    order = toposort([c])
    assert order == [a.owner, b.owner, c.owner]
    seen = set()
    for node in order:
        assert all(v.owner is None or v.owner in seen for v in node.inputs)
        seen.add(node)


def test_toposort_of_deep_graphs_does_not_recurse():
    x = T.dscalar("x")
    out = x
    for _ in range(5000):
        out = out + 1.0
    assert len(toposort([out])) == 5000


def test_graph_inputs_and_ancestors():
    x, y, a, b, c = _graph()
    w = sc.shared(np.ones(2), name="w")
    d = c * w + 1.0
    inputs = graph_inputs([d])
    assert inputs[:2] == [x, y]
    assert w in inputs and any(isinstance(v, Constant) for v in inputs)
    assert graph_inputs([x]) == [x]
    assert ancestors([c]) == {x, y, a, b, c}


def test_clone_replace_substitutes_without_touching_the_original():
    x, y, a, b, c = _graph()
    z = T.dvector("z")
    (new,) = clone_replace([c], {y: z})
    assert new is not c and c.owner.inputs[0] is a  # the original graph is unchanged
    assert set(graph_inputs([new])) == {x, z}
    f = sc.function([x, z], new)
    v, u = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    np.testing.assert_allclose(f(v, u), v * u + np.exp(v * u))


def test_clone_replace_keeps_untouched_subgraphs_and_inputs():
    x, y, a, b, c = _graph()
    other = T.dvector("other")
    (same,) = clone_replace([c], {other: x})
    assert same is c


def test_clone_graph_copies_every_node():
    x, y, a, b, c = _graph()
    (new,), memo = clone_graph([c])
    assert new is not c and memo[c] is new
    new_nodes = toposort([new])
    assert len(new_nodes) == 3 and not set(new_nodes) & set(toposort([c]))
    assert set(graph_inputs([new])) == {x, y}
    assert new_nodes[0].trace == a.owner.trace
