"""Kernel sources: the generated Python function that runs a :class:`FusedElemwise`.

A fused program is compiled, for the shapes of one plan, into a function of
plain NumPy calls that write into buffers (``out=``)::

    def fused_3(i0, i1, o0):
        _multiply(i0, 0.5, out=o0)
        _tanh(o0, out=o0)
        ...

Registers are the output buffers, scratch buffers of the plan (temps) and
input buffers donated by the plan (their last reader is this kernel). A value
goes to a register of its shape and dtype that holds nothing live any more;
ufunc calls may write over one of their own operands, which NumPy handles.
"""
import numpy as np

from ...ops.elemwise import SCALAR_OPS, sigmoid_into
from ...ops.fused import alias_ok, instruction_shape, program_root
from ..nanguard import nan_in_kernel


class FusedKernel:
    """Generated source of one fused kernel for concrete shapes, and its function.

    Parameters
    ----------
    name : str
        The function's name in the generated module.
    op : FusedElemwise
    in_shapes, out_shapes : lists of tuples
    donated : dict input index -> True
        Inputs whose storage the kernel may overwrite once it has read them.
    out_of_input : dict output index -> input index
        Outputs that must be computed into an input's storage (in-place updates).
    nan_guard : bool
    """

    def __init__(self, name, op, in_shapes, in_dtypes, donated=(), out_of_input=None,
                 nan_guard=False, zero_inputs=()):
        self.name = name
        self.op = op
        self.in_dtypes = list(in_dtypes)
        self.zero_inputs = frozenset(zero_inputs)
        self.globals = {"_nan_error": nan_in_kernel}
        self.temps = []          # (shape, dtype) of each scratch buffer the plan must pass
        program = op.program
        n = len(program)
        shapes, dtypes = [], []
        for instr in program:
            args = [in_shapes[-1 - r] if r < 0 else shapes[r] for r in instr.refs]
            shapes.append(instruction_shape(instr, args))
            dtypes.append(instr.type.dtype)
        self.shapes = shapes
        out_index = {k: j for j, k in enumerate(op.outputs)}
        out_of_input = dict(out_of_input or {})

        # last reader of every input and value (views keep their base alive)
        last = {}
        base = {}                # value -> the value or input a view reads from
        for k, instr in enumerate(program):
            for r in instr.refs:
                last[program_root(base, r)] = k
            if instr.kind in ("dimshuffle", "broadcast"):
                base[k] = program_root(base, instr.refs[0])
        for k in op.outputs:
            last[k] = n  # outputs live to the end

        # registers: name -> (shape, dtype, busy_until); an output register becomes
        # a fixed home once its value is written
        self._registers = registers = {}
        for j, k in enumerate(op.outputs):
            registers[f"o{j}"] = [shapes[k], dtypes[k], -1]
        for j, i in out_of_input.items():
            # the output shares the input's memory: nothing may be written there
            # before the input's last read
            registers[f"o{j}"][2] = last.get(-1 - i, -1)
        for i in donated:
            if i in out_of_input.values():
                continue
            registers[f"i{i}"] = [tuple(in_shapes[i]), in_dtypes[i], last.get(-1 - i, -1)]
        # values read as data (sum_to and broadcast read their second operand's shape)
        data_uses = {r for instr in program
                     for r in (instr.refs[:1] if instr.kind in ("sum_to", "broadcast")
                               else instr.refs)}
        location = {}            # value -> expression naming it
        lines = []
        squares = _sums_of_squares(program, op.outputs, in_shapes, shapes)
        for k, instr in enumerate(program):
            if k in squares.values():
                continue                    # read only by its sum: a dot product does both
            if k in squares:
                self.globals["_vdot"] = np.vdot
                self.globals["_copyto"] = np.copyto
                source = program[squares[k]].refs[0]
                operand = f"i{-1 - source}" if source < 0 else location[source]
                dest = f"o{out_index[k]}" if k in out_index else self._pick(
                    registers, shapes[k], dtypes[k], k, last.get(k, k), alias_ok=True,
                    reads=[operand])
                if k in out_index:
                    registers[dest][2] = n
                location[k] = dest
                lines.append(f"_copyto({dest}, _vdot({operand}, {operand}))")
                if nan_guard:
                    self.globals[f"_trace{k}"] = (instr.origin, instr.trace)
                    lines.append(f"if not _isfinite({dest}).all(): "
                                 f"_nan_error({dest}, *_trace{k})")
                continue
            args = [f"i{-1 - r}" if r < 0 else location[r] for r in instr.refs]
            if instr.kind in ("dimshuffle", "broadcast") and k not in data_uses:
                location[k] = f"v{k}"       # read for its shape only: never built
                continue
            if instr.kind == "dimshuffle":
                location[k] = f"v{k}"
                source = _shape_of(instr.refs[0], in_shapes, shapes)
                lines.append(f"v{k} = {view_expr(args[0], instr.arg, source)}")
                continue
            if instr.kind == "broadcast":
                if _broadcast_implicit(program, k, shapes):
                    location[k] = args[0]   # the ufuncs reading it broadcast it themselves
                    continue
                self.globals["_broadcast_to"] = np.broadcast_to
                location[k] = f"v{k}"
                lines.append(f"v{k} = _broadcast_to({args[0]}, {shapes[k]!r})")
                continue
            if k in out_index:
                dest = f"o{out_index[k]}"
                registers[dest][2] = n  # holds the output from now on
            else:
                dest = self._pick(registers, shapes[k], dtypes[k], k, last.get(k, k),
                                  alias_ok=alias_ok(instr), reads=args)
            location[k] = dest
            lines.extend(self._emit(instr, args, dest, shapes, k, in_shapes))
            if nan_guard and instr.type.is_float:
                self.globals[f"_trace{k}"] = (instr.origin, instr.trace)
                lines.append(f"if not _isfinite({dest}).all(): _nan_error({dest}, *_trace{k})")
        self.globals.setdefault("_isfinite", np.isfinite)
        params = [f"i{j}" for j in range(len(in_shapes))] + \
                 [f"o{j}" for j in range(len(op.outputs))] + \
                 [f"t{j}" for j in range(len(self.temps))]
        body = "\n".join("    " + line for line in lines) or "    pass"
        self.source = f"def {name}({', '.join(params)}):\n{body}\n"
        namespace = dict(self.globals)
        exec(compile(self.source, f"<kernel {name}>", "exec"), namespace)
        self.fn = namespace[name]

    def _pick(self, registers, shape, dtype, k, last_use, alias_ok, reads):
        """A register for a value computed at step ``k`` and read until ``last_use``."""
        for name, reg in registers.items():
            free_after = reg[2]
            if reg[0] != shape or reg[1] != dtype:
                continue
            if free_after < k or (free_after == k and alias_ok):
                if name.startswith("o"):
                    # an output register may hold a temporary only until its own value
                    if not self._output_free_until(name, last_use):
                        continue
                reg[2] = last_use
                return name
        name = f"t{len(self.temps)}"
        self.temps.append((shape, dtype))
        registers[name] = [shape, dtype, last_use]
        return name

    def _output_free_until(self, name, last_use):
        k = self.op.outputs[int(name[1:])]
        return last_use < k or (last_use == k and alias_ok(self.op.program[k]))

    def _emit(self, instr, args, dest, shapes, k, in_shapes):
        g = self.globals
        if instr.kind == "scalar" and instr.arg == "switch":
            lines = self._emit_switch(instr, args, dest, shapes, k, in_shapes)
            if lines is not None:
                return lines
        if instr.kind == "scalar":
            dtypes = [self.in_dtypes[-1 - r] if r < 0 else self.op.program[r].type.dtype
                      for r in instr.refs]
            return _emit_scalar(g, instr, args, dest, dtypes)
        if instr.kind == "cast":
            g["_copyto"] = np.copyto
            return [f"_copyto({dest}, {args[0]}, casting='unsafe')"]
        if instr.kind == "reduce":
            reducer, axes, keepdims = instr.arg
            src_shape = _shape_of(instr.refs[0], in_shapes, shapes)
            ufunc = {"sum": np.add, "mean": np.add, "max": np.maximum, "min": np.minimum,
                     "prod": np.multiply}[reducer]
            g[f"_{ufunc.__name__}_reduce"] = ufunc.reduce
            lines = [f"_{ufunc.__name__}_reduce({args[0]}, axis={axes!r}, "
                     f"keepdims={keepdims}, out={dest})"]
            if reducer == "mean":
                count = int(np.prod([src_shape[a] for a in axes], dtype=np.int64))
                g["_true_divide"] = np.true_divide
                g[f"_count{k}"] = np.intp(count)
                lines.append(f"_true_divide({dest}, _count{k}, out={dest}, casting='unsafe')")
            return lines
        if instr.kind == "sum_to":
            src_shape = _shape_of(instr.refs[0], in_shapes, shapes)
            target = shapes[k]
            lead = len(src_shape) - len(target)
            axes = tuple(range(lead)) + tuple(
                lead + i for i, s in enumerate(target) if s == 1 and src_shape[lead + i] != 1)
            g["_copyto"] = np.copyto
            if not axes:
                return [f"_copyto({dest}, {args[0]})"]
            g["_add_reduce"] = np.add.reduce
            kept = tuple(1 if a in axes else s for a, s in enumerate(src_shape))
            out = dest if kept == tuple(target) else f"{dest}.reshape({kept!r})"
            return [f"_add_reduce({args[0]}, axis={axes!r}, keepdims=True, out={out})"]
        raise ValueError(f"cannot generate code for instruction kind {instr.kind!r}")


    def _emit_switch(self, instr, args, dest, shapes, k, in_shapes):
        """``switch(cond, a, b)`` as a bitwise select on the values' bits, or None where
        the operands' dtypes differ from the result's (then two masked copies do it).

        Why: a masked copy (``np.copyto(..., where=cond)``) branches on every element,
        and on a ReLU's mask, half set at random, it ran at 5 ns an element (the
        first conv layer's ReLU gradient at mini-batch 128: 2 ms); ``cond`` turned
        into an integer mask of all ones or all zeros and ANDed with the bits is two
        or three vectorized passes, 5x faster, and gives the same bits."""
        dtype = np.dtype(instr.type.dtype)
        refs = instr.refs
        operand_dtypes = [self.in_dtypes[-1 - r] if r < 0 else self.op.program[r].type.dtype
                          for r in refs]
        if dtype.kind not in "fiu" or dtype.itemsize not in (2, 4, 8) or \
                operand_dtypes[1] != dtype.name or operand_dtypes[2] != dtype.name:
            return None
        g = self.globals
        bits = np.dtype(f"i{dtype.itemsize}")
        g[f"_{bits.name}"] = bits
        it = f"_{bits.name}"
        cond = args[0]
        if operand_dtypes[0] != "bool":
            g["_not_equal"] = np.not_equal
            cond = f"_not_equal({cond}, 0)"
        for ufunc in (np.subtract, np.bitwise_and, np.bitwise_xor):
            g[f"_{ufunc.__name__}"] = ufunc
        cond_shape = _shape_of(refs[0], in_shapes, shapes)
        mask = self._pick(self._registers, cond_shape, bits.name, k, k, alias_ok=False,
                          reads=args)
        zero = [r < 0 and -1 - r in self.zero_inputs for r in refs]
        a, b = (f"{x}.view({it})" for x in args[1:])
        out = f"{dest}.view({it})"
        if zero[1]:      # switch(cond, 0, b): b's bits where cond is False
            return [f"_subtract({cond}, 1, dtype={it}, out={mask})",
                    f"_bitwise_and({b}, {mask}, out={out})"]
        if zero[2]:      # switch(cond, a, 0)
            return [f"_subtract(0, {cond}, dtype={it}, out={mask})",
                    f"_bitwise_and({a}, {mask}, out={out})"]
        # b ^ ((a ^ b) & mask): a where the mask is all ones, b where it is zero
        both = self._pick(self._registers, shapes[k], bits.name, k, k, alias_ok=False,
                          reads=args + [mask])
        return [f"_subtract(0, {cond}, dtype={it}, out={mask})",
                f"_bitwise_xor({a}, {b}, out={both})",
                f"_bitwise_and({both}, {mask}, out={both})",
                f"_bitwise_xor({b}, {both}, out={out})"]


