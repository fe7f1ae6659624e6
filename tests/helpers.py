"""Helpers shared by the test suite: the one way every Op is tested.

Test folders are packages (each has an ``__init__.py``), so import these as
``from tests.helpers import check_op, check_grad``.

- :func:`compile_and_run` compiles a graph and calls it once;
- :func:`check_op` builds an expression on symbolic inputs shaped like some
  arrays, runs it, and compares the result (values, dtype, shape) with a NumPy
  reference; along the way it checks every node of the graph with
  :func:`check_graph`;
- :func:`check_graph` evaluates a graph node by node and checks, for each node,
  that ``perform`` returned arrays of the declared dtype, whose shapes agree
  with the static shapes of the output types and with ``op.infer_shape``;
- :func:`check_grad` runs :func:`symconv.verify.verify_grad` in float64;
- :func:`raises_naming` asserts that an error message names what it must
  (the op, the variable, the shapes or dtypes).

Examples
--------
>>> import numpy as np, symconv.tensor as T
>>> from tests.helpers import check_op, check_grad
>>> a = np.random.default_rng(0).standard_normal((3, 1))
>>> b = np.random.default_rng(1).standard_normal((1, 4))
>>> out = check_op(lambda x, y: x * y, [a, b], np.multiply)
>>> check_grad(lambda x, y: x * y, [a, b])
"""
import contextlib

import numpy as np
import pytest

import symconv as sc
from symconv.graph.basic import Constant, SharedVariable
from symconv.graph.traversal import toposort
from symconv.tensor.basic import tensor

__all__ = ["compile_and_run", "check_op", "check_graph", "check_grad", "raises_naming",
           "symbolic_like", "random_array", "error_text"]


def random_array(shape, dtype="float64", low=-1.0, high=1.0, seed=0):
    """A reproducible array of ``shape`` and ``dtype`` with values in ``[low, high)``.

    Integer dtypes get integers in ``[low, high)`` (so pass integer bounds).
    """
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(int(low), int(high), size=shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) < 0.5
    return rng.uniform(low, high, size=shape).astype(dtype)


def symbolic_like(values, static=False, names=None):
    """One symbolic input per array in ``values``, with the array's dtype and ndim.

    Parameters
    ----------
    values : list of array_like
    static : bool
        Give the inputs the arrays' full static shapes (``True``) or leave every
        dimension unknown (``False``, the common case for function inputs).
    names : list of str, optional
        Default ``x0, x1, ...``.
    """
    arrays = [np.asarray(v) for v in values]
    names = names or [f"x{k}" for k in range(len(arrays))]
    return [tensor(a.dtype.name, a.shape if static else (None,) * a.ndim, name=n)
            for a, n in zip(arrays, names)]


def compile_and_run(inputs, outputs, values, mode=None, **kwargs):
    """Compile ``symconv.function(inputs, outputs, mode=mode, **kwargs)`` and call
    it once on ``values``; returns what the call returns."""
    f = sc.function(inputs, outputs, mode=mode, **kwargs)
    return f(*values)


def check_graph(outputs, inputs=(), values=()):
    """Evaluate the graph of ``outputs`` node by node and check every node.

    For each Apply node it checks that ``op.perform`` returned one ndarray per
    output, of the output variable's dtype, with a shape that agrees with the
    output type's static shape (every known dimension equal), and, when the op
    implements ``infer_shape`` (does not raise ``NotImplementedError``), that the
    inferred shapes equal the computed ones.

    Parameters
    ----------
    outputs : Variable or list of Variable
    inputs : list of Variable
        The free inputs of the graph; shared variables and constants are read
        from the graph itself.
    values : list of array_like
        One value per input.

    Returns
    -------
    list of ndarray
        The values of ``outputs``.
    """
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    storage = {}
    for var, value in zip(inputs, values):
        storage[var] = var.type.filter(value, name=var.describe())
    nodes = toposort(outputs)
    for node in nodes:
        for var in node.inputs:
            if var in storage or var.owner is not None:
                continue
            if isinstance(var, Constant):
                storage[var] = var.data
            elif isinstance(var, SharedVariable):
                storage[var] = var.get_value(borrow=True)
            else:
                raise AssertionError(f"check_graph: no value for input {var.describe()}")
    for node in nodes:
        args = [storage[v] for v in node.inputs]
        results = node.op.perform(node, args)
        assert len(results) == len(node.outputs), (
            f"{node.op}.perform returned {len(results)} results for {len(node.outputs)} outputs")
        for var, value in zip(node.outputs, results):
            assert isinstance(value, np.ndarray), (
                f"{node.op}.perform returned a {type(value).__name__}, not an ndarray")
            assert value.dtype.name == var.dtype, (
                f"{node.op}: output declared {var.dtype}, perform returned {value.dtype.name}")
            assert value.ndim == var.ndim and all(
                s is None or s == a for s, a in zip(var.type.shape, value.shape)), (
                f"{node.op}: output has static shape {var.type.shape_str()} but perform "
                f"returned shape {value.shape} (inputs {[np.shape(a) for a in args]})")
            storage[var] = value
        try:
            inferred = node.op.infer_shape(node, [np.shape(a) for a in args])
        except NotImplementedError:
            continue
        computed = [v.shape for v in results]
        assert [tuple(int(d) for d in s) for s in inferred] == computed, (
            f"{node.op}.infer_shape gave {inferred}, perform gave {computed} "
            f"for inputs of shapes {[np.shape(a) for a in args]}")
    for var in outputs:
        if var not in storage:  # an output that is itself an input, constant or shared
            storage[var] = var.data if isinstance(var, Constant) else (
                var.get_value(borrow=True) if isinstance(var, SharedVariable) else None)
    return [storage[v] for v in outputs]


