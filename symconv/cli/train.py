"""``symconv train``: its options, the run's settings and where the run is kept."""
import argparse
import contextlib
import os
import time

from ..layers import ACTIVATIONS
from . import members
from .options import plural, positive_int, probability

_TRAIN_HELP = """\
Train one of chapter 6's networks on MNIST with network3's SGD.

With no options this trains the 'quick' preset on the bundled MNIST: a CP20-FC100-SM
network (20 5x5 filters + 2x2 max-pooling, 100 fully connected neurons, softmax) with
ReLU, eta 0.03, lmbda 0.1, mini-batches of 10, for 3 epochs over the 50,000 training
images. That takes about a minute on two cores and reaches about 98% test
accuracy (97.9% with seed 0).
Every option below overrides the preset's value.

The run is kept in a new folder runs/<preset>-<date>-<n>/ of the current folder
(run.npz: the checkpoint, written after every epoch and on Ctrl-C; run.csv: one
row per epoch) unless --checkpoint or --record name the files. A progress bar
shows each epoch's mini-batches on standard error. 'symconv evaluate FOLDER',
'symconv plot FOLDER' and 'symconv train --resume FOLDER' take the folder.
"""


def add_parser(commands):
    """Add ``symconv train`` to the subcommands."""
    train = commands.add_parser("train", help="train a network (the 'quick' preset by default)",
                                description=_TRAIN_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--preset", metavar="NAME",
                       help="one of chapter 6's networks (see 'symconv presets')")
    train.add_argument("--epochs", type=positive_int, help="number of epochs")
    train.add_argument("--eta", type=float, help="learning rate")
    train.add_argument("--lmbda", type=float, help="L2 regularization parameter")
    train.add_argument("--mini-batch-size", type=positive_int, help="examples per mini-batch")
    train.add_argument("--dropout", type=probability, metavar="P",
                       help="p_dropout of the fully connected and softmax layers")
    # str.lower: Nielsen's spelling (ReLU) is accepted, the canonical name is kept
    train.add_argument("--activation", type=str.lower, choices=list(ACTIVATIONS),
                       help="activation function of the hidden layers (any case: ReLU is relu)")
    train.add_argument("--expand", action="store_true", default=None,
                       help="train on the expanded data (each image plus 4 one-pixel shifts)")
    train.add_argument("--ensemble", type=positive_int, metavar="N",
                       help="train N networks (seeds SEED..SEED+N-1) and let them vote")
    train.add_argument("--seed", type=int, default=None,
                       help="seed of the initial weights and dropout masks (default 0)")
    train.add_argument("--checkpoint", metavar="PATH",
                       help="save a checkpoint (.npz) after each epoch and on Ctrl-C "
                       "(instead of a run folder)")
    train.add_argument("--resume", metavar="PATH",
                       help="continue the run saved in a checkpoint or run folder, and its "
                       "record (saving there unless --checkpoint/--record say otherwise)")
    train.add_argument("--record", metavar="PATH",
                       help="write one row per epoch to a .csv or .json file (instead of a run "
                       "folder)")
    train.add_argument("--workers", type=positive_int, metavar="K",
                       help="train an ensemble's members on a local Dask cluster of K worker "
                       "processes (pip install 'symconv[distributed]')")
    train.add_argument("--scheduler", metavar="ADDRESS",
                       help="train an ensemble's members on the Dask cluster at ADDRESS "
                       "(tcp://host:8786); checkpoints must be on a path all workers share")
    train.add_argument("--train-size", type=positive_int, metavar="N",
                       help="train on the first N training images only (quick runs)")
    train.add_argument("--data", metavar="SOURCE",
                       help="mnist.pkl.gz or a folder of MNIST IDX files (default: bundled)")
    train.add_argument("--quiet", action="store_true", help="print nothing but errors")
    train.set_defaults(handler=cmd_train)
    return train


def _settings(args, saved_info):
    """The run's settings: command line, else the resumed run's, else the preset's."""
    from ..training import presets

    preset = presets.get(args.preset or saved_info.get("preset") or presets.DEFAULT)

    def pick(name, preset_value):
        given = getattr(args, name)
        if given is not None:
            return given
        return saved_info.get(name, preset_value)

    return {
        "preset": preset.name,
        "epochs": pick("epochs", preset.epochs),
        "eta": pick("eta", preset.eta),
        "lmbda": pick("lmbda", preset.lmbda),
        "mini_batch_size": pick("mini_batch_size", preset.mini_batch_size),
        "dropout": pick("dropout", preset.dropout),
        "activation": pick("activation", preset.activation),
        "expand": bool(pick("expand", preset.expanded)),
        "ensemble": pick("ensemble", preset.ensemble),
        "seed": pick("seed", 0),
        "train_size": pick("train_size", None),
        "data": pick("data", None),
    }


def _resumed(path):
    """The checkpoint ``--resume`` names (a file, or a run folder holding one) and its contents."""
    from ..training import checkpoint, runs

    found = runs.checkpoints_in(path)
    if len(found) > 1:
        raise ValueError(f"{path}: holds {len(found)} checkpoints (an ensemble's members); "
                         "--resume continues one network: name its file")
    return found[0], checkpoint.load(found[0])


def _saved_record(saved, checkpoint_path):
    """Where the resumed run kept its record: as saved in the checkpoint, else beside it."""
    from ..training import runs

    kept = saved.state.get("info", {}).get("record")
    if kept:
        return os.path.normpath(os.path.join(os.path.dirname(checkpoint_path), kept))
    return runs.record_beside(checkpoint_path)


