"""Random streams: symbolic draws from binomial, uniform and normal distributions.

Each draw (``srng.binomial(...)``) is an Apply node of its own :class:`RandomOp`,
which owns a NumPy ``Generator``. Every run of the node draws from that
generator, so each call of a compiled function gets fresh values, and the
stream's state advances across calls. Generators are spawned, in the order the
draws are created, from one ``SeedSequence`` of the stream's seed: two streams
with the same seed, used the same way, give the same values.

A random op is *stateful*: ``RandomOp.is_stateful`` is True, and no two random
ops compare equal (each carries a unique id), so the compiler never merges two
draws, never constant-folds one (even when all its inputs are constants) and
never treats it as a pure function of its inputs.
"""
import itertools

import numpy as np

from ..config import config
from ..graph.basic import Apply, Constant, Op
from ..graph.type import TensorType
from ..graph.tensor import TensorVariable, as_tensor_variable

_uids = itertools.count()

DISTRIBUTIONS = {
    # name: parameter names, in input order after ``size``
    "binomial": ("n", "p"),
    "uniform": ("low", "high"),
    "normal": ("avg", "std"),
    "random_integers": ("low", "high"),    # integers from low to high, both included
    "multinomial": ("n", "pvals"),         # counts over the last axis, which pvals gives
}


class RandomOp(Op):
    """One symbolic draw: ``(size, *params) -> sample`` of shape ``size``.

    Parameters
    ----------
    distribution : {"binomial", "uniform", "normal"}
    dtype : str
        The sample's dtype.
    ndim : int
        Length of ``size``.
    generator : numpy.random.Generator
        The state this op draws from; it lives in ``self.state[0]``.
    """

    is_stateful = True
    __props__ = ("distribution", "dtype", "ndim", "uid")

    def __init__(self, distribution, dtype, ndim, generator):
        if distribution not in DISTRIBUTIONS:
            raise ValueError(f"RandomOp: unknown distribution {distribution!r}")
        self.distribution = distribution
        self.dtype = np.dtype(dtype).name
        self.ndim = int(ndim)
        self.uid = next(_uids)
        self.state = [generator]

    def __str__(self):
        return f"{self.distribution}{{{self.dtype},#{self.uid}}}"

    def make_node(self, size, *params):
        size = as_tensor_variable(size)
        if size.ndim != 1 or not size.type.is_integer:
            raise TypeError(f"{self}: size must be an integer vector, got {size.describe()}")
        names = DISTRIBUTIONS[self.distribution]
        if len(params) != len(names):
            raise TypeError(f"{self}: expects parameters {names}, got {len(params)} values")
        params = [as_tensor_variable(p) for p in params]
        shape = _static_size(size, self.ndim)
        for name, p in zip(names, params):
            _check_param(self, name, p, shape)
        return Apply(self, [size, *params], [TensorVariable(TensorType(self.dtype, shape))])

    def perform(self, node, inputs):
        size, *params = inputs
        size = tuple(int(s) for s in size)
        if len(size) != self.ndim or min(size, default=0) < 0:
            raise ValueError(f"{self}: size must be {self.ndim} non-negative ints, got {size}")
        for name, value in zip(DISTRIBUTIONS[self.distribution], params):
            _check_value(self, name, value)
        generator = self.state[0]
        return [_draw(generator, self.distribution, size, params, self.dtype)]

    def infer_shape(self, node, input_shapes):
        raise NotImplementedError("a random draw's shape is the value of its size input")

    def grad(self, inputs, outputs, output_grads):
        # the sample is treated as a constant with respect to its size and parameters
        return [None] * len(inputs)