def check_op(fn, values, numpy_fn, dtype=None, rtol=None, atol=None, static=(False, True),
             mode=None):
    """Compare a symbolic expression with its NumPy reference.

    ``fn`` is called on symbolic inputs shaped like ``values`` (once with all
    dimensions unknown, once with the arrays' static shapes, as ``static``
    says); the graph is checked node by node with :func:`check_graph`, compiled
    and run; the result must equal ``numpy_fn(*values)`` in values, shape and
    dtype.

    Parameters
    ----------
    fn : callable
        Symbolic inputs -> symbolic output (or list of outputs).
    values : list of array_like
    numpy_fn : callable
        The NumPy reference, on the same arrays.
    dtype : str, optional
        The expected output dtype when it deliberately differs from NumPy's
        (e.g. Python floats take ``config.floatX``); default: NumPy's dtype.
    rtol, atol : float, optional
        Tolerances of ``np.testing.assert_allclose`` for float results; by default
        1e-12 for float64, 1e-5 for float32, 1e-3 for float16. Other dtypes must
        match exactly.
    static : tuple of bool
        Which input kinds to try (see :func:`symbolic_like`).
    mode : optional
        Compilation mode.

    Returns
    -------
    ndarray or list of ndarray
        The compiled result (of the last variant tried).
    """
    values = [np.asarray(v) for v in values]
    expected = numpy_fn(*values)
    multi = isinstance(expected, (list, tuple))
    expected = [np.asarray(e) for e in (expected if multi else [expected])]
    result = None
    for is_static in static:
        inputs = symbolic_like(values, static=is_static)
        out = fn(*inputs)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        assert len(outs) == len(expected), f"{len(outs)} outputs, reference gives {len(expected)}"
        node_by_node = check_graph(outs, inputs, values)
        compiled = sc.function(inputs, outs, mode=mode, on_unused_input="ignore")(*values)
        for got_graph, got, want, var in zip(node_by_node, compiled, expected, outs):
            want_dtype = dtype or want.dtype.name
            assert var.dtype == want_dtype, f"symbolic dtype {var.dtype}, expected {want_dtype}"
            assert got.dtype.name == want_dtype, f"result dtype {got.dtype}, expected {want_dtype}"
            assert got.shape == want.shape, f"result shape {got.shape}, expected {want.shape}"
            if np.dtype(want_dtype).kind != "f":
                np.testing.assert_array_equal(got, want)
                np.testing.assert_array_equal(got_graph, want)
                continue
            default = _TOLERANCE[np.dtype(want_dtype).itemsize]
            tol = dict(rtol=default if rtol is None else rtol, atol=default if atol is None else atol)
            np.testing.assert_allclose(got, want.astype(want_dtype), **tol)
            np.testing.assert_allclose(got_graph, want.astype(want_dtype), **tol)
        result = compiled if multi else compiled[0]
    return result


_TOLERANCE = {2: 1e-3, 4: 1e-5, 8: 1e-12}  # by float itemsize


def check_grad(fn, values, n_tests=2, **kwargs):
    """Finite-difference check of ``fn``'s gradient at ``values``, in float64.

    Float arrays are converted to float64 (the check is only tight there);
    integer arrays (indices, labels) are passed unchanged and not
    differentiated. Extra keyword arguments go to
    :func:`symconv.verify.verify_grad` (``eps``, ``abs_tol``, ``rel_tol``,
    ``rng``, ``mode``).
    """
    point = [np.asarray(v, dtype="float64") if np.asarray(v).dtype.kind == "f" else np.asarray(v)
             for v in values]
    sc.verify_grad(fn, point, n_tests=n_tests, **kwargs)


