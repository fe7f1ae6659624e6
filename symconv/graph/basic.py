"""The graph IR: variables, the Apply nodes that connect them, and the Op contract.

A graph is bipartite: a :class:`Variable` is produced by at most one
:class:`Apply` node (its ``owner``), and an Apply node applies one :class:`Op`
to input variables, giving output variables. Variables with no owner are graph
inputs: free variables, :class:`Constant` values or :class:`SharedVariable` state.
"""
import itertools
import os
import re
import sys

import numpy as np

from .type import TensorType

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_frame():
    """(file, line, code) of the innermost caller outside symconv, or None.

    Kept on every Apply node so that errors (and the NaN guard) can point at the
    line of user code that built the node.
    """
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR):
            return (filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return None


class Scratchpad:
    """Attributes code attaches to a variable (``var.tag``); symconv itself reads none."""

    def __repr__(self):
        return f"Scratchpad({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


class Variable:
    """A symbolic value of a given :class:`TensorType`.

    Parameters
    ----------
    type : TensorType
    owner : Apply or None
        The node computing this variable; None for graph inputs.
    index : int or None
        Which output of ``owner`` this is.
    name : str or None
    """

    def __init__(self, type, owner=None, index=None, name=None):
        if not isinstance(type, TensorType):
            raise TypeError(f"Variable type must be a TensorType, got {type!r}")
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name

    def __getstate__(self):
        # eval()'s compiled functions stay behind (Theano drops its _fn_cache too): each
        # pickles as a graph that holds this variable, which cannot be compiled while
        # the variable itself is still being loaded
        state = dict(self.__dict__)
        state.pop("_eval_functions", None)
        return state

    @property
    def tag(self):
        """A scratchpad for what code attaches to a variable (Theano's ``var.tag``, e.g.
        ``tag.test_value``), made when first read."""
        tag = self.__dict__.get("_tag")
        if tag is None:
            tag = self.__dict__["_tag"] = Scratchpad()
        return tag

    @tag.setter
    def tag(self, value):
        self.__dict__["_tag"] = value

    @property
    def dtype(self):
        return self.type.dtype

    @property
    def ndim(self):
        return self.type.ndim

    @property
    def static_shape(self):
        return self.type.shape

    @property
    def broadcastable(self):
        return self.type.broadcastable

    def describe(self):
        """A short label naming this variable for error messages."""
        label = f"'{self.name}'" if self.name else (
            f"output of {self.owner.op}" if self.owner is not None else "an unnamed input")
        return f"{label} ({self.type.short()})"

    def __repr__(self):
        if self.name:
            return f"{self.name}:{self.type.short()}"
        if self.owner is not None:
            return f"{self.owner.op}.{self.index}:{self.type.short()}"
        return f"<{type(self).__name__} {self.type.short()}>"

    # Variables are graph nodes: identity, not value, decides equality.
    __hash__ = object.__hash__


class Constant(Variable):
    """A graph input whose value is fixed when the graph is built."""

    def __init__(self, type, data, name=None):
        super().__init__(type, name=name)
        self.data = type.filter(data, name=name or "constant", allow_downcast=True)
        self.data.setflags(write=False)

    def signature(self):
        """Hashable key under which equal constants are merged."""
        return (self.type, self.data.tobytes())

    def __repr__(self):
        if self.data.size <= 4:
            # array2string pads entries to a common width; the listing wants them tight
            text = "".join(np.array2string(self.data, separator=",").split())
            return f"{text}:{self.type.short()}"
        return f"Constant{self.type.short()}"


class SharedVariable(Variable):
    """A graph input that holds state between calls of compiled functions.

    Compiled functions read its current value on each call and write it through
    ``updates``; ``get_value``/``set_value`` read and write it from Python.
    """

    def __init__(self, type, value, name=None, strict=False, allow_downcast=None):
        super().__init__(type, name=name)
        self.container = [type.filter(value, name=self.describe(), allow_downcast=True)]

    def get_value(self, borrow=False, return_internal_type=False):
        """The current value; a copy unless ``borrow=True``. ``return_internal_type``
        (Theano's, for GPU arrays) changes nothing: the value is a NumPy array."""
        value = self.container[0]
        return value if borrow else value.copy()

    def set_value(self, value, borrow=False):
        """Replace the value (checked against the type); copied unless ``borrow=True``."""
        array = self.type.filter(value, name=self.describe(), allow_downcast=True)
        if not borrow and array is value:
            array = array.copy()
        self.container[0] = array


_serials = itertools.count()


def serial_mark():
    """A number below the serial of every Apply node made after this call and above
    that of every node made before (see ``Apply.serial``)."""
    return next(_serials)


class Apply:
    """One application of an Op to input variables, producing output variables."""

    __slots__ = ("op", "inputs", "outputs", "trace", "serial")

    def __init__(self, op, inputs, outputs):
        # the order nodes were made in: ``scan`` tells the nodes its step function
        # built (run at every step) from those the step only reads (computed once)
        self.serial = next(_serials)
        self.op = op
        self.inputs = list(inputs)
        for v in self.inputs:
            if not isinstance(v, Variable):
                raise TypeError(f"{op}: inputs must be Variables, got {type(v).__name__}")
        self.outputs = list(outputs)
        for i, out in enumerate(self.outputs):
            out.owner = self
            out.index = i
        self.trace = user_frame()

    def __setstate__(self, state):
        _, slots = state
        for name, value in slots.items():
            setattr(self, name, value)
        # a node loaded (or deep-copied) is new to this process: its serial is one made
        # now, not the one it had where it was saved
        self.serial = next(_serials)

    @property
    def out(self):
        return self.outputs[0]

    def __repr__(self):
        return f"Apply({self.op}, {self.inputs})"


class Op:
    """Base class for operations. Subclasses define:

    - ``__props__``: names of the attributes that parametrize the op; equality
      and hashing come from them, which is what lets identical nodes merge.
    - ``make_node(*inputs)``: check types and return an :class:`Apply`.
    - ``perform(node, inputs)``: compute, returning a list of output arrays.
    - ``grad(inputs, outputs, output_grads)``: one symbolic gradient (or None) per
      input, given the node's outputs (so that no gradient computes its forward
      again, as PyTensor's ``L_op``) and the gradients reaching them.
    - ``infer_shape(node, input_shapes)``: output shapes from input shapes.
    - ``record(node, inputs)``, optional: what the compiler's first run of a graph,
      which records the shapes, calls instead of ``perform`` (an op with a side
      effect, such as printing, leaves it out there).

    and, where they apply, what the compiled kernels may do with memory:

    - ``destroy_map``: ``{output index: [input index]}``, the inputs an output is
      written over (the compiler lets it happen only where nothing reads that
      input afterwards);
    - ``view_map``: ``{output index: [input index]}``, the inputs an output may be a
      view of (a buffer stays alive while any view of it is read);
    - ``is_stateful``: the op draws from a state (random numbers), so two equal
      nodes are not the same value and none is folded or merged.
    """

    __props__ = ()
    destroy_map = {}
    view_map = {}
    is_stateful = False

    def _props(self):
        return tuple(getattr(self, p) for p in self.__props__)

    def __eq__(self, other):
        return type(self) is type(other) and self._props() == other._props()

    def __hash__(self):
        return hash((type(self), self._props()))

    def __str__(self):
        name = op_name(type(self))
        if not self.__props__:
            return name
        return f"{name}{{{','.join(_fmt_prop(p) for p in self._props())}}}"

    __repr__ = __str__

    def make_node(self, *inputs):
        raise NotImplementedError

    def perform(self, node, inputs):
        raise NotImplementedError(f"{self} has no perform")

    def grad(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"{self} has no gradient")

    def infer_shape(self, node, input_shapes):
        """Default: run the op on zero arrays of the given shapes is too costly;
        subclasses override. Returning the static shape is only valid when known."""
        shapes = [out.type.shape for out in node.outputs]
        if any(s is None for shape in shapes for s in shape):
            raise NotImplementedError(f"{self} cannot infer its output shape")
        return shapes

    def __call__(self, *inputs, **kwargs):
        node = self.make_node(*inputs, **kwargs)
        return node.outputs[0] if len(node.outputs) == 1 else list(node.outputs)


def op_name(cls):
    """How printed graphs name an op class: its name in snake case (``SoftmaxNLL`` is
    ``softmax_nll``, ``Conv2d`` is ``conv2d``), the style of the elementwise ops
    (``add``, ``mul``) and of JAX's listings."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", cls.__name__)
    return words.lower()


def _fmt_prop(value):
    if isinstance(value, tuple):
        return "(" + ",".join(_fmt_prop(v) for v in value) + ")"
    return str(value)
