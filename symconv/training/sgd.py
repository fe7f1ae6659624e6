"""network3's ``SGD`` loop, with progress lines, records, checkpoints and resuming.

:class:`Trainer` builds the training step exactly as network3 does (cost on the
dropout path plus the L2 term divided by the number of training mini-batches,
plain ``p - eta * grad`` updates, mini-batches sliced from the shared data
through ``givens`` and visited in stored order) and runs it epoch by epoch.

Ctrl-C never interrupts a step half-way: it is noted, the current step ends,
a checkpoint is written (when a path was given) and ``KeyboardInterrupt`` is
raised; a second Ctrl-C stops at once.
"""
import contextlib
import signal
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

import symconv
from symconv import tensor as T

from ..network import size
from . import checkpoint as ckpt
from . import records
from .progress import EpochProgress

REPORTS = ("network3", "progress", "quiet")


@dataclass
class TrainingResult:
    """What a training run achieved.

    Attributes
    ----------
    best_validation_accuracy : float
    best_iteration : int or None
        network3's count of mini-batches trained when the best validation
        accuracy was reached (the last one of that epoch).
    test_accuracy : float or None
        Test accuracy at the best validation accuracy.
    history : list of dict
        One record per epoch (see :mod:`symconv.training.records`).
    """
    best_validation_accuracy: float = 0.0
    best_iteration: int = None
    test_accuracy: float = None
    history: list = field(default_factory=list)


def training_step(net, eta, lmbda, num_training_batches):
    """network3's cost, gradients and updates for ``net``.

    Returns
    -------
    (cost, grads, updates)
        ``updates`` pairs each parameter with ``param - eta * grad``.
    """
    cost = net.layers[-1].cost(net)
    if lmbda:
        # a zero lmbda adds nothing; leaving it out spares the graph sum(w**2)
        l2_norm_squared = sum([(layer.w ** 2).sum() for layer in net.layers])
        cost = cost + 0.5 * lmbda * l2_norm_squared / num_training_batches
    grads = symconv.grad(cost, net.params)
    updates = [(param, param - eta * grad) for param, grad in zip(net.params, grads)]
    return cost, grads, updates


def train(net, training_data, epochs, mini_batch_size, eta, validation_data, test_data,
          lmbda=0.0, **options):
    """Train ``net`` as network3's ``net.SGD(...)`` does, with the same arguments.

    Parameters
    ----------
    net : symconv.network.Network
    training_data, validation_data, test_data : pairs of shared variables
        As :func:`symconv.network.load_data_shared` returns them.
    epochs, mini_batch_size, eta, lmbda
        network3's ``SGD`` arguments.
    **options
        Keyword options of :class:`Trainer` (``report``, ``record``, ``checkpoint``, ...).

    Returns
    -------
    TrainingResult
    """
    trainer = Trainer(net, training_data, mini_batch_size, eta, validation_data, test_data,
                      lmbda=lmbda, **options)
    return trainer.run(epochs)


