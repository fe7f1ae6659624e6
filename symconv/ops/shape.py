"""Shape ops: reading a shape, reshape, flatten, dimshuffle and building a vector of scalars."""
import numbers

import numpy as np

from ..graph.basic import Apply, Constant, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable


class Shape(Op):
    """The run-time shape of ``x`` as an int64 vector (``x.shape``)."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorVariable(TensorType("int64", (x.ndim,)))])

    def perform(self, node, inputs):
        return [np.array(np.shape(inputs[0]), dtype="int64")]

    def infer_shape(self, node, input_shapes):
        return [(len(input_shapes[0]),)]

    def grad(self, inputs, outputs, output_grads):
        return [None]


class MakeVector(Op):
    """A vector from scalars (``[x.shape[0], -1]`` as a shape argument)."""

    __props__ = ("dtype",)

    def __init__(self, dtype="int64"):
        self.dtype = np.dtype(dtype).name

    def make_node(self, *scalars):
        scalars = [as_tensor_variable(s, dtype=self.dtype) if not hasattr(s, "type") else s
                   for s in scalars]
        for s in scalars:
            if s.ndim != 0:
                raise TypeError(f"{self}: expects scalars, got {s.describe()}")
            if not np.can_cast(s.dtype, self.dtype, casting="same_kind"):
                raise TypeError(f"{self}: cannot hold {s.describe()} without loss; "
                                f"cast it to {self.dtype} (or use // for integer division)")
        return Apply(self, scalars, [TensorVariable(TensorType(self.dtype, (len(scalars),)))])

    def perform(self, node, inputs):
        return [np.array(inputs, dtype=self.dtype)]

    def infer_shape(self, node, input_shapes):
        return [(len(input_shapes),)]

    def grad(self, inputs, outputs, output_grads):
        from .indexing import getitem
        return [getitem(output_grads[0], i) if v.type.is_float else None
                for i, v in enumerate(inputs)]


def _static_shape_from(shape_var, ndim):
    """Static entries of a shape argument: constants, and sizes read from the static
    shape of another tensor (``shape(x)``, ``x.shape[k]``), so that ``reshape(g,
    shape(x))`` in a gradient keeps what is known of ``x``'s shape."""
    if isinstance(shape_var, Constant):
        return [int(s) for s in shape_var.data]
    node = shape_var.owner
    if node is not None and isinstance(node.op, Shape):
        return list(node.inputs[0].type.shape)
    if node is not None and isinstance(node.op, MakeVector):
        return [static_size(v) for v in node.inputs]
    return [None] * ndim


def static_size(v):
    """The value of an integer scalar known when the graph is built, or None:
    a constant, or ``x.shape[k]`` where dimension ``k`` of ``x`` is static."""
    from .indexing import Subtensor
    if isinstance(v, Constant):
        return int(v.data)
    node = v.owner
    if node is None or not isinstance(node.op, Subtensor) or node.op.spec != (("int",),):
        return None
    source, index = node.inputs
    if source.owner is None or not isinstance(source.owner.op, Shape) or \
            not isinstance(index, Constant):
        return None
    shape = source.owner.inputs[0].type.shape
    k = int(index.data)
    return shape[k] if -len(shape) <= k < len(shape) else None


def resolve_reshape(in_shape, new_shape):
    """Static output shape of a reshape (``-1`` solved when everything else is known)."""
    out = list(new_shape)
    if out.count(-1) > 1:
        raise ValueError(f"reshape: at most one -1 in the target shape, got {tuple(new_shape)}")
    if -1 in out:
        known = [s for s in out if s not in (-1, None)]
        if None not in out and None not in in_shape:
            total = int(np.prod(in_shape))
            part = int(np.prod(known)) if known else 1
            if part == 0 or total % part:
                raise ValueError(f"reshape: cannot reshape {tuple(in_shape)} into {tuple(new_shape)}")
            out[out.index(-1)] = total // part
        else:
            out[out.index(-1)] = None
    elif None not in out and None not in in_shape and int(np.prod(out)) != int(np.prod(in_shape)):
        raise ValueError(f"reshape: cannot reshape an array of shape {tuple(in_shape)} "
                         f"({int(np.prod(in_shape))} elements) into {tuple(out)}")
    return tuple(out)