def _draw(generator, distribution, size, params, dtype):
    if distribution == "multinomial":
        n, pvals = params
        return _multinomial(generator, int(n), pvals, size).astype(dtype, copy=False)
    if distribution == "binomial":
        n, p = params
        if np.ndim(n) == 0 and int(n) == 1:
            sample = generator.random(size) < p           # one Bernoulli trial: a keep-mask
        else:
            sample = generator.binomial(n, p, size)
        return sample.astype(dtype, copy=False)
    if distribution == "random_integers":
        low, high = params
        return generator.integers(low, high, size, endpoint=True).astype(dtype, copy=False)
    float_dtype = dtype if np.dtype(dtype).name in ("float32", "float64") else "float64"
    if distribution == "uniform":
        low, high = params
        sample = generator.random(size, dtype=float_dtype)
        sample *= np.asarray(high - low, dtype=float_dtype)
        sample += np.asarray(low, dtype=float_dtype)
    else:
        avg, std = params
        sample = generator.standard_normal(size, dtype=float_dtype)
        sample *= np.asarray(std, dtype=float_dtype)
        sample += np.asarray(avg, dtype=float_dtype)
    return sample.astype(dtype, copy=False)


def _multinomial(generator, n, pvals, size):
    """Counts of ``n`` categorical draws per row, from uniform numbers: each draw is the
    first category whose cumulative probability exceeds it, the last one taking what
    the others leave (as NumPy's ``multinomial``). Vectorized over rows and draws, and
    the same for a ``Generator`` and a ``RandomState``."""
    pvals = np.asarray(pvals, dtype="float64")
    categories = size[-1]
    if pvals.shape[-1] != categories:
        raise ValueError(f"multinomial: pvals has {pvals.shape[-1]} categories along its last "
                         f"axis, the sample's size {size} has {categories}")
    if categories == 0:
        return np.zeros(size, dtype="int64")
    cumulative = np.cumsum(pvals, axis=-1)
    cumulative[..., -1] = np.inf
    cumulative = np.broadcast_to(cumulative, size)
    uniforms = generator.random(size[:-1] + (n,))
    chosen = (uniforms[..., :, None] >= cumulative[..., None, :]).sum(axis=-1)
    return (chosen[..., None] == np.arange(categories)).sum(axis=-2)


def _static_size(size, ndim):
    """Static entries of a size vector: constants, constant entries of a stacked
    vector, or the static shape of ``x`` for ``x.shape``."""
    from .shape import MakeVector, Shape
    if size.type.shape[0] is not None and size.type.shape[0] != ndim:
        raise ValueError(f"random draw: size has {size.type.shape[0]} entries, ndim is {ndim}")
    if isinstance(size, Constant):
        return tuple(int(s) for s in size.data)
    node = size.owner
    if node is not None and isinstance(node.op, MakeVector):
        return tuple(int(v.data) if isinstance(v, Constant) else None for v in node.inputs)
    if node is not None and isinstance(node.op, Shape):
        return tuple(node.inputs[0].type.shape)
    return (None,) * ndim


def _check_param(op, name, p, shape):
    if p.ndim > len(shape):
        raise ValueError(f"{op}: parameter {name} {p.describe()} has more dimensions than the "
                         f"sample ({len(shape)})")
    tail = shape[len(shape) - p.ndim:] if p.ndim else ()
    if any(a is not None and b is not None and b not in (1, a) for a, b in zip(tail, p.type.shape)):
        raise ValueError(f"{op}: parameter {name} {p.describe()} does not broadcast to the size "
                         f"{tuple(shape)}")
    if isinstance(p, Constant):
        _check_value(op, name, p.data)


def _check_value(op, name, value):
    """Parameter values outside their domain: a clear error (at build time for constants)."""
    value = np.asarray(value)
    if value.size == 0:
        return
    if name in ("p", "pvals") and (np.isnan(value).any() or value.min() < 0 or value.max() > 1):
        raise ValueError(f"{op}: probabilities p must lie in [0, 1], got values from "
                         f"{value.min()} to {value.max()}")
    if name == "n" and (value.dtype.kind not in "iub" or value.min() < 0):
        raise ValueError(f"{op}: the number of trials n must be a non-negative integer, "
                         f"got {value if value.size == 1 else value.dtype}")
    if name == "std" and value.min() < 0:
        raise ValueError(f"{op}: std must be non-negative, got {value.min()}")
    if op.distribution == "random_integers" and value.dtype.kind not in "iub":
        raise ValueError(f"{op}: the bound {name} must be an integer, got {value.dtype}")


