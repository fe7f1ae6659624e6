"""Random programs for the differential tests: a graph, its updates and a series of calls.

A :class:`Program` is a plain description, independent of symconv: a list of
:class:`Node` records in SSA order (leaves first, then one node per operation),
the outputs, the updates of shared variables and the calls to make. Each node
carries two things:

- ``expr``, the Python source that builds it with symconv (``T.tanh(v1)``); the
  program prints as a runnable script made of these lines (:meth:`Program.source`),
  and the test builds the graph by running exactly that script;
- ``ref``, a NumPy function of the values of its arguments, in float64, written
  here from NumPy's definitions and never from symconv's ``perform`` methods, so
  that the reference is independent of both compilation modes.

:func:`programs` is the hypothesis strategy. It keeps values in safe ranges with
interval bounds (``log`` only of values bounded away from 0, ``exp`` only of
bounded values, denominators bounded away from 0), so that the few examples the
reference rejects (:class:`Reject`: a near tie in a comparison, a kink next to a
finite-difference point) are rare.
"""
import math

import numpy as np
from hypothesis import strategies as st


class Reject(Exception):
    """The reference cannot judge this example (a near tie, a kink, an overflow)."""


# --- values and memory layouts ------------------------------------------------

def leaf_value(key, shape, low, high, dtype):
    """The value a leaf takes for ``key`` (a list of ints): uniform floats in
    ``[low, high)`` or integers in ``[low, high]``."""
    rng = np.random.default_rng(key)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(low, high + 1, size=shape).astype(dtype)
    return rng.uniform(low, high, size=shape).astype(dtype)


LAYOUTS = ("C", "F", "strided", "reversed", "readonly", "broadcast")
"""How an array handed to symconv lies in memory: C order, Fortran order, a
strided view into a larger array, a view with negative strides, a read-only
array, and (for shapes with a first axis over 1) a zero-stride broadcast view of
one row, whose value is then that row repeated."""


def with_layout(value, layout):
    """A new array equal to ``value`` (``value[:1]`` repeated for ``broadcast``) lying
    in memory as ``layout`` says; it never shares memory with ``value``."""
    value = np.array(value, copy=True)
    if value.ndim == 0 or layout == "C":
        return value.copy()
    if layout == "F":
        return np.asfortranarray(value)  # a 1-d array is both C and F contiguous
    if layout == "strided":
        big = np.zeros(value.shape[:-1] + (2 * value.shape[-1] + 1,), dtype=value.dtype)
        big[..., 1::2] = value
        return big[..., 1::2]
    if layout == "reversed":
        return value[::-1].copy()[::-1]
    if layout == "readonly":
        out = value.copy()
        out.flags.writeable = False
        return out
    if layout == "broadcast":
        return np.broadcast_to(value[:1].copy(), value.shape)
    raise ValueError(layout)


def layout_source(expr, layout):
    """The Python source of :func:`with_layout` for the array built by ``expr``."""
    if layout == "C":
        return expr
    return f"with_layout({expr}, {layout!r})"


# --- the description ----------------------------------------------------------

class Node:
    """One value of the program.

    ``role`` is ``"input"``, ``"shared"``, ``"const"`` or ``"op"``; ``kind`` is
    ``"float"``, ``"int"`` or ``"bool"``; ``lo``/``hi`` bound the values (for
    floats); ``exact`` says whether the value is computed by exact operations
    only (indexing, max, reshapes...), so that it must match bit for bit;
    ``fd`` whether it depends on a gradient (compared with the looser
    finite-difference tolerance).
    """

    def __init__(self, name, role, kind, shape, expr, ref=None, args=(), lo=-1.0, hi=1.0,
                 exact=False, dtype=None, low=None, high=None):
        self.name, self.role, self.kind, self.shape = name, role, kind, tuple(shape)
        self.expr, self.ref, self.args = expr, ref, tuple(args)
        self.lo, self.hi, self.exact = float(lo), float(hi), exact
        self.dtype = dtype  # leaves only: the value's dtype
        self.low, self.high = low, high  # leaves only: the range values are drawn from
        self.fd = False
        self.grad_of = None  # (cost index, wrt index) for gradient nodes
        self.domain = None  # a test of the arguments' values (log only of positive values...)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self):
        return f"{self.name} = {self.expr}"


class Program:
    """A graph, its outputs and updates, and the calls to make (see the module docstring).

    ``calls`` holds one dict per call: ``inputs`` maps each input's index to
    ``(layout, alias)`` where ``alias`` is None, ``("input", j)`` (pass the same
    array as input ``j``) or ``("shared", j)`` (pass shared variable ``j``'s own
    storage); ``set_value`` maps shared indices to ``(layout, borrow)``; ``labels``
    maps label inputs to a label out of range, for the call that must raise.
    """

    def __init__(self, dtype, seed):
        self.dtype, self.seed = dtype, seed
        self.nodes, self.outputs, self.updates, self.calls = [], [], [], []
        self.bad_label_inputs = []  # (label input, a label out of range) pairs

    # the pieces of the description
    def add(self, node):
        self.nodes.append(node)
        return len(self.nodes) - 1

    @property
    def inputs(self):
        return [k for k, n in enumerate(self.nodes) if n.role == "input"]

    @property
    def shareds(self):
        return [k for k, n in enumerate(self.nodes) if n.role == "shared"]

    def needed(self):
        """The nodes that the outputs and updates depend on."""
        return self.ancestors(list(self.outputs) + [v for _, v in self.updates])

    def ancestors(self, roots):
        """The nodes ``roots`` are computed from, the roots included."""
        seen, todo = set(), list(roots)
        while todo:
            j = todo.pop()
            if j not in seen:
                seen.add(j)
                todo.extend(self.nodes[j].args)
        return seen

    def value_key(self, k, call):
        """The key of leaf ``k``'s value at ``call`` (-1: a shared variable's initial value)."""
        return [self.seed, k, call + 1]

    def leaf_source(self, k, call):
        n = self.nodes[k]
        shape = n.shape
        return f"leaf_value({self.value_key(k, call)}, {shape}, {n.low}, {n.high}, {n.dtype!r})"

    def source(self, mode="FAST_RUN"):
        """The program as a runnable script: the graph, the function and the calls."""
        lines = [
            "import numpy as np, symconv as sc, symconv.tensor as T",
            "from symconv import nnet",
            "from tests.compile.graphs import leaf_value, with_layout",
            *self.graph_source(mode).splitlines()]
        for c, call in enumerate(self.calls):
            lines.append(f"# call {c + 1}")
            lines.extend(self.call_source(c))
        return "\n".join(lines)

    def graph_source(self, mode="MODE"):
        """The lines that build the graph and ``f = sc.function(...)`` (``MODE`` is a name
        the caller defines, or a mode's name)."""
        lines = []
        needed = self.needed()
        for k, n in enumerate(self.nodes):
            if k not in needed and n.role not in ("input", "shared"):
                continue  # dead code: not in the compiled graph, left out of the listing
            if n.role == "shared":
                lines.append(f"{n.name} = sc.shared({self.leaf_source(k, -1)}, name={n.name!r})")
            else:
                lines.append(f"{n.name} = {n.expr}")
        ins = ", ".join(self.nodes[k].name for k in self.inputs)
        outs = ", ".join(self.nodes[k].name for k in self.outputs)
        ups = ", ".join(f"({self.nodes[s].name}, {self.nodes[v].name})" for s, v in self.updates)
        mode = mode if mode == "MODE" or mode.startswith("sc.") else repr(mode)
        lines.append(f"f = sc.function([{ins}], [{outs}], updates=[{ups}], mode={mode}, "
                     "on_unused_input='ignore')")
        return "\n".join(lines)

    def call_source(self, c):
        call = self.calls[c]
        lines = []
        for s, (layout, borrow) in call["set_value"].items():
            value = layout_source(self.leaf_source(s, c), layout)
            lines.append(f"{self.nodes[s].name}.set_value({value}, borrow={borrow})")
        args = []
        for k in self.inputs:
            layout, alias = call["inputs"][k]
            if alias is None:
                value = self.leaf_source(k, c)
                if k in call["labels"]:
                    value = f"bad_labels({value}, {call['labels'][k]})"
                args.append(layout_source(value, layout))
            elif alias[0] == "input":
                args.append(f"a{alias[1]}")
            else:
                args.append(f"{self.nodes[alias[1]].name}.get_value(borrow=True)")
            lines.append(f"a{k} = {args[-1]}")
        lines.append(f"out{c + 1} = f({', '.join(f'a{k}' for k in self.inputs)})")
        return lines

    def describe(self):
        """A readable listing: the graph, outputs, updates and calls (what a failing
        example prints)."""
        return f"# dtype {self.dtype}, seed {self.seed}\n" + self.source()


