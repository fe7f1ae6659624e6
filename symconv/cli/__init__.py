"""The ``symconv`` command: train, evaluate, plot and inspect chapter 6's networks.

Run ``symconv --help`` or ``symconv COMMAND --help``. Errors are reported in
one line; set ``SYMCONV_TRACEBACK=1`` to see the traceback. The commands are:

- ``symconv train``: train a network (the ``quick`` preset with no options);
- ``symconv presets``: list chapter 6's networks, their published accuracies and times;
- ``symconv sweep``: train a grid of presets, seeds and hyper-parameters as Dask tasks;
- ``symconv evaluate CHECKPOINT``: accuracy and confusion matrix of a saved network;
- ``symconv plot RUN``: learning curves and first-layer filters as PNG files;
- ``symconv inspect``: the training step's gradient graph before and after the
  compiler's rewrites.
"""
from .main import build_parser, main

__all__ = ["build_parser", "main"]