class Reshape(Op):
    """``x`` reshaped to a shape given as an int vector (``-1`` allowed once)."""

    __props__ = ("ndim",)
    view_map = {0: [0]}   # the result is a view of the input where NumPy can make one

    def __init__(self, ndim):
        self.ndim = int(ndim)

    def make_node(self, x, shape):
        x = as_tensor_variable(x)
        if isinstance(shape, (list, tuple)):
            shape = stack_scalars(shape) if any(hasattr(s, "type") for s in shape) else \
                as_tensor_variable(np.asarray(shape, dtype="int64"))
        shape = as_tensor_variable(shape)
        if shape.ndim != 1 or not shape.type.is_integer:
            raise TypeError(f"reshape: the shape must be an integer vector, got {shape.describe()}")
        if shape.type.shape[0] not in (None, self.ndim):
            raise ValueError(f"reshape: shape has {shape.type.shape[0]} entries but ndim={self.ndim}")
        static = resolve_reshape(x.type.shape, _static_shape_from(shape, self.ndim))
        static = tuple(None if s is not None and s < 0 else s for s in static)
        return Apply(self, [x, shape], [TensorVariable(TensorType(x.dtype, static))])

    def perform(self, node, inputs):
        x, shape = inputs
        try:
            return [np.reshape(x, tuple(shape))]
        except ValueError:
            raise ValueError(f"reshape: cannot reshape an array of shape {x.shape} into "
                             f"{tuple(int(s) for s in shape)} (node built at {_where(node)})") from None

    def infer_shape(self, node, input_shapes):
        raise NotImplementedError("reshape's output shape depends on the shape argument's value")

    def grad(self, inputs, outputs, output_grads):
        x, _ = inputs
        return [reshape(output_grads[0], shape(x), ndim=x.ndim), None]


class Flatten(Op):
    """Keeps the first ``ndim - 1`` axes and flattens the rest into one."""

    __props__ = ("ndim",)
    view_map = {0: [0]}   # the result is a view of the input where NumPy can make one

    def __init__(self, ndim=1):
        self.ndim = int(ndim)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if not 1 <= self.ndim <= max(x.ndim, 1):
            raise ValueError(f"flatten: ndim={self.ndim} is out of range for {x.describe()}")
        keep = x.type.shape[:self.ndim - 1]
        rest = x.type.shape[self.ndim - 1:]
        last = None if None in rest else int(np.prod(rest))
        return Apply(self, [x], [TensorVariable(TensorType(x.dtype, keep + (last,)))])

    def perform(self, node, inputs):
        (x,) = inputs
        # the last size is computed, not -1: NumPy cannot solve -1 for empty arrays
        last = int(np.prod(x.shape[self.ndim - 1:]))
        return [x.reshape(x.shape[:self.ndim - 1] + (last,))]

    def infer_shape(self, node, input_shapes):
        (s,) = input_shapes
        return [tuple(s[:self.ndim - 1]) + (int(np.prod(s[self.ndim - 1:])),)]

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        return [reshape(output_grads[0], shape(x), ndim=x.ndim)]