def bad_labels(labels, label):
    """``labels`` with its first entry replaced by ``label`` (out of range)."""
    labels = labels.copy()
    labels[0] = label
    return labels


# --- NumPy references ---------------------------------------------------------

def np_sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def np_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def np_log_softmax(x):
    z = x - x.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def np_conv2d(x, w, pad, stride, flip):
    """Convolution by its definition: each output is a sum over one window."""
    if flip:
        w = w[:, :, ::-1, ::-1]
    x = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    kh, kw = w.shape[2:]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::stride[0], ::stride[1]]  # (b, c, oh, ow, kh, kw)
    return np.einsum("bcijhw,fchw->bfij", windows, w)


def pool_size(size, ws, stride, pad, ignore_border):
    if ignore_border:
        return (size + 2 * pad - ws) // stride + 1
    if stride >= ws:
        return (size + stride - 1) // stride
    return max(0, (size - 1 - ws + stride) // stride) + 1


def np_pool(x, ws, stride, pad, ignore_border, mode, ties):
    """Pooling by its definition, one window at a time; a window covers only the
    input's values (padding never counts, except in ``average_inc_pad``'s divisor).

    ``ties`` collects whether a max window has two equal nonzero maxima (the max
    pool gradient then differs from the derivative, by design)."""
    h, w = x.shape[-2:]
    oh = pool_size(h, ws[0], stride[0], pad[0], ignore_border)
    ow = pool_size(w, ws[1], stride[1], pad[1], ignore_border)
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        r0 = i * stride[0] - pad[0]
        rows = (max(r0, 0), min(r0 + ws[0], h))
        for j in range(ow):
            c0 = j * stride[1] - pad[1]
            cols = (max(c0, 0), min(c0 + ws[1], w))
            win = x[..., rows[0]:rows[1], cols[0]:cols[1]].reshape(x.shape[:-2] + (-1,))
            if mode == "max":
                out[..., i, j] = win.max(axis=-1)
                top = np.sort(win, axis=-1)
                if win.shape[-1] > 1:
                    close = np.isclose(top[..., -1], top[..., -2], rtol=1e-6, atol=0)
                    ties.append(bool(np.any(close & (top[..., -1] != 0))))
            elif mode == "sum":
                out[..., i, j] = win.sum(axis=-1)
            elif mode == "l2":
                out[..., i, j] = np.sqrt((win * win).sum(axis=-1))
            elif mode == "average_exc_pad":
                out[..., i, j] = win.sum(axis=-1) / win.shape[-1]
            else:  # average_inc_pad: window positions inside the padded input
                r = min(r0 + ws[0], h + pad[0]) - max(r0, -pad[0])
                c = min(c0 + ws[1], w + pad[1]) - max(c0, -pad[1])
                out[..., i, j] = win.sum(axis=-1) / (r * c)
    return out


def np_gather_labels(lsm, labels):
    """``lsm[arange(n), labels]`` with NumPy's rules: -k counts from the end, out of
    range raises IndexError."""
    return lsm[np.arange(lsm.shape[0]), labels]


def np_add_at(x, index, value, set_):
    out = np.array(x, dtype=np.float64, copy=True)
    if set_:
        out[index] = value
    else:
        np.add.at(out, index, np.broadcast_to(value, out[index].shape))
    return out


# --- generation ---------------------------------------------------------------

UNARY = {
    # name: (template, reference, bounds of the result, when it applies, exact)
    "neg": ("-{0}", np.negative, lambda lo, hi: (-hi, -lo), None, True),
    "abs": ("T.abs({0})", np.abs,
            lambda lo, hi: (0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi)), max(-lo, hi)),
            None, True),
    "tanh": ("T.tanh({0})", np.tanh, lambda lo, hi: (math.tanh(lo), math.tanh(hi)), None, False),
    "arctan": ("T.arctan({0})", np.arctan, lambda lo, hi: (math.atan(lo), math.atan(hi)), None,
               False),
    "arcsinh": ("{0}.arcsinh()", np.arcsinh, lambda lo, hi: (math.asinh(lo), math.asinh(hi)),
                None, False),
    "sinh": ("T.sinh({0})", np.sinh, lambda lo, hi: (math.sinh(lo), math.sinh(hi)),
             lambda lo, hi: -3 <= lo and hi <= 3, False),
    "cosh": ("T.cosh({0})", np.cosh,
             lambda lo, hi: (1.0 if lo <= 0 <= hi else min(math.cosh(lo), math.cosh(hi)),
                             max(math.cosh(lo), math.cosh(hi))),
             lambda lo, hi: -3 <= lo and hi <= 3, False),
    "exp2": ("T.exp2({0})", np.exp2, lambda lo, hi: (2.0 ** lo, 2.0 ** hi),
             lambda lo, hi: hi <= 4, False),
    "sigmoid": ("T.sigmoid({0})", np_sigmoid,
                lambda lo, hi: (1 / (1 + math.exp(-lo)), 1 / (1 + math.exp(-hi))), None, False),
    "sigmoid_written": ("1 / (1 + T.exp(-{0}))", np_sigmoid,
                        lambda lo, hi: (1 / (1 + math.exp(-lo)), 1 / (1 + math.exp(-hi))),
                        lambda lo, hi: -30 < lo and hi < 30, False),
    "sigmoid_written_minus": ("1 / (1 + T.exp({0}))", lambda x: np_sigmoid(-x),
                              lambda lo, hi: (1 / (1 + math.exp(hi)), 1 / (1 + math.exp(lo))),
                              lambda lo, hi: -30 < lo and hi < 30, False),
    "log1p_exp": ("T.log1p(T.exp({0}))", lambda x: np.logaddexp(0.0, x),
                  lambda lo, hi: (math.log1p(math.exp(lo)), math.log1p(math.exp(hi))),
                  lambda lo, hi: hi < 8, False),
    "log_sigmoid_written": ("T.log(1 / (1 + T.exp(-{0})))", lambda x: -np.logaddexp(0.0, -x),
                            lambda lo, hi: (-math.log1p(math.exp(-lo)),
                                            -math.log1p(math.exp(-hi))),
                            lambda lo, hi: -8 < lo and hi < 8, False),
    "softplus": ("T.softplus({0})", lambda x: np.logaddexp(0.0, x),
                 lambda lo, hi: (math.log1p(math.exp(lo)), math.log1p(math.exp(hi))),
                 lambda lo, hi: hi < 8, False),
    "exp": ("T.exp({0})", np.exp, lambda lo, hi: (math.exp(lo), math.exp(hi)),
            lambda lo, hi: hi <= 3, False),
    "expm1": ("T.exp({0}) - 1", np.expm1, lambda lo, hi: (math.expm1(lo), math.expm1(hi)),
              lambda lo, hi: hi <= 3, False),
    "log": ("T.log({0})", np.log, lambda lo, hi: (math.log(lo), math.log(hi)),
            lambda lo, hi: lo >= 0.05 and hi < 1e3, False),
    "log2": ("T.log2({0})", np.log2, lambda lo, hi: (math.log2(lo), math.log2(hi)),
             lambda lo, hi: lo >= 0.05 and hi < 1e3, False),
    "log10": ("T.log10({0})", np.log10, lambda lo, hi: (math.log10(lo), math.log10(hi)),
              lambda lo, hi: lo >= 0.05 and hi < 1e3, False),
    "log1p": ("T.log(1 + {0})", np.log1p, lambda lo, hi: (math.log1p(lo), math.log1p(hi)),
              lambda lo, hi: lo >= -0.8 and hi < 1e3, False),
    "log_sigmoid": ("T.log(T.sigmoid({0}))", lambda x: -np.logaddexp(0.0, -x),
                    lambda lo, hi: (-math.log1p(math.exp(-lo)), -math.log1p(math.exp(-hi))),
                    lambda lo, hi: -8 < lo and hi < 8, False),
    "log_1m_sigmoid": ("T.log(1 - T.sigmoid({0}))", lambda x: -np.logaddexp(0.0, x),
                       lambda lo, hi: (-math.log1p(math.exp(hi)), -math.log1p(math.exp(lo))),
                       lambda lo, hi: -8 < lo and hi < 8, False),
    "sqrt": ("T.sqrt({0})", np.sqrt, lambda lo, hi: (math.sqrt(lo), math.sqrt(hi)),
             lambda lo, hi: lo >= 0.05, False),
    "sqr": ("T.sqr({0})", np.square,
            lambda lo, hi: (0.0 if lo <= 0 <= hi else min(lo * lo, hi * hi), max(lo * lo, hi * hi)),
            lambda lo, hi: max(-lo, hi) < 30, False),
    "pow2": ("{0} ** 2", np.square,
             lambda lo, hi: (0.0 if lo <= 0 <= hi else min(lo * lo, hi * hi), max(lo * lo, hi * hi)),
             lambda lo, hi: max(-lo, hi) < 30, False),
    "sin": ("T.sin({0})", np.sin, lambda lo, hi: (-1.0, 1.0), None, False),
    "relu": ("nnet.relu({0})", lambda x: np.maximum(x, 0.0),
             lambda lo, hi: (max(lo, 0.0), max(hi, 0.0)), None, True),
    "leaky_relu": ("nnet.relu({0}, alpha=0.1)", lambda x: np.where(x > 0, x, 0.1 * x),
                   lambda lo, hi: (min(lo, 0.1 * lo), max(hi, 0.1 * hi)), None, False),
}

