"""softmax rewrites: log-softmax and the fused softmax negative log-likelihood."""
import numpy as np

import symconv as sc
import symconv.tensor as T
from symconv import nnet
from symconv.ops.softmax_nll import SoftmaxNLL, SoftmaxNLLGrad
from symconv.ops.indexing import IncSubtensor
from symconv.ops.softmax import LogSoftmax, Softmax, SoftmaxGrad
from tests.helpers import check_rewrite, compiled_ops

NO_FUSION = sc.Mode(exclude=["fusion"])
RNG = np.random.default_rng(0)
SCORES = RNG.standard_normal((5, 4))
LABELS = np.array([0, 3, 1, 1, 2], dtype="int32")


def test_log_softmax():
    x = T.dmatrix("x")
    f = sc.function([x], T.log(nnet.softmax(x)), mode=NO_FUSION)
    assert [type(op) for op in compiled_ops(f)] == [LogSoftmax]
    big = np.array([[0.0, 2000.0, -2000.0]])
    got = f(big)
    assert np.isfinite(got).all()            # log(softmax) as written gives -inf
    np.testing.assert_allclose(got, [[-2000.0, 0.0, -4000.0]])


def _network3_cost(x, y):
    p = nnet.softmax(x)
    return -T.mean(T.log(p)[T.arange(y.shape[0]), y])


def test_network3_cost_and_gradient_become_the_fused_op():
    x, y = T.dmatrix("x"), T.ivector("y")
    cost = _network3_cost(x, y)
    f = sc.function([x, y], [cost, sc.grad(cost, x)], mode=NO_FUSION)
    ops = compiled_ops(f)
    assert sum(isinstance(op, SoftmaxNLL) for op in ops) == 1
    assert sum(isinstance(op, SoftmaxNLLGrad) for op in ops) == 1
    assert not any(isinstance(op, (Softmax, SoftmaxGrad, LogSoftmax, IncSubtensor)) for op in ops)
    assert f.rewrites.fired("softmax_nll") == 1 and f.rewrites.fired("softmax_nll_grad") == 1
    (grad_op,) = [op for op in ops if isinstance(op, SoftmaxNLLGrad)]
    assert grad_op.mean        # the 1/n of the mean is applied inside the kernel
    grad_node = [n for n in f.fgraph.nodes if n.op is grad_op][0]
    assert float(grad_node.inputs[0].data) == 1.0
    c, g = f(SCORES, LABELS)
    sm = np.exp(SCORES) / np.exp(SCORES).sum(axis=1, keepdims=True)
    onehot = np.eye(4)[LABELS]
    np.testing.assert_allclose(c, -np.log(sm[np.arange(5), LABELS]).mean())
    np.testing.assert_allclose(g, (sm - onehot) / 5)    # the gradient is (softmax - onehot) / n


def test_fused_cost_is_finite_where_the_graph_as_written_is_not():
    x, y = T.dmatrix("x"), T.ivector("y")
    cost = _network3_cost(x, y)
    scores = np.array([[0.0, 1000.0], [3.0, 0.0]])
    labels = np.array([0, 1], dtype="int32")
    with np.errstate(divide="ignore"):
        plain = sc.function([x, y], cost, mode="FAST_COMPILE")(scores, labels)
    fused = sc.function([x, y], cost)(scores, labels)
    assert np.isinf(plain) and np.isfinite(fused)
    np.testing.assert_allclose(fused, (1000.0 + np.logaddexp(3.0, 0.0)) / 2)


def test_categorical_crossentropy_of_softmax():
    x, y = T.dmatrix("x"), T.ivector("y")
    cost = nnet.categorical_crossentropy(nnet.softmax(x), y).mean()
    f = sc.function([x, y], [cost, sc.grad(cost, x)], mode=NO_FUSION)
    ops = compiled_ops(f)
    assert any(isinstance(op, SoftmaxNLL) for op in ops)
    assert any(isinstance(op, SoftmaxNLLGrad) for op in ops)
    assert not any(isinstance(op, (Softmax, SoftmaxGrad)) for op in ops)


def test_fewer_labels_than_rows():
    def build(mode):
        x, y = T.dmatrix("x"), T.ivector("y")
        cost = _network3_cost(x, y)
        return sc.function([x, y], [cost, sc.grad(cost, x)], mode=mode), []
    f = check_rewrite(build, calls=[(SCORES, LABELS[:3])], present=(SoftmaxNLL, SoftmaxNLLGrad))
    assert not f(SCORES, LABELS[:3])[1][3:].any()        # rows without a label get no gradient


def test_gradient_through_log_softmax_without_labels():
    weights = RNG.standard_normal((5, 4))

    def build(mode):
        x = T.dmatrix("x")
        w = T.constant(weights)
        cost = (T.log(nnet.softmax(x)) * w).sum()
        return sc.function([x], [cost, sc.grad(cost, x)], mode=mode), []
    f = check_rewrite(build, calls=[(SCORES,)], absent=(SoftmaxGrad,))
    assert f.rewrites.fired("softmax_grad_of_log") == 1


