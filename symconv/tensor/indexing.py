"""``x[index]`` and its writable counterparts ``set_subtensor``/``inc_subtensor``
(built by :mod:`symconv.ops.indexing`)."""
from ..ops.indexing import getitem, inc_subtensor, set_subtensor

__all__ = ["getitem", "set_subtensor", "inc_subtensor"]
