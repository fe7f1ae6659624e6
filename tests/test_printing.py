"""Printed graphs are part of the interface: debugprint's listing, to_networkx and to_dot."""
import io

import networkx as nx
import numpy as np
import pytest

import symconv as sc
import symconv.tensor as T
from symconv.graph.basic import Apply, Constant, SharedVariable
from symconv.graph.traversal import toposort
from tests.helpers import raises_naming


def _model():
    x = T.fmatrix("x")
    W = sc.shared(np.zeros((3, 2), dtype="float32"), name="W")
    b = sc.shared(np.zeros(2, dtype="float32"), name="b")
    h = T.tanh(T.dot(x, W) + b)
    out = (h * h).sum() + h.max()
    return x, W, b, h, out


def test_debugprint_listing():
    x, W, b, h, out = _model()
    text = sc.printing.debugprint(out, file="str")
    assert text == "\n".join([
        "inputs: x:f32[?,?]",
        "shared: W:f32[?,?]  b:f32[?]",
        "  %0:f32[?,?] = dot x W",
        "  %1:f32[?,?] = add %0 b",
        "  %2:f32[?,?] = tanh %1",
        "  %3:f32[?,?] = mul %2 %2",
        "  %4:f32[] = sum{axis=(0, 1)} %3",
        "  %5:f32[] = max{axis=(0, 1)} %2",
        "  %6:f32[] = add %4 %5",
        "outputs: %6",
    ])


def test_shared_subgraph_is_printed_once_and_referred_to_by_id():
    x, W, b, h, out = _model()
    text = sc.printing.debugprint(out, file="str")
    assert text.count("= tanh") == 1
    tanh_id = next(line.split(":")[0].strip() for line in text.splitlines() if "= tanh" in line)
    users = [line for line in text.splitlines() if f" {tanh_id}" in line.split("=", 1)[-1]]
    assert len(users) == 2  # the mul (twice the same id) and the max
    assert f"mul {tanh_id} {tanh_id}" in text


def test_one_line_per_node_with_types_and_shapes():
    x, W, b, h, out = _model()
    lines = sc.printing.debugprint(out, file="str").splitlines()
    node_lines = [line for line in lines if line.startswith("  %")]
    assert len(node_lines) == len(toposort([out]))
    for line, node in zip(node_lines, toposort([out])):
        assert str(node.op) in line
        assert node.outputs[0].type.short() in line


def test_debugprint_of_several_outputs_names_and_traces():
    x, W, b, h, out = _model()
    h.name = "hidden"
    text = sc.printing.debugprint([h, out], file="str", print_trace=True)
    lines = text.splitlines()
    assert lines[-1] == "outputs: %2  %6"
    assert "    # hidden" in next(line for line in lines if "= tanh" in line)
    assert all(f"@ {__file__}:" in line for line in lines if line.startswith("  %"))


def test_debugprint_of_a_compiled_function():
    x, W, b, h, out = _model()
    f = sc.function([x], out, updates=[(b, b - 0.1)], mode="FAST_COMPILE", name="step")
    text = sc.printing.debugprint(f, file="str")
    lines = text.splitlines()
    assert lines[0] == f"compiled function 'step' (FAST_COMPILE, {len(f.fgraph.nodes)} nodes)"
    assert lines[1] == "inputs: x:f32[?,?]"
    assert "  %7:f32[?] = sub b 0.1:f32[]" in lines
    assert lines[-1] == "outputs: out0=%6  update b=%7"


def test_debugprint_prints_and_returns():
    x = T.dvector("x")
    buffer = io.StringIO()
    text = sc.printing.debugprint(T.exp(x), file=buffer)
    assert buffer.getvalue() == text + "\n"
    assert text.splitlines()[1] == "  %0:f64[?] = exp x"


def test_debugprint_of_the_gradient_graph(capsys):
    x, W, b, h, out = _model()
    gW = sc.grad(out, W)
    sc.printing.debugprint(gW)
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert lines[0] == "inputs: x:f32[?,?]"
    assert lines[-1].startswith("outputs: %")
    # every intermediate is defined before it is used
    defined = set()
    for line in lines[2:-1]:
        lhs, rhs = line.strip().split(" = ")
        for token in rhs.split()[1:]:
            if token.startswith("%"):
                assert token in defined, line
        defined.add(lhs.split(":")[0])


def test_inputs_that_share_a_name_are_kept_apart():
    a, b = T.dvector("x"), T.dvector("x")
    text = sc.printing.debugprint(a * 2.0 + b, file="str")
    assert text.splitlines()[0] == "inputs: x:f64[?]  x.1:f64[?]"
    unnamed = sc.printing.debugprint(T.dvector() + T.dvector(), file="str")
    assert unnamed.splitlines()[0] == "inputs: in0:f64[?]  in1:f64[?]"


def test_small_constants_print_inline_without_padding():
    x = T.matrix("x")
    text = sc.printing.debugprint(x.reshape((10, 784)) * 0.5, file="str")
    assert "[10,784]:i64[2]" in text
    assert "0.5:f32[]" in text


