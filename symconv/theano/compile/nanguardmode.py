"""``theano.compile.nanguardmode.NanGuardMode``: symconv's NaN guard."""
import warnings

from ..missing import missing_attribute


def NanGuardMode(nan_is_error=None, inf_is_error=None, big_is_error=None,
                 optimizer="default", linker=None):
    """A mode whose functions stop at the first value holding NaN or Inf and name the
    node that made it (symconv's ``mode="NanGuard"``).

    NaN and Inf are always errors here (``nan_is_error=False`` or
    ``inf_is_error=False`` is refused: there is no guard for one without the other),
    and values above 1e10 are not checked (Theano's ``big_is_error``, on by default
    there): ``big_is_error=True`` warns that it is not done.
    """
    from ...compile.mode import Mode
    if nan_is_error is False or inf_is_error is False:
        raise ValueError("NanGuardMode: symconv's guard stops at NaN and at Inf alike; "
                         "nan_is_error=False or inf_is_error=False is not available")
    if big_is_error:
        warnings.warn("NanGuardMode: big_is_error is not checked by symconv (only NaN and "
                      "Inf are)", stacklevel=2)
    return Mode("NanGuard", nan_guard=True)


__getattr__ = missing_attribute(__name__)
