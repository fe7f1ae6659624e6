"""Softmax, log-softmax, their gradient ops, and the cross-entropies.

Softmax and log-softmax act on the last axis (the rows of a matrix, as in
Theano) and are numerically stable: the row maximum is subtracted before
``exp``, so large logits never overflow and log-softmax never takes the log
of an underflowed zero.

Ops
---
- :class:`Softmax` ``(x) -> sm`` with gradient :class:`SoftmaxGrad` ``(gy, sm) -> gx``;
- :class:`LogSoftmax` ``(x) -> lsm`` with gradient :class:`LogSoftmaxGrad` ``(gy, lsm) -> gx``;
- :class:`CategoricalCrossentropy1Hot` ``(p, labels) -> -log p[i, labels[i]]`` with
  gradient :class:`CategoricalCrossentropy1HotGrad`.

The gradient ops are differentiable in turn, through ordinary ops.
"""
import numpy as np

from ..graph.basic import Apply, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable
from . import elemwise as E


# --- NumPy kernels ------------------------------------------------------------------

def softmax_kernel(x):
    """Row-wise softmax over the last axis, stable for large values."""
    e = np.subtract(x, x.max(axis=-1, keepdims=True))
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e


def log_softmax_kernel(x):
    """Row-wise log-softmax over the last axis: ``x - max - log(sum(exp(x - max)))``."""
    shifted = np.subtract(x, x.max(axis=-1, keepdims=True))
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted


def softmax_grad_kernel(gy, sm):
    """``sm * (gy - sum(gy * sm))`` row by row."""
    gx = gy * sm
    gx -= sm * gx.sum(axis=-1, keepdims=True)
    return gx


def log_softmax_grad_kernel(gy, lsm):
    """``gy - exp(lsm) * sum(gy)`` row by row."""
    return gy - np.exp(lsm) * gy.sum(axis=-1, keepdims=True)


# --- softmax written out -------------------------------------------------------------

def row_reduction(v, op_class):
    """``x`` when ``v`` is ``op_class`` (Sum, Max) of ``x`` over its last axis with its
    axis kept: ``x.sum(axis=-1, keepdims=True)``, or Theano's spelling
    ``x.sum(axis=-1).dimshuffle(0, 'x')``; else None."""
    from .shape import DimShuffle
    node = v.owner
    if node is None:
        return None
    keep = True
    if isinstance(node.op, DimShuffle):
        if node.op.pattern != tuple(range(node.op.input_ndim)) + ("x",):
            return None
        node, keep = node.inputs[0].owner, False
        if node is None:
            return None
    if type(node.op) is not op_class or node.op.keepdims != keep:
        return None
    x = node.inputs[0]
    return x if node.op.axis == (x.ndim - 1,) else None


def _elemwise_name(v):
    from .elemwise import Elemwise
    node = v.owner
    return node.op.scalar_op.name if node is not None and isinstance(node.op, Elemwise) else None


def _same_value(a, b, depth=4):
    """Whether ``a`` and ``b`` are one variable or the same op of the same inputs (as
    the compiler's merge phase would make them): ``exp(z) / exp(z).sum(...)`` builds
    ``exp(z)`` twice."""
    if a is b:
        return True
    if depth == 0 or a.owner is None or b.owner is None or a.owner.op != b.owner.op:
        return False
    na, nb = a.owner, b.owner
    return na.outputs.index(a) == nb.outputs.index(b) and len(na.inputs) == len(nb.inputs) and \
        all(_same_value(x, y, depth - 1) for x, y in zip(na.inputs, nb.inputs))


def written_out_softmax(p):
    """``(z, between)`` when ``p`` is a softmax of ``z`` written out, row by row:
    ``exp(z - max(z)) / sum(exp(z - max(z)))`` or ``exp(z) / sum(exp(z))``, the
    row sums and maxima kept as columns (``keepdims`` or ``dimshuffle(0, 'x')``);
    ``between`` lists the variables from ``z`` to ``p``. Else None.

    The compiler replaces such a ``p`` by :class:`Softmax`'s kernel, and
    :func:`symconv.grad` differentiates it as a softmax, so that the training step
    gets the same fused kernels however the softmax is spelled."""
    from .reduction import Max, Sum
    if _elemwise_name(p) != "true_div":
        return None
    e, total = p.owner.inputs
    summed = row_reduction(total, Sum)
    if summed is None or _elemwise_name(e) != "exp" or not _same_value(summed, e):
        return None
    z, between = e.owner.inputs[0], [e, total, summed]
    if _elemwise_name(z) == "sub":
        shifted, peak = z.owner.inputs
        maximum = row_reduction(peak, Max)
        if maximum is not None and _same_value(maximum, shifted):
            between += [z, peak]
            z = shifted
    if z.ndim < 1 or not z.type.is_float:
        return None
    return z, between


# --- ops ------------------------------------------------------------------------------

