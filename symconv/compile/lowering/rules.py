"""The one table of lowering rules: which :class:`~.contract.Lowering` runs each op."""
from ...ops.fused import FusedElemwise
from ...ops.indexing import Subtensor
from ...ops.shape import DimShuffle, Flatten, Reshape, Shape
from .contract import Lowering
from .elementwise import FusedLowering
from .layers import LAYER_RULES
from .views import DimShuffleLowering, ReshapeLowering, ShapeLowering, SubtensorLowering

RULES = [
    (FusedElemwise, FusedLowering()),
    (DimShuffle, DimShuffleLowering()),
    (Subtensor, SubtensorLowering()),
    (Shape, ShapeLowering()),
    (Reshape, ReshapeLowering()),
    (Flatten, ReshapeLowering()),
] + LAYER_RULES
"""``(op class, rule)`` pairs, looked up in order by :func:`lowering_for`."""

_GENERIC = Lowering()


def lowering_for(op):
    """The :class:`Lowering` rule for ``op`` (the generic ``perform`` call if none)."""
    rule = getattr(op, "lowering", None)
    if rule is not None:
        return rule
    for cls, rule in RULES:
        if isinstance(op, cls):
            return rule
    return _GENERIC
