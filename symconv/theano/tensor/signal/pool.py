"""``theano.tensor.signal.pool.pool_2d`` with Theano 1.0's defaults and warnings:
``ignore_border`` defaults to False, and the former names ``ds``, ``st`` and
``padding`` warn that they are deprecated."""
import warnings

from .... import nnet as _nnet
from ...missing import missing_attribute

IGNORE_BORDER_WARNING = (
    "pool_2d() will have the parameter ignore_border default value changed to True "
    "(currently False). To have consistent behavior with all Theano version, explicitly "
    "add the parameter ignore_border=True.")


def pool_2d(input, ws=None, ignore_border=None, stride=None, pad=(0, 0), mode="max",
            ds=None, st=None, padding=None):
    """Pooling over the last two axes, as Theano 1.0's ``pool_2d``.

    Parameters
    ----------
    ws : (int, int)
        The window (required, here or as ``ds``).
    ignore_border : bool, optional
        Not given: False, with Theano's warning (a 5x5 input pools to 3x3 with
        2x2 windows; with True, to 2x2).
    stride, pad, mode
        As :func:`symconv.nnet.pool_2d`; mode "max", "sum", "average_inc_pad" or
        "average_exc_pad".
    ds, st, padding
        Deprecated names of ``ws``, ``stride`` and ``pad``.
    """
    for old, new, value in (("ds", "ws", ds), ("st", "stride", st), ("padding", "pad", padding)):
        if value is not None:
            warnings.warn(f"DEPRECATION: the '{old}' parameter is not going to exist anymore as "
                          f"it is going to be replaced by the parameter '{new}'.", stacklevel=2)
    if ws is None and ds is None:
        raise ValueError("pool_2d: you must provide a tuple value for the window size (ws)")
    if ignore_border is None:
        warnings.warn(IGNORE_BORDER_WARNING, stacklevel=2)
        ignore_border = False
    return _nnet.pool_2d(input, ws=ws, ignore_border=ignore_border, stride=stride, pad=pad,
                         mode=mode, ds=ds, st=st, padding=padding)


__getattr__ = missing_attribute(__name__)
