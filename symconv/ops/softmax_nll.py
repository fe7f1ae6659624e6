"""Softmax with the negative log-likelihood of integer labels, and its gradient: the
ops the compiler's stabilizing rewrites turn ``-log(softmax(x))[arange(n), y]``
and its gradient into (:class:`SoftmaxNLL`, :class:`SoftmaxNLLGrad`).

Labels follow NumPy's indexing (:func:`checked_labels`): a negative label counts
from the last class, one out of range raises an IndexError that names it.
"""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable


def checked_labels(labels, classes, what="labels"):
    """``labels`` as indices into ``classes`` columns, with NumPy's meaning: a negative
    label counts from the end (``-1`` is the last class), and one outside
    ``[-classes, classes)`` raises an IndexError that names ``what``, the label and
    where it is. One min and one max over the labels when they are all in range."""
    if labels.size == 0:
        return labels
    low, high = labels.min(), labels.max()
    if low >= 0 and high < classes:
        return labels
    bad = np.flatnonzero((labels < -classes) | (labels >= classes))
    if bad.size:
        i = int(bad[0])
        raise IndexError(f"{what}: label {int(labels[i])} at position {i} is out of range "
                         f"for {classes} classes (valid: -{classes} to {classes - 1})")
    return np.where(labels < 0, labels + classes, labels)


def softmax_nll_forward(x, labels, what="labels"):
    """``(nll, sm)``: ``sm = softmax(x)`` row by row and, for each of the first
    ``len(labels)`` rows, ``nll[i] = -log sm[i, labels[i]]`` computed as
    ``log(sum(exp(x[i] - max))) - (x[i, labels[i]] - max)``, finite even where
    ``sm`` underflows to 0."""
    n = labels.shape[0]
    if n > x.shape[0]:
        raise IndexError(f"softmax_nll: {n} labels for {x.shape[0]} rows of scores")
    labels = checked_labels(labels, x.shape[1], what)
    sm = np.subtract(x, x.max(axis=1, keepdims=True))
    rows = np.arange(n)
    picked = sm[rows, labels]
    np.exp(sm, out=sm)
    total = sm.sum(axis=1, keepdims=True)
    sm /= total
    nll = np.log(total[:n, 0])
    nll -= picked
    return nll, sm


def softmax_nll_backward(g, sm, labels, mean=False, what="labels"):
    """Gradient of :func:`softmax_nll_forward`'s ``nll`` with respect to ``x``:
    ``(sm - onehot(labels)) * g`` on the labelled rows, 0 elsewhere. ``g`` is one
    value per label or a scalar for all of them; ``mean`` divides it by their number."""
    n = labels.shape[0]
    labels = checked_labels(labels, sm.shape[1], what)
    dx = np.zeros(sm.shape, dtype=np.result_type(g.dtype, sm.dtype))
    scale = g / np.asarray(n, dtype=g.dtype) if mean else g
    np.multiply(sm[:n], scale[:, None] if np.ndim(scale) else scale, out=dx[:n])
    dx[np.arange(n), labels] -= scale
    return dx


class SoftmaxNLL(Op):
    """``(x, labels) -> (nll, sm)``: softmax of the rows of ``x`` and the negative
    log-likelihood of each label, in one pass.

    What ``-log(softmax(x))[arange(n), y]`` (network3's cost before the mean) and
    ``categorical_crossentropy(softmax(x), y)`` become. Its gradient with respect
    to ``x`` is :class:`SoftmaxNLLGrad`, ``(sm - onehot(y)) * g``.
    """

    def make_node(self, x, labels):
        from ..graph.tensor import as_tensor_variable
        x, labels = as_tensor_variable(x), as_tensor_variable(labels)
        if x.ndim != 2 or not x.type.is_float:
            raise TypeError(f"{self}: the scores must be a float matrix, got {x.describe()}")
        if labels.ndim != 1 or not labels.type.is_integer:
            raise TypeError(f"{self}: the labels must be an integer vector, got "
                            f"{labels.describe()}")
        nll = TensorVariable(TensorType(x.dtype, labels.type.shape))
        return Apply(self, [x, labels], [nll, TensorVariable(x.type)])

    def perform(self, node, inputs):
        return list(softmax_nll_forward(*inputs, what=label_description(node)))

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1], input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        from .softmax import SoftmaxGrad
        x, labels = inputs
        g_nll, g_sm = output_grads
        sm = outputs[1]
        gx = SoftmaxNLLGrad()(g_nll, sm, labels)
        if not _is_zeros(g_sm):
            from . import elemwise as E
            gx = E.add(gx, SoftmaxGrad()(g_sm, sm))
        return [gx, None]


class SoftmaxNLLGrad(Op):
    """``(g, sm, labels) -> (sm - onehot(labels)) * g``, zero on rows past
    ``len(labels)``: the gradient of :class:`SoftmaxNLL`'s ``nll`` with respect to
    the scores. ``g`` holds one value per label, or is a scalar for all of them;
    with ``mean``, it is divided by the number of labels (the gradient of the mean
    NLL is ``(softmax(x) - onehot(y)) / n``)."""

    __props__ = ("mean",)

    def __init__(self, mean=False):
        self.mean = bool(mean)

    def __str__(self):
        return "softmax_nll_grad{mean}" if self.mean else "softmax_nll_grad"

    def make_node(self, g, sm, labels):
        from ..graph.tensor import as_tensor_variable
        g, sm, labels = (as_tensor_variable(v) for v in (g, sm, labels))
        if g.ndim > 1 or sm.ndim != 2 or labels.ndim != 1 or (self.mean and g.ndim):
            raise TypeError(f"{self}: expects a gradient vector (a scalar with mean), a softmax "
                            f"matrix and a label vector, got {g.describe()}, {sm.describe()}, "
                            f"{labels.describe()}")
        dtype = np.result_type(g.dtype, sm.dtype).name
        return Apply(self, [g, sm, labels], [TensorVariable(TensorType(dtype, sm.type.shape))])

    def perform(self, node, inputs):
        g, sm, labels = inputs
        dx = softmax_nll_backward(np.asarray(g), sm, labels, self.mean,
                                  what=label_description(node))
        return [dx.astype(node.outputs[0].dtype, copy=False)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def grad(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"{self} is built by the compiler after differentiation")


def label_description(node):
    """How errors about ``node``'s labels (its last input) name them: the variable and
    the line of user code that built the node."""
    text = f"{node.op}: labels {node.inputs[-1].describe()}"
    trace = getattr(node, "trace", None)
    if trace is not None:
        text += f" (built at {trace[0]}:{trace[1]})"
    return text


def _is_zeros(v):
    """True for a gradient the differentiation filled in as zeros (an ``alloc`` of 0)."""
    from ..graph.basic import Constant
    from .basic import Alloc
    if isinstance(v, Constant):
        return not np.any(v.data)
    node = v.owner
    return node is not None and isinstance(node.op, Alloc) and \
        isinstance(node.inputs[0], Constant) and not np.any(node.inputs[0].data)
