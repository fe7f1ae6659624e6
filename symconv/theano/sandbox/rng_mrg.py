"""``theano.sandbox.rng_mrg.MRG_RandomStreams``: the random streams Theano code uses
for dropout, corruption and sampling, with MRG's signatures.

The draws come from NumPy's generator, as :mod:`..tensor.shared_randomstreams`'s do:
the same distributions and shapes, and the same seed gives the same values run after
run, but not the values Theano's MRG31k3p generator gives for that seed (a network
trained with them differs from Theano's as two seeds differ). ``nstreams`` is
accepted and has no effect: NumPy draws a whole array from one state.
"""
from ...config import config
from ...ops import random as _random
from ..missing import NotImplementedInSymconv, missing_attribute
from ..tensor.shared_randomstreams import RandomStreams

DEFAULT_SEED = 12345
"""MRG_RandomStreams' seed when none is given, as in Theano."""


class MRG_RandomStreams(RandomStreams):
    """``MRG_RandomStreams(seed=12345)``: ``uniform``, ``normal`` and ``binomial`` with
    MRG's signatures; ``seed`` and ``updates`` as for ``RandomStreams``.

    Examples
    --------
    >>> import numpy as np
    >>> import symconv.theano as theano
    >>> from symconv.theano.sandbox.rng_mrg import MRG_RandomStreams
    >>> srng = MRG_RandomStreams(seed=234)
    >>> mask = srng.binomial(size=(2, 3), p=0.5, dtype=theano.config.floatX)
    >>> theano.function([], mask)().shape
    (2, 3)
    """

    def __init__(self, seed=DEFAULT_SEED):
        super().__init__(seed)

    def uniform(self, size, low=0.0, high=1.0, ndim=None, dtype=None, nstreams=None):
        """Values drawn uniformly from ``[low, high)``, in ``dtype`` (floatX by default)."""
        return super().uniform(size=size, low=low, high=high, ndim=ndim,
                               dtype=dtype or config.floatX)

    def normal(self, size, avg=0.0, std=1.0, ndim=None, dtype=None, nstreams=None,
               truncate=False):
        """Normal values of mean ``avg`` and standard deviation ``std``."""
        if truncate:
            raise NotImplementedInSymconv(
                "symconv does not implement MRG_RandomStreams.normal(truncate=True)")
        return super().normal(size=size, avg=avg, std=std, ndim=ndim,
                              dtype=dtype or config.floatX)

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", nstreams=None,
                 prob=None):
        """Successes in ``n`` trials of probability ``p`` (``size`` defaults to ``p``'s
        shape, as in MRG)."""
        if prob is not None:
            p = prob
        if size is None:
            from ...graph.tensor import as_tensor_variable
            p = as_tensor_variable(p)
            if p.ndim == 0:
                raise ValueError("MRG_RandomStreams.binomial: give size when p is a scalar")
            size = p.shape
        return super().binomial(size=size, n=n, p=p, ndim=ndim, dtype=dtype)

    def multinomial(self, size=None, n=1, pvals=None, ndim=None, dtype="int64", nstreams=None):
        """For each row of the matrix ``pvals``, the counts of ``n`` draws among its
        categories (one-hot rows when ``n=1``), as MRG's: ``size`` and ``ndim`` are not
        used and must not be given."""
        from ...graph.tensor import as_tensor_variable
        if pvals is None:
            raise TypeError("MRG_RandomStreams.multinomial: you have to specify pvals")
        if size is not None:
            raise ValueError("MRG_RandomStreams.multinomial: size is not used; the sample has "
                             "the shape of pvals")
        if ndim is not None:
            raise ValueError("MRG_RandomStreams.multinomial: ndim is not used")
        pvals = as_tensor_variable(pvals)
        if pvals.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.multinomial: pvals must be a matrix "
                                      f"(one row of probabilities per draw), got {pvals.describe()}")
        # the draw of symconv's streams (Theano's RandomStreams has no such draw here)
        return _random.RandomStreams.multinomial(self, n=n, pvals=pvals, dtype=dtype)


__getattr__ = missing_attribute(__name__)
