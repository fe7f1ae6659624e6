"""One training run from its settings: what ``symconv train``, its ensembles and sweeps run.

A run's settings are a plain dict (JSON-ready, saved in its checkpoint as
``state["info"]``) with the keys of :data:`KEYS`. The same functions build and
train the network whether it runs in this process or as a Dask task on a
worker, so a member trained on a worker equals one trained here with the
same seed.
"""
import os

import numpy as np

from ..layers import canonical_activation
from ..network import Network, load_data_shared
from . import checkpoint as ckpt
from . import presets
from .sgd import train as sgd_train

# what defines a run: a checkpoint whose settings agree on these continues the same run
KEYS = ("preset", "epochs", "eta", "lmbda", "mini_batch_size", "dropout", "activation", "expand",
        "seed", "train_size", "data")


def settings_for(preset_name, **overrides):
    """The settings of a run of preset ``preset_name``, with ``overrides`` (None = the preset's)."""
    preset = presets.get(preset_name)
    settings = {"preset": preset.name, "epochs": preset.epochs, "eta": preset.eta,
                "lmbda": preset.lmbda, "mini_batch_size": preset.mini_batch_size,
                "dropout": preset.dropout, "activation": preset.activation,
                "expand": preset.expanded, "ensemble": preset.ensemble, "seed": 0,
                "train_size": None, "data": None}
    unknown = set(overrides) - set(settings) - {"run_id"}
    if unknown:
        raise ValueError(f"unknown run settings {sorted(unknown)}")
    settings.update({k: v for k, v in overrides.items() if v is not None})
    # the canonical name, so that same_run compares names, not spellings
    settings["activation"] = canonical_activation(settings["activation"])
    return settings


def load_data(settings):
    """The run's data as network3's three pairs of shared variables."""
    return load_data_shared(settings["data"], expanded=settings["expand"],
                            train_size=settings["train_size"])


def shared_data(arrays):
    """``((x, y), (x, y), (x, y))`` arrays as network3's pairs of shared variables."""
    import symconv
    from symconv.config import config

    return [(symconv.shared(np.asarray(x, dtype=config.floatX), borrow=True),
             symconv.shared(np.asarray(y, dtype="int32"), borrow=True)) for x, y in arrays]


def make_network(settings, seed):
    """A fresh network of the run's preset whose initial weights and dropout masks come from
    ``seed``."""
    preset = presets.get(settings["preset"])
    mbs = settings["mini_batch_size"]
    layers = preset.layers(mbs, dropout=settings["dropout"], activation=settings["activation"],
                           rng=np.random.RandomState(seed))
    return Network(layers, mbs, seed=seed)


def same_run(saved_info, settings):
    """Whether a checkpoint saved with ``saved_info`` belongs to the run ``settings`` describes."""
    keys = KEYS + (("run_id",) if "run_id" in settings else ())
    return all(saved_info.get(k) == settings.get(k) for k in keys)


def continuable(path, settings):
    """The checkpoint at ``path`` if it holds an earlier part of this very run, else None.

    This is how a task restarted on another worker picks up where the lost one
    stopped, from the checkpoint it kept on a shared path.
    """
    if not path or not os.path.isfile(path):
        return None
    try:
        saved = ckpt.load(path)
    except ckpt.CheckpointError:
        return None
    return saved if same_run(saved.state.get("info", {}), settings) else None


def train(net, settings, data, **options):
    """Train ``net`` with the run's hyper-parameters (network3's ``SGD``); ``options`` go to
    :class:`~symconv.training.sgd.Trainer` (``checkpoint``, ``record``, ``resume``, ...)."""
    training, validation, test = data
    options.setdefault("info", settings)
    return sgd_train(net, training, settings["epochs"], settings["mini_batch_size"],
                     settings["eta"], validation, test, lmbda=settings["lmbda"], **options)


def parameters(net):
    """The network's parameter values by name (copies)."""
    return {p.name: p.get_value() for p in net.params}


def network_with(settings, seed, values):
    """A network of the run's preset holding the parameter ``values`` (see :func:`parameters`)."""
    net = make_network(settings, seed)
    for p in net.params:
        p.set_value(np.asarray(values[p.name], dtype=p.dtype))
    return net