class DrawState:
    """The random state of one draw (``draw.rng``), read and replaced like a shared
    variable's value; ``function(no_default_updates=[draw.rng])`` keeps it fixed."""

    def __init__(self, op):
        self.op = op

    def get_value(self, borrow=False):
        """The generator the draw uses next (a copy unless ``borrow=True``)."""
        import copy
        return self.op.state[0] if borrow else copy.deepcopy(self.op.state[0])

    def set_value(self, generator, borrow=False):
        """Draw from ``generator`` from now on (copied unless ``borrow=True``)."""
        import copy
        expected = type(self.op.state[0])
        if not isinstance(generator, expected):
            raise TypeError(f"{self.op}: its state is a {expected.__name__}, got "
                            f"{type(generator).__name__}")
        self.op.state[0] = generator if borrow else copy.deepcopy(generator)

    def __repr__(self):
        return f"DrawState({self.op})"


class RandomStreams:
    """A source of symbolic random draws, as Theano's ``RandomStreams``.

    Parameters
    ----------
    seed : int or None
        Seeds every draw created from this stream; None takes fresh entropy.

    Examples
    --------
    Network3's dropout mask:

    >>> import numpy as np, symconv as sc, symconv.tensor as T
    >>> srng = sc.RandomStreams(np.random.RandomState(0).randint(999999))
    >>> layer = T.matrix("layer")
    >>> mask = srng.binomial(n=1, p=0.5, size=layer.shape)
    >>> dropped = layer * T.cast(mask, sc.config.floatX)
    """

    def __init__(self, seed=None):
        self.ops = []
        self.seed(seed)

    def seed(self, seed=None):
        """Reseed the stream: every draw created so far restarts from the sequence
        it would have had with this seed."""
        self._seed_seq = np.random.SeedSequence(seed)
        children = self._seed_seq.spawn(len(self.ops)) if self.ops else []
        for op, child in zip(self.ops, children):
            op.state[0] = np.random.Generator(np.random.PCG64(child))

    def _draw(self, distribution, size, params, dtype, ndim):
        size, ndim = _size_vector(size, ndim, distribution)
        op = self._make_op(distribution, dtype, ndim)
        self.ops.append(op)
        out = op(size, *params)
        out.rng = DrawState(op)
        return out

    def _make_op(self, distribution, dtype, ndim):
        generator = np.random.Generator(np.random.PCG64(self._seed_seq.spawn(1)[0]))
        return RandomOp(distribution, dtype, ndim, generator)

    def updates(self):
        """The updates that advance this stream's states: none to give, since every
        call of a compiled function advances the states of the draws it makes
        (``updates=srng.updates()`` is accepted, as in Theano)."""
        return []

    def __getitem__(self, state):
        """The generator behind a draw's state: ``srng[draw.rng]``."""
        return state.get_value(borrow=True)

    def __setitem__(self, state, generator):
        state.set_value(generator, borrow=True)

    def binomial(self, size=None, n=1, p=0.5, dtype="int64", ndim=None):
        """Counts of successes in ``n`` trials of probability ``p`` (broadcast to ``size``).

        With ``n=1`` it is a 0/1 mask, 1 with probability ``p``.

        Parameters
        ----------
        size : tuple of (int or scalar Variable), or integer vector Variable
            The sample's shape, e.g. ``x.shape``.
        n : int
        p : float in [0, 1] or float Variable
        dtype : str
        ndim : int, optional
            Length of ``size`` when it is a vector whose length is not static.
        """
        n = as_tensor_variable(n)
        if not n.type.is_integer:
            raise ValueError(f"binomial: the number of trials n must be an integer, "
                             f"got {n.describe()}")
        return self._draw("binomial", size, (n, _float_param(p)), dtype, ndim)

    def uniform(self, size=None, low=0.0, high=1.0, dtype=None, ndim=None):
        """Values drawn uniformly from ``[low, high)``; ``dtype`` defaults to ``config.floatX``."""
        return self._draw("uniform", size, (_float_param(low), _float_param(high)),
                          dtype or config.floatX, ndim)

    def normal(self, size=None, avg=0.0, std=1.0, dtype=None, ndim=None):
        """Values from a normal distribution of mean ``avg`` and standard deviation ``std``."""
        return self._draw("normal", size, (_float_param(avg), _float_param(std)),
                          dtype or config.floatX, ndim)

    def random_integers(self, size=None, low=0, high=1, dtype="int64", ndim=None):
        """Integers drawn uniformly from ``low`` to ``high``, both included."""
        return self._draw("random_integers", size, (_integer_param(low), _integer_param(high)),
                          dtype, ndim)

    def multinomial(self, size=None, n=1, pvals=None, dtype="int64", ndim=None):
        """Counts of ``n`` draws among the categories of the last axis of ``pvals``
        (each row's probabilities); with ``n=1``, one-hot rows.

        Parameters
        ----------
        size : tuple, optional
            The shape of the draws before the categories' axis (the sample is
            ``size + (categories,)``); by default that of ``pvals`` without its last axis.
        n : int
        pvals : float vector or matrix
            Probabilities of the categories, each row summing to at most 1.
        """
        from .shape import shape
        if pvals is None:
            raise TypeError("multinomial: give pvals, the probabilities of the categories")
        pvals = _float_param(pvals)
        if pvals.ndim == 0:
            raise ValueError(f"multinomial: pvals must have an axis of categories, got "
                             f"{pvals.describe()}")
        n = as_tensor_variable(n)
        if not n.type.is_integer or n.ndim != 0:
            raise ValueError(f"multinomial: n must be an integer scalar, got {n.describe()}")
        categories = shape(pvals)[pvals.ndim - 1]
        if size is None:
            full = shape(pvals)
            ndim = pvals.ndim
        else:
            lead = tuple(size) if isinstance(size, (tuple, list)) else (size,)
            full = lead + (categories,)
            ndim = None
        return self._draw("multinomial", full, (n, pvals), dtype, ndim)


