"""Shapes: reading them, reshape, flatten, dimshuffle and transpose."""
import numbers

from ..ops.shape import DimShuffle, Flatten, MakeVector, Reshape, Shape
from ..graph.tensor import as_tensor_variable


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
