"""``theano.gradient``: ``grad``, ``verify_grad``, ``Lop``, ``Rop``, ``jacobian``,
``hessian`` (for lengths known when the graph is built), ``zero_grad``,
``disconnected_grad`` and ``grad_clip``."""
from ..gradient import (DisconnectedInputError, Lop, Rop, disconnected_grad,  # noqa: F401
                        grad_clip, hessian, jacobian, zero_grad)
from ..gradient import grad as _grad
from ..verify import GradientError, verify_grad  # noqa: F401
from .missing import missing_attribute

__getattr__ = missing_attribute(__name__)


def grad(cost, wrt, consider_constant=None, disconnected_inputs="raise", add_names=True,
         known_grads=None, return_disconnected="zero", null_gradients="raise"):
    """``theano.grad``: symconv's :func:`symconv.gradient.grad` with Theano's keywords.

    ``return_disconnected`` 'zero' (Theano's default) gives zeros for a ``wrt`` the cost
    does not depend on (when ``disconnected_inputs`` lets it through), 'None' gives
    None; ``add_names`` and ``null_gradients`` are accepted (gradients here are never
    null, and have no names).
    """
    if return_disconnected not in ("zero", "None", "Disconnected"):
        raise ValueError(f"grad: return_disconnected must be 'zero', 'None' or 'Disconnected', "
                         f"got {return_disconnected!r}")
    if return_disconnected == "Disconnected":
        from .missing import NotImplementedInSymconv
        raise NotImplementedInSymconv("symconv does not implement "
                                      "theano.grad(return_disconnected='Disconnected')")
    if null_gradients not in ("raise", "return"):
        raise ValueError(f"grad: null_gradients must be 'raise' or 'return', got {null_gradients!r}")
    if return_disconnected == "zero":
        return _grad(cost, wrt, consider_constant=consider_constant,
                     disconnected_inputs=disconnected_inputs, known_grads=known_grads)
    many = isinstance(wrt, (list, tuple))
    wrt_list = list(wrt) if many else [wrt]
    from ..gradient import DisconnectedInputError as _Disconnected
    results = []
    for v in wrt_list:
        try:
            _grad(cost, v, consider_constant=consider_constant, disconnected_inputs="raise",
                  known_grads=known_grads)
            connected = True
        except _Disconnected:
            connected = False
            if disconnected_inputs == "raise":
                raise
        results.append(connected)
    grads = _grad(cost, wrt_list, consider_constant=consider_constant,
                  disconnected_inputs="ignore", known_grads=known_grads)
    grads = [g if connected else None for g, connected in zip(grads, results)]
    return grads if many else grads[0]

