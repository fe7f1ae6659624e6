"""``theano.tensor.shared_randomstreams.RandomStreams``: Theano's random streams,
drawing the values Theano draws for a seed.

As in Theano, the stream's seed seeds a ``numpy.random.RandomState`` that gives
each new draw the seed (``randint(2 ** 30)``) of its own ``RandomState``; a draw
of shape ``size`` is then that state's ``uniform(low, high, size)``,
``normal(avg, std, size)`` or ``binomial(n, p, size)``. Each call of a function
using the draw advances its state, unless ``no_default_updates`` says not to.
"""
import numpy as np

from ...config import config
from ...ops import random as _random
from ..missing import missing_attribute


class RandomStateDraw(_random.RandomOp):
    """A draw from a ``numpy.random.RandomState`` (Theano's generator)."""

    def perform(self, node, inputs):
        size, *params = inputs
        size = tuple(int(s) for s in size)
        if len(size) != self.ndim or min(size, default=0) < 0:
            raise ValueError(f"{self}: size must be {self.ndim} non-negative ints, got {size}")
        for name, value in zip(_random.DISTRIBUTIONS[self.distribution], params):
            _random._check_value(self, name, value)
        if self.distribution == "multinomial":        # MRG's (not Theano's values)
            return [_random._draw(self.state[0], "multinomial", size, params, self.dtype)]
        if self.distribution == "random_integers":   # Theano's: randint with high included
            low, high = params
            return [np.asarray(self.state[0].randint(low, np.asarray(high) + 1, size=size),
                               dtype=self.dtype)]
        draw = getattr(self.state[0], self.distribution)
        return [np.asarray(draw(*params, size=size), dtype=self.dtype)]


class RandomStreams(_random.RandomStreams):
    """Theano's ``RandomStreams(seed)``: ``uniform``, ``normal`` and ``binomial`` with
    Theano's signatures (``size=()`` is a scalar draw), and ``seed``, ``updates``
    and ``srng[draw.rng]`` as in Theano."""

    def __init__(self, seed=None):
        self.default_instance_seed = seed
        self.gen_seedgen = np.random.RandomState(seed)
        self.ops = []

    def seed(self, seed=None):
        """Give every draw made so far a new state from ``seed`` (the stream's own seed
        by default), in the order they were made; later draws are not affected."""
        seedgen = np.random.RandomState(self.default_instance_seed if seed is None else seed)
        for op in self.ops:
            op.state[0] = np.random.RandomState(int(seedgen.randint(2 ** 30)))

    def _make_op(self, distribution, dtype, ndim):
        state = np.random.RandomState(int(self.gen_seedgen.randint(2 ** 30)))
        return RandomStateDraw(distribution, dtype, ndim, state)

    def uniform(self, size=(), low=0.0, high=1.0, ndim=None, dtype=None):
        """Values drawn uniformly from ``[low, high)``, in ``dtype`` (floatX by default)."""
        return self._draw("uniform", size, (_random._float_param(low), _random._float_param(high)),
                          dtype or config.floatX, ndim)

    def normal(self, size=(), avg=0.0, std=1.0, ndim=None, dtype=None):
        """Normal values of mean ``avg`` and standard deviation ``std``."""
        return self._draw("normal", size, (_random._float_param(avg), _random._float_param(std)),
                          dtype or config.floatX, ndim)

    def binomial(self, size=(), n=1, p=0.5, ndim=None, dtype="int64", prob=None):
        """Successes in ``n`` trials of probability ``p`` (``prob`` is its former name)."""
        if prob is not None:
            p = prob
        return super().binomial(size=size, n=n, p=p, dtype=dtype, ndim=ndim)

    @property
    def state_updates(self):
        """``(state, None)`` for each draw made so far, in order: ``state`` reads and
        replaces the draw's generator (``get_value``/``set_value``), as the shared
        state of Theano's pairs; Theano's update expression is None here (each call
        advances the state itself)."""
        return [(_random.DrawState(op), None) for op in self.ops]

    def random_integers(self, size=(), low=0, high=1, ndim=None, dtype="int64"):
        """Integers from ``low`` to ``high``, both included (Theano's signature)."""
        return super().random_integers(size=size, low=low, high=high, dtype=dtype, ndim=ndim)

    def multinomial(self, *args, **kwargs):
        # Theano draws these row by row from its RandomState, which a vectorized draw
        # cannot repeat; MRG_RandomStreams.multinomial draws them (not Theano's values)
        from ..missing import NotImplementedInSymconv
        raise NotImplementedInSymconv(
            f"symconv does not implement {type(self).__name__}.multinomial (use "
            "theano.sandbox.rng_mrg.MRG_RandomStreams.multinomial)")

    def __getattr__(self, name):
        # permutation, choice...: say what is missing
        if name.startswith("__"):
            raise AttributeError(name)
        from ..missing import NotImplementedInSymconv
        raise NotImplementedInSymconv(
            f"symconv does not implement {type(self).__name__}.{name}")


__getattr__ = missing_attribute(__name__)