def test_softmax_rewrites_compute_the_same_as_the_reference():
    def build(mode):
        x, y, w = T.dmatrix("x"), T.ivector("y"), T.dmatrix("w")
        cost = _network3_cost(T.dot(x, w), y) + nnet.categorical_crossentropy(
            nnet.softmax(x), y).sum()
        return sc.function([x, y, w], [cost] + sc.grad(cost, [x, w]), mode=mode), []
    w = RNG.standard_normal((4, 4))
    check_rewrite(build, calls=[(SCORES, LABELS, w)], present=(SoftmaxNLL, SoftmaxNLLGrad),
                  rtol=1e-10, atol=1e-12)


def test_a_sum_of_nll_keeps_its_vector_gradient():
    def build(mode):
        x, y = T.dmatrix("x"), T.ivector("y")
        p = nnet.softmax(x)
        cost = -(T.log(p)[T.arange(y.shape[0]), y] * T.constant(np.arange(1.0, 6.0))).sum()
        return sc.function([x, y], [cost, sc.grad(cost, x)], mode=mode), []
    f = check_rewrite(build, calls=[(SCORES, LABELS)], present=(SoftmaxNLLGrad,),
                      rtol=1e-10, atol=1e-12)
    (op,) = [op for op in compiled_ops(f) if isinstance(op, SoftmaxNLLGrad)]
    assert not op.mean


def test_softmax_written_out_is_recognised():
    def build(mode):
        z = T.dmatrix("z")
        e = T.exp(z - z.max(axis=1, keepdims=True))
        stable = e / e.sum(axis=1, keepdims=True)
        naive = T.exp(z) / T.exp(z).sum(axis=1, keepdims=True)
        return sc.function([z], [stable, naive], mode=mode), []
    f = check_rewrite(build, calls=[(SCORES,)], present=(Softmax,), rtol=1e-12, atol=1e-15)
    assert [type(op) for op in compiled_ops(f)] == [Softmax]   # both are the same softmax
    big = np.array([[0.0, 800.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(build("FAST_COMPILE")[0](big)[1]).any()
    np.testing.assert_allclose(f(big)[1], [[0.0, 1.0]])          # stable once rewritten


SPELLINGS = {
    "nnet.softmax": nnet.softmax,
    "stable": lambda z: (lambda e: e / e.sum(axis=1, keepdims=True))(
        T.exp(z - z.max(axis=1, keepdims=True))),
    "naive": lambda z: T.exp(z) / T.exp(z).sum(axis=1, keepdims=True),
    "theano": lambda z: (lambda e: e / e.sum(axis=1).dimshuffle(0, "x"))(
        T.exp(z - z.max(axis=1).dimshuffle(0, "x"))),
}


STEP_X = RNG.random((20, 6))
STEP_Y = RNG.integers(0, 3, 20).astype("int32")


def _training_step(softmax, mode):
    data_x, data_y = STEP_X, STEP_Y
    x, y, i = T.dmatrix("x"), T.ivector("y"), T.lscalar("i")
    w = sc.shared(np.linspace(-1, 1, 18).reshape(6, 3), name="w")
    b = sc.shared(np.zeros(3), name="b")
    p = softmax(T.dot(x, w) + b)
    cost = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
    gw, gb = sc.grad(cost, [w, b])
    xs, ys = sc.shared(data_x), sc.shared(data_y)
    f = sc.function([i], cost, updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)],
                    givens={x: xs[i * 10:(i + 1) * 10], y: ys[i * 10:(i + 1) * 10]}, mode=mode)
    return f, [w, b]


def test_every_spelling_of_the_softmax_gets_the_same_fused_training_step():
    plans = {}
    for name, softmax in SPELLINGS.items():
        f = check_rewrite(lambda mode: _training_step(softmax, mode), calls=[(0,), (1,), (0,)],
                          present=(SoftmaxNLL, SoftmaxNLLGrad),
                          absent=(Softmax, SoftmaxGrad, IncSubtensor), rtol=1e-10, atol=1e-12)
        plans[name] = sorted(type(op).__name__ for op in compiled_ops(f))
    assert all(plan == plans["nnet.softmax"] for plan in plans.values()), plans


def test_issue_example_trains_like_the_reference():
    """The softmax regression of the graph-core example: hand-written softmax, NLL."""
    data_x = RNG.random((30, 6))
    data_y = RNG.integers(0, 3, 30).astype("int32")

    def build(mode):
        x, y, i = T.dmatrix("x"), T.ivector("y"), T.lscalar("i")
        w = sc.shared(np.zeros((6, 3)), name="w")
        b = sc.shared(np.zeros(3), name="b")
        z = T.dot(x, w) + b.dimshuffle("x", 0)
        p = T.exp(z - z.max(axis=1, keepdims=True))
        p = p / p.sum(axis=1, keepdims=True)
        cost = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
        gw, gb = sc.grad(cost, [w, b])
        xs, ys = sc.shared(data_x), sc.shared(data_y)
        f = sc.function([i], cost, updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)],
                        givens={x: xs[i * 10:(i + 1) * 10], y: ys[i * 10:(i + 1) * 10]},
                        mode=mode)
        return f, [w, b]
    f = check_rewrite(build, calls=[(0,), (1,), (2,)], present=(SoftmaxNLL,),
                      rtol=1e-10, atol=1e-12)
    assert f.rewrites.fired("softmax_written_out") == 1
