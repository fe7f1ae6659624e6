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


# Theano's ``warn.*`` flags, with Theano 1.0's defaults: warnings about bugs of old
# Theano versions, which symconv never had; scripts set them to silence the warnings
_WARN_DEFAULTS = {
    "ignore_bug_before": "0.9", "argmax_pushdown_bug": False, "gpusum_01_011_0111_bug": False,
    "sum_sum_bug": False, "sum_div_dimshuffle_bug": False, "subtensor_merge_bug": False,
    "gpu_set_subtensor1": False, "vm_gc_bug": False, "signal_conv2d_interface": False,
    "reduce_join": False, "inc_set_subtensor1": False, "round": False,
    "inc_subtensor1_opt": True, "identify_1pexp_bug": False,
}


class WarnFlags:
    """``theano.config.warn``: Theano's flags for warnings about bugs of its old
    versions. They can be read and set, and change nothing here (there is nothing
    to warn about)."""

    def __init__(self):
        object.__setattr__(self, "_values", dict(_WARN_DEFAULTS))

    def __getattr__(self, name):
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise NotImplementedInSymconv(f"symconv does not implement theano.config.warn.{name}")

    def __setattr__(self, name, value):
        if name not in self._values:
            raise NotImplementedInSymconv(f"symconv does not implement theano.config.warn.{name}")
        if name != "ignore_bug_before" and not isinstance(value, bool):
            value = str(value).strip().lower() in ("true", "1", "yes")
        self._values[name] = value


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
        object.__setattr__(self, "warn", WarnFlags())
        for name, value in flags.items():
            if name in _KNOWN:
                setattr(self, name, value)
            elif name.startswith("warn.") and name[len("warn."):] in _WARN_DEFAULTS:
                setattr(self.warn, name[len("warn."):], value)

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
