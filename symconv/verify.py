"""``verify_grad``: a symbolic gradient checked against finite differences.

It compiles the function and its gradient, so it sits above the compiler, while
:mod:`symconv.gradient` (which only builds graphs) sits below it.
"""
import numpy as np

from .compile.function import function
from .gradient import grad
from .graph.tensor import as_tensor_variable, constant
from .tensor.basic import tensor
from .tensor.math import sum as tsum


class GradientError(AssertionError):
    """Symbolic and finite-difference gradients disagree (raised by ``verify_grad``)."""


def verify_grad(fun, pt, n_tests=3, rng=None, eps=None, abs_tol=None, rel_tol=None, mode=None):
    """Check the symbolic gradient of ``fun`` at ``pt`` by finite differences.

    ``fun`` takes symbolic tensors (one per array in ``pt``) and returns a
    symbolic tensor of any shape. Its output is projected on a fixed random
    tensor to give a scalar cost; the directional derivative of that cost along
    a random direction, by central differences, must match the one given by the
    symbolic gradients. Float inputs are differentiated; integer and boolean
    inputs (indices, labels) are passed through unchanged.

    Parameters
    ----------
    fun : callable
    pt : list of array_like
        The point; float64 data give the tightest check.
    n_tests : int
        How many random directions to try.
    rng : numpy.random.Generator, optional
    eps, abs_tol, rel_tol : float, optional
        Step and tolerances; defaults depend on the dtype (float64: 1e-6, 1e-6, 1e-4;
        otherwise 1e-3, 1e-2, 1e-2).
    mode : str or Mode, optional
        The compilation mode of the functions that evaluate the cost and gradients.

    Raises
    ------
    GradientError
        Naming the input at fault, its shape, and the analytic and numeric values.

    Examples
    --------
    >>> import numpy as np, symconv as sc, symconv.tensor as T
    >>> sc.verify_grad(lambda a, b: T.tanh(a) * b, [np.ones((2, 3)), np.ones(3)])
    """

    rng = rng if rng is not None else np.random.default_rng(42)
    pt = [np.array(p) for p in pt]
    diff = [k for k, p in enumerate(pt) if p.dtype.kind == "f"]
    if not diff:
        raise TypeError("verify_grad: no float input to differentiate; dtypes "
                        f"{[p.dtype.name for p in pt]}")
    dtype = np.result_type(*[pt[k].dtype for k in diff])
    precise = dtype == np.float64
    eps = eps if eps is not None else (1e-6 if precise else 1e-3)
    abs_tol = abs_tol if abs_tol is not None else (1e-6 if precise else 1e-2)
    rel_tol = rel_tol if rel_tol is not None else (1e-4 if precise else 1e-2)

    inputs = [tensor(p.dtype.name, (None,) * p.ndim, name=f"input{i}") for i, p in enumerate(pt)]
    out = as_tensor_variable(fun(*inputs))
    if not out.type.is_float:
        raise TypeError(f"verify_grad: the function's output {out.describe()} is not a float tensor")
    f_out = function(inputs, out, mode=mode, on_unused_input="ignore")
    projection_value = rng.standard_normal(np.shape(f_out(*pt))).astype(out.dtype)
    projection = constant(projection_value, name="projection")
    cost = tsum(out * projection) if out.ndim else out * projection
    grads = grad(cost, [inputs[k] for k in diff], disconnected_inputs="ignore")
    f_cost = function(inputs, cost, mode=mode, on_unused_input="ignore")
    f_grad = function(inputs, grads, mode=mode, on_unused_input="ignore")
    analytic_grads = f_grad(*pt)
    for k, g in zip(diff, analytic_grads):
        if np.shape(g) != pt[k].shape:
            raise GradientError(f"verify_grad: the gradient of input {k} has shape {np.shape(g)}, "
                                f"the input has shape {pt[k].shape}")

    def directional(direction, only=None):
        """(finite-difference, analytic) derivative along ``direction``."""
        moved = [k for k in diff if only is None or k == only]
        plus, minus = list(pt), list(pt)
        for k in moved:
            step = (eps * direction[k]).astype(pt[k].dtype)
            plus[k], minus[k] = pt[k] + step, pt[k] - step
        numeric = float((f_cost(*plus) - f_cost(*minus)) / (2 * eps))
        analytic = float(sum(np.sum(g * direction[k]) for k, g in zip(diff, analytic_grads)
                             if k in moved))
        return numeric, analytic

    def bad(numeric, analytic):
        err = abs(numeric - analytic)
        # written as "not within": a NaN on either side is a mismatch, not a pass
        return not err <= abs_tol + rel_tol * max(abs(numeric), abs(analytic))

    for test in range(n_tests):
        direction = {k: rng.standard_normal(pt[k].shape) for k in diff}
        numeric, analytic = directional(direction)
        if not bad(numeric, analytic):
            continue
        # perturb one input at a time to name the one at fault
        culprits = []
        for k in diff:
            num_k, an_k = directional(direction, only=k)
            if bad(num_k, an_k):
                culprits.append(f"input {k} (shape {pt[k].shape}, {pt[k].dtype.name}): analytic "
                                f"{an_k:.8g} vs finite differences {num_k:.8g}")
        raise GradientError(
            f"verify_grad: gradient mismatch on test {test}: directional derivative analytic "
            f"{analytic:.8g} vs finite differences {numeric:.8g} (abs error "
            f"{abs(numeric - analytic):.3g}, tolerance {abs_tol:g} + {rel_tol:g} relative); "
            + ("; ".join(culprits) if culprits else "no single input is at fault alone"))