def _sums_of_squares(program, outputs, in_shapes, shapes):
    """``{k: j}`` for each float sum over every axis (instruction ``k``) of a square
    (instruction ``j``) that nothing else reads: ``np.vdot(x, x)``, one BLAS dot product,
    computes it without writing the squares (a third of the time on a 640 x 100
    weight matrix)."""
    found = {}
    readers = {}
    for k, instr in enumerate(program):
        for r in instr.refs:
            readers.setdefault(r, []).append(k)
    for k, instr in enumerate(program):
        if instr.kind != "reduce" or instr.arg[0] != "sum" or instr.arg[2] or \
                np.dtype(instr.type.dtype).kind != "f":
            continue
        j = instr.refs[0]
        if j < 0 or j in outputs or readers.get(j) != [k]:
            continue
        square = program[j]
        if square.kind != "scalar" or square.arg != "sqr" or \
                square.type.dtype != instr.type.dtype or \
                len(instr.arg[1]) != len(shapes[j]) or \
                _shape_of(square.refs[0], in_shapes, shapes) != shapes[j]:
            continue
        found[k] = j
    return found


def _broadcast_implicit(program, k, shapes):
    """True if every reader of value ``k`` (a broadcast view) is a ufunc whose result
    already has the broadcast shape, so the view adds nothing."""
    readers = [(j, instr) for j, instr in enumerate(program) if k in instr.refs]
    return bool(readers) and all(
        instr.kind == "scalar" and len(shapes[j]) >= len(shapes[k]) and
        tuple(shapes[j][len(shapes[j]) - len(shapes[k]):]) == tuple(shapes[k])
        for j, instr in readers)


