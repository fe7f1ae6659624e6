"""The callable that ``symconv.function`` returns."""
import threading

import numpy as np

from .rewriting import RewriteLog


class Function:
    """A compiled function: call it with one value per input.

    Attributes
    ----------
    fgraph : FunctionGraph
        The graph after rewriting (what ``debugprint(f)`` shows).
    rewrites : RewriteLog
        The rewrites that fired while compiling: a list of records that prints as
        a table (``print(f.rewrites)``); ``f.rewrites.counts()`` by name.
    profile : Profile or None
        With ``profile=True``: per-node and per-op times (``print(f.profile)``).
    """

    def __init__(self, program, fgraph, inputs, n_outputs, updated, single, name=None,
                 allow_input_downcast=False, mode=None, rewrite_log=(), profile=False,
                 source=None):
        self.program = program
        self._source = source
        self.fgraph = fgraph
        self.inputs = inputs
        self.n_outputs = n_outputs
        self.updated = updated
        self.single = single
        self.name = name
        self.mode = mode
        self.rewrites = rewrite_log if isinstance(rewrite_log, RewriteLog) else \
            RewriteLog(rewrite_log)
        self.profile = getattr(program, "profile", None)
        # a scheduled program decides when it built the plan which results to copy
        self._program_owns_results = getattr(program, "owns_results", False)
        self.allow_input_downcast = allow_input_downcast
        self._lock = threading.Lock()
        self._shared = list(fgraph.shared_inputs) + [s for s in updated
                                                     if s not in fgraph.shared_inputs]
        # shared variables with sizes in their type (broadcastable=): an update must
        # keep them, as set_value does (the type is what later graphs were built on)
        self._sized_updates = [(k, s) for k, s in enumerate(updated)
                               if any(d is not None for d in s.type.shape)]
        # inputs with no static size can skip the full check for arrays of the right kind,
        # and an integer scalar input takes a Python int directly
        self._types = [(v.type, v.describe(), all(s is None for s in v.type.shape),
                        np.dtype(v.dtype), v.ndim == 0 and v.type.is_integer)
                       for v in inputs]

    def __reduce__(self):
        # As Theano: a pickled function is its graph (inputs, outputs, updates, givens,
        # mode), compiled again when loaded; the shared variables it reads come back
        # with their values at pickling time (one pickle of the function and the
        # variables together keeps them one object).
        if self._source is None:
            raise TypeError(f"{self._label()} cannot be pickled: it was not made by "
                            "symconv.function")
        return _compiled_again, (self._source,)

    def copy(self, share_memory=False, swap=None, delete_updates=False, name=None,
             profile=None):
        """A new function of the same graph (Theano's ``Function.copy``), compiled again.

        Parameters
        ----------
        share_memory : bool
            Accepted; the shared variables are the same objects either way (each
            function keeps its own buffers).
        swap : dict SharedVariable -> SharedVariable, optional
            Shared variables to use in place of others (same types), read and updated.
        delete_updates : bool
            The copy updates nothing (its own and the default updates are left out).
        name, profile : optional
            The copy's name (the original's by default) and profiling.
        """
        if self._source is None:
            raise TypeError(f"{self._label()} cannot be copied: it was not made by "
                            "symconv.function")
        from ..graph.traversal import clone_replace
        source = dict(self._source)
        swap = dict(swap or {})
        for old, new in swap.items():
            if old.type != new.type:
                raise TypeError(f"{self._label()}.copy: {new.describe()} cannot stand for "
                                f"{old.describe()}: their types differ")
        if swap:
            single = not isinstance(source["outputs"], list)
            outs = [source["outputs"]] if single else list(source["outputs"])
            updates, givens = source["updates"], list(source["givens"].items())
            values = clone_replace(outs + [v for _, v in updates] + [v for _, v in givens], swap)
            outs, rest = values[:len(outs)], values[len(outs):]
            source["outputs"] = outs[0] if single else outs
            source["updates"] = [(swap.get(s, s), v)
                                 for (s, _), v in zip(updates, rest[:len(updates)])]
            source["givens"] = {k: v for (k, _), v in zip(givens, rest[len(updates):])}
        if delete_updates:
            source["updates"], source["no_default_updates"] = [], True
            # the copy takes the original's arguments, also those only updates read
            source["on_unused_input"] = "ignore"
        source["name"] = self.name if name is None else name
        if profile is not None:
            source["profile"] = profile
        from .function import function
        return function(**source)

    def __call__(self, *args):
        # One call at a time per function: the plan's buffers, its cached patch views
        # and the shared variables it writes in place belong to the function, and
        # per-thread copies of them would multiply memory for little gain (NumPy's
        # kernels hold the interpreter lock between BLAS calls). Two functions run
        # in parallel.
        with self._lock:
            return self._call(args)

    def _call(self, args):
        if len(args) != len(self.inputs):
            names = ", ".join(v.describe() for v in self.inputs) or "none"
            raise TypeError(f"{self._label()}: expected {len(self.inputs)} argument(s) "
                            f"({names}), got {len(args)}")
        values = []
        for arg, (type_, label, any_shape, dtype, int_scalar) in zip(args, self._types):
            if any_shape and isinstance(arg, np.ndarray) and arg.dtype == dtype \
                    and arg.ndim == type_.ndim:
                values.append(arg)  # fast path: already the right kind of array
                continue
            if int_scalar and type(arg) is int:
                try:
                    values.append(np.array(arg, dtype=dtype))
                    continue
                except OverflowError:
                    pass  # the full check below says what is wrong
            values.append(type_.filter(arg, name=f"{self._label()}: input {label}",
                                       allow_downcast=self.allow_input_downcast))
        results = self.program.run(values)
        if not self._program_owns_results:
            # Results that are (views of) caller arrays, shared storage or constants are
            # copied, so that writing into a result never changes an input, a shared
            # variable or another result.
            held = {id(v) for v in values}
            held.update(id(s.container[0]) for s in self._shared)
            results = [_owned(r, held) for r in results]
        n = self.n_outputs
        for k, shared in self._sized_updates:
            value = results[n + k]
            want = shared.type.shape
            if np.ndim(value) != len(want) or any(
                    d is not None and d != got for d, got in zip(want, np.shape(value))):
                raise ValueError(f"{self._label()}: the update of {shared.describe()} has shape "
                                 f"{np.shape(value)}, which its type {shared.type.shape_str()} "
                                 "does not allow (it keeps its value)")
        # all update values were computed before any is written: updates are simultaneous
        for shared, value in zip(self.updated, results[n:]):
            shared.container[0] = value
        outputs = results[:n]
        if self.single:
            return outputs[0]
        return outputs

    def kernel_source(self):
        """The generated code this function runs: the schedule of the current plan
        and the source of each fused kernel (plans are built at the first call for
        a set of shapes; before that, there is nothing to show)."""
        sources = getattr(self.program, "kernel_sources", lambda: None)()
        if sources is None:
            if hasattr(self.program, "kernel_sources"):
                return "# no plan yet: the kernels are generated at the first call"
            return "# this function runs on the plain executor: no generated code"
        plan, kernels = sources
        return "\n".join(["# schedule", plan] + ["# kernel", *kernels]) if kernels else \
            "\n".join(["# schedule", plan])

    def _label(self):
        return f"function {self.name!r}" if self.name else "function"

    def __repr__(self):
        return f"<Function {self.name or ''} {len(self.inputs)} inputs -> {self.n_outputs} outputs>"


def _owned(value, held):
    """``value`` itself if it is a fresh writable array not already handed out,
    else a copy of it (an output listed twice, or also an update, is copied)."""
    if isinstance(value, np.ndarray) and (
            not value.flags.owndata or not value.flags.writeable or id(value) in held):
        value = value.copy()
    held.add(id(value))
    return value


def _compiled_again(source):
    """A pickled :class:`Function` loading: its graph compiled again."""
    from .function import function
    return function(**source)
