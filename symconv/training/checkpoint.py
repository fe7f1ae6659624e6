"""Checkpoints: a network's parameters and its place in training, in one ``.npz`` file.

The file holds one array per parameter (``param/layer0.w``, ...) and a JSON
text array ``meta`` with the layers' descriptions (enough to rebuild the
network), the mini-batch size, the states of the dropout random streams and
the training state (epoch, next mini-batch, best accuracies, per-epoch records).
Nothing is pickled, so loading one never runs code; files are written
atomically, so an interrupted save leaves the previous checkpoint intact.

Versions: 2 names activation functions by their canonical lowercase names
(``"relu"``) and a convolutional layer's step ``subsample``. Version 1 files
(``"ReLU"``, ``"stride"``) are read as well: :func:`load` brings their
descriptions and run settings to the current names, so the rest of symconv
sees one spelling.
"""
import json
import os
import zipfile

import numpy as np

from .. import atomic
from ..layers import LAYER_TYPES, canonical_activation, from_spec as layer_from_spec
from ..network import Network
from . import records

FORMAT = "symconv-checkpoint"
VERSION = 2
READABLE_VERSIONS = (1, 2)


class CheckpointError(ValueError):
    """A checkpoint cannot be read, or does not fit the network it is loaded into."""


def save(path, net, state=None):
    """Write ``net``'s parameters (and a training ``state`` dict) to ``path``, atomically."""
    arrays = {f"param/{p.name}": p.get_value(borrow=True) for p in net.params}
    meta = {
        "format": FORMAT, "version": VERSION,
        "architecture": net.describe() if hasattr(net, "describe") else None,
        "mini_batch_size": net.mini_batch_size,
        "seed": getattr(net, "seed", None),
        "layers": [layer.spec() if hasattr(layer, "spec") else {"type": type(layer).__name__}
                   for layer in net.layers],
        "params": [[p.name, list(p.get_value(borrow=True).shape)] for p in net.params],
        "random_states": [stream_state(stream) for stream in _streams(net)],
        "state": state or {},
    }
    arrays["meta"] = np.array(json.dumps(meta))
    atomic.savez(path, **arrays)


def load(path):
    """Read a checkpoint written by :func:`save`.

    Raises
    ------
    CheckpointError
        Naming the file, when it is missing, damaged or not a symconv checkpoint.
    """
    if not os.path.isfile(path):
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {key: f[key] for key in f.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            # NumPy's advice would be to allow pickles, which can run any code: not here
            raise CheckpointError(f"{path}: not a symconv checkpoint: it holds pickled Python "
                                  "objects, which symconv never loads") from None
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc})") from None
    try:
        meta = json.loads(str(arrays.pop("meta")))
    except (KeyError, ValueError):
        meta = {}
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a symconv checkpoint (no '{FORMAT}' metadata)")
    if meta.get("version") not in READABLE_VERSIONS:
        raise CheckpointError(f"{path}: checkpoint format version {meta.get('version')}, this "
                              f"symconv reads versions "
                              f"{', '.join(map(str, READABLE_VERSIONS))}")
    return Checkpoint(path, upgrade(meta), arrays)


def upgrade(meta):
    """``meta`` of any readable version, in the current version's names (a copy).

    A convolutional layer's ``stride`` becomes ``subsample``, and activation
    names become canonical (``"ReLU"`` -> ``"relu"``) in the layer
    descriptions and in the run's settings (``state["info"]``), so that a run
    saved by an earlier version resumes, and counts as the same run for
    :func:`symconv.training.jobs.same_run`. Names symconv does not know are
    left as they are, for the error that rebuilding gives.
    """
    meta = dict(meta)
    meta["layers"] = [_upgrade_layer(spec) for spec in meta.get("layers", [])]
    state = dict(meta.get("state", {}))
    if "activation" in state.get("info", {}):
        state["info"] = dict(state["info"], activation=_known(state["info"]["activation"]))
    meta["state"] = state
    return meta


def _upgrade_layer(spec):
    spec = dict(spec)
    if "activation_fn" in spec:
        spec["activation_fn"] = _known(spec["activation_fn"])
    if spec.get("type") == "ConvPoolLayer" and "stride" in spec:
        spec["subsample"] = spec.pop("stride")
    return spec


