"""``theano.config``: Theano's settings that mean something on symconv.

``floatX`` is symconv's own ``config.floatX`` (one setting, read by every
constructor), taken from ``THEANO_FLAGS`` when ``symconv.theano`` is imported and
Theano's default, float64, otherwise.
"""
import os
import warnings

from ..config import config as _symconv_config
from .missing import NotImplementedInSymconv

_KNOWN = ("floatX", "device", "mode", "compute_test_value", "exception_verbosity",
          "optimizer", "on_unused_input", "warn_float64")


def parse_flags(text):
    """``THEANO_FLAGS`` text (``"floatX=float32,device=cpu"``) as a dict."""
    flags = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        if "=" not in item:
            raise ValueError(f"THEANO_FLAGS: {item!r} is not of the form name=value")
        name, value = item.split("=", 1)
        flags[name.strip()] = value.strip()
    return flags


class TheanoConfig:
    """The settings a Theano script reads or sets; others are not implemented.

    ``device`` is always the CPU: setting another device warns and keeps "cpu".
    ``mode`` is the default mode of ``theano.function`` ("FAST_RUN" or "FAST_COMPILE").
    """

    def __init__(self, flags):
        object.__setattr__(self, "_values", {
            "device": "cpu", "mode": "FAST_RUN", "compute_test_value": "off",
            "exception_verbosity": "low", "optimizer": "fast_run",
            "on_unused_input": "raise", "warn_float64": "ignore"})
        for name, value in flags.items():
            if name in _KNOWN:
                setattr(self, name, value)

    @property
    def floatX(self):
        return _symconv_config.floatX

    @floatX.setter
    def floatX(self, value):
        _symconv_config.floatX = value

    def __getattr__(self, name):
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise NotImplementedInSymconv(f"symconv does not implement theano.config.{name}")

    def __setattr__(self, name, value):
        if name == "floatX":
            object.__setattr__(self, name, value)  # the property
            return
        if name not in _KNOWN:
            raise NotImplementedInSymconv(f"symconv does not implement theano.config.{name}")
        if name == "device" and not str(value).startswith("cpu"):
            warnings.warn(f"theano.config.device={value!r}: symconv runs on the CPU; "
                          "the device stays 'cpu'", stacklevel=2)
            value = "cpu"
        if name == "compute_test_value" and value != "off":
            warnings.warn(f"theano.config.compute_test_value={value!r}: symconv does not compute "
                          "test values (var.tag.test_value is kept, not used); errors name the "
                          "node and its shapes when the function runs", stacklevel=2)
        self._values[name] = value


def from_environment():
    """The configuration ``THEANO_FLAGS`` asks for; floatX is float64 unless it says."""
    flags = parse_flags(os.environ.get("THEANO_FLAGS", ""))
    flags.setdefault("floatX", "float64")
    return TheanoConfig(flags)
