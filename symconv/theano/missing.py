"""The error for a Theano name that symconv does not implement, and the module hook
that raises it, so that ``theano.scan`` says what is missing instead of a bare
AttributeError."""


class NotImplementedInSymconv(AttributeError, NotImplementedError):
    """A Theano module, function or setting that symconv does not implement.

    An AttributeError (``hasattr`` and ``getattr(..., default)`` keep working) and a
    NotImplementedError (which is what it means).
    """


def public_name(module_name):
    """``symconv.theano.tensor.nnet`` as Theano's user writes it: ``theano.tensor.nnet``."""
    return module_name[len("symconv."):] if module_name.startswith("symconv.") else module_name


def missing_attribute(module_name):
    """A module ``__getattr__`` raising :class:`NotImplementedInSymconv` for public names."""
    def __getattr__(name):
        if name.startswith("__") and name.endswith("__"):
            # dunder lookups (__path__, __wrapped__, ...) are probes, not user code
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise NotImplementedInSymconv(
            f"symconv does not implement {public_name(module_name)}.{name}")
    return __getattr__