def _known(name):
    try:
        return canonical_activation(name)
    except ValueError:
        return name


class Checkpoint:
    """A loaded checkpoint.

    Attributes
    ----------
    path : str
    meta : dict
        Layers, mini-batch size, parameter shapes.
    state : dict
        The training state: ``epoch``, ``next_batch``, ``best_validation_accuracy``,
        ``test_accuracy``, ``history``, ...
    params : dict
        Parameter name -> array.
    """

    def __init__(self, path, meta, arrays):
        self.path = path
        self.meta = meta
        self.state = dict(meta.get("state", {}))
        if "history" in self.state:
            # epochs counted from 1, also in checkpoints written when they counted from 0
            self.state["history"] = records.renumber(self.state["history"])
        self.params = {k[len("param/"):]: v for k, v in arrays.items() if k.startswith("param/")}
        self.random_states = meta.get("random_states", [])

    @property
    def mini_batch_size(self):
        return self.meta["mini_batch_size"]

    def restore(self, net):
        """Copy the saved parameters into ``net``, after checking that every shape matches."""
        names = [p.name for p in net.params]
        if sorted(names) != sorted(self.params):
            raise CheckpointError(
                f"{self.path}: the checkpoint holds parameters {sorted(self.params)} "
                f"({self.meta.get('architecture')}) but the network has {sorted(names)} "
                f"({net.describe() if hasattr(net, 'describe') else 'another architecture'})")
        for p in net.params:
            have, saved = p.get_value(borrow=True), self.params[p.name]
            if have.shape != saved.shape:
                raise CheckpointError(
                    f"{self.path}: parameter {p.name} has shape {saved.shape} in the checkpoint "
                    f"({self.meta.get('architecture')}) but {have.shape} in the network "
                    f"({net.describe() if hasattr(net, 'describe') else ''}); the checkpoint "
                    "belongs to a network of another shape")
        streams = _streams(net)
        if len(streams) != len(self.random_states):
            raise CheckpointError(f"{self.path}: the checkpoint has {len(self.random_states)} "
                                  f"dropout random streams, the network {len(streams)}")
        for p in net.params:
            p.set_value(self.params[p.name].astype(p.dtype, copy=True))
        for stream, saved in zip(streams, self.random_states):
            set_stream_state(stream, saved)

    def build_network(self, mini_batch_size=None):
        """A new network of the saved architecture holding the saved parameters.

        Parameters
        ----------
        mini_batch_size : int, optional
            Rebuild it for another mini-batch size (for evaluation); by default
            the saved one.

        Returns
        -------
        symconv.network.Network
            Train it further with :func:`symconv.training.sgd.train` (or resume
            the checkpoint with ``resume=``).

        Raises
        ------
        CheckpointError
            Naming the file and the layer, when a layer cannot be rebuilt.
        """
        mbs = mini_batch_size or self.mini_batch_size
        layers = []
        for j, spec in enumerate(self.meta["layers"]):
            try:
                layers.append(layer_from_spec(spec, mbs))
            except ValueError as exc:
                hint = "; build it in Python and call Checkpoint.restore" \
                    if spec.get("type") in LAYER_TYPES else ""
                raise CheckpointError(f"{self.path}: layer {j} {exc}{hint}") from None
        net = Network(layers, mbs, seed=self.meta.get("seed"))
        self.restore(net)
        return net


# ---------------------------------------------------------------------------
# dropout random streams


def _streams(net):
    return [s for layer in net.layers for s in getattr(layer, "random_streams", [])]


def stream_state(stream):
    """The states of a random stream's generators, one per draw, as JSON-ready dicts."""
    return [op.state[0].bit_generator.state for op in stream.ops]


def set_stream_state(stream, states):
    """Put a random stream's generators back in the states :func:`stream_state` gave."""
    if len(states) != len(stream.ops):
        raise CheckpointError(f"a dropout random stream has {len(stream.ops)} draws, the "
                              f"checkpoint saved {len(states)}")
    for op, state in zip(stream.ops, states):
        op.state[0].bit_generator.state = state