def test_debugprint_rejects_other_objects():
    with raises_naming(TypeError, "debugprint", "Variable", "int"):
        sc.printing.debugprint(3)


def test_to_networkx():
    x, W, b, h, out = _model()
    G = sc.printing.to_networkx(out)
    assert isinstance(G, nx.DiGraph) and nx.is_directed_acyclic_graph(G)
    kinds = nx.get_node_attributes(G, "kind")
    assert kinds[x] == "input" and kinds[W] == "shared" and kinds[b] == "shared"
    assert kinds[out] == "output" and kinds[h] == "intermediate"
    applies = [n for n, k in kinds.items() if k == "apply"]
    assert set(applies) == set(toposort([out]))
    for node in applies:
        assert G.nodes[node]["op"] == str(node.op)
        assert set(G.predecessors(node)) == set(node.inputs)
        assert list(G.successors(node)) == node.outputs
    for v, k in kinds.items():
        if k != "apply":
            assert G.nodes[v]["dtype"] == v.dtype and G.nodes[v]["shape"] == v.type.shape
            assert G.nodes[v]["type"] == v.type.short()
            assert (G.in_degree(v) == 0) == (v.owner is None)
    assert G.nodes[x]["label"] == "x"
    # tanh feeds two nodes: the graph is a DAG, not a tree
    assert G.out_degree(h) == 2


def test_to_networkx_of_a_gradient_and_of_a_compiled_function():
    x, W, b, h, out = _model()
    gW = sc.grad(out, W)
    G = sc.printing.to_networkx(gW)
    assert nx.is_directed_acyclic_graph(G)
    assert nx.has_path(G, W, gW)
    constants = [n for n, k in G.nodes(data="kind") if k == "constant"]
    assert constants and all(isinstance(c, Constant) for c in constants)
    f = sc.function([x], out, updates=[(b, b * 2)], mode="FAST_COMPILE")
    F = sc.printing.to_networkx(f)
    outputs = [n for n, k in F.nodes(data="kind") if k == "output"]
    assert len(outputs) == 2
    assert sum(1 for _, k in F.nodes(data="kind") if k == "apply") == len(f.fgraph.nodes)


def test_to_dot():
    x, W, b, h, out = _model()
    text = sc.printing.to_dot(out)
    lines = text.splitlines()
    assert lines[0] == "digraph symconv {" and lines[-1] == "}"
    G = sc.printing.to_networkx(out)
    assert sum(1 for line in lines if "->" in line) == G.number_of_edges()
    assert sum(1 for line in lines if "[label=" in line) == G.number_of_nodes()
    assert '[label="x\\nf32[?,?]", shape=box' in text
    assert '[label="tanh", shape=box, style="rounded,filled"' in text
    assert '[label="W\\nf32[?,?]"' in text


def test_pprint_writes_one_infix_expression():
    x = T.dvector("x")
    W = sc.shared(np.ones((3, 2)), name="W")
    y = T.tanh(T.dot(x, W) + T.dvector()) * 2 - (-x.sum())
    assert sc.printing.pprint(y) == \
        "((tanh((dot(x, W) + <f64[?]>)) * 2.0) - (-sum{axis=(0,)}(x)))"
    assert sc.printing.pprint((-x) ** 2) == "((-x) ** 2.0)"
    assert sc.printing.pprint([x + 1, x < 2]).splitlines() == ["(x + 1.0)", "(x < 2.0)"]


def test_theano_pp():
    import symconv.theano as theano
    x = theano.tensor.dvector("x")
    assert theano.pp(theano.tensor.exp(x) / 2) == "(exp(x) / 2.0)"
    assert theano.printing.pprint is theano.pp


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_print_shows_the_value_once_per_call_and_passes_it_on(mode, capsys):
    x = T.dvector("x")
    shown = sc.printing.Print("doubled")(x * 2)
    sized = sc.printing.Print("sized", attrs=("shape",))(shown + 1)
    f = sc.function([x], [sized * 3, x], mode=mode)
    data = np.array([1.0, 2.0])
    got, same = f(data)
    np.testing.assert_allclose(got, (data * 2 + 1) * 3)
    np.testing.assert_array_equal(same, data)                # nothing written over x
    assert capsys.readouterr().out == "doubled __str__ = [2. 4.]\nsized shape = (2,)\n"
    f(np.array([1.0, 2.0, 3.0]))
    assert capsys.readouterr().out.splitlines() == ["doubled __str__ = [2. 4. 6.]",
                                                    "sized shape = (3,)"]
    np.testing.assert_allclose(sc.function([x], sc.grad(sized.sum(), x), mode=mode)(data), [2, 2])


def test_print_with_a_function_of_its_own_and_in_the_theano_route(capsys):
    import symconv.theano as theano
    seen = []
    x = T.dvector("x")
    f = sc.function([x], theano.printing.Print("m", global_fn=lambda op, v: seen.append(v.sum()))(x))
    f(np.array([1.0, 2.0]))
    assert seen == [3.0] and capsys.readouterr().out == ""
    assert str(sc.printing.Print("m")(x).owner.op) == "print{'m'}"
