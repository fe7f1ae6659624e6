"""Training that a user can rely on, on top of :mod:`symconv.network` and :mod:`symconv.layers`
(and below :mod:`symconv.network3`, whose ``Network.SGD`` runs :func:`.sgd.train`).

- :mod:`.sgd`: network3's SGD loop with progress lines,
  records, checkpoints, resuming and a clean Ctrl-C;
- :mod:`.progress`: the progress bar inside each epoch;
- :mod:`.checkpoint`: parameters and training state in an ``.npz`` file;
- :mod:`.lock`: one writer per checkpoint;
- :mod:`.records`: one row per epoch, as CSV or JSON;
- :mod:`.runs`: run folders and the early checks of the paths a run writes;
- :mod:`.presets`: chapter 6's networks with their published accuracies;
- :mod:`.estimate`: a preset's time per epoch and per run on this machine;
- :mod:`.jobs`: one run from its settings, the same here and on a Dask worker;
- :mod:`.evaluate`: predictions, accuracy, confusion matrix;
- :mod:`.ensemble`: several networks and their plurality vote;
- :mod:`.distributed`: members and sweeps as Dask tasks (needs Dask distributed);
- :mod:`.sweep`: a grid of runs and their table;
- :mod:`.plot`: learning curves and first-layer filters (needs matplotlib).
"""
