"""Follows Theano 1.0's theano/compile/tests/test_pfunc.py (Test_pfunc) and
test_function_module.py (T_function): updates, givens, shared variables, default
updates, In/Out, keyword arguments and f.maker.fgraph."""
import numpy as np
import pytest

import symconv.theano as theano
import symconv.theano.tensor as T
from symconv.theano import In, Out, function, shared


def test_doc():
    # Test_pfunc.test_doc: the example of pfunc's docstring
    a, b = T.lscalar(), T.lscalar()
    assert function([a, b], a + b)(1, 2) == 3
    c = shared(np.int64(0))
    f = function([In(a, value=44)], a + c, updates={c: c + 1})
    assert f() == 44 and f(1) == 2 and c.get_value() == 2


def test_shared():
    # Test_pfunc.test_shared: set_value shows in later calls, and values are copied
    w_init = np.random.rand(2, 2)
    w = shared(w_init.copy())
    x = T.dmatrix("x")
    out1 = w + x
    f = function([x], [out1])
    x_val = np.random.rand(2, 2)
    np.testing.assert_allclose(f(x_val)[0], w_init + x_val)
    new_w = np.random.rand(2, 2)
    w.set_value(new_w)
    np.testing.assert_allclose(f(x_val)[0], new_w + x_val)


def test_no_shared_as_input():
    # Test_pfunc.test_no_shared_as_input: TypeError
    w = shared(np.random.rand(2, 2), name="w")
    with pytest.raises(TypeError):
        function([w], theano.tensor.sum(w * w))


def test_default_container():
    # Test_pfunc.test_default_container: an In with a default value
    a = T.dscalar()
    f = function([In(a, value=2.0)], a * 3)
    assert f() == 6.0 and f(1.0) == 3.0


def test_keyword_arguments_by_input_name():
    # T_function.test_naming_rule0..: inputs passed by name, and unknown names refused
    x, s = T.scalar("x"), T.scalar("s")
    f = function([x, In(s, value=3.0)], x * s)
    assert f(2.0) == 6.0 and f(2.0, s=4.0) == 8.0 and f(x=1.0, s=2.0) == 2.0
    with pytest.raises(TypeError):
        f(1.0, t=2.0)
    with pytest.raises(TypeError):
        f()


def test_out_is_unwrapped():
    # T_function's Out(variable, borrow=True)
    x = T.dvector()
    f = function([x], Out(x * 2, borrow=True))
    np.testing.assert_array_equal(f([1.0, 2.0]), [2.0, 4.0])


def test_update():
    # Test_pfunc.test_update: assignment, increment, increment by another shared variable
    x = shared(0)
    function([], [], updates={x: 3})()
    assert x.get_value() == 3
    x.set_value(0)
    function([], [], updates={x: x + 1})()
    assert x.get_value() == 1
    x.set_value(-1)
    y = shared(2)
    function([], [], updates={x: x + y})()
    assert x.get_value() == 1


def test_update_of_unknown_shape_accepts_a_broadcast_value():
    # Test_pfunc.test_update_err_broadcast expects a TypeError; symconv differs on purpose: a
    # shared variable's shape is unknown (set_value may change it), so a (1, 1) value fits
    output_var = shared(np.random.rand(10, 10).astype("float32"), name="output")
    function([], [], updates={output_var: output_var.sum().dimshuffle("x", "x")})()
    assert output_var.get_value().shape == (1, 1)
    row = theano.shared(np.ones((1, 3)), broadcastable=(True, False))
    assert row.type.shape == (1, None) and row.broadcastable == (True, False)


def test_duplicate_updates():
    # Test_pfunc.test_duplicate_updates: ValueError
    x, y = T.dmatrices("x", "y")
    z = shared(np.ones((2, 3)))
    with pytest.raises(ValueError):
        function([x, y], [z], updates=[(z, z + x + y), (z, z - x)])


def test_givens():
    # Test_pfunc.test_givens: a shared variable and an input replaced, the shared value kept
    x = shared(0)
    assert function([], x, givens={x: 3})() == 3
    assert x.get_value() == 0
    y = T.ivector()
    f = function([y], y * x, givens={x: 6})
    np.testing.assert_array_equal(f([1, 1, 1]), [6, 6, 6])
    z = T.ivector()
    f = function([y], z * y + 7, givens={z: np.asarray([4, 4, 4], dtype="int32")})
    np.testing.assert_array_equal(f([1, 1, 1]), [11, 11, 11])