class Trainer:
    """Trains a :class:`symconv.network.Network` (what network3's ``Network.SGD`` runs).

    Parameters
    ----------
    net : Network
    training_data, validation_data, test_data : pairs of shared variables
        ``test_data`` may be None.
    mini_batch_size : int
        Must equal ``net.mini_batch_size``.
    eta, lmbda : float
        Learning rate and L2 regularization parameter.
    report : {"network3", "progress", "quiet"}
        network3's printed lines (the default), one progress line per epoch
        (examples/s, time, cost, accuracies), or nothing.
    record : str, optional
        A ``.csv`` or ``.json`` file rewritten after each epoch with one row per epoch.
    checkpoint : str, optional
        An ``.npz`` file written after each epoch and on Ctrl-C.
    resume : str or Checkpoint, optional
        Continue the run saved in this checkpoint (parameters, position, best so far).
    on_epoch : callable, optional
        Called with each epoch's record.
    on_batch : callable, optional
        Called with network3's iteration number after each training step.
    mode : str or Mode, optional
        The compilation mode (FAST_RUN by default).
    file : file-like, optional
        Where the lines go (standard output by default).
    info : dict, optional
        Saved with each checkpoint (``state["info"]``), e.g. how the run was set up.
    progress : bool or file-like, optional
        A progress bar inside each epoch (see :mod:`symconv.training.progress`),
        on standard error or on the given file. By default it is shown with
        ``report="progress"``.

    Notes
    -----
    Epochs are counted from 1 in the records, progress lines and messages
    (network3's own lines keep its ``Epoch 0:``). The state saved in a
    checkpoint keeps ``elapsed_seconds``, the wall time spent compiling and
    training over all the sessions of a resumed run.
    """

    def __init__(self, net, training_data, mini_batch_size, eta, validation_data, test_data,
                 lmbda=0.0, report="network3", record=None, checkpoint=None, resume=None,
                 on_epoch=None, on_batch=None, mode=None, file=None, info=None, progress=None):
        self._session_started = time.perf_counter()
        if report not in REPORTS:
            raise ValueError(f"SGD: report must be one of {REPORTS}, got {report!r}")
        if mini_batch_size != net.mini_batch_size:
            raise ValueError(f"SGD: mini_batch_size={mini_batch_size} but the network was built "
                             f"for mini-batches of {net.mini_batch_size}")
        self.net, self.eta, self.lmbda = net, eta, lmbda
        self.report, self.record, self.checkpoint = report, record, checkpoint
        self.on_epoch, self.on_batch, self.file = on_epoch, on_batch, file
        self.progress = report == "progress" if progress is None else progress
        self.mini_batch_size = mini_batch_size
        self.num_training_batches = size(training_data) // mini_batch_size
        self.num_validation_batches = size(validation_data) // mini_batch_size
        self.num_test_batches = size(test_data) // mini_batch_size if test_data else 0
        for name, data in (("training", training_data), ("validation", validation_data)):
            if size(data) < mini_batch_size:
                raise ValueError(f"SGD: the {name} data has {size(data)} examples, fewer than "
                                 f"one mini-batch of {mini_batch_size}")
        self._compile(training_data, validation_data, test_data, mode)
        self.state = self._fresh_state()
        self._elapsed_before = 0.0
        if resume is not None:
            self._resume(resume)
        if info is not None:
            self.state["info"] = dict(info)

    # -- building ----------------------------------------------------------------------
    def _compile(self, training_data, validation_data, test_data, mode):
        net, mbs = self.net, self.mini_batch_size
        cost, _, updates = training_step(net, self.eta, self.lmbda, self.num_training_batches)
        i = T.lscalar("i")  # mini-batch index

        def batch(data):
            return {net.x: data[0][i * mbs: (i + 1) * mbs], net.y: data[1][i * mbs: (i + 1) * mbs]}

        started = time.perf_counter()
        self.train_mb = symconv.function([i], cost, updates=updates, givens=batch(training_data),
                                         mode=mode, name="train_mb")
        accuracy = net.layers[-1].accuracy(net.y)
        self.validate_mb_accuracy = symconv.function(
            [i], accuracy, givens=batch(validation_data), mode=mode, name="validate_mb_accuracy")
        self.test_mb_accuracy = None
        if test_data:
            self.test_mb_accuracy = symconv.function(
                [i], accuracy, givens=batch(test_data), mode=mode, name="test_mb_accuracy")
            net.test_mb_predictions = symconv.function(
                [i], net.layers[-1].y_out, givens={net.x: test_data[0][i * mbs: (i + 1) * mbs]},
                mode=mode, name="test_mb_predictions")
        self.compile_seconds = time.perf_counter() - started

    def _fresh_state(self):
        return {"epoch": 0, "next_batch": 0, "best_validation_accuracy": 0.0,
                "best_iteration": None, "test_accuracy": None, "epoch_cost_sum": 0.0,
                "epoch_seconds": 0.0, "history": [], "eta": self.eta, "lmbda": self.lmbda,
                "mini_batch_size": self.mini_batch_size,
                "num_training_batches": self.num_training_batches}

    def _resume(self, resume):
        saved = ckpt.load(resume) if isinstance(resume, str) else resume
        saved.restore(self.net)
        state = dict(saved.state)
        if state.get("num_training_batches") != self.num_training_batches:
            raise ValueError(
                f"resume: the checkpoint was saved while training on "
                f"{state.get('num_training_batches')} mini-batches per epoch, this run has "
                f"{self.num_training_batches}; resume with the same training data and mini-batch size")
        state.update(eta=self.eta, lmbda=self.lmbda)
        state["history"] = records.renumber(state.get("history", []))
        self._elapsed_before = previous_elapsed_seconds(state)
        self.state = state

    def elapsed_seconds(self):
        """Wall time of the run so far: earlier sessions' and this one's."""
        return self._elapsed_before + time.perf_counter() - self._session_started

    # -- running -----------------------------------------------------------------------
    def run(self, epochs):
        """Train until ``epochs`` epochs are done (counting those of a resumed run)."""
        self.state["epochs"] = epochs
        with _sigint_noted() as interrupted:
            try:
                self._loop(epochs, interrupted)
            except KeyboardInterrupt:
                if self.checkpoint:
                    self.save(self.checkpoint)
                    self._say(f"Interrupted {self.position()}: checkpoint saved to "
                              f"{self.checkpoint}", always=True)
                raise
        return self._finish()

    def position(self):
        """Where the run stands, in words: ``"in epoch 2 of 60, after mini-batch 7 of 5,000"``."""
        state = self.state
        epochs = state.get("epochs", "?")
        if state["next_batch"] == 0:
            return f"after epoch {state['epoch']} of {epochs}"
        return (f"in epoch {state['epoch'] + 1} of {epochs}, after mini-batch "
                f"{state['next_batch']:,} of {self.num_training_batches:,}")

    def _loop(self, epochs, interrupted):
        state, n = self.state, self.num_training_batches
        network3 = self.report == "network3"
        while state["epoch"] < epochs:
            epoch = state["epoch"]
            started = time.perf_counter()
            bar = self._progress_bar(epoch + 1, epochs)
            try:
                for minibatch_index in range(state["next_batch"], n):
                    iteration = n * epoch + minibatch_index
                    if network3 and iteration % 1000 == 0:
                        self._say("Training mini-batch number {0}".format(iteration))
                    cost_ij = self.train_mb(minibatch_index)
                    state["epoch_cost_sum"] += float(cost_ij)
                    state["next_batch"] = minibatch_index + 1
                    if bar is not None:
                        bar.update(minibatch_index + 1)
                    if self.on_batch is not None:
                        self.on_batch(iteration)
                    if interrupted.is_set():
                        raise KeyboardInterrupt
            finally:
                state["epoch_seconds"] += time.perf_counter() - started
                if bar is not None:
                    bar.close()
            self._end_of_epoch(epoch)
            if self.checkpoint:
                self.save(self.checkpoint)
            if self.on_epoch is not None:
                self.on_epoch(state["history"][-1])
            if interrupted.is_set():
                raise KeyboardInterrupt

    def _progress_bar(self, epoch, epochs):
        if not self.progress:
            return None
        file = None if self.progress is True else self.progress
        return EpochProgress(epoch, epochs, self.num_training_batches, self.mini_batch_size,
                             done=self.state["next_batch"], file=file)

    def _end_of_epoch(self, epoch):
        state, n = self.state, self.num_training_batches
        iteration = n * (epoch + 1) - 1
        validation_accuracy = float(np.mean(
            [self.validate_mb_accuracy(j) for j in range(self.num_validation_batches)]))
        if self.report == "network3":
            self._say("Epoch {0}: validation accuracy {1:.2%}".format(epoch, validation_accuracy))
        test_accuracy, best = None, validation_accuracy >= state["best_validation_accuracy"]
        if best:
            if self.report == "network3":
                self._say("This is the best validation accuracy to date.")
            state["best_validation_accuracy"] = validation_accuracy
            state["best_iteration"] = iteration
            if self.test_mb_accuracy is not None:
                test_accuracy = float(np.mean(
                    [self.test_mb_accuracy(j) for j in range(self.num_test_batches)]))
                state["test_accuracy"] = test_accuracy
                if self.report == "network3":
                    self._say("The corresponding test accuracy is {0:.2%}".format(test_accuracy))
        seconds = state["epoch_seconds"]
        row = {"epoch": epoch + 1, "iteration": iteration, "cost": state["epoch_cost_sum"] / n,
               "validation_accuracy": validation_accuracy, "test_accuracy": test_accuracy,
               "best": best, "seconds": seconds,
               "examples_per_second": n * self.mini_batch_size / seconds if seconds else None,
               "elapsed_seconds": self.elapsed_seconds()}
        state["history"].append(records.tidy(row))
        state.update(epoch=epoch + 1, next_batch=0, epoch_cost_sum=0.0, epoch_seconds=0.0)
        if self.report == "progress":
            self._say(records.progress_line(row, state["epochs"], n * self.mini_batch_size))
        if self.record:
            records.write(self.record, state["history"])

    def _finish(self):
        state = self.state
        if self.report == "network3":
            self._say("Finished training network.")
            self._say("Best validation accuracy of {0:.2%} obtained at iteration {1}".format(
                state["best_validation_accuracy"], state["best_iteration"]))
            if state["test_accuracy"] is not None:
                self._say("Corresponding test accuracy of {0:.2%}".format(state["test_accuracy"]))
        elif self.report == "progress":
            self._say(records.summary_line(state))
        return TrainingResult(state["best_validation_accuracy"], state["best_iteration"],
                              state["test_accuracy"], list(state["history"]))

    def save(self, path):
        """Write the parameters and the position in training to ``path`` (atomically)."""
        self.state["elapsed_seconds"] = self.elapsed_seconds()
        ckpt.save(path, self.net, self.state)

    def _say(self, line, always=False):
        if self.report != "quiet" or always:
            print(line, file=self.file or sys.stdout, flush=True)


def previous_elapsed_seconds(state):
    """The wall time a saved training state has used so far.

    Checkpoints written before ``elapsed_seconds`` was kept give the sum of
    their epochs' training seconds (evaluation time was not recorded then).
    """
    if state.get("elapsed_seconds") is not None:
        return float(state["elapsed_seconds"])
    return float(sum(row.get("seconds") or 0.0 for row in state.get("history", []))
                 + (state.get("epoch_seconds") or 0.0))


@contextlib.contextmanager
def _sigint_noted():
    """While active, a first Ctrl-C only sets the yielded event; a second one interrupts."""
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield interrupted  # signal handlers can only be set from the main thread
        return
    previous = signal.getsignal(signal.SIGINT)

    def note(signum, frame):
        if interrupted.is_set():
            raise KeyboardInterrupt
        interrupted.set()

    signal.signal(signal.SIGINT, note)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)
