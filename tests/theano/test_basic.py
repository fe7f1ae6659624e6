"""Follows Theano 1.0's theano/tensor/tests/test_basic.py: max_and_argmax, Join and
stack, var, reshape, arange and the plural constructors, with its expected values."""
import numpy as np
import pytest

import symconv.theano as theano
import symconv.theano.tensor as T

DATA = np.random.RandomState(0).rand(2, 3)


def test_max_and_argmax_of_a_scalar():
    # T_max_and_argmax.test0
    v, i = T.max_and_argmax(T.as_tensor_variable(5.0))
    assert v.eval() == 5.0 and i.eval() == 0 and i.dtype == "int64"


def test_max_and_argmax_of_a_vector():
    # T_max_and_argmax.test1
    v, i = T.max_and_argmax(T.as_tensor_variable([1, 2, 3, 2, -6]))
    assert v.eval() == 3 and i.eval() == 2 and i.dtype == "int64"


@pytest.mark.parametrize("axis,np_axis", [(-1, -1), (0, 0), (1, 1), (None, None),
                                          ([0, 1], None), ([1, 0], None),
                                          (T.constant(0), 0)])
def test_max_and_argmax_over_axes(axis, np_axis):
    # T_max_and_argmax.test2: every way Theano's test gives the axis
    v, i = T.max_and_argmax(T.as_tensor_variable(DATA), axis)
    assert i.dtype == "int64"
    np.testing.assert_array_equal(v.eval(), np.max(DATA, np_axis))
    np.testing.assert_array_equal(i.eval(), np.argmax(DATA, np_axis))


@pytest.mark.parametrize("axis", [3, -3])
def test_max_and_argmax_invalid_axis(axis):
    # T_max_and_argmax.test2_invalid, test2_invalid_neg: ValueError
    with pytest.raises(ValueError):
        T.max_and_argmax(T.as_tensor_variable(DATA), axis)


def test_max_gradient():
    # T_max_and_argmax.test_grad: verify_grad of max over each axis
    x = np.random.RandomState(1).rand(2, 3)
    for axis in (None, 0, 1, [0, 1]):
        theano.gradient.verify_grad(lambda v: T.max(v, axis=axis), [x])


def test_argmax_over_several_axes():
    # T_max_and_argmax.test3 / test_argmax: argmax over axes [0, 2] of a 3-d tensor
    data = np.random.RandomState(2).rand(2, 3, 4)
    x = T.tensor3()
    got = T.argmax(x, axis=[0, 2]).eval({x: data})
    want = np.argmax(data.transpose(1, 0, 2).reshape(3, 8), axis=1)
    np.testing.assert_array_equal(got, want)


def test_stack_scalar():
    # T_Join_and_Split.test_stack_scalar
    a = theano.shared(np.asarray(1.0, dtype=theano.config.floatX))
    s = T.stack([a, T.as_tensor_variable(2.0), T.as_tensor_variable(3.0)])
    np.testing.assert_array_equal(s.eval(), [1, 2, 3])


