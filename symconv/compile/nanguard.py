"""The NaN guard: stop at the first value that holds NaN or Inf, and say where it came from.

``Mode(nan_guard=True)`` (or ``mode="NanGuard"``) checks the inputs, the result of
every node and, inside fused kernels, of every instruction; the error names the
node (or the original node inside a fused kernel) and the line of user code
that built it (``node.trace``).
"""
import numpy as np


class NanGuardError(FloatingPointError):
    """A value computed by a compiled function contains NaN or Inf."""


def nan_message(what, value, trace):
    bad = "NaN" if np.isnan(value).any() else "Inf"
    text = f"NaN guard: {what} produced {bad} (shape {np.shape(value)}, " \
           f"{int(np.size(value) - np.isfinite(value).sum())} non-finite of {np.size(value)})"
    if trace is not None:
        filename, line, func = trace
        text += f"; it was built at {filename}:{line} in {func}"
    return text


def guard_input(var, value):
    """Raise if the input ``var`` holds NaN or Inf."""
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise NanGuardError(nan_message(f"input {var.describe()}", arr, None))


def guard(node, out, value, inputs=None):
    """Raise if ``value``, computed by ``node`` as ``out``, holds NaN or Inf. For a fused
    node whose ``inputs`` are given, name the first of its instructions that made it."""
    arr = np.asarray(value)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        if inputs is not None and hasattr(node.op, "run_program"):
            # name the first node of the fused group that produced it
            for instr, v in zip(node.op.program, node.op.run_program(inputs)):
                v = np.asarray(v)
                if v.dtype.kind == "f" and not np.isfinite(v).all():
                    raise NanGuardError(nan_message(
                        f"'{instr.origin}' (inside a fused kernel)", v, instr.trace))
        raise NanGuardError(nan_message(f"node '{node.op}' (output {out.type.short()})",
                                        arr, node.trace))


def nan_in_kernel(value, origin, trace):
    raise NanGuardError(nan_message(f"'{origin}' (inside a fused kernel)", value, trace))
