"""The lowering contract: how a rule says where a node's outputs live and emits the
lines that compute them.

A rule's :meth:`Lowering.storage` says, per output, whether it is written into a
plan buffer (``BUFFER``), is a view of some inputs (``VIEW``) or is a fresh array
on every call (``FRESH``); :meth:`Lowering.emit` appends the plan's source lines
through the :class:`~symconv.compile.emitter.Emitter` it is given. The base
class is the rule of ops without one of their own: a call of their ``perform``.
"""
import numpy as np

BUFFER, VIEW, FRESH = "buffer", "view", "fresh"


class Lowering:
    """How one kind of node runs in a plan. Subclasses override both methods."""

    def storage(self, node, values):
        """Per output: ``(BUFFER,)``, ``(VIEW, input indices)`` or ``(FRESH,)``.

        ``values`` maps each of the node's variables to the value recorded for it.
        """
        return [_recorded_storage(node, values, out) for out in node.outputs]

    def emit(self, em):
        """Append the source lines computing the node's outputs to ``em``."""
        perform = em.glob(em.node.op.perform, "perform")
        node = em.glob(em.node, "node")
        args = ", ".join(em.name(v) for v in em.node.inputs)
        outs = [em.new_name(o) for o in em.node.outputs]
        em.line(f"{', '.join(outs)}, = {perform}({node}, [{args}])")


def _recorded_storage(node, values, out):
    """A perform's output aliases the inputs its op's ``view_map`` or ``destroy_map``
    names for it, and any whose recorded memory it overlaps (a perform may return
    a view it did not declare; taking it for one only keeps a buffer alive longer)."""
    index = node.outputs.index(out)
    declared = set(node.op.view_map.get(index, ())) | set(node.op.destroy_map.get(index, ()))
    value = values[out]
    if isinstance(value, np.ndarray):
        declared.update(i for i, v in enumerate(node.inputs)
                        if isinstance(values[v], np.ndarray) and
                        np.may_share_memory(value, values[v]))
    return (VIEW, sorted(declared)) if declared else (FRESH,)
