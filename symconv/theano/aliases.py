"""Resolving ``import theano`` (and ``theano.tensor.nnet.conv``, ...) to
``symconv.theano`` within one process, without a file on the path.

:func:`install` puts a finder first on ``sys.meta_path``; the modules it gives for
``theano.X`` are the ``symconv.theano.X`` modules themselves. A Theano module that
symconv does not have fails to import with a message that says so.
"""
import importlib
import importlib.abc
import importlib.util
import sys

from .missing import public_name


class TheanoAliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``theano`` and its submodules as the modules of ``symconv.theano``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "theano" and not fullname.startswith("theano."):
            return None
        target_name = "symconv." + fullname
        parent = target_name.rpartition(".")[0]
        importlib.import_module(parent)  # a package's submodules are found after it loads
        if importlib.util.find_spec(target_name) is None:
            raise ModuleNotFoundError(f"symconv does not implement {public_name(target_name)}",
                                      name=fullname)
        return importlib.util.spec_from_loader(fullname, self, origin=target_name)

    def create_module(self, spec):
        # the alias is the very module: theano.config is symconv.theano.config
        return importlib.import_module(spec.origin)

    def exec_module(self, module):
        pass  # already executed when imported under its own name


def install():
    """Resolve ``theano`` imports to ``symconv.theano`` from now on, in this process."""
    if not any(isinstance(f, TheanoAliases) for f in sys.meta_path):
        sys.meta_path.insert(0, TheanoAliases())