BINARY = {
    "add": ("{0} + {1}", np.add, lambda a, b: (a[0] + b[0], a[1] + b[1]), None, False),
    "sub": ("{0} - {1}", np.subtract, lambda a, b: (a[0] - b[1], a[1] - b[0]), None, False),
    "mul": ("{0} * {1}", np.multiply, lambda a, b: _mul_bounds(a, b), None, False),
    "div": ("{0} / {1}", np.divide, lambda a, b: _mul_bounds(a, (1 / b[1], 1 / b[0])),
            lambda a, b: b[0] >= 0.25, False),
    "maximum": ("T.maximum({0}, {1})", np.maximum,
                lambda a, b: (max(a[0], b[0]), max(a[1], b[1])), None, True),
    "minimum": ("T.minimum({0}, {1})", np.minimum,
                lambda a, b: (min(a[0], b[0]), min(a[1], b[1])), None, True),
}

COMPARISONS = {"gt": (">", np.greater), "lt": ("<", np.less), "ge": (">=", np.greater_equal),
               "le": ("<=", np.less_equal)}

REDUCTIONS = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod}

CONSTANTS = (2.0, 0.5, -1.0, 3.0, -0.25, 1.0)

TIE = {"float64": 1e-8, "float32": 1e-4}
"""Values closer than this (relative) are a tie the reference cannot decide: rounding
in either mode may order them either way."""


def _mul_bounds(a, b):
    products = [x * y for x in a for y in b]
    return min(products), max(products)


