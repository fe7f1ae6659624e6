"""Rules for ops whose outputs are views of their input (dimshuffle, basic indexing,
reshape) and for ``shape``."""
import numpy as np

from .contract import FRESH, VIEW, Lowering
from .kernels import view_expr


class DimShuffleLowering(Lowering):
    """A dimshuffle is a view: reshape to drop axes, transpose, index to add axes."""

    def storage(self, node, values):
        return [(VIEW, [0])]

    def emit(self, em):
        x = em.node.inputs[0]
        expr = view_expr(em.name(x), em.node.op.pattern, np.shape(em.value(x)))
        em.assign(em.node.outputs[0], expr)


class SubtensorLowering(Lowering):
    """``x[index]`` written out as a NumPy index expression."""

    def storage(self, node, values):
        return [(VIEW, [0])]

    def emit(self, em):
        node = em.node
        x, *index = [em.name(v) for v in node.inputs]
        parts, k = [], 0
        for entry in node.op.spec:
            if entry[0] == "slice":
                bounds = []
                for present in entry[1:]:
                    bounds.append(index[k] if present else "")
                    k += present
                parts.append(":".join(bounds[:2]) + (f":{bounds[2]}" if entry[3] else ""))
            else:
                parts.append(index[k])
                k += 1
        em.assign(node.outputs[0], f"{x}[{', '.join(parts)},]")


class ShapeLowering(Lowering):
    def storage(self, node, values):
        return [(FRESH,)]

    def emit(self, em):
        array = em.glob(np.array, "array")
        em.assign(em.node.outputs[0], f"{array}({em.name(em.node.inputs[0])}.shape, 'int64')")


class ReshapeLowering(Lowering):
    def storage(self, node, values):
        return [(VIEW, [0])]

    def emit(self, em):
        x = em.node.inputs[0]
        shape = tuple(np.shape(em.value(em.node.outputs[0])))
        # the plan is for these shapes: a reshape to a changed shape fails its check
        em.assign(em.node.outputs[0], f"{em.name(x)}.reshape({shape!r})")
