"""Shapes: reading them, reshape, flatten, dimshuffle and transpose (built by
:mod:`symconv.ops.shape`)."""
from ..ops.shape import (dimshuffle, flatten, reshape, shape, shape_padleft, shape_padright,
                         specify_shape, stack_scalars, transpose)

__all__ = ["shape", "stack_scalars", "reshape", "flatten", "dimshuffle", "transpose",
           "shape_padleft", "shape_padright", "specify_shape"]