def _broadcast(*shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


STEPS = ("unary", "binary", "scalar", "switch", "reduce", "shape", "index", "dot", "softmax",
         "labels", "conv", "pool", "set", "grad")
"""The families of operations; :func:`programs` takes ``family=False`` to leave one out."""


class Builder:
    """Draws a program one node at a time (used by :func:`programs`)."""

    def __init__(self, draw, dtype, seed, max_steps, features):
        self.draw = draw
        self.features = features
        self.prog = Program(dtype, seed)
        self.max_steps = max_steps
        self.dims = (1, 2, 3, 4)

    # small draws -------------------------------------------------------------
    def choice(self, options):
        options = list(options)
        return options[self.draw(st.integers(0, len(options) - 1))]

    def shape(self, ndim=None, low=1, high=4):
        ndim = self.draw(st.integers(0, 3)) if ndim is None else ndim
        return tuple(self.draw(st.integers(low, high)) for _ in range(ndim))

    # leaves --------------------------------------------------------------------
    def leaf(self, shape, role=None, positive=None, kind="float", int_range=None):
        prog = self.prog
        k = len(prog.nodes)
        if role is None:
            roles = ["input", "shared", "const"] if shape else ["input", "shared"]
            if self.features.get("shared_heavy"):
                roles = ["shared", "shared", "input"]
            role = self.choice(roles)
        if kind == "float":
            positive = self.draw(st.booleans()) if positive is None else positive
            low, high = (0.5, 1.5) if positive else (-1.0, 1.0)
            dtype = prog.dtype
        else:
            low, high = int_range
            dtype = "int32" if role == "input" and self.draw(st.booleans()) else "int64"
        prefix = {"input": "x", "shared": "s", "const": "c"}[role]
        name = f"{prefix}{k}"
        if role == "input":
            static = self.draw(st.booleans())
            dims = shape if static else (None,) * len(shape)
            expr = f"T.tensor({dtype!r}, {tuple(dims)}, name={name!r})"
        else:
            expr = None  # constants: below; shared variables: Program.graph_source
        node = Node(name, role, kind, shape, expr, lo=low, hi=high, exact=True, dtype=dtype,
                    low=low, high=high)
        prog.add(node)
        if role == "const":
            node.expr = f"T.constant({prog.leaf_source(k, -1)})"
        return k

    def op(self, kind, shape, expr, ref, args, lo=-1.0, hi=1.0, exact=False, domain=None):
        prog = self.prog
        k = len(prog.nodes)
        node = Node(f"v{k}", "op", kind, shape, expr, ref, args, lo, hi,
                    exact and all(prog.nodes[a].exact for a in args))
        node.fd = any(prog.nodes[a].fd for a in args)
        node.domain = domain
        return prog.add(node)

    def floats(self, pred=lambda n: True):
        return [k for k, n in enumerate(self.prog.nodes) if n.kind == "float" and pred(n)]

    def pick_float(self, pred=lambda n: True, shape=None, ndim=None):
        """An existing float node satisfying ``pred`` or, when there is none (or the
        draw says so), a fresh leaf of ``shape`` (or of ``ndim`` dimensions)."""
        candidates = self.floats(pred)
        if candidates and self.draw(st.integers(0, 3)) > 0:
            return self.choice(candidates)
        if shape is None:
            shape = self.shape(ndim)
        return self.leaf(shape)

    def name(self, k):
        return self.prog.nodes[k].name

    def node(self, k):
        return self.prog.nodes[k]

    # operations ----------------------------------------------------------------
    def step(self):
        kinds = [f for f in STEPS if self.features.get(f, True)]
        getattr(self, "step_" + self.choice(kinds))()

    def step_unary(self):
        name = self.choice(sorted(UNARY))
        template, ref, bounds, applies, exact = UNARY[name]
        fits = (lambda n: applies(n.lo, n.hi)) if applies else (lambda n: True)
        candidates = self.floats(fits)
        if not candidates:
            return
        a = self.choice(candidates)
        n = self.node(a)
        try:
            lo, hi = bounds(n.lo, n.hi)
        except (OverflowError, ValueError):
            return
        # the bounds hold for the values drawn first; updates and set_value may move
        # them, and the reference then checks the values themselves
        domain = (lambda v: applies(v.min(), v.max())) if applies else None
        self.op("float", n.shape, template.format(self.name(a)), ref, [a], lo, hi, exact, domain)

    def _operand_for(self, a, pred=None):
        """A second operand that broadcasts with node ``a``: an existing node, or a
        fresh leaf shaped like ``a``, a row, a column or a scalar of it (a positive
        one when ``pred`` restricts the operand, as a denominator)."""
        shape = self.node(a).shape
        ok = pred or (lambda n: True)
        candidates = self.floats(lambda n: _broadcast(n.shape, shape) is not None and ok(n))
        if candidates and self.draw(st.integers(0, 2)) > 0:
            return self.choice(candidates)
        variant = self.choice(["same", "ones", "drop", "scalar"])
        if variant == "ones" and shape:
            keep = self.draw(st.integers(0, len(shape) - 1))
            shape = tuple(s if i == keep else 1 for i, s in enumerate(shape))
        elif variant == "drop" and shape:
            shape = shape[self.draw(st.integers(1, len(shape))):]
        elif variant == "scalar":
            shape = ()
        b = self.leaf(shape, positive=True if pred else None)
        return b if ok(self.node(b)) else None

    def step_binary(self):
        name = self.choice(sorted(BINARY))
        template, ref, bounds, applies, exact = BINARY[name]
        a = self.pick_float()
        pred = (lambda n: applies((-1, 1), (n.lo, n.hi))) if applies else (lambda n: True)
        b = self._operand_for(a, pred)
        if b is None:
            return
        if self.draw(st.booleans()):
            a, b = (b, a) if not applies else (a, b)
        na, nb = self.node(a), self.node(b)
        lo, hi = bounds((na.lo, na.hi), (nb.lo, nb.hi))
        domain = (lambda u, v: applies((u.min(), u.max()), (v.min(), v.max()))) if applies \
            else None
        self.op("float", _broadcast(na.shape, nb.shape),
                template.format(self.name(a), self.name(b)), ref, [a, b], lo, hi, exact, domain)

    def step_scalar(self):
        """An operation with a Python number: ``2.0 * x``, ``x - 1.0``, ``0.5 / x``..."""
        a = self.pick_float()
        n = self.node(a)
        c = self.choice(CONSTANTS)
        form = self.choice(["mul", "rmul", "add", "rsub", "div"])
        x = self.name(a)
        if form == "mul":
            expr, ref, lo, hi = f"{x} * {c}", (lambda v, c=c: v * c), *_mul_bounds((n.lo, n.hi), (c, c))
        elif form == "rmul":
            expr, ref, lo, hi = f"{c} * {x}", (lambda v, c=c: c * v), *_mul_bounds((n.lo, n.hi), (c, c))
        elif form == "add":
            expr, ref, lo, hi = f"{x} + {c}", (lambda v, c=c: v + c), n.lo + c, n.hi + c
        elif form == "rsub":
            expr, ref, lo, hi = f"{c} - {x}", (lambda v, c=c: c - v), c - n.hi, c - n.lo
        else:
            expr, ref, lo, hi = f"{x} / {c}", (lambda v, c=c: v / c), *_mul_bounds(
                (n.lo, n.hi), (1 / c, 1 / c))
        exact = form in ("mul", "rmul", "div") and c in (2.0, 0.5, -1.0, 1.0, -0.25)
        self.op("float", n.shape, expr, ref, [a], lo, hi, exact)

    def step_switch(self):
        """``switch(a > b, c, d)``, or a comparison cast to floats."""
        a = self.pick_float()
        form = self.choice(["node", "const"])
        if form == "node":
            b = self._operand_for(a)
            expr_b, b_args = self.name(b), [b]
        else:
            expr_b, b_args = repr(self.choice((0.0, 0.3, -0.4))), []
        op = self.choice(sorted(COMPARISONS))
        symbol, cmp = COMPARISONS[op]
        shape = _broadcast(self.node(a).shape, *(self.node(b).shape for b in b_args))
        const = None if b_args else float(expr_b)
        tie = TIE[self.prog.dtype]

        def ref(x, y=None, cmp=cmp, const=const):
            y = const if y is None else y
            gap = np.abs(np.asarray(x) - y)
            if np.any(gap <= tie * np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))):
                raise Reject("a near tie in a comparison")
            return cmp(x, y)
        cond = self.op("bool", shape, f"({self.name(a)} {symbol} {expr_b})", ref, [a] + b_args,
                       exact=True)
        if self.draw(st.booleans()):
            dt = self.prog.dtype
            self.op("float", shape, f"T.cast({self.name(cond)}, {dt!r})",
                    lambda c: c.astype(np.float64), [cond], 0.0, 1.0, exact=True)
            return
        x = self._operand_for(cond)
        y = self._operand_for(cond)
        if _broadcast(shape, self.node(x).shape, self.node(y).shape) is None:
            y = x
        nx, ny = self.node(x), self.node(y)
        self.op("float", _broadcast(shape, nx.shape, ny.shape),
                f"T.switch({self.name(cond)}, {self.name(x)}, {self.name(y)})",
                lambda c, u, v: np.where(c, u, v), [cond, x, y],
                min(nx.lo, ny.lo), max(nx.hi, ny.hi), exact=True)

    def step_reduce(self):
        a = self.pick_float(lambda n: n.ndim > 0)
        n = self.node(a)
        name = self.choice(sorted(REDUCTIONS) + ["argmax"])
        ndim = n.ndim
        form = self.choice(["none", "int", "negative", "tuple"]) if ndim else "none"
        if form == "none":
            axis = None
        elif form == "int":
            axis = self.draw(st.integers(0, ndim - 1))
        elif form == "negative":
            axis = -self.draw(st.integers(1, ndim))
        else:
            axis = tuple(sorted(set(self.draw(st.lists(st.integers(0, ndim - 1), min_size=1,
                                                       max_size=ndim)))))
        keepdims = self.draw(st.booleans())
        if name == "argmax" and isinstance(axis, tuple):
            axis = axis[0]
        out_shape = np.sum(np.zeros(n.shape), axis=axis, keepdims=keepdims).shape
        axes = range(ndim) if axis is None else ([axis % ndim] if isinstance(axis, int) else axis)
        count = int(np.prod([n.shape[i] for i in axes], dtype=np.int64))
        kw = f"axis={axis!r}, keepdims={keepdims}"
        x = self.name(a)
        if name == "argmax":
            tie = TIE[self.prog.dtype]

            def ref(v, axis=axis, keepdims=keepdims):
                top = np.sort(v.reshape(-1) if axis is None else np.moveaxis(v, axis, -1), axis=-1)
                if top.shape[-1] > 1 and np.any(np.abs(top[..., -1] - top[..., -2]) <= tie * (
                        1 + np.abs(top[..., -1]))):
                    raise Reject("a near tie in argmax")
                return np.argmax(v, axis=axis, keepdims=keepdims)
            self.op("int", out_shape, f"T.argmax({x}, {kw})", ref, [a], exact=True)
            return
        fn = REDUCTIONS[name]
        lo, hi = n.lo, n.hi
        if name == "sum":
            lo, hi = lo * count if lo < 0 else lo, hi * count if hi > 0 else hi
        elif name == "prod":
            m = max(abs(lo), abs(hi))
            if m ** count > 1e4:
                return
            lo, hi = -m ** count, m ** count
            if n.lo > 0:
                lo, hi = n.lo ** count, n.hi ** count
        spelled = self.choice(["method", "function"])
        expr = f"{x}.{name}({kw})" if spelled == "method" else f"T.{name}({x}, {kw})"
        self.op("float", out_shape, expr,
                lambda v, fn=fn, axis=axis, keepdims=keepdims: fn(v, axis=axis, keepdims=keepdims),
                [a], lo, hi, exact=name in ("max", "min"))

    def step_shape(self):
        a = self.pick_float()
        n = self.node(a)
        x = self.name(a)
        form = self.choice(["dimshuffle", "transpose", "reshape", "flatten", "T"])
        if form == "T" and n.ndim == 2:
            self.op("float", n.shape[::-1], f"{x}.T", np.transpose, [a], n.lo, n.hi, True)
        elif form in ("transpose", "T"):
            perm = tuple(self.draw(st.permutations(range(n.ndim))))
            self.op("float", tuple(n.shape[p] for p in perm), f"{x}.transpose({perm})",
                    lambda v, perm=perm: np.transpose(v, perm), [a], n.lo, n.hi, True)
        elif form == "dimshuffle":
            perm = list(self.draw(st.permutations(range(n.ndim))))
            for _ in range(self.draw(st.integers(0 if n.ndim else 1, 2))):
                perm.insert(self.draw(st.integers(0, len(perm))), "x")
            pattern = tuple(perm)
            shape = tuple(1 if p == "x" else n.shape[p] for p in pattern)

            def ref(v, pattern=pattern):
                axes = [p for p in pattern if p != "x"]
                return np.transpose(v, axes).reshape(shape)
            self.op("float", shape, f"{x}.dimshuffle({pattern})", ref, [a], n.lo, n.hi, True)
        elif form == "flatten" and n.ndim >= 1:
            nd = self.draw(st.integers(1, n.ndim))
            shape = n.shape[:nd - 1] + (int(np.prod(n.shape[nd - 1:], dtype=np.int64)),)
            self.op("float", shape, f"T.flatten({x}, {nd})",
                    lambda v, shape=shape: v.reshape(shape), [a], n.lo, n.hi, True)
        else:
            shape = self._factor(n.size)
            spelled = repr(shape)
            if shape and self.draw(st.booleans()):
                k = self.draw(st.integers(0, len(shape) - 1))
                spelled = repr(tuple(-1 if i == k else s for i, s in enumerate(shape)))
            self.op("float", shape, f"{x}.reshape({spelled})",
                    lambda v, shape=shape: v.reshape(shape), [a], n.lo, n.hi, True)

    def _factor(self, size):
        """A random shape of ``size`` elements with 0 to 3 dimensions."""
        ndim = self.draw(st.integers(1 if size > 1 else 0, 3))
        shape, left = [], size
        for _ in range(ndim - 1):
            divisors = [d for d in range(1, left + 1) if left % d == 0]
            d = self.choice(divisors)
            shape.append(d)
            left //= d
        if ndim:
            shape.append(left)
        return tuple(shape)

    def _index(self, n, for_set=False, writable=False):
        """A random index into node ``n``: (source, reference index, result shape,
        extra argument nodes). Gathers use constant arrays or integer inputs."""
        parts, refs, args = [], [], []
        n_axes = self.draw(st.integers(1, n.ndim))
        arrays = 0
        for axis in range(n_axes):
            size = n.shape[axis]
            form = self.choice(["slice", "int", "array"])
            if form == "slice":
                start = self.draw(st.one_of(st.none(), st.integers(-size, size)))
                stop = self.draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
                step = self.draw(st.one_of(st.none(), st.sampled_from([1, 2, -1, -2])))
                s = slice(start, stop, step)
                parts.append(":".join("" if p is None else str(p) for p in (start, stop))
                             + ("" if step is None else f":{step}"))
                refs.append(s)
            elif form == "int":
                i = self.draw(st.integers(-size, size - 1))
                parts.append(str(i))
                refs.append(i)
            else:
                arrays += 1
                length = self.draw(st.integers(1, min(4, size) if for_set else 4))
                values = self.draw(st.lists(st.integers(-size, size - 1), min_size=length,
                                            max_size=length, unique_by=(lambda v: v % size)
                                            if for_set else None))
                idx = np.array(values, dtype="int64")
                if self.draw(st.booleans()):
                    k = self.leaf((length,), role="input", kind="int", int_range=(-size, size - 1))
                    args.append(k)
                    parts.append(self.name(k))
                    refs.append(("arg", len(args) - 1))
                else:
                    parts.append(f"np.array({values})")
                    refs.append(idx)
        if arrays > 1:  # several gathers must broadcast together: use one length
            lengths = {self._len_of(r, args) for r in refs if not isinstance(r, (slice, int))}
            if len(lengths) > 1:
                return None
        if writable and all(r == slice(None) for r in refs if isinstance(r, slice)) and \
                all(isinstance(r, slice) for r in refs):
            return None  # x[:] is x itself, not an indexed tensor
        source = "[" + ", ".join(parts) + "]"
        probe = np.zeros(n.shape)
        index = tuple(self._resolve(r, args, None) for r in refs)
        shape = probe[index].shape
        if 0 in shape:  # empty results: reductions of them have no value to compare
            return None
        return source, refs, shape, args

    def _len_of(self, r, args):
        if isinstance(r, tuple) and r and r[0] == "arg":
            return self.node(args[r[1]]).shape[0]
        return len(r)

    def _resolve(self, r, args, values):
        if isinstance(r, tuple) and r and r[0] == "arg":
            if values is None:  # a probe: any valid index of the right length
                return np.zeros(self.node(args[r[1]]).shape, dtype="int64")
            return values[r[1]]
        return r

    def step_index(self):
        a = self.pick_float(lambda n: n.ndim > 0, ndim=self.draw(st.integers(1, 3)))
        n = self.node(a)
        found = self._index(n)
        if found is None:
            return
        source, refs, shape, args = found

        def ref(v, *idx, refs=refs):
            return v[tuple(self._resolve(r, None, idx) if isinstance(r, tuple) and r and
                           r[0] == "arg" else r for r in refs)]
        self.op("float", shape, f"{self.name(a)}{source}", ref, [a] + args, n.lo, n.hi, True)

    def step_set(self):
        """``set_subtensor``/``inc_subtensor`` of an indexed node."""
        a = self.pick_float(lambda n: n.ndim > 0, ndim=self.draw(st.integers(1, 3)))
        n = self.node(a)
        set_ = self.draw(st.booleans())
        found = self._index(n, for_set=set_, writable=True)
        if found is None:
            return
        source, refs, shape, args = found
        vshape = shape
        if shape and self.draw(st.booleans()):
            vshape = shape[self.draw(st.integers(1, len(shape))):]
        candidates = self.floats(lambda m: m.shape == vshape)
        v = self.choice(candidates) if candidates and self.draw(st.booleans()) else \
            self.leaf(vshape)
        nv = self.node(v)
        fn = "set_subtensor" if set_ else "inc_subtensor"

        def ref(x, value, *idx, refs=refs, set_=set_):
            index = tuple(self._resolve(r, None, idx) if isinstance(r, tuple) and r and
                          r[0] == "arg" else r for r in refs)
            return np_add_at(x, index, value, set_)
        bound = max(abs(n.lo), abs(n.hi)) + 4 * max(abs(nv.lo), abs(nv.hi))
        self.op("float", n.shape, f"T.{fn}({self.name(a)}{source}, {self.name(v)})", ref,
                [a, v] + args, min(n.lo, nv.lo) if set_ else -bound,
                max(n.hi, nv.hi) if set_ else bound, exact=set_)

    def step_dot(self):
        a = self.pick_float(lambda n: n.ndim in (1, 2) and max(abs(n.lo), abs(n.hi)) < 50,
                            ndim=self.draw(st.integers(1, 2)))
        n = self.node(a)
        inner = n.shape[-1]
        b_ndim = self.draw(st.integers(1, 2))
        candidates = self.floats(lambda m: m.ndim == b_ndim and m.shape[0] == inner and
                                 max(abs(m.lo), abs(m.hi)) < 50)
        if candidates and self.draw(st.booleans()):
            b = self.choice(candidates)
        else:
            b = self.leaf((inner,) + self.shape(b_ndim - 1))
        m = self.node(b)
        shape = np.dot(np.zeros(n.shape), np.zeros(m.shape)).shape
        bound = inner * max(abs(n.lo), abs(n.hi)) * max(abs(m.lo), abs(m.hi))
        spelled = self.choice(["T.dot({0}, {1})", "{0}.dot({1})", "{0} @ {1}"])
        self.op("float", shape, spelled.format(self.name(a), self.name(b)), np.dot, [a, b],
                -bound, bound)

    def step_softmax(self):
        a = self.pick_float(lambda n: n.ndim == 2 and max(abs(n.lo), abs(n.hi)) < 30, ndim=2)
        n = self.node(a)
        x = self.name(a)
        form = self.choice(["softmax", "log_softmax", "log_of_softmax", "written_out"])
        if form == "softmax":
            self.op("float", n.shape, f"nnet.softmax({x})", np_softmax, [a], 0.0, 1.0)
        elif form == "log_softmax":
            self.op("float", n.shape, f"nnet.log_softmax({x})", np_log_softmax, [a], -70.0, 0.0)
        elif form == "log_of_softmax":
            self.op("float", n.shape, f"T.log(nnet.softmax({x}))", np_log_softmax, [a],
                    -70.0, 0.0)
        else:
            expr = (f"T.exp({x} - {x}.max(axis=1, keepdims=True)) / "
                    f"T.exp({x} - {x}.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)")
            self.op("float", n.shape, expr, np_softmax, [a], 0.0, 1.0)

    def step_labels(self):
        """The label gathers of a classifier's cost: ``log(softmax(x))[arange(n), y]``
        and its mean, negative and cross-entropy forms."""
        rows, classes = self.draw(st.integers(1, 4)), self.draw(st.integers(2, 4))
        a = self.pick_float(lambda n: n.shape == (rows, classes) and
                            max(abs(n.lo), abs(n.hi)) < 30, shape=(rows, classes))
        low = -classes if self.draw(st.booleans()) else 0
        y = self.leaf((rows,), role=self.choice(["input", "shared"]), kind="int",
                      int_range=(low, classes - 1))
        x, yn = self.name(a), self.name(y)
        probs = self.choice(["T.log(nnet.softmax({x}))", "nnet.log_softmax({x})"])
        picked = f"{probs.format(x=x)}[T.arange({yn}.shape[0]), {yn}]"
        form = self.choice(["mean", "neg_mean", "sum", "rows", "neg_rows"])
        expr = {"mean": f"T.mean({picked})", "neg_mean": f"-T.mean({picked})",
                "sum": f"{picked}.sum()", "rows": picked, "neg_rows": f"-{picked}"}[form]
        shape = () if form in ("mean", "neg_mean", "sum") else (rows,)

        def ref(v, labels, form=form):
            picked = np_gather_labels(np_log_softmax(v), labels)
            return {"mean": np.mean(picked), "neg_mean": -np.mean(picked), "sum": np.sum(picked),
                    "rows": picked, "neg_rows": -picked}[form]
        bound = 70.0 * rows
        self.op("float", shape, expr, ref, [a, y], -bound, bound)
        if self.node(y).role == "input" and self.draw(st.integers(0, 3)) == 0:
            self.prog.bad_label_inputs.append((y, self.choice([classes, -classes - 1])))

    def _conv_source(self):
        candidates = self.floats(lambda n: n.ndim == 4 and n.shape[2] >= 2 and n.shape[3] >= 2
                                 and max(abs(n.lo), abs(n.hi)) < 30)
        if candidates and self.draw(st.booleans()):
            return self.choice(candidates)
        shape = (self.draw(st.integers(1, 2)), self.draw(st.integers(1, 2)),
                 self.draw(st.integers(2, 5)), self.draw(st.integers(2, 5)))
        return self.leaf(shape, role=self.choice(["input", "shared"]))

    def step_conv(self):
        """``conv2d`` (any border mode, stride and flip), with a channel bias, an
        activation and a max pool after it when the draw says so (the layer that the
        conv+pool rewrite fuses)."""
        a = self._conv_source()
        n = self.node(a)
        b, c, h, w = n.shape
        f = self.draw(st.integers(1, 2))
        kh, kw = self.draw(st.integers(1, min(3, h))), self.draw(st.integers(1, min(3, w)))
        wk = self.leaf((f, c, kh, kw), role=self.choice(["shared", "input", "const"]))
        border = self.choice(["valid", "full", "half", (1, 0)])
        stride = self.choice([(1, 1), (2, 1), (2, 2)])
        flip = self.draw(st.booleans())
        pads = {"valid": (0, 0), "full": (kh - 1, kw - 1), "half": (kh // 2, kw // 2)}
        pad = pads.get(border, border) if isinstance(border, str) else border
        oh = (h + 2 * pad[0] - kh) // stride[0] + 1
        ow = (w + 2 * pad[1] - kw) // stride[1] + 1
        hints = ""
        if self.draw(st.booleans()):
            hints = f", input_shape={n.shape}, filter_shape={(f, c, kh, kw)}"
        expr = (f"nnet.conv2d({self.name(a)}, {self.name(wk)}, border_mode={border!r}, "
                f"subsample={stride}, filter_flip={flip}{hints})")
        bound = c * kh * kw * max(abs(n.lo), abs(n.hi)) * 1.5
        out = self.op("float", (b, f, oh, ow), expr,
                      lambda x, k, pad=pad, stride=stride, flip=flip: np_conv2d(x, k, pad, stride, flip),
                      [a, wk], -bound, bound)
        if not self.draw(st.booleans()):
            return
        bias = self.leaf((f,), role="shared")
        act = self.choice(["relu", "sigmoid", "tanh"])
        template, ref, bounds, _, exact = UNARY[act]
        lo, hi = bounds(-bound - 4, bound + 4) if act == "relu" else bounds(-5, 5)

        def add_bias(v):
            return self.op("float", self.node(v).shape,
                           f"{self.name(v)} + {self.name(bias)}.dimshuffle('x', 0, 'x', 'x')",
                           lambda x, v: x + v[None, :, None, None], [v, bias],
                           -bound - 4, bound + 4)

        def activate(v):
            return self.op("float", self.node(v).shape, template.format(self.name(v)), ref, [v],
                           lo, hi)

        def pool(v):
            return self._pool(v, (2, 2), (2, 2), (0, 0), True, "max",
                              "nnet.max_pool_2d({x}, ds=(2, 2), ignore_border=True)")
        # the layer in each order it is written in (the conv-pool rewrites fuse all three)
        steps = {"conv, bias, act, pool": [add_bias, activate, pool],
                 "conv, pool, bias, act": [pool, add_bias, activate],
                 "conv, bias, pool, act": [add_bias, pool, activate]}
        order = steps[self.choice(sorted(steps))]
        if oh < 2 or ow < 2 or not self.draw(st.booleans()):
            order = [add_bias, activate]       # no pooling
        for step in order:
            out = step(out)

    def step_pool(self):
        a = self._conv_source()
        n = self.node(a)
        h, w = n.shape[-2:]
        ws = (self.draw(st.integers(1, min(3, h))), self.draw(st.integers(1, min(3, w))))
        stride = self.choice([None, (1, 1), (2, 2), (1, 2)])
        st_ = stride or ws
        ignore_border = self.draw(st.booleans())
        pad = (0, 0)
        if ignore_border and self.draw(st.booleans()):
            pad = (min(1, ws[0] - 1), min(1, ws[1] - 1))
        mode = self.choice(["max", "sum", "average_inc_pad", "average_exc_pad", "l2"])
        if mode == "l2" and n.lo > -0.05 and n.lo < 0.05:
            return
        if any(pool_size(s, k, t, p, ignore_border) < 1
               for s, k, t, p in zip((h, w), ws, st_, pad)):
            return
        self._pool(a, ws, st_, pad, ignore_border, mode,
                   f"nnet.pool_2d({{x}}, ws={ws}, ignore_border={ignore_border}, "
                   f"stride={stride}, pad={pad}, mode={mode!r})")

    def _pool(self, a, ws, stride, pad, ignore_border, mode, template):
        n = self.node(a)
        h, w = n.shape[-2:]
        oh = pool_size(h, ws[0], stride[0], pad[0], ignore_border)
        ow = pool_size(w, ws[1], stride[1], pad[1], ignore_border)
        m = max(abs(n.lo), abs(n.hi))
        lo, hi = {"max": (n.lo, n.hi), "sum": (-m * 9, m * 9), "l2": (0.0, m * 3)}.get(
            mode, (-m, m))
        prog = self.prog

        def ref(x):
            ties = []
            out = np_pool(x, ws, stride, pad, ignore_border, mode, ties)
            if any(ties) and any(n.grad_of for n in prog.nodes):
                raise Reject("tied maxima in a max pool window, under a gradient")
            return out
        return self.op("float", n.shape[:-2] + (oh, ow), template.format(x=self.name(a)), ref,
                       [a], lo, hi, exact=mode == "max")

    def step_grad(self):
        """``symconv.grad`` of a scalar cost with respect to a leaf it depends on."""
        prog = self.prog
        costs = [k for k in self.floats(lambda n: not n.fd and n.role == "op")]
        if not costs:
            return
        c = self.choice(costs)
        if self.node(c).ndim:
            n = self.node(c)
            how = self.choice(["sum", "mean"])
            c = self.op("float", (), f"{n.name}.{how}()", getattr(np, how), [c],
                        -abs(n.lo) * n.size - abs(n.hi) * n.size,
                        abs(n.lo) * n.size + abs(n.hi) * n.size)
        leaves = [k for k in self.ancestors(c) if self.node(k).role in ("input", "shared")
                  and self.node(k).kind == "float"]
        if not leaves:
            return
        wrt = self.choice(leaves)
        nw = self.node(wrt)
        k = self.op("float", nw.shape,
                    f"sc.grad({self.name(c)}, {self.name(wrt)}, disconnected_inputs='ignore')",
                    None, [c, wrt], -1e3, 1e3)
        prog.nodes[k].fd = True
        prog.nodes[k].grad_of = (c, wrt)

    def ancestors(self, k):
        seen, todo = set(), [k]
        while todo:
            j = todo.pop()
            if j in seen:
                continue
            seen.add(j)
            todo.extend(self.node(j).args)
        return seen

    # outputs, updates, calls -----------------------------------------------------
    def finish(self, n_calls):
        prog = self.prog
        every = list(range(len(prog.nodes)))
        outputs = self.draw(st.lists(st.sampled_from(every), max_size=3))
        if self.draw(st.booleans()):  # the last node: the deepest graph the steps built
            outputs.append(every[-1])
        if getattr(self, "first", None) is not None:
            outputs.append(self.first)
        prog.outputs = [k for k in outputs if prog.nodes[k].role != "const"]
        for s in prog.shareds:
            ns = self.node(s)
            if ns.kind != "float" or self.draw(st.integers(0, 3)) == (
                    0 if self.features.get("shared_heavy") else 1) or (
                    not self.features.get("shared_heavy") and self.draw(st.booleans())):
                continue
            same = [k for k in self.floats(lambda n: n.shape == ns.shape and n.role != "const")]
            grads = [k for k in same if self.node(k).grad_of and self.node(k).grad_of[1] == s]
            # chain: built on another update's value, as b <- (a * 2) * a next to a <- a * 2
            chained = [v for _, v in prog.updates
                       if _broadcast(self.node(v).shape, ns.shape) == ns.shape]
            form = self.choice(["node", "sgd", "plus", "chain"])
            if form == "node" and not same or form == "chain" and not chained:
                form = "plus"
            if form == "chain":
                u = self.choice(chained)
                other = self.choice(sorted({s, u} | {t for t in prog.shareds if _broadcast(
                    self.node(t).shape, ns.shape) == ns.shape and self.node(t).kind == "float"}))
                if _broadcast(self.node(u).shape, self.node(other).shape) != ns.shape:
                    other = s
                name = self.choice(["add", "mul", "sub"])
                template, ref = BINARY[name][:2]
                v = self.op("float", ns.shape, template.format(self.name(u), self.name(other)),
                            ref, [u, other])
            elif form == "sgd" and grads:
                g = self.choice(grads)
                v = self.op("float", ns.shape, f"{ns.name} - 0.1 * {self.name(g)}",
                            lambda x, y: x - 0.1 * y, [s, g])
            elif form == "plus":
                others = self.floats(lambda n: _broadcast(n.shape, ns.shape) == ns.shape)
                o = self.choice(others)
                v = self.op("float", ns.shape, f"{ns.name} + {self.name(o)}", np.add, [s, o])
            else:
                v = self.choice(same)
            prog.updates.append((s, v))
        if self.features.get("shared_heavy") and prog.updates and self.draw(st.booleans()):
            # an output that reads a shared variable and its update's value
            s, v = self.choice(prog.updates)
            name = self.choice(["add", "mul", "sub"])
            template, ref = BINARY[name][:2]
            prog.outputs.append(self.op("float", _broadcast(self.node(s).shape,
                                                            self.node(v).shape),
                                        template.format(self.name(v), self.name(s)), ref, [v, s]))
        if not prog.outputs and not prog.updates:
            prog.outputs = [len(prog.nodes) - 1]
        for c in range(n_calls):
            prog.calls.append(self.draw_call(c))

    def draw_call(self, c):
        prog = self.prog
        call = {"inputs": {}, "set_value": {}, "labels": {}}
        for k in prog.inputs:
            n = self.node(k)
            layout = self.choice(LAYOUTS) if n.ndim else "C"
            if layout == "broadcast" and (n.shape[0] < 2 or n.kind != "float"):
                layout = "C"
            alias = None
            if self.draw(st.integers(0, 3)) == 0:
                same = [j for j in prog.inputs if j < k and self.node(j).shape == n.shape
                        and self.node(j).dtype == n.dtype and call["inputs"][j][1] is None]
                shared = [j for j in prog.shareds if self.node(j).shape == n.shape
                          and self.node(j).dtype == n.dtype]
                options = [("input", j) for j in same] + [("shared", j) for j in shared]
                if options:
                    alias = self.choice(options)
            call["inputs"][k] = (layout, alias)
        for s in prog.shareds:
            if c > 0 and self.draw(st.integers(0, 3)) == 0:
                call["set_value"][s] = (self.choice(LAYOUTS) if self.node(s).ndim else "C",
                                        self.draw(st.booleans()))
        for k, label in prog.bad_label_inputs:
            if call["inputs"][k][1] is None and self.draw(st.integers(0, 2)) == 0:
                call["labels"][k] = label
        return call


@st.composite
def programs(draw, max_steps=6, max_calls=3, **features):
    """A random :class:`Program`; ``features`` switches families of operations off
    (``dot=False``, ``conv=False``...) or on."""
    dtype = draw(st.sampled_from(["float64", "float32"]))
    seed = draw(st.integers(0, 2 ** 16))
    b = Builder(draw, dtype, seed, max_steps, features)
    for _ in range(draw(st.integers(1, 2))):
        b.leaf(b.shape())
    first = features.get("first")
    if first:  # a family the program is about: its first node is also an output
        getattr(b, "step_" + first)()
        b.first = len(b.prog.nodes) - 1
    for _ in range(draw(st.integers(0 if first else 1, max_steps))):
        b.step()
    b.finish(draw(st.integers(1, max_calls)))
    return b.prog


@st.composite
def label_programs(draw, max_calls=3):
    """Programs about a classifier's cost: a label gather ``log(softmax(x))[arange(n), y]``
    (mean, sum, negative or per row), labels that may be negative or out of range, and
    elementwise steps and gradients after it."""
    return draw(programs(max_steps=3, max_calls=max_calls, first="labels", unary=False,
                         reduce=False, shape=False, index=False, set=False, conv=False,
                         pool=False, dot=False, softmax=False, switch=False))


@st.composite
def conv_layer_programs(draw, max_calls=2):
    """Programs about a convolution layer: conv2d first (with a channel bias, an
    activation and a max pool after it when the draw says so: the layer the conv+pool
    rewrites fuse), elementwise steps, pooling and gradients after it."""
    return draw(programs(max_steps=3, max_calls=max_calls, first="conv", labels=False,
                         dot=False, softmax=False, set=False, index=False))


@st.composite
def shared_update_programs(draw, max_calls=3):
    """Programs made mostly of shared variables whose updates read each other's
    values and whose outputs are the shared variables or expressions of them (the
    graphs where in-place updates must not overwrite a value still to be read)."""
    return draw(programs(max_steps=5, max_calls=max_calls, shared_heavy=True, dot=False,
                         softmax=False, labels=False, conv=False, pool=False, set=False))