def test_clone0():
    # Test_pfunc.test_clone0: simultaneous updates read the values before the call
    x = shared(np.asarray([4, 4, 4]))
    y = shared(np.asarray([4, 4, 4]))
    z = shared(np.asarray([2, 2, 2]))
    function([], [], updates={x: x * 5, y: x * 5 + y, z: (x * 5 + y) ** z})()
    assert np.all(x.get_value() == 20) and np.all(y.get_value() == 24)
    assert np.all(z.get_value() == 24 ** 2)


def test_default_updates():
    # Test_pfunc.test_default_updates: applied on each call; deleting it stops new functions
    x = shared(0)
    x.default_update = x + 1
    f = function([], [x])
    f()
    assert x.get_value() == 1
    del x.default_update
    f()
    assert x.get_value() == 2
    g = function([], [x])
    g()
    assert x.get_value() == 2


def test_no_default_updates():
    # Test_pfunc.test_no_default_updates
    x, y = shared(0), shared(1)
    x.default_update = x + 2
    function([], [x], no_default_updates=True)()
    assert x.get_value() == 0
    function([], [x], no_default_updates=[x])()
    assert x.get_value() == 0
    function([], [x], no_default_updates=[x, y])()
    assert x.get_value() == 0
    function([], [x], no_default_updates=[y])()
    assert x.get_value() == 2
    function([], [x], no_default_updates=[])()
    assert x.get_value() == 4
    function([], [x], no_default_updates=False)()
    assert x.get_value() == 6
    function([], [x], updates=[(x, x - 1)], no_default_updates=True)()
    assert x.get_value() == 5


def test_default_updates_expressions():
    # Test_pfunc.test_default_updates_expressions
    x, y = shared(0), shared(1)
    a = T.lscalar("a")
    z = a * x
    x.default_update = x + y
    function([a], z)(12)
    assert x.get_value() == 1
    assert function([a], z, no_default_updates=True)(7) == 7
    assert x.get_value() == 1
    assert function([a], z, no_default_updates=[x])(9) == 9
    assert x.get_value() == 1


def test_default_updates_multiple():
    # Test_pfunc.test_default_updates_multiple
    x, y = shared(0), shared(1)
    x.default_update = x - 1
    y.default_update = y + 1
    function([], [x, y])()
    assert (x.get_value(), y.get_value()) == (-1, 2)
    function([], [x, y], updates=[(x, x - 2)], no_default_updates=[y])()
    assert (x.get_value(), y.get_value()) == (-3, 2)
    function([], [x, y], updates=[(x, x - 2)], no_default_updates=True)()
    assert (x.get_value(), y.get_value()) == (-5, 2)
    function([], [x, y], updates=[(y, y - 2)])()
    assert (x.get_value(), y.get_value()) == (-6, 0)


def test_default_updates_chained():
    # Test_pfunc.test_default_updates_chained
    x, y, z = shared(2), shared(1), shared(-1)
    x.default_update = x - y
    y.default_update = z
    z.default_update = z - 1
    function([], [x])()
    assert (x.get_value(), y.get_value(), z.get_value()) == (1, -1, -2)
    function([], [x, y])()
    assert (x.get_value(), y.get_value(), z.get_value()) == (2, -2, -3)
    function([], [y])()
    assert (x.get_value(), y.get_value(), z.get_value()) == (2, -3, -4)
    function([], [x, y], no_default_updates=[x])()
    assert (x.get_value(), y.get_value(), z.get_value()) == (2, -4, -5)
    function([], [x, y, z], no_default_updates=[z])()
    assert (x.get_value(), y.get_value(), z.get_value()) == (6, -5, -5)


def test_default_updates_input():
    # Test_pfunc.test_default_updates_input: a default update may need an input
    x, y = shared(0), shared(1)
    a = T.lscalar("a")
    x.default_update = y
    y.default_update = y + a
    function([], x, no_default_updates=True)()
    assert (x.get_value(), y.get_value()) == (0, 1)
    function([], x, no_default_updates=[x])()
    assert (x.get_value(), y.get_value()) == (0, 1)
    function([], x, no_default_updates=[y])()
    assert (x.get_value(), y.get_value()) == (1, 1)
    function([a], x)(2)
    assert (x.get_value(), y.get_value()) == (1, 3)
    function([], x, updates={y: y - 1})()
    assert (x.get_value(), y.get_value()) == (3, 2)
    with pytest.raises(ValueError, match="'a'"):
        function([], x)  # Theano's MissingInputError