def test_stack_new_interface():
    # T_Join_and_Split.test_stack_new_interface: both call forms, axis, negative axis
    a, b = T.imatrix("a"), T.imatrix("b")
    f = theano.function([a, b], [T.stack(a, b), T.stack([a, b])])
    v1, v2 = f([[1, 2]], [[3, 4]])
    np.testing.assert_array_equal(v1, v2)
    v3 = theano.function([a, b], T.stack([a, b], 1))([[1, 2]], [[3, 4]])
    np.testing.assert_array_equal(v3, np.array([[[1, 2], [3, 4]]]))
    m1, m2 = [[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]
    out = theano.function([a, b], T.stack([a, b], axis=-1))(m1, m2)
    np.testing.assert_array_equal(out[:, :, 0], m1)
    np.testing.assert_array_equal(out[:, :, 1], m2)
    out = theano.function([a, b], T.stack([a, b], axis=-2))(m1, m2)
    np.testing.assert_array_equal(out[:, 1, :], m2)


@pytest.mark.parametrize("axis", [4, -4])
def test_stack_out_of_bounds_axis(axis):
    # T_Join_and_Split.test_stack_new_interface: IndexError
    a, b = T.imatrix("a"), T.imatrix("b")
    with pytest.raises(IndexError):
        T.stack([a, b], axis)


def test_stack_vector():
    # T_Join_and_Split.test_stack_vector
    a = theano.shared(np.array([1, 2, 3], dtype=theano.config.floatX))
    b = T.as_tensor_variable(np.array([7, 8, 9], dtype=theano.config.floatX))
    np.testing.assert_array_equal(T.stack([a, b]).eval(), [[1, 2, 3], [7, 8, 9]])


def test_join_matrix0():
    # T_Join_and_Split.test_join_matrix0
    a = theano.shared(np.array([[1, 2, 3], [4, 5, 6]], dtype=theano.config.floatX))
    b = T.as_tensor_variable(np.array([[7, 8, 9]], dtype=theano.config.floatX))
    np.testing.assert_array_equal(T.concatenate([a, b]).eval(),
                                  [[1, 2, 3], [4, 5, 6], [7, 8, 9]])


def test_join_matrix1_and_its_gradient():
    # T_Join_and_Split.test_join_matrix1
    av = np.array([[.1, .2, .3], [.4, .5, .6]], dtype="float32")
    bv = np.array([[.7], [.8]], dtype="float32")
    s = T.concatenate([theano.shared(av), T.as_tensor_variable(bv)], axis=1)
    np.testing.assert_array_equal(s.eval(), np.array([[.1, .2, .3, .7], [.4, .5, .6, .8]],
                                                     dtype="float32"))
    theano.gradient.verify_grad(lambda a, b: T.concatenate([a, b], axis=1),
                                [av.astype("float64"), bv.astype("float64")])


def test_join_matrix_dtypes():
    # T_Join_and_Split.test_join_matrix_dtypes: int8 joined with float32 upcasts
    av = np.array([[1, 2, 3], [4, 5, 6]], dtype="int8")
    bv = np.array([[7], [8]], dtype="float32")
    a, b = T.bmatrix(), T.fmatrix()
    out = theano.function([a, b], T.concatenate([a, b], axis=1))(av, bv)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(out, [[1, 2, 3, 7], [4, 5, 6, 8]])


def test_join_concatenate_one_element():
    # T_Join_and_Split.test_join_concatenate_one_element: one tensor comes back as itself
    m = T.fmatrix()
    assert T.concatenate([m]) is m


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"axis": 1}, {"axis": 2},
                                    {"axis": 0, "ddof": 0}, {"axis": 1, "ddof": 1},
                                    {"axis": 2, "ddof": 1}])
def test_var(kwargs):
    # test_var: against np.var on arange(60).reshape(3, 4, 5)
    a = T.dtensor3()
    a_val = np.arange(60).reshape(3, 4, 5)
    np.testing.assert_allclose(theano.function([a], T.var(a, **kwargs))(a_val),
                               np.var(a_val, **kwargs))


def test_std_is_the_root_of_var():
    # test_basic's std, on the same data as test_var
    a = T.dtensor3()
    a_val = np.arange(60).reshape(3, 4, 5)
    np.testing.assert_allclose(a.std(axis=1).eval({a: a_val}), np.std(a_val, axis=1))