def _float_input(op, x, what="input"):
    x = as_tensor_variable(x)
    if x.ndim < 1:
        raise TypeError(f"{op}: the {what} must have at least one dimension, got {x.describe()}")
    if not x.type.is_float:
        raise TypeError(f"{op}: the {what} must be a float tensor, got {x.describe()}")
    return x


def _same_shape(op, a, b):
    if a.ndim != b.ndim or not a.type.is_compatible(TensorType(a.dtype, b.type.shape)):
        raise ValueError(f"{op}: {a.describe()} and {b.describe()} must have the same shape")


def _rowsum(x):
    from .reduction import sum as tsum
    return tsum(x, axis=-1, keepdims=True)


class Softmax(Op):
    """``exp(x) / sum(exp(x))`` along the last axis."""

    def make_node(self, x):
        x = _float_input(self, x)
        return Apply(self, [x], [TensorVariable(x.type)])

    def perform(self, node, inputs):
        return [softmax_kernel(inputs[0])]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        return [SoftmaxGrad()(output_grads[0], outputs[0])]


class LogSoftmax(Op):
    """``log(softmax(x))`` along the last axis, computed without the log of a ratio."""

    def make_node(self, x):
        x = _float_input(self, x)
        return Apply(self, [x], [TensorVariable(x.type)])

    def perform(self, node, inputs):
        return [log_softmax_kernel(inputs[0])]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        return [LogSoftmaxGrad()(output_grads[0], outputs[0])]


