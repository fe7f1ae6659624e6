"""``Print``: an identity that prints its value each time a compiled function computes
it (Theano's ``theano.printing.Print``), for looking inside a graph as it runs."""
from ..graph.basic import Apply, Op
from ..graph.tensor import TensorVariable, as_tensor_variable


def print_attributes(op, value):
    """Theano's way: ``message attr = value`` for each attribute (called if callable)."""
    for attr in op.attrs:
        shown = getattr(value, attr)
        print(op.message, attr, "=", shown() if callable(shown) else shown)


class Print(Op):
    """``Print(message, attrs=("__str__",))(x)`` is ``x``, and prints ``message`` with
    each attribute of the value (``"shape"``, ``"__str__"``...) every time it is
    computed; ``global_fn(op, value)`` replaces the printing.

    The first call of a compiled function runs its graph twice (once to learn the
    shapes, once by the plan it builds); ``Print`` prints in the second only.
    """

    __props__ = ("message", "attrs", "global_fn")
    view_map = {0: [0]}

    def __init__(self, message="", attrs=("__str__",), global_fn=print_attributes):
        self.message = str(message)
        self.attrs = tuple(attrs)
        self.global_fn = global_fn

    def __str__(self):
        return f"print{{{self.message!r}}}"

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorVariable(x.type)])

    def perform(self, node, inputs):
        self.global_fn(self, inputs[0])
        return [inputs[0]]

    def record(self, node, inputs):
        # the compiler's recording run: the value without the printing
        return [inputs[0]]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, outputs, output_grads):
        return [output_grads[0]]
