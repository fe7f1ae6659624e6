"""The error for a Theano name that symconv does not implement, and the module hook
that raises it, so that ``theano.sparse`` says what is missing instead of a bare
AttributeError."""
import sys


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
        # a submodule that exists but was not imported yet (theano.ifelse after
        # ``import theano``) is there, as Python gives it after its import
        import importlib.util
        package = sys.modules.get(module_name)
        if getattr(package, "__path__", None) is not None:
            try:
                found = importlib.util.find_spec(f"{module_name}.{name}")
            except (ImportError, ValueError):
                found = None
            if found is not None:
                return importlib.import_module(f"{module_name}.{name}")
        raise NotImplementedInSymconv(
            f"symconv does not implement {public_name(module_name)}.{name}")
    return __getattr__