def _integer_param(value):
    v = as_tensor_variable(value)
    if not v.type.is_integer:
        raise TypeError(f"random_integers: the bounds must be integers, got {v.describe()}")
    return v


def _float_param(value):
    v = as_tensor_variable(value)
    if not (v.type.is_float or v.type.is_integer):
        raise TypeError(f"random draw: parameters must be numbers, got {v.describe()}")
    return v


def _size_vector(size, ndim, distribution):
    """``size`` as an int64 vector variable, and its length."""
    if size is None:
        raise ValueError(f"{distribution}: give the sample's size (a tuple, or x.shape)")
    if isinstance(size, (tuple, list)):
        from .shape import stack_scalars
        for s in size:
            if not hasattr(s, "type") and (not isinstance(s, (int, np.integer)) or s < 0):
                raise ValueError(f"{distribution}: size entries must be non-negative ints or "
                                 f"symbolic integer scalars, got {tuple(size)!r}")
        if ndim is not None and ndim != len(size):
            raise ValueError(f"{distribution}: ndim={ndim} but size {tuple(size)!r} has "
                             f"{len(size)} entries")
        if any(hasattr(s, "type") for s in size):
            vector = stack_scalars(size)
        else:
            vector = as_tensor_variable(np.asarray(size, dtype="int64").reshape(len(size)))
        return vector, len(size)
    if isinstance(size, (int, np.integer)):
        return _size_vector((size,), ndim, distribution)
    vector = as_tensor_variable(size)
    if vector.ndim != 1 or not vector.type.is_integer:
        raise TypeError(f"{distribution}: size must be a tuple or an integer vector, "
                        f"got {vector.describe()}")
    length = vector.type.shape[0]
    if length is None:
        if ndim is None:
            raise ValueError(f"{distribution}: the length of size {vector.describe()} is not "
                             "known; pass ndim=")
        length = ndim
    elif ndim is not None and ndim != length:
        raise ValueError(f"{distribution}: ndim={ndim} but size has {length} entries")
    return vector, length
