"""``theano.tensor.nnet.bn``: batch normalization, as Theano's ``batch_normalization``,
``batch_normalization_train`` and ``batch_normalization_test``, built from symconv's
elementwise ops and reductions (so gradients come through every output)."""
import numpy as np

from ....graph.tensor import as_tensor_variable
from ....tensor.math import cast, mean as _mean, prod, sqrt
from ....tensor.shapes import dimshuffle, shape, specify_shape
from ...missing import missing_attribute


def batch_normalization(inputs, gamma, beta, mean, std, mode="low_mem"):
    """``(inputs - mean) * (gamma / std) + beta``, every argument broadcast against
    ``inputs``; ``mode`` ('low_mem' or 'high_mem') chooses Theano's implementation and
    gives the same values here."""
    if mode not in ("low_mem", "high_mem"):
        raise ValueError(f"batch_normalization: mode must be 'low_mem' or 'high_mem', got {mode!r}")
    inputs, gamma, beta, mean, std = (as_tensor_variable(v) for v in (inputs, gamma, beta, mean, std))
    return (inputs - mean) * (gamma / std) + beta


def _axes(axes, ndim):
    if isinstance(axes, str):
        if axes == "per-activation":
            axes = (0,)
        elif axes == "spatial":
            axes = (0,) + tuple(range(2, ndim))
        else:
            raise ValueError(f"batch normalization: axes must be 'per-activation', 'spatial' or "
                             f"a tuple of ints, got {axes!r}")
    axes = tuple(sorted(int(a) for a in axes))
    if not axes:
        raise ValueError("batch normalization: there should be at least one normalization axis")
    if axes[0] < 0 or axes[-1] >= ndim:
        raise ValueError(f"batch normalization: axes {axes} out of range for inputs of {ndim} "
                         "dimensions")
    return axes, tuple(k for k in range(ndim) if k not in axes)


def _broadcast_params(params, names, axes, kept, ndim):
    """Parameters of ``len(kept)`` dimensions (or of ``ndim``, with size 1 on ``axes``)
    as tensors broadcast against the inputs; and whether they were the short kind."""
    params = [as_tensor_variable(p) for p in params]
    short = params[0].ndim != ndim
    want = len(kept) if short else ndim
    for p, name in zip(params, names):
        if p.ndim != want:
            raise ValueError(f"batch normalization: {name} has {p.ndim} dimensions; it needs "
                             f"{len(kept)} (the axes not normalized) or {ndim} (those of the "
                             "inputs)")
    if not short:
        # size 1 on the normalized axes (checked when the graph runs), as Theano's
        # addbroadcast: a parameter of the batch's size there would act per example
        return [specify_shape(p, [1 if k in axes else None for k in range(ndim)])
                for p in params], False
    pattern = ["x"] * ndim
    for i, k in enumerate(kept):
        pattern[k] = i
    return [dimshuffle(p, pattern) for p in params], True


def _check_epsilon(epsilon):
    if epsilon < 1e-5:
        raise ValueError(f"batch normalization: epsilon must be at least 1e-5, got {epsilon}")


def batch_normalization_train(inputs, gamma, beta, axes="per-activation", epsilon=1e-4,
                              running_average_factor=0.1, running_mean=None, running_var=None):
    """Normalize ``inputs`` by the mean and variance over ``axes`` of this batch.

    Returns ``(out, mean, invstd)``, and ``new_running_mean, new_running_var`` when both
    running averages are given: ``running_mean * (1 - f) + mean * f`` and
    ``running_var * (1 - f) + var * m / (m - 1) * f`` (``m`` the number of values each
    mean is taken over). ``mean`` and ``invstd = 1 / sqrt(var + epsilon)`` have the
    shape of ``gamma``.
    """
    inputs = as_tensor_variable(inputs)
    ndim = inputs.ndim
    axes, kept = _axes(axes, ndim)
    _check_epsilon(epsilon)
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_normalization_train: running_mean and running_var must both "
                         "be given or both be None")
    running = [] if running_mean is None else [running_mean, running_var]
    params, short = _broadcast_params([gamma, beta] + running,
                                      ["gamma", "beta", "running_mean", "running_var"][:2 + len(running)],
                                      axes, kept, ndim)
    gamma, beta = params[:2]
    batch_mean = _mean(inputs, axis=axes, keepdims=True)
    batch_var = _mean((inputs - batch_mean) ** 2, axis=axes, keepdims=True)
    invstd = 1.0 / sqrt(batch_var + np.asarray(epsilon, dtype=inputs.dtype))
    out = (inputs - batch_mean) * gamma * invstd + beta
    results = [out, batch_mean, invstd]
    if running:
        factor = np.asarray(running_average_factor, dtype=inputs.dtype)
        count = cast(prod(shape(inputs)) // prod(shape(batch_mean)), inputs.dtype)
        r_mean, r_var = params[2:]
        results.append(r_mean * (1 - factor) + batch_mean * factor)
        results.append(r_var * (1 - factor) + (count / (count - 1)) * batch_var * factor)
    if short:
        results = [results[0]] + [dimshuffle(r, kept) for r in results[1:]]
    return tuple(results)


def batch_normalization_test(inputs, gamma, beta, mean, var, axes="per-activation",
                             epsilon=1e-4):
    """``(inputs - mean) * gamma / sqrt(var + epsilon) + beta``, with the parameters
    shaped as for :func:`batch_normalization_train`."""
    inputs = as_tensor_variable(inputs)
    ndim = inputs.ndim
    axes, kept = _axes(axes, ndim)
    _check_epsilon(epsilon)
    (gamma, beta, mean, var), _ = _broadcast_params(
        [gamma, beta, mean, var], ["gamma", "beta", "mean", "var"], axes, kept, ndim)
    return (inputs - mean) * gamma / sqrt(var + np.asarray(epsilon, dtype=inputs.dtype)) + beta


__getattr__ = missing_attribute(__name__)