class SoftmaxGrad(Op):
    """Gradient of softmax: ``(gy, sm) -> sm * (gy - sum(gy * sm))``, row by row."""

    def make_node(self, gy, sm):
        gy, sm = _float_input(self, gy, "output gradient"), _float_input(self, sm, "softmax")
        _same_shape(self, gy, sm)
        dtype = np.result_type(gy.dtype, sm.dtype).name
        return Apply(self, [gy, sm], [TensorVariable(TensorType(dtype, sm.type.shape))])

    def perform(self, node, inputs):
        return [softmax_grad_kernel(*inputs).astype(node.outputs[0].dtype, copy=False)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def grad(self, inputs, outputs, output_grads):
        gy, sm = inputs
        (g,) = output_grads
        s = _rowsum(E.mul(gy, sm))
        t = _rowsum(E.mul(g, sm))
        g_sm = E.sub(E.mul(g, E.sub(gy, s)), E.mul(t, gy))
        return [SoftmaxGrad()(g, sm), g_sm]


class LogSoftmaxGrad(Op):
    """Gradient of log-softmax: ``(gy, lsm) -> gy - exp(lsm) * sum(gy)``, row by row."""

    def make_node(self, gy, lsm):
        gy = _float_input(self, gy, "output gradient")
        lsm = _float_input(self, lsm, "log-softmax")
        _same_shape(self, gy, lsm)
        dtype = np.result_type(gy.dtype, lsm.dtype).name
        return Apply(self, [gy, lsm], [TensorVariable(TensorType(dtype, lsm.type.shape))])

    def perform(self, node, inputs):
        return [log_softmax_grad_kernel(*inputs).astype(node.outputs[0].dtype, copy=False)]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def grad(self, inputs, outputs, output_grads):
        gy, lsm = inputs
        (g,) = output_grads
        sm = E.exp(lsm)
        g_gy = E.sub(g, _rowsum(E.mul(g, sm)))
        g_lsm = E.neg(E.mul(E.mul(g, sm), _rowsum(gy)))
        return [g_gy, g_lsm]


def _check_labels(node, labels, n_classes, n_rows):
    """The labels as column indices, with NumPy's meaning (as the fused softmax-NLL
    kernels that FAST_RUN turns a cross-entropy of a softmax into): a negative label
    counts from the last class, one out of range raises an IndexError naming it."""
    from .softmax_nll import checked_labels, label_description
    if labels.shape != (n_rows,):
        raise ValueError(f"{node.op}: {n_rows} rows of probabilities but labels of shape "
                         f"{labels.shape}")
    return checked_labels(labels, n_classes, label_description(node))


def _check_pair(op, p, labels):
    p = as_tensor_variable(p)
    labels = as_tensor_variable(labels)
    if p.ndim != 2 or not p.type.is_float:
        raise TypeError(f"{op}: the probabilities must be a float matrix (one row per example), "
                        f"got {p.describe()}")
    if labels.ndim != 1 or not labels.type.is_integer:
        raise TypeError(f"{op}: the labels must be an integer vector, got {labels.describe()}")
    n, m = p.type.shape[0], labels.type.shape[0]
    if n is not None and m is not None and n != m:
        raise ValueError(f"{op}: {p.describe()} has {n} rows but {labels.describe()} has "
                         f"{m} labels")
    return p, labels


class CategoricalCrossentropy1Hot(Op):
    """``-log(p[i, labels[i]])`` for each row ``i``: the cross-entropy between the
    predicted distributions ``p`` and integer labels."""

    def make_node(self, p, labels):
        p, labels = _check_pair(self, p, labels)
        rows = p.type.shape[0] if p.type.shape[0] is not None else labels.type.shape[0]
        return Apply(self, [p, labels], [TensorVariable(TensorType(p.dtype, (rows,)))])

    def perform(self, node, inputs):
        p, labels = inputs
        labels = _check_labels(node, labels, p.shape[1], p.shape[0])
        return [-np.log(p[np.arange(p.shape[0]), labels])]

    def infer_shape(self, node, input_shapes):
        return [(input_shapes[0][0],)]

    def grad(self, inputs, outputs, output_grads):
        p, labels = inputs
        return [CategoricalCrossentropy1HotGrad()(output_grads[0], p, labels), None]


class CategoricalCrossentropy1HotGrad(Op):
    """``(gy, p, labels) -> gp``: zero except ``-gy[i] / p[i, labels[i]]`` at the labels."""

    def make_node(self, gy, p, labels):
        p, labels = _check_pair(self, p, labels)
        gy = _float_input(self, gy, "output gradient")
        if gy.ndim != 1:
            raise TypeError(f"{self}: the output gradient must be a vector, got {gy.describe()}")
        dtype = np.result_type(gy.dtype, p.dtype).name
        return Apply(self, [gy, p, labels], [TensorVariable(TensorType(dtype, p.type.shape))])

    def perform(self, node, inputs):
        gy, p, labels = inputs
        labels = _check_labels(node, labels, p.shape[1], p.shape[0])
        rows = np.arange(p.shape[0])
        gp = np.zeros(p.shape, dtype=node.outputs[0].dtype)
        gp[rows, labels] = -gy / p[rows, labels]
        return [gp]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def grad(self, inputs, outputs, output_grads):
        from .basic import arange
        from .indexing import getitem
        gy, p, labels = inputs
        (g,) = output_grads
        rows = arange(p.shape[0])
        picked_p = getitem(p, (rows, labels))
        picked_g = getitem(g, (rows, labels))
        g_gy = E.neg(E.true_div(picked_g, picked_p))
        g_p_values = E.true_div(E.mul(picked_g, gy), E.mul(picked_p, picked_p))
        from .basic import zeros_like
        from .indexing import inc_subtensor
        g_p = inc_subtensor(getitem(zeros_like(p), (rows, labels)), g_p_values)
        return [g_gy, g_p, None]


# --- user functions (re-exported by symconv.nnet) ---------------------------------------

def softmax(x):
    """Softmax along the last axis (rows of a matrix); numerically stable.

    Examples
    --------
    >>> import numpy as np, symconv as sc, symconv.tensor as T
    >>> x = T.dmatrix("x")
    >>> f = sc.function([x], softmax(x))
    >>> f(np.array([[0.0, 1000.0]]))
    array([[0., 1.]])
    """
    return Softmax()(x)


def log_softmax(x):
    """``log(softmax(x))`` along the last axis, finite even where softmax underflows to 0."""
    return LogSoftmax()(x)


def categorical_crossentropy(coding_dist, true_dist):
    """Cross-entropy between predicted distributions and targets, one value per row.

    Parameters
    ----------
    coding_dist : matrix
        Predicted probabilities, one row per example (e.g. a softmax output).
    true_dist : integer vector or matrix
        Either the class index of each row (``-log coding_dist[i, true_dist[i]]``)
        or a target distribution per row, e.g. one-hot rows
        (``-sum(true_dist * log(coding_dist), axis=1)``).

    Returns
    -------
    vector
    """
    coding_dist = as_tensor_variable(coding_dist)
    true_dist = as_tensor_variable(true_dist)
    if true_dist.ndim == 1 and true_dist.type.is_integer:
        return CategoricalCrossentropy1Hot()(coding_dist, true_dist)
    if true_dist.ndim == 2 and coding_dist.ndim == 2:
        from .reduction import sum as tsum
        E.broadcast_static_shapes([coding_dist.type.shape, true_dist.type.shape],
                                  "categorical_crossentropy", [coding_dist, true_dist])
        return E.neg(tsum(E.mul(true_dist, E.log(coding_dist)), axis=1))
    raise TypeError("categorical_crossentropy: expects a matrix of probabilities and either an "
                    "integer vector of labels or a matrix of targets, got "
                    f"{coding_dist.describe()} and {true_dist.describe()}")


def binary_crossentropy(output, target):
    """Elementwise ``-(target * log(output) + (1 - target) * log(1 - output))``.

    ``output`` holds probabilities in (0, 1), e.g. a sigmoid's output.
    """
    output, target = as_tensor_variable(output), as_tensor_variable(target)
    if not output.type.is_float:
        raise TypeError(f"binary_crossentropy: the output must be a float tensor, "
                        f"got {output.describe()}")
    E.broadcast_static_shapes([output.type.shape, target.type.shape], "binary_crossentropy",
                              [output, target])
    if target.dtype != output.dtype:
        target = E.cast(target, output.dtype)
    return E.neg(E.add(E.mul(target, E.log(output)),
                       E.mul(E.sub(1, target), E.log(E.sub(1, output)))))
