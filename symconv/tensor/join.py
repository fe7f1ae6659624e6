"""Joining tensors: ``concatenate`` along an existing axis, ``stack`` along a new one."""
from ..ops.join import Join
from .shapes import dimshuffle
from ..graph.tensor import as_tensor_variable


def concatenate(tensors, axis=0):
    """The tensors joined along ``axis``, as ``np.concatenate``.

    Parameters
    ----------
    tensors : list of tensors
        Of one number of dimensions, agreeing on every axis but ``axis``.
    axis : int

    Examples
    --------
    >>> import numpy as np, symconv as sc, symconv.tensor as T
    >>> a, b = T.dvectors("a", "b")
    >>> sc.function([a, b], T.concatenate([a, b]))([1.0], [2.0, 3.0])
    array([1., 2., 3.])
    """
    tensors = [as_tensor_variable(t) for t in _as_list(tensors, "concatenate")]
    ndim = tensors[0].ndim if tensors else 0
    if ndim == 0:
        raise TypeError("concatenate: scalars have no axis to join along; use stack")
    if len(tensors) == 1:
        return tensors[0]
    return Join(_axis(axis, ndim, "concatenate"))(*tensors)


def stack(*tensors, axis=0):
    """The tensors, all of one shape, joined along a new axis ``axis``.

    Takes a list (``stack([a, b])``, ``stack([a, b], 1)``) or several arguments
    (``stack(a, b)``), as Theano; scalars stack into a vector.
    """
    if tensors and isinstance(tensors[0], (list, tuple)):
        if len(tensors) > 2:
            raise TypeError("stack: give a list of tensors and at most an axis")
        if len(tensors) == 2:
            axis = tensors[1]  # stack([a, b], 1), as Theano and NumPy
        tensors = tensors[0]
    tensors = [as_tensor_variable(t) for t in _as_list(tensors, "stack")]
    ndim = tensors[0].ndim
    axis = _axis(axis, ndim + 1, "stack")
    pattern = list(range(ndim))
    pattern.insert(axis, "x")
    return Join(axis)(*[dimshuffle(t, pattern) for t in tensors])


def _as_list(tensors, name):
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: expects a list of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{name}: needs at least one tensor")
    return list(tensors)


def _axis(axis, ndim, name):
    from ..ops.reduction import normalize_axis
    if axis is None:
        raise TypeError(f"{name}: axis=None is not supported; give an int")
    axes = normalize_axis(axis, ndim, name, _Dims(ndim))
    if len(axes) != 1:
        raise TypeError(f"{name}: axis must be a single int, got {axis!r}")
    return axes[0]


class _Dims:
    """Stands for the tensors in ``normalize_axis``'s error message."""

    def __init__(self, ndim):
        self.ndim = ndim

    def describe(self):
        return "the result"
