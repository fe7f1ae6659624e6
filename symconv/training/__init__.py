"""Training that a user can rely on, on top of :mod:`symconv.network3`.

- :mod:`.sgd`: network3's SGD loop (``Network.SGD`` runs it) with progress lines,
  records, checkpoints, resuming and a clean Ctrl-C;
- :mod:`.checkpoint`: parameters and training state in an ``.npz`` file;
- :mod:`.records`: one row per epoch, as CSV or JSON;
- :mod:`.presets`: chapter 6's networks with their published accuracies;
- :mod:`.evaluate`: predictions, accuracy, confusion matrix;
- :mod:`.ensemble`: several networks and their plurality vote;
- :mod:`.plot`: learning curves and first-layer filters (needs matplotlib).
"""