class DimShuffle(Op):
    """Reorders axes, inserts length-1 axes (``'x'``) and drops length-1 axes.

    ``pattern`` lists, for each output axis, an input axis or ``'x'``. As in
    Theano, an input axis left out of the pattern must have length 1.
    """

    __props__ = ("input_ndim", "pattern")
    view_map = {0: [0]}   # the result is a view of the input where NumPy can make one

    def __init__(self, input_ndim, pattern):
        self.input_ndim = int(input_ndim)
        for p in pattern:
            if p != "x" and not isinstance(p, (int, np.integer)):
                raise TypeError(f"dimshuffle: pattern {tuple(pattern)} may only hold axes "
                                f"(ints) and 'x', got {p!r}")
        self.pattern = tuple("x" if p == "x" else int(p) for p in pattern)
        axes = [p for p in self.pattern if p != "x"]
        if len(set(axes)) != len(axes) or any(not 0 <= p < self.input_ndim for p in axes):
            raise ValueError(f"dimshuffle: pattern {pattern} is invalid for a {input_ndim}-d input")
        self.drop = tuple(i for i in range(self.input_ndim) if i not in axes)
        self.perm = tuple(axes)
        self.expand = tuple(slice(None) if p != "x" else None for p in self.pattern)

    def __str__(self):
        return "dimshuffle{" + ",".join(str(p) for p in self.pattern) + "}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.ndim != self.input_ndim:
            raise ValueError(f"{self}: expects a {self.input_ndim}-d input, got {x.describe()}")
        for i in self.drop:
            if x.type.shape[i] not in (1, None):
                raise ValueError(f"{self}: cannot drop axis {i} of {x.describe()}: its length is "
                                 f"{x.type.shape[i]}, not 1")
        shape = tuple(1 if p == "x" else x.type.shape[p] for p in self.pattern)
        return Apply(self, [x], [TensorVariable(TensorType(x.dtype, shape))])

    def perform(self, node, inputs):
        (x,) = inputs
        if self.drop:
            x = x.reshape([s for i, s in enumerate(x.shape) if i not in self.drop]) \
                if all(x.shape[i] == 1 for i in self.drop) else _bad_drop(self, x)
            kept = [i for i in range(self.input_ndim) if i not in self.drop]
            perm = [kept.index(p) for p in self.perm]
        else:
            perm = self.perm
        # np.asarray: indexing a 0-d array with () gives a NumPy scalar, not an array
        return [np.asarray(np.transpose(x, perm)[self.expand])]

    def infer_shape(self, node, input_shapes):
        (s,) = input_shapes
        return [tuple(1 if p == "x" else s[p] for p in self.pattern)]

    def grad(self, inputs, outputs, output_grads):
        (x,) = inputs
        (g,) = output_grads
        # drop the inserted axes, put the kept ones back in order, reinsert the dropped ones
        kept = [p for p in self.pattern if p != "x"]
        g = dimshuffle(g, [i for i, p in enumerate(self.pattern) if p != "x"])
        back = ["x" if i in self.drop else kept.index(i) for i in range(self.input_ndim)]
        return [dimshuffle(g, back)]


def _bad_drop(op, x):
    raise ValueError(f"{op}: the input has shape {x.shape}; axes {op.drop} must have length 1")


def _where(node):
    if node.trace is None:
        return "an unknown place"
    filename, line, func = node.trace
    return f"{filename}:{line} in {func}"


# --- building nodes (the user API re-exports these as symconv.tensor.*) ----------

def shape(x):
    """The run-time shape of ``x`` as a symbolic int64 vector."""
    return Shape()(as_tensor_variable(x))


def stack_scalars(values, dtype="int64"):
    """A symbolic vector from a list of scalars (symbolic or Python numbers)."""
    return MakeVector(dtype)(*[as_tensor_variable(v, dtype=dtype)
                               if not hasattr(v, "type") else v for v in values])


def reshape(x, newshape, ndim=None):
    """``x`` with shape ``newshape`` (a tuple of ints and symbolic scalars, or an
    int vector, in which case ``ndim`` gives its length when it is not static)."""
    x = as_tensor_variable(x)
    if isinstance(newshape, numbers.Integral):
        newshape = (newshape,)
    if isinstance(newshape, (list, tuple)):
        ndim = len(newshape)
    else:
        newshape = as_tensor_variable(newshape)
        if ndim is None:
            ndim = newshape.type.shape[0]
        if ndim is None:
            raise ValueError("reshape: the length of a symbolic shape is unknown; pass ndim=")
    return Reshape(ndim)(x, newshape)


def flatten(x, ndim=1):
    """Keep the first ``ndim - 1`` axes of ``x`` and flatten the rest."""
    return Flatten(ndim)(as_tensor_variable(x))