def error_text(exc):
    """The message of ``exc`` with its notes (run-time errors carry the node in a note)."""
    return "\n".join([str(exc)] + list(getattr(exc, "__notes__", [])))


@contextlib.contextmanager
def raises_naming(exc_type, *fragments):
    """Like ``pytest.raises(exc_type)``, and the message (with its notes) must
    contain every string in ``fragments``.

    Examples
    --------
    >>> with raises_naming(ValueError, "dot", "[2,3]", "[4]"):
    ...     T.dot(T.dmatrix(shape=(2, 3)), T.dvector(shape=(4,)))
    """
    with pytest.raises(exc_type) as info:
        yield info
    text = error_text(info.value)
    missing = [f for f in fragments if f not in text]
    assert not missing, f"error message lacks {missing}:\n{text}"


_MNIST_CACHE = {}


def mnist_arrays():
    """Nielsen's split of the bundled MNIST as arrays, read once per test session
    (treat them as read-only)."""
    from symconv.data.loaders import load_split

    if "split" not in _MNIST_CACHE:
        _MNIST_CACHE["split"] = load_split()
    return _MNIST_CACHE["split"]


def mnist_slices(n_train=200, n_valid=100, n_test=100):
    """The first examples of Nielsen's MNIST split as network3 data: three
    ``(images, labels)`` pairs of shared variables (float32 images, int32 labels).

    The bundled set is read once per test session; each call makes fresh shared variables.
    """
    pairs = []
    for (x, y), n in zip(mnist_arrays(), (n_train, n_valid, n_test)):
        pairs.append((sc.shared(x[:n].copy()), sc.shared(y[:n].astype("int32"))))
    return pairs


def shallow_network(mini_batch_size=10, n_hidden=30, activation=None, seed=0, p_dropout=0.0):
    """A small network3 ``FC(n_hidden) - SM`` network (sigmoid by default) whose
    initial weights come from ``seed``."""
    from symconv.network3 import FullyConnectedLayer, Network, SoftmaxLayer, sigmoid

    rng = np.random.RandomState(seed)
    return Network([FullyConnectedLayer(784, n_hidden, activation or sigmoid, p_dropout, rng=rng),
                    SoftmaxLayer(n_hidden, 10, p_dropout)], mini_batch_size)


def compiled_ops(f):
    """The ops of a compiled function's rewritten graph, in the order they run."""
    return [node.op for node in f.fgraph.nodes]


def check_rewrite(build, calls=(), present=(), absent=(), mode="FAST_RUN", rtol=1e-5, atol=1e-6):
    """The rewrite tester: the graph ``mode`` produces holds the expected ops, and its
    results (outputs and updated shared values) equal the plain reference's.

    Parameters
    ----------
    build : callable
        ``build(mode) -> (function, shared variables)``, called once for ``mode`` and
        once for ``FAST_COMPILE``, each time building its own shared variables.
    calls : list of tuples
        The arguments of each call (one empty call by default).
    present, absent : iterables of op classes
        Classes an op of the rewritten graph must (must not) be an instance of.
    rtol, atol : float
        Tolerances between the two modes' results.

    Returns
    -------
    Function
        The function compiled with ``mode``.
    """
    f, shared = build(mode)
    ref, ref_shared = build("FAST_COMPILE")
    ops = compiled_ops(f)
    for cls in present:
        assert any(isinstance(op, cls) for op in ops), \
            f"no {cls.__name__} in the rewritten graph: {[str(op) for op in ops]}"
    for cls in absent:
        found = [str(op) for op in ops if isinstance(op, cls)]
        assert not found, f"{cls.__name__} left in the rewritten graph: {found}"
    for args in list(calls) or [()]:
        got, want = f(*args), ref(*args)
        got = got if isinstance(got, list) else [got]
        want = want if isinstance(want, list) else [want]
        for g, w in zip(got, want):
            assert np.asarray(g).dtype == np.asarray(w).dtype
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
        for s, r in zip(shared, ref_shared):
            np.testing.assert_allclose(s.get_value(), r.get_value(), rtol=rtol, atol=atol,
                                       err_msg=f"shared variable {s.name}")
    return f


def load_benchmark(name):
    """The script ``benchmarks/<name>.py`` as a module, leaving ``sys.path`` as it was
    (the scripts put ``benchmarks/`` on it for their own imports)."""
    import importlib.util
    import os
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(root, "benchmarks", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    path = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = path
    return module