def test_reshape():
    # T_reshape.test_reshape: to a vector, a matrix of a symbolic shape, and back
    a = T.dvector()
    b = T.dmatrix()
    data = np.asarray([0, 1, 2, 3, 4, 5], dtype="float64")
    np.testing.assert_array_equal(T.reshape(a, (2, 3)).eval({a: data}),
                                  [[0, 1, 2], [3, 4, 5]])
    v = T.lvector()
    c = T.reshape(a, v, ndim=2)
    np.testing.assert_array_equal(theano.function([a, v], c)(data, np.array([3, 2])),
                                  [[0, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(T.reshape(b, (6,)).eval({b: data.reshape(2, 3)}), data)


def test_reshape_to_a_scalar():
    # T_reshape.test_m1 / reshape to shape (): a one-element tensor becomes a scalar
    a = T.dmatrix()
    out = T.reshape(a, ())
    assert out.ndim == 0
    assert float(out.eval({a: [[3.0]]})) == 3.0
    assert float(a.reshape([]).eval({a: [[4.0]]})) == 4.0


def test_reshape_with_minus_one():
    # T_reshape.test_m1
    t = T.tensor3()
    rng = np.random.RandomState(3)
    data = rng.rand(3, 4, 5)
    np.testing.assert_array_equal(t.reshape((-1,)).eval({t: data}), data.reshape(-1))
    np.testing.assert_array_equal(t.reshape((-1, 5)).eval({t: data}), data.reshape(-1, 5))


@pytest.mark.parametrize("args", [(10,), (1, 10, 2), (5, 0, -1)])
def test_arange(args):
    # TestARange: integer bounds give int64, as np.arange
    out = T.arange(*args).eval()
    np.testing.assert_array_equal(out, np.arange(*args))
    assert out.dtype == "int64"


def test_plural_constructors():
    # theano.tensor's scalars/vectors/matrices: names, letters of one string, a count
    x, y = T.dmatrices("x", "y")
    assert (x.name, y.name, x.dtype) == ("x", "y", "float64")
    a, b, c = T.vectors("abc")
    assert [v.name for v in (a, b, c)] == ["a", "b", "c"]
    assert a.dtype == theano.config.floatX
    assert len(T.iscalars(4)) == 4


def test_float_constructors_follow_theano_floatX():
    # Theano's default floatX is float64
    assert theano.config.floatX == "float64"
    assert T.matrix().dtype == "float64"
    assert theano.shared(1.5).dtype == "float64"


def test_shared_scalars_have_theanos_dtypes_whatever_floatX(monkeypatch):
    import numpy as np
    import symconv as sc
    monkeypatch.setattr(sc.config, "floatX", "float32")
    assert theano.shared(1.5).dtype == "float64" and theano.shared(2).dtype == "int64"
    assert theano.shared(np.float32(1.5)).dtype == "float32"
    assert theano.shared(np.float64(1.5)).dtype == "float64"
    # symconv's own shared: a Python float follows floatX, a NumPy scalar keeps its dtype
    assert sc.shared(1.5).dtype == "float32" and sc.shared(np.float64(1.5)).dtype == "float64"


# --- names Theano code uses: row, col, join, outer, TensorType, dot, clone ------------

def test_theano_constructors_and_helpers():
    import numpy as np
    import symconv.theano as theano
    import symconv.theano.tensor as TT
    r, c = TT.row("r"), TT.col("c")
    assert r.type.broadcastable == (True, False) and c.type.broadcastable == (False, True)
    assert (r + c).type.broadcastable == (False, False)
    t = TT.TensorType("float32", (False, True, False))("t")
    assert t.type.dtype == "float32" and t.type.broadcastable == (False, True, False)
    x, y = TT.dvector("x"), TT.dvector("y")
    xv, yv = np.arange(1.0, 3.0), np.arange(3.0)
    np.testing.assert_array_equal(theano.function([x, y], TT.outer(x, y))(xv, yv), np.outer(xv, yv))
    np.testing.assert_array_equal(theano.function([x, y], TT.join(0, x, y, x))(xv, yv),
                                  np.concatenate([xv, yv, xv]))
    assert float(theano.function([x], theano.dot(x, x))(xv)) == 5.0
    doubled = theano.clone(x * 2, replace={x: y})
    np.testing.assert_array_equal(theano.function([y], doubled)(yv), yv * 2)
    z = x * 2
    copy = theano.clone(z)                 # a new graph over the same inputs
    assert copy is not z and copy.owner is not z.owner and copy.owner.inputs[0] is x
    both = theano.clone([x + 1, x * 3], replace=[(x, y)])
    np.testing.assert_array_equal(theano.function([y], both)(yv)[1], yv * 3)


def test_shapes_refuse_broadcastable_flags_outside_the_theano_route():
    from symconv.graph.type import TensorType
    from tests.helpers import raises_naming
    with raises_naming(TypeError, "broadcastable flags", "None"):
        TensorType("float64", (False, True))


def test_array_builders_under_theano_names():
    import numpy as np
    import symconv.theano as theano
    import symconv.theano.tensor as TT
    x = TT.dmatrix("x")
    xv = np.arange(6.0).reshape(2, 3)
    f = theano.function([x], [TT.cumsum(x, axis=0), TT.tile(x, (2,), ndim=3),
                              TT.repeat(x, 2, axis=1), TT.eye(2, 3) + x[:, :3]])
    a, b, c, d = f(xv)
    np.testing.assert_array_equal(a, np.cumsum(xv, 0))
    np.testing.assert_array_equal(b, np.tile(xv, (1, 1, 2)))
    np.testing.assert_array_equal(c, np.repeat(xv, 2, axis=1))
    np.testing.assert_array_equal(d, np.eye(2, 3) + xv)


def test_get_value_takes_theanos_keywords():
    import numpy as np
    import symconv.theano as theano
    w = theano.shared(np.ones(3), name="w")
    value = w.get_value(borrow=True, return_internal_type=True)
    assert isinstance(value, np.ndarray) and value is w.get_value(borrow=True)
    assert w.get_value(return_internal_type=True) is not value


def test_tensor_type_is_theanos_for_isinstance_and_flags():
    import symconv.theano.tensor as TT
    assert isinstance(TT.matrix().type, TT.TensorType)
    assert TT.TensorType("float64", (0, 1)).broadcastable == (False, True)   # bool() of each
    assert not isinstance(3, TT.TensorType)


def test_clone_refuses_a_replacement_of_another_type():
    import symconv.theano as theano
    import symconv.theano.tensor as TT
    from tests.helpers import raises_naming
    m = TT.matrix("m")
    with raises_naming(TypeError, "clone", "'m'", "'v'"):
        theano.clone(m * 2, replace={m: TT.vector("v")})
    with raises_naming(TypeError, "clone", "dtype"):
        theano.clone(m * 2, replace={m: TT.imatrix("i")})


def test_typed_rows_and_columns_and_outer_of_matrices():
    import numpy as np
    import symconv.theano as theano
    import symconv.theano.tensor as TT
    assert TT.frow("r").type.shape == (1, None) and TT.frow().dtype == "float32"
    assert TT.lcol().type.shape == (None, 1) and TT.lcol().dtype == "int64"
    assert TT.dcol().dtype == "float64" and TT.brow().dtype == "int8"
    m, v = TT.dmatrix("m"), TT.dvector("v")
    mv, vv = np.arange(4.0).reshape(2, 2), np.arange(3.0)
    np.testing.assert_array_equal(theano.function([m, v], TT.outer(m, v))(mv, vv), np.outer(mv, vv))


def test_tag_test_value_is_kept_and_computing_it_warns():
    import warnings
    import numpy as np
    import symconv.theano as theano
    import symconv.theano.tensor as TT
    x = TT.dmatrix("x")
    x.tag.test_value = np.ones((2, 2))
    assert x.tag.test_value.shape == (2, 2) and "test_value" in repr(x.tag)
    old = theano.config.compute_test_value
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            theano.config.compute_test_value = "raise"
        assert any("does not compute test values" in str(w.message) for w in caught)
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theano.config.compute_test_value = old


# --- names the Deep Learning Tutorials' scripts use -------------------------------------

def test_softmax_of_a_vector_is_a_row_as_in_theano_1():
    import numpy as np
    v = T.dvector("v")
    with pytest.warns(DeprecationWarning, match="one-row matrix"):
        s = T.nnet.softmax(v)
    with pytest.warns(DeprecationWarning, match="one-row matrix"):
        ls = T.nnet.logsoftmax(v)
    assert s.ndim == 2 and ls.ndim == 2
    x = np.array([1.0, 2.0, 3.0])
    got_s, got_ls = theano.function([v], [s, ls])(x)
    want = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(got_s, want[None, :])
    np.testing.assert_allclose(got_ls, np.log(want)[None, :])
    assert T.nnet.softmax(T.dmatrix()).ndim == 2


def test_dot_of_three_dimensions_and_tensordot():
    import numpy as np
    a, m = T.dtensor3("a"), T.dmatrix("m")
    A, M = np.arange(24.0).reshape(2, 3, 4), np.arange(20.0).reshape(4, 5)
    f = theano.function([a, m], [T.dot(a, m), theano.dot(a, m), a.dot(m),
                                 T.tensordot(a, m, [[2], [0]]), T.dot(2.0, m)])
    for got in f(A, M)[:4]:
        np.testing.assert_allclose(got, np.dot(A, M))
    np.testing.assert_allclose(f(A, M)[4], 2.0 * M)


def test_reductions_take_dtype_and_acc_dtype():
    import numpy as np
    m = T.fmatrix("m")
    outs = [(m > 0).mean(dtype="float64"), T.mean(m, dtype="float32"),
            m.prod(dtype="float64"), T.sum(m, acc_dtype="float64"), m.sum(acc_dtype="float64")]
    # dtype is the result's; acc_dtype only the accumulator's (the result stays float32)
    assert [o.dtype for o in outs] == ["float64", "float32", "float64", "float32", "float32"]
    data = np.array([[1.0, -2.0], [3.0, 0.5]], dtype="float32")
    got = theano.function([m], outs)(data)
    np.testing.assert_allclose(got, [0.75, 0.625, -3.0, 2.5, 2.5], rtol=1e-6)
    # positional as Theano's: (input, axis, dtype, keepdims)
    assert T.sum(m, 0, "float64").dtype == "float64" and T.sum(m, 0, "float64").ndim == 1
    assert T.mean(m, 1, "float64", False, True).ndim == 2
    # Theano sums a float64 input asked for in float32 in float64, then casts
    d = T.dvector("d")
    big = np.array([1e8, 1.0, -1e8, 1.0] * 3)
    theano_sum = theano.function([d], T.sum(d, dtype="float32"))(big)
    assert theano_sum == np.float32(np.sum(big)) and theano_sum.dtype == np.float32
    with pytest.raises(TypeError, match="lose precision"):
        T.sum(d, acc_dtype="float32")


def test_scalar_upcast_and_xlogx():
    import numpy as np
    assert theano.scalar.upcast("bool", "float64") == "float64"
    assert theano.scalar.upcast("int8", "float32") == "float32"
    assert theano.scalar.upcast("int32", "int64", "int8") == "int64"
    v = T.dvector("v")
    f = theano.function([v], [T.xlogx.xlogx(v), T.xlogx.xlogy0(v, v + 1)])
    x = np.array([0.0, 0.5, 2.0])
    got = f(x)
    np.testing.assert_allclose(got[0], [0.0, 0.5 * np.log(0.5), 2.0 * np.log(2.0)])
    np.testing.assert_allclose(got[1], [0.0, 0.5 * np.log(1.5), 2.0 * np.log(3.0)])
    with pytest.raises(theano.NotImplementedInSymconv, match="theano.scalar.float128"):
        theano.scalar.float128


def test_config_warn_flags_can_be_read_and_set():
    from symconv.theano.settings import TheanoConfig
    assert theano.config.warn.ignore_bug_before == "0.9"
    saved = theano.config.warn.subtensor_merge_bug
    theano.config.warn.subtensor_merge_bug = False
    assert theano.config.warn.subtensor_merge_bug is False
    theano.config.warn.subtensor_merge_bug = saved
    with pytest.raises(theano.NotImplementedInSymconv, match="theano.config.warn.no_such_flag"):
        theano.config.warn.no_such_flag = True
    flagged = TheanoConfig({"warn.round": "True", "warn.sum_sum_bug": "False"})
    assert flagged.warn.round is True and flagged.warn.sum_sum_bug is False


def test_names_libraries_of_theano_code_use():
    import numpy as np
    from collections import OrderedDict
    x, y = T.dmatrix("x"), T.ivector("y")
    v = np.array([[1.0, 0.0], [2.0, 4.0]])
    labels = np.array([2, 0], dtype="int32")
    f = theano.function([x, y], [T.inv(x + 1), T.any(x), T.all(x, axis=1), T.all(x, keepdims=True),
                                 T.largest(x, 2 * x - 3, -x), T.smallest(x, 1 - x),
                                 T.extra_ops.to_one_hot(y, 3), T.extra_ops.cumsum(x, axis=0),
                                 T.extra_ops.repeat(x, 2, axis=1), T.bitwise_and(y, 1)])
    got = f(v, labels)
    want = [1 / (v + 1), True, [False, True], [[False]], np.maximum(np.maximum(v, 2 * v - 3), -v),
            np.minimum(v, 1 - v), np.eye(3)[labels], np.cumsum(v, axis=0),
            np.repeat(v, 2, axis=1), labels & 1]
    for a, w in zip(got, want):
        np.testing.assert_array_equal(a, w)
    assert got[1].dtype == bool and got[6].dtype == theano.config.floatX
    with pytest.warns(DeprecationWarning, match="outdim"):
        assert T.flatten(T.dtensor3(), outdim=2).ndim == 2
    assert T.flatten(T.dtensor3()).ndim == 1
    assert T.squeeze(T.TensorType("float64", (False, True, False))()).ndim == 2
    from symconv.theano.tensor import basic
    assert basic.dot is T.dot and basic.nnet is T.nnet
    shared = theano.compile.shared(np.ones(2))
    assert isinstance(x, theano.Variable) and isinstance(x, T.Variable)
    assert isinstance(shared, theano.compile.SharedVariable)
    assert isinstance(shared, T.sharedvar.TensorSharedVariable)
    assert issubclass(theano.OrderedUpdates, OrderedDict)
    assert theano.compat.OrderedDict is OrderedDict and theano.compat.izip is zip


def test_nan_guard_mode_stops_at_nan():
    import numpy as np
    from symconv.compile.nanguard import NanGuardError
    from symconv.theano.compile.nanguardmode import NanGuardMode
    x = T.dvector("x")
    f = theano.function([x], T.log(x) * 2,
                        mode=NanGuardMode(nan_is_error=True, inf_is_error=True))
    np.testing.assert_allclose(f(np.array([1.0])), [0.0])
    with np.errstate(invalid="ignore"), pytest.raises(NanGuardError, match="log"):
        f(np.array([-1.0]))
    with pytest.raises(ValueError, match="inf_is_error"):
        NanGuardMode(inf_is_error=False)
    with pytest.warns(UserWarning, match="big_is_error"):
        NanGuardMode(big_is_error=True)


def test_shape_helpers_against_numpy():
    import numpy as np
    import symconv as sc
    x = T.dmatrix("x")
    X = np.arange(12.0).reshape(3, 4)
    cases = [(T.shape_padaxis(x, 1), X[:, None, :]), (T.shape_padaxis(x, -1), X[:, :, None]),
             (T.horizontal_stack(x, x), np.hstack([X, X])),
             (T.vertical_stack(x, x), np.vstack([X, X])),
             (T.roll(x, 1, axis=1), np.roll(X, 1, axis=1)), (T.roll(x, -5), np.roll(X, -5)),
             (T.roll(x, 7, axis=0), np.roll(X, 7, axis=0)), (T.tril(x), np.tril(X)),
             (T.triu(x, 1), np.triu(X, 1)), (T.tril(x, -1), np.tril(X, -1)),
             (T.identity_like(x), np.eye(3, 4))]
    got = theano.function([x], [c[0] for c in cases])(X)
    for g, (_, want) in zip(got, cases):
        np.testing.assert_array_equal(g, want)
    a, b = T.dscalar("a"), T.dscalar("b")
    np.testing.assert_array_equal(theano.function([a, b], T.stacklists([[a, b], [b, a]]))(1.0, 2.0),
                                  [[1.0, 2.0], [2.0, 1.0]])
    sc.verify_grad(lambda m: T.roll(m, 2, axis=1) * T.tril(m), [np.random.default_rng(0).normal(size=(3, 4))])
    with pytest.raises(IndexError, match="shape_padaxis"):
        T.shape_padaxis(x, 3)


def test_nlinalg_and_slinalg_against_numpy():
    import numpy as np
    import symconv as sc
    rng = np.random.default_rng(4)
    A = rng.normal(size=(3, 3))
    S, B, V = A @ A.T + 3 * np.eye(3), rng.normal(size=(3, 2)), rng.normal(size=3)
    a, b, v = T.dmatrix("a"), T.dmatrix("b"), T.dvector("v")
    nl, sl = T.nlinalg, T.slinalg
    outs = [nl.matrix_inverse(a), nl.det(a), nl.trace(a), nl.diag(v), nl.diag(a),
            nl.extract_diag(b), nl.alloc_diag(v), nl.matrix_dot(a, a, b), sl.cholesky(a),
            sl.solve(a, b), sl.solve_lower_triangular(a, b), sl.solve_upper_triangular(a, v),
            sl.kron(a, b), sl.kron(v, v)]
    want = [np.linalg.inv(S), np.linalg.det(S), np.trace(S), np.diag(V), np.diag(S),
            np.diag(B), np.diag(V), S @ S @ B, np.linalg.cholesky(S), np.linalg.solve(S, B),
            np.linalg.solve(np.tril(S), B), np.linalg.solve(np.triu(S), V), np.kron(S, B),
            np.kron(V, V)]
    for got, w in zip(theano.function([a, b, v], outs)(S, B, V), want):
        np.testing.assert_allclose(got, w, rtol=1e-10, atol=1e-12)
    sc.verify_grad(nl.trace, [A])
    sc.verify_grad(lambda m: sl.solve_upper_triangular(m, V), [S])
    sc.verify_grad(sl.kron, [A, B])


def test_tril_and_triu_set_zeros_as_numpy_whatever_the_other_triangle_holds():
    import numpy as np
    m = T.dmatrix("m")
    M = np.array([[1.0, np.inf, -2.0], [np.nan, 3.0, 4.0], [-5.0, 6.0, 7.0]])
    lower, upper = theano.function([m], [T.tril(m), T.triu(m, 1)])(M)
    np.testing.assert_array_equal(lower, np.tril(M))
    np.testing.assert_array_equal(upper, np.triu(M, 1))
    assert not np.signbit(lower[0, 2])                # 0, not -0.0
    assert theano.function([m], T.roll(m, 1, axis=0))(np.zeros((0, 2))).shape == (0, 2)
    updates = theano.OrderedUpdates()
    updates.update(None)
    assert len(updates) == 0


def test_theano_names_found_after_import_theano_alone_and_grad_keywords():
    import numpy as np
    assert theano.ifelse.ifelse is not None and theano.sandbox.rng_mrg is not None
    with pytest.raises(theano.NotImplementedInSymconv, match="theano.sandbox.cuda"):
        theano.sandbox.cuda
    x, y = T.dvector("x"), T.dvector("y")
    gx, gy = theano.grad((x ** 2).sum(), [x, y], disconnected_inputs="ignore",
                         return_disconnected="None", add_names=False)
    assert gy is None
    np.testing.assert_allclose(theano.function([x], gx)(np.array([1.0, 2.0])), [2.0, 4.0])
    with pytest.raises(theano.NotImplementedInSymconv, match="Disconnected"):
        theano.grad((x ** 2).sum(), y, return_disconnected="Disconnected")


def test_an_update_must_keep_the_sizes_a_shared_variable_declares():
    import numpy as np
    r = theano.shared(np.zeros((1, 3)), broadcastable=(True, False), name="r")
    other = theano.shared(np.zeros(2), name="other")
    v = T.dmatrix("v")
    f = theano.function([v], [], updates=[(other, other + 1), (r, v)])
    f(np.ones((1, 3)))
    np.testing.assert_array_equal(r.get_value(), np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"update of 'r' .* \(2, 3\)"):
        f(np.ones((2, 3)))
    np.testing.assert_array_equal(r.get_value(), np.ones((1, 3)))     # r keeps its value