def _shape_of(ref, in_shapes, shapes):
    return tuple(in_shapes[-1 - ref]) if ref < 0 else shapes[ref]


def view_expr(arg, pattern, shape):
    """Source for a dimshuffle of an array of ``shape``: reshape, transpose, new axes."""
    kept = [p for p in pattern if p != "x"]
    dropped = [i for i in range(len(shape)) if i not in kept]
    expr = arg
    if dropped:
        expr = f"{expr}.reshape({tuple(s for i, s in enumerate(shape) if i not in dropped)!r})"
        kept = [p - sum(1 for d in dropped if d < p) for p in kept]
    if kept != sorted(kept):
        expr = f"{expr}.transpose({tuple(kept)!r})"
    if "x" in pattern:
        index = ", ".join("None" if p == "x" else ":" for p in pattern)
        expr = f"{expr}[{index}]"
    return expr


def _emit_scalar(g, instr, args, dest, arg_dtypes):
    """A ufunc call writing into ``dest``; ``switch`` as two masked copies; ``sigmoid``
    by :func:`~symconv.ops.elemwise.sigmoid_into`; any other
    kernel is called as written and its result copied (it stays the reference)."""
    name = instr.arg
    scalar = SCALAR_OPS[name]
    if isinstance(scalar.kernel, np.ufunc):
        ufunc = scalar.kernel
        g[f"_{ufunc.__name__}"] = ufunc
        return [f"_{ufunc.__name__}({', '.join(args)}, out={dest})"]
    if name == "switch":
        g["_copyto"] = np.copyto
        cond = args[0]
        if arg_dtypes[0] != "bool":
            g["_not_equal"] = np.not_equal
            cond = f"_not_equal({cond}, 0)"
        return [f"_copyto({dest}, {args[2]})", f"_copyto({dest}, {args[1]}, where={cond})"]
    if name == "sigmoid" and np.dtype(instr.type.dtype).kind == "f":
        g["_sigmoid_into"] = sigmoid_into      # in place, no temporaries
        return [f"_sigmoid_into({args[0]}, {dest})"]
    g[f"_kernel_{name}"] = scalar.kernel
    g["_copyto"] = np.copyto
    return [f"_copyto({dest}, _kernel_{name}({', '.join(args)}))"]


__all__ = ["FusedKernel", "view_expr"]