def dimshuffle(x, pattern):
    """Reorder axes, insert ``'x'`` (length-1) axes, drop length-1 axes."""
    x = as_tensor_variable(x)
    pattern = tuple(pattern)
    if pattern == tuple(range(x.ndim)):
        return x
    return DimShuffle(x.ndim, pattern)(x)


def transpose(x, axes=None):
    """Permute axes (reverse them when ``axes`` is None), as ``np.transpose``."""
    x = as_tensor_variable(x)
    if axes is None:
        return dimshuffle(x, tuple(reversed(range(x.ndim))))
    axes = tuple(int(a) for a in axes)
    if sorted(a % x.ndim if -x.ndim <= a < x.ndim else a for a in axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the "
                         f"{x.ndim} axes of {x.describe()}")
    return dimshuffle(x, tuple(a % x.ndim for a in axes))


def shape_padleft(x, n=1):
    """``x`` with ``n`` length-1 axes in front."""
    x = as_tensor_variable(x)
    return dimshuffle(x, ("x",) * n + tuple(range(x.ndim)))


def shape_padright(x, n=1):
    """``x`` with ``n`` length-1 axes at the end."""
    x = as_tensor_variable(x)
    return dimshuffle(x, tuple(range(x.ndim)) + ("x",) * n)


class SpecifyShape(Op):
    """``x`` itself, checked when the graph runs to have the given sizes on ``axes``,
    and typed with them: what a static shape cannot know is then known (Theano's
    ``specify_shape``; ``addbroadcast`` marks axes of size 1 this way). Inputs ``x``
    and one integer scalar per axis in ``axes``; the other axes' static sizes become
    unknown (``unbroadcast``)."""

    __props__ = ("axes",)
    view_map = {0: [0]}

    def __init__(self, axes):
        self.axes = tuple(axes)

    def __str__(self):
        return f"specify_shape{{{','.join(map(str, self.axes))}}}"

    def make_node(self, x, *sizes):
        x = as_tensor_variable(x)
        static = [None] * x.ndim
        inputs = [x]
        for axis, size in zip(self.axes, sizes):
            size = as_tensor_variable(size)
            if size.ndim != 0 or not size.type.is_integer:
                raise TypeError(f"specify_shape: the size of axis {axis} must be an integer "
                                f"scalar or None, got {size.describe()}")
            inputs.append(size)
            if isinstance(size, Constant):
                static[axis] = int(size.data)
                if x.type.shape[axis] not in (None, static[axis]):
                    raise ValueError(f"specify_shape: {x.describe()} has size "
                                     f"{x.type.shape[axis]} on axis {axis}, not {static[axis]}")
        return Apply(self, inputs, [TensorVariable(TensorType(x.dtype, tuple(static)))])

    def perform(self, node, inputs):
        x, *sizes = inputs
        for axis, size in zip(self.axes, sizes):
            if np.shape(x)[axis] != int(size):
                raise ValueError(f"specify_shape: {node.inputs[0].describe()} has shape "
                                 f"{np.shape(x)}, which is not {int(size)} on axis {axis}")
        return [x]

    def grad(self, inputs, outputs, output_grads):
        x, g = inputs[0], output_grads[0]
        # the gradient has x's static sizes, and keeps those it knows beyond them
        wanted = tuple(a if a is not None else b for a, b in zip(x.type.shape, g.type.shape))
        if wanted != g.type.shape:
            g = specify_shape(g, wanted)
        return [g] + [None] * (len(inputs) - 1)


def specify_shape(x, shape):
    """``x`` with the sizes in ``shape`` (ints, integer scalars, or None for any size)
    checked when the graph runs and known to the graph from then on."""
    x = as_tensor_variable(x)
    shape = list(shape)
    if len(shape) != x.ndim:
        raise ValueError(f"specify_shape: {len(shape)} sizes for {x.describe()}, which has "
                         f"{x.ndim} dimensions")
    axes = [k for k, size in enumerate(shape) if size is not None]
    return SpecifyShape(axes)(x, *[shape[k] for k in axes])
