"""The tensor API, in Theano's spelling: ``import symconv.tensor as T``.

Examples
--------
>>> import symconv.tensor as T
>>> x = T.matrix("x")
>>> y = T.exp(x - x.max(axis=1, keepdims=True))
>>> y.type
TensorType(float32, (?, ?))
"""
from .basic import *  # noqa: F401,F403  (constructors: matrix, fvector, lscalar, ...)
from .basic import __all__ as _basic_all
from . import linalg  # noqa: F401  (T.linalg, NumPy's np.linalg names)
from .indexing import inc_subtensor, set_subtensor
from ..ops.arrays import cumsum, eye, repeat, tile
from ..ops.conditional import ifelse
from .join import concatenate, stack
from .math import *  # noqa: F401,F403
from .math import __all__ as _math_all
from .shapes import (dimshuffle, flatten, reshape, shape, shape_padleft, shape_padright,
                    specify_shape, stack_scalars, transpose)
from ..graph.tensor import (TensorConstant, TensorSharedVariable, TensorVariable, as_tensor_variable,
                       constant)

__all__ = list(_basic_all) + list(_math_all) + [
    "inc_subtensor", "set_subtensor", "cumsum", "eye", "ifelse", "repeat", "tile", "concatenate", "stack", "dimshuffle", "flatten", "reshape", "shape",
    "shape_padleft", "shape_padright", "specify_shape", "stack_scalars", "transpose", "TensorConstant",
    "TensorSharedVariable", "TensorVariable", "as_tensor_variable", "constant"]