def test_givens_replaces_shared_variable():
    # Test_pfunc.test_givens_replaces_shared_variable
    a = shared(1.0, "a")
    a.default_update = a + 3.0
    b = T.dscalar("b")
    c = a + 10
    f = function([b], c, givens={a: b})
    assert f(2.0) == 12.0 and a.get_value() == 1.0


def test_maker_fgraph_toposort():
    # T_function's f.maker.fgraph.toposort(): the compiled graph's nodes, in order
    x = T.dvector("x")
    f = function([x], T.exp(x) * 2, mode="FAST_COMPILE")
    nodes = f.maker.fgraph.toposort()
    assert [str(node.op) for node in nodes] == ["exp", "mul"]
    assert f.maker.fgraph.inputs == [x]
    assert not hasattr(f.maker.fgraph, "replace")  # read-only


def test_debugprint_of_a_compiled_function():
    # theano/tests/test_printing.py test_debugprint: prints the compiled graph
    x = T.dvector("x")
    f = function([x], T.exp(x) * 2)
    text = theano.printing.debugprint(f, file="str")
    assert "inputs: x:f64[?]" in text and "exp" in text


def test_debugprint_returns_what_theano_returns(capsys):
    # theano/printing.py debugprint: None after printing, the file when given one
    import io
    x = T.dvector("x")
    assert theano.printing.debugprint(T.exp(x)) is None
    assert "exp" in capsys.readouterr().out
    buffer = io.StringIO()
    assert theano.printing.debugprint(T.exp(x), file=buffer) is buffer
    assert "exp" in buffer.getvalue() and capsys.readouterr().out == ""


def test_a_theano_function_pickles_with_its_defaults():
    # Theano pickles functions (copyreg on Function); the tutorials pickle their models
    import pickle
    import numpy as np
    import symconv.theano as theano
    import symconv.theano.tensor as TT
    y, s = TT.dvector("y"), TT.dscalar("s")
    v = theano.shared(np.zeros(2), name="v")
    f = theano.function([y, theano.In(s, value=2.0)], y.sum() * s, updates=[(v, v + 1)])
    g = pickle.loads(pickle.dumps(f))
    assert float(g(np.ones(2))) == 4.0 and float(g(np.ones(2), s=3.0)) == 6.0
    assert g.maker.fgraph.outputs[0].ndim == 0


def test_copy_keeps_the_keyword_arguments():
    import numpy as np
    import symconv.theano as theano
    import symconv.theano.tensor as TT
    y, k = TT.dscalar("y"), TT.dscalar("k")
    s = theano.shared(0.0, name="s")
    f = theano.function([y, theano.In(k, value=3.0)], s * k, updates=[(s, s + y)])
    g = f.copy(delete_updates=True)
    f(2.0)
    assert float(g(1.0)) == 6.0 and float(g(1.0, k=1.0)) == 2.0 and float(s.get_value()) == 2.0


def test_theano_modes_map_to_symconvs():
    import numpy as np
    import symconv.theano as theano
    import symconv.theano.tensor as TT
    from symconv.theano.missing import NotImplementedInSymconv
    x = TT.dvector("x")
    assert theano.Mode().name == "FAST_RUN" and theano.Mode(optimizer=None).name == "FAST_COMPILE"
    assert theano.Mode(linker="py").linker == "plain"
    assert theano.Mode(optimizer="fast_compile").name == "FAST_COMPILE"
    for mode in (theano.Mode(linker="py"), theano.Mode(linker="cvm", optimizer="fast_run"),
                 theano.Mode().excluding("fusion")):
        f = theano.function([x], TT.exp(x).sum(), mode=mode)
        np.testing.assert_allclose(f(np.zeros(3)), 3.0)
    with pytest.raises(NotImplementedInSymconv, match="optimizer 'magic'"):
        theano.Mode(optimizer="magic")