def _check_resume(args, info, path, saved):
    if args.preset is not None and info.get("preset") not in (None, args.preset):
        raise ValueError(f"--preset {args.preset} does not match {path}, a run of preset "
                         f"{info.get('preset')!r} ({saved.meta.get('architecture')}); --resume "
                         "continues the saved network, so leave --preset out")


def cmd_train(args):
    """Run ``symconv train``; returns the exit status."""
    from ..training import runs

    resume_path, saved = _resumed(args.resume) if args.resume else (None, None)
    info = dict(saved.state.get("info", {})) if saved else {}
    if saved is not None:
        _check_resume(args, info, resume_path, saved)
    s = _settings(args, info)
    if s["train_size"] is not None and s["train_size"] < s["mini_batch_size"]:
        raise ValueError(f"--train-size {s['train_size']}: fewer training images than one "
                         f"mini-batch of {s['mini_batch_size']}")
    n = s["ensemble"]
    if saved is not None and n > 1:
        raise ValueError("--resume continues a single network; it cannot be combined with an "
                         "ensemble")
    if (args.workers or args.scheduler) and n == 1:
        raise ValueError("--workers and --scheduler train the members of an ensemble side by "
                         "side: add --ensemble N")
    if args.workers and args.scheduler:
        raise ValueError("--workers starts a local cluster, --scheduler uses an existing one: "
                         "give one of them")

    if s["data"] is not None and not os.path.exists(s["data"]):
        raise ValueError(f"--data {s['data']}: no such file or folder (expected a folder of "
                         "MNIST IDX files or a pickle such as mnist.pkl.gz)")

    # where the run is kept, checked before any data is loaded
    checkpoint_path = args.checkpoint or resume_path   # a resumed run goes on saving where it was
    record_path = args.record or (_saved_record(saved, resume_path) if saved else None)
    run_dir = None
    if checkpoint_path is None and record_path is None:
        run_dir = runs.new_run_dir(s["preset"])
        checkpoint_path = os.path.join(run_dir, runs.CHECKPOINT)
        record_path = os.path.join(run_dir, runs.RECORD)
    checkpoints = [runs.member_path(checkpoint_path, k, n) for k in range(n)]
    record_paths = [runs.member_path(record_path, k, n) for k in range(n)]
    for path in filter(None, checkpoints):
        runs.check_writable(path, "checkpoint")
    for path in filter(None, record_paths):
        runs.check_writable(path, "record")

    say = (lambda *a: None) if args.quiet else print
    with contextlib.ExitStack() as held:
        if run_dir:
            # registered first, so it runs last, after the locks (files beside the
            # checkpoint) have gone: a run that failed before saving leaves no folder
            held.callback(_remove_if_empty, run_dir, say)
        for path in filter(None, checkpoints):
            _lock(held, path, say)
        _say_header(say, s, saved, resume_path, info)
        if run_dir:
            say(f"run folder: {run_dir}")
        seconds = time.perf_counter()
        if n == 1:
            members.train_single(args, s, saved, checkpoints[0], record_paths[0], say)
        else:
            members.train_ensemble(args, s, checkpoints, record_paths, say)
        seconds = time.perf_counter() - seconds
    kept = [p for p in (checkpoint_path, record_path) if p]
    if run_dir:
        say(f"saved in {run_dir} ({_duration(seconds)}): symconv evaluate {run_dir}; "
            f"symconv plot {run_dir}")
    elif kept:
        say(f"saved {', '.join(kept)} ({_duration(seconds)})")
    return 0


def _remove_if_empty(run_dir, say):
    """A run folder that a failed run left empty (its data did not load, say) goes, and
    ``runs/`` with it if nothing else is there: a folder with a checkpoint or record in
    it stays, whatever happened."""
    try:
        os.rmdir(run_dir)
    except OSError:
        return
    say(f"removed the empty run folder {run_dir}: nothing was saved")
    try:
        os.rmdir(os.path.dirname(run_dir) or ".")
    except OSError:
        pass


def _lock(held, path, say):
    from .. import atomic
    from ..training import lock

    taken = held.enter_context(lock.acquire(path))
    if taken.stale:
        say(f"note: took over {taken.lock_path}, left by {lock.describe(taken.stale)}, "
            "which has ended")
    for stray in atomic.remove_temporaries(path):
        say(f"note: removed {stray}, left by an interrupted write")


def _say_header(say, s, saved, resume_path, info):
    from ..training import presets

    preset = presets.get(s["preset"])
    if saved is not None:
        # the saved network, not the preset's, is what continues: name it
        state = saved.state
        say(f"symconv train: resuming {resume_path}: {saved.meta.get('architecture')} "
            f"(preset {preset.name!r}), {state.get('epoch', 0)} of {plural(s['epochs'], 'epoch')} "
            f"done; eta {s['eta']:g}, lmbda {s['lmbda']:g}, seed {s['seed']}")
        return
    say(f"symconv train: preset {preset.name!r}: {preset.architecture}, {s['activation']}, "
        f"{plural(s['epochs'], 'epoch')}, eta {s['eta']:g}, lmbda {s['lmbda']:g}, mini-batch "
        f"{s['mini_batch_size']}" + (f", dropout {s['dropout']:g}" if s["dropout"] else "")
        + (f", seed {s['seed']}" if s["ensemble"] == 1
           else f", seeds {s['seed']}..{s['seed'] + s['ensemble'] - 1}"))


def _duration(seconds):
    from ..training.sweep import wall_time

    return wall_time(seconds)
