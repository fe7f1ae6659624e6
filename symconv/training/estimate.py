"""How long a preset takes on this machine, estimated from a few timed steps.

The training step and the accuracy step are compiled as ``SGD`` compiles
them, on two mini-batches of random images, and each is called a few times
after a first call; the fastest call counts (the others mostly measure other
work on the cores). An epoch is then the chapter's number of training
mini-batches times the step, plus the validation and test mini-batches times
the accuracy step. On a busy machine runs take longer than the estimate.
"""
import time
from dataclasses import dataclass

import numpy as np

import symconv

from ..network import Network
from .sgd import Trainer

VALIDATION_IMAGES = TEST_IMAGES = 10000
TRAINING_IMAGES = 50000
EXPANSION = 5           # the expanded set: each image and its four one-pixel shifts


@dataclass
class Estimate:
    """Seconds per epoch and per run (every epoch of every member) of one preset."""
    epoch_seconds: float
    run_seconds: float


def estimate(preset, steps=8):
    """Time ``steps`` training and accuracy steps of ``preset``'s network.

    Returns
    -------
    Estimate
    """
    mbs = preset.mini_batch_size
    rng = np.random.RandomState(0)
    images = rng.rand(2 * mbs, 784).astype("float32")
    labels = rng.randint(0, 10, 2 * mbs)
    data = [symconv.shared(images), symconv.shared(labels.astype("int32"))]
    net = Network(preset.layers(mbs, rng=rng), mbs)
    trainer = Trainer(net, data, mbs, preset.eta, data, None, lmbda=preset.lmbda, report="quiet")
    step = _time(lambda: trainer.train_mb(0), steps)
    accuracy = _time(lambda: trainer.validate_mb_accuracy(0), steps)
    training = TRAINING_IMAGES * (EXPANSION if preset.expanded else 1) // mbs
    evaluated = (VALIDATION_IMAGES + TEST_IMAGES) // mbs
    epoch = training * step + evaluated * accuracy
    return Estimate(epoch, epoch * preset.epochs * preset.ensemble)


def _time(call, steps):
    call()                              # the first call allocates the plan's buffers
    fastest = float("inf")
    for _ in range(steps):
        started = time.perf_counter()
        call()
        fastest = min(fastest, time.perf_counter() - started)
    return fastest
