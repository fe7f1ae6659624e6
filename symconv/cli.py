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
import argparse
import contextlib
import os
import sys
import time

import numpy as np

from . import __version__

_TRAIN_HELP = """\
Train one of chapter 6's networks on MNIST with network3's SGD.

With no options this trains the 'quick' preset on the bundled MNIST: a CP20-FC100-SM
network (20 5x5 filters + 2x2 max-pooling, 100 fully connected neurons, softmax) with
ReLU, eta 0.03, lmbda 0.1, mini-batches of 10, for 3 epochs over the 50,000 training
images. That takes two to three minutes on two cores and reaches about 98% test
accuracy (97.9% with seed 0).
Every option below overrides the preset's value.

The run is kept in a new folder runs/<preset>-<date>-<n>/ of the current folder
(run.npz: the checkpoint, written after every epoch and on Ctrl-C; run.csv: one
row per epoch) unless --checkpoint or --record name the files. A progress bar
shows each epoch's mini-batches on standard error. 'symconv evaluate FOLDER',
'symconv plot FOLDER' and 'symconv train --resume FOLDER' take the folder.
"""


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _probability(text):
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _names(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def _ints(text):
    values = []
    for part in _names(text):
        first, _, last = part.partition("-")
        try:
            values += list(range(int(first), int(last) + 1)) if last else [int(first)]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected integers like 0,1,2 or 0-4, got {text}") \
                from None
    return values


def _floats(text):
    try:
        return [float(part) for part in _names(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 0.01,0.03, got {text}") from None


def build_parser():
    """The argument parser of the ``symconv`` command."""
    parser = argparse.ArgumentParser(
        prog="symconv", description="Train, evaluate, plot and inspect the convolutional "
        "networks of chapter 6 of Nielsen's Neural Networks and Deep Learning.")
    parser.add_argument("--version", action="version", version=f"symconv {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    train = commands.add_parser("train", help="train a network (the 'quick' preset by default)",
                                description=_TRAIN_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--preset", metavar="NAME",
                       help="one of chapter 6's networks (see 'symconv presets')")
    train.add_argument("--epochs", type=_positive_int, help="number of epochs")
    train.add_argument("--eta", type=float, help="learning rate")
    train.add_argument("--lmbda", type=float, help="L2 regularization parameter")
    train.add_argument("--mini-batch-size", type=_positive_int, help="examples per mini-batch")
    train.add_argument("--dropout", type=_probability, metavar="P",
                       help="p_dropout of the fully connected and softmax layers")
    train.add_argument("--activation", choices=["sigmoid", "ReLU", "tanh", "linear"],
                       help="activation function of the hidden layers")
    train.add_argument("--expand", action="store_true", default=None,
                       help="train on the expanded data (each image plus 4 one-pixel shifts)")
    train.add_argument("--ensemble", type=_positive_int, metavar="N",
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
    train.add_argument("--workers", type=_positive_int, metavar="K",
                       help="train an ensemble's members on a local Dask cluster of K worker "
                       "processes (pip install 'symconv[distributed]')")
    train.add_argument("--scheduler", metavar="ADDRESS",
                       help="train an ensemble's members on the Dask cluster at ADDRESS "
                       "(tcp://host:8786); checkpoints must be on a path all workers share")
    train.add_argument("--train-size", type=_positive_int, metavar="N",
                       help="train on the first N training images only (quick runs)")
    train.add_argument("--data", metavar="SOURCE",
                       help="mnist.pkl.gz or a folder of MNIST IDX files (default: bundled)")
    train.add_argument("--quiet", action="store_true", help="print nothing but errors")
    train.set_defaults(handler=cmd_train)

    sweep = commands.add_parser(
        "sweep", help="train a grid of presets, seeds, eta and lmbda as Dask tasks",
        description="Train every combination of presets (or chapter 6 rows), seeds, eta and "
        "lmbda as Dask tasks, each checkpointing after every epoch in the sweep's folder, and "
        "gather the results into one table (FOLDER/sweep.md). A task whose worker is lost "
        "runs again and continues from its checkpoint; run the same sweep again with --dir "
        "to finish what is left. Needs pip install 'symconv[distributed]'.")
    sweep.add_argument("--presets", type=_names, metavar="A,B", help="presets to train")
    sweep.add_argument("--rows", type=_names, metavar="4,5", help="chapter 6 rows to train")
    sweep.add_argument("--seeds", type=_ints, default=[0], metavar="0,1,2",
                       help="seeds (default 0); a range as 0-4")
    sweep.add_argument("--eta", type=_floats, default=[None], metavar="0.01,0.03",
                       help="learning rates (default: each preset's)")
    sweep.add_argument("--lmbda", type=_floats, default=[None], metavar="0,0.1",
                       help="L2 regularization parameters (default: each preset's)")
    sweep.add_argument("--epochs", type=_positive_int, help="epochs of every run")
    sweep.add_argument("--train-size", type=_positive_int, metavar="N",
                       help="train on the first N training images only")
    sweep.add_argument("--data", metavar="SOURCE",
                       help="mnist.pkl.gz or a folder of MNIST IDX files (default: bundled)")
    sweep.add_argument("--dir", metavar="FOLDER",
                       help="the sweep's folder (default: a new runs/sweep-<date>-<n>); on a "
                       "path every worker shares")
    sweep.add_argument("--workers", type=_positive_int, metavar="K",
                       help="worker processes of a local cluster (default: one per core, at "
                       "most one per run)")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="use the Dask cluster at ADDRESS (tcp://host:8786) instead")
    sweep.set_defaults(handler=cmd_sweep)

    listing = commands.add_parser(
        "presets", help="list chapter 6's networks, with estimated times on this machine",
        description="List chapter 6's networks, their published accuracies and how long an "
        "epoch and a run take on this machine, estimated from a few timed training steps.")
    listing.add_argument("--no-timing", action="store_true",
                         help="list the networks without timing them")
    listing.set_defaults(handler=cmd_presets)

    evaluate = commands.add_parser(
        "evaluate", help="accuracy and confusion matrix of a checkpoint or run folder",
        description="Accuracy and confusion matrix of a saved network: CHECKPOINT is a .npz "
        "file or a run folder; a folder of an ensemble's members gives each member's accuracy "
        "and their plurality vote's.")
    evaluate.add_argument("checkpoint", metavar="CHECKPOINT")
    evaluate.add_argument("--split", choices=["test", "validation", "training"], default="test")
    evaluate.add_argument("--data", metavar="SOURCE",
                          help="mnist.pkl.gz or a folder of MNIST IDX files (default: bundled)")
    evaluate.set_defaults(handler=cmd_evaluate)

    plot = commands.add_parser("plot", help="learning curves and first-layer filters as PNG",
                               description="Draw a run: RUN is a checkpoint (.npz: curves and "
                               "filters), a record (.csv/.json: curves) or a folder of them. "
                               "Needs matplotlib: pip install 'symconv[plot]'.")
    plot.add_argument("run_path", metavar="RUN")
    plot.add_argument("--out", metavar="DIR", help="folder for the PNG files (default: beside RUN)")
    plot.set_defaults(handler=cmd_plot)

    inspect = commands.add_parser(
        "inspect", help="print the training step's graph before and after rewriting",
        description="Print the gradient graph of a preset's training step as built, then the "
        "compiled function's graph after the compiler's rewrites.")
    inspect.add_argument("--preset", metavar="NAME", default="quick")
    inspect.add_argument("--mini-batch-size", type=_positive_int, default=10)
    inspect.add_argument("--mode", default="FAST_RUN", choices=["FAST_RUN", "FAST_COMPILE"])
    inspect.set_defaults(handler=cmd_inspect)
    return parser


def main(argv=None):
    """Run the ``symconv`` command; returns the exit status."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # reported by the subcommand's parser, so that its usage is the one shown
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.handler(args) or 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (symconv presets | head): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ValueError, OSError, ImportError) as exc:
        if os.environ.get("SYMCONV_TRACEBACK"):
            raise
        print(f"symconv {args.command}: error: {exc}", file=sys.stderr)
        return 1


# ---------------------------------------------------------------------------
# train


def _settings(args, saved_info):
    """The run's settings: command line, else the resumed run's, else the preset's."""
    from .training import presets

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


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def _resumed(path):
    """The checkpoint ``--resume`` names (a file, or a run folder holding one) and its contents."""
    from .training import checkpoint, runs

    found = runs.checkpoints_in(path)
    if len(found) > 1:
        raise ValueError(f"{path}: holds {len(found)} checkpoints (an ensemble's members); "
                         "--resume continues one network: name its file")
    return found[0], checkpoint.load(found[0])


def _saved_record(saved, checkpoint_path):
    """Where the resumed run kept its record: as saved in the checkpoint, else beside it."""
    from .training import runs

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
    from .training import runs

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
        for path in filter(None, checkpoints):
            _lock(held, path, say)
        _say_header(say, s, saved, resume_path, info)
        if run_dir:
            say(f"run folder: {run_dir}")
        seconds = time.perf_counter()
        if n == 1:
            _train_single(args, s, saved, checkpoints[0], record_paths[0], say)
        else:
            _train_ensemble(args, s, checkpoints, record_paths, say)
        seconds = time.perf_counter() - seconds
    kept = [p for p in (checkpoint_path, record_path) if p]
    if run_dir:
        say(f"saved in {run_dir} ({_duration(seconds)}): symconv evaluate {run_dir}; "
            f"symconv plot {run_dir}")
    elif kept:
        say(f"saved {', '.join(kept)} ({_duration(seconds)})")
    return 0


def _lock(held, path, say):
    from . import atomic
    from .training import lock

    taken = held.enter_context(lock.acquire(path))
    if taken.stale:
        say(f"note: took over {taken.lock_path}, left by {lock.describe(taken.stale)}, "
            "which has ended")
    for stray in atomic.remove_temporaries(path):
        say(f"note: removed {stray}, left by an interrupted write")


def _say_header(say, s, saved, resume_path, info):
    from .training import presets

    preset = presets.get(s["preset"])
    if saved is not None:
        # the saved network, not the preset's, is what continues: name it
        state = saved.state
        say(f"symconv train: resuming {resume_path}: {saved.meta.get('architecture')} "
            f"(preset {preset.name!r}), {state.get('epoch', 0)} of {_plural(s['epochs'], 'epoch')} "
            f"done; eta {s['eta']:g}, lmbda {s['lmbda']:g}, seed {s['seed']}")
        return
    say(f"symconv train: preset {preset.name!r}: {preset.architecture}, {s['activation']}, "
        f"{_plural(s['epochs'], 'epoch')}, eta {s['eta']:g}, lmbda {s['lmbda']:g}, mini-batch "
        f"{s['mini_batch_size']}" + (f", dropout {s['dropout']:g}" if s["dropout"] else "")
        + (f", seed {s['seed']}" if s["ensemble"] == 1
           else f", seeds {s['seed']}..{s['seed'] + s['ensemble'] - 1}"))


def _duration(seconds):
    from .training.sweep import wall_time

    return wall_time(seconds)


def _load_data(s, say):
    from .network import size
    from .training import jobs

    started = time.perf_counter()
    data = jobs.load_data(s)
    training, validation, test = data
    say(f"data: {size(training):,} training images"
        + (" (expanded)" if s["expand"] else "") + f", {size(validation):,} "
        f"validation, {size(test):,} test ({time.perf_counter() - started:.1f} s "
        "to load)")
    return data


def _train_single(args, s, saved, checkpoint_path, record_path, say):
    from .training import jobs

    data = _load_data(s, say)
    net = saved.build_network() if saved is not None else jobs.make_network(s, s["seed"])
    info = dict(s)
    if record_path and checkpoint_path:
        # relative to the checkpoint, so that a moved run folder still resumes its record
        info["record"] = os.path.relpath(os.path.abspath(record_path),
                                         os.path.dirname(os.path.abspath(checkpoint_path)))
    if saved is not None and record_path:
        say(f"record: continuing {record_path}")
    jobs.train(net, s, data, report="quiet" if args.quiet else "progress", record=record_path,
               checkpoint=checkpoint_path, resume=saved, info=info)


def _train_ensemble(args, s, checkpoints, record_paths, say):
    from .network import label_values
    from .training import jobs
    from .training.ensemble import ensemble_predictions, vote

    n = s["ensemble"]
    seeds = [s["seed"] + k for k in range(n)]
    data = _load_data(s, say)
    if args.workers or args.scheduler:
        nets = _train_members_on_cluster(args, s, seeds, checkpoints, record_paths, say)
    else:
        nets = []
        for k, seed in enumerate(seeds):
            say(f"network {k + 1} of {n} (seed {seed})")
            member = dict(s, seed=seed)
            net = jobs.make_network(member, seed)
            jobs.train(net, member, data, report="quiet" if args.quiet else "progress",
                       checkpoint=checkpoints[k], record=record_paths[k])
            nets.append(net)
    test_data = data[2]
    images, labels = test_data[0].get_value(borrow=True), label_values(test_data)
    predictions = ensemble_predictions(nets, images)
    for k in range(n):
        say(f"network {k + 1}: test accuracy {np.mean(predictions[k] == labels):.2%}")
    say(f"plurality vote of {n} networks: test accuracy "
        f"{np.mean(vote(predictions) == labels):.2%}")


def _train_members_on_cluster(args, s, seeds, checkpoints, record_paths, say):
    from .training import distributed, jobs

    where = (f"the cluster at {args.scheduler}" if args.scheduler
             else f"a local cluster of {args.workers} worker processes")
    say(f"training {len(seeds)} networks on {where}")

    def done(k, result):
        best = result["result"]
        say(f"network {k + 1} of {len(seeds)} (seed {seeds[k]}) done on {result['worker']}: "
            f"best validation {best.best_validation_accuracy:.2%}"
            + (f" (continued from epoch {result['resumed_from']})" if result["resumed_from"]
               else ""))

    # the members' files must be readable by every worker: give them as absolute paths
    absolute = [os.path.abspath(p) if p else None for p in checkpoints]
    records_absolute = [os.path.abspath(p) if p else None for p in record_paths]
    with distributed.connect(workers=args.workers, scheduler=args.scheduler) as client:
        results = distributed.train_members(client, s, seeds, absolute, records_absolute,
                                            on_done=done)
    return [jobs.network_with(s, r["seed"], r["params"]) for r in results]


# ---------------------------------------------------------------------------
# sweep


def cmd_sweep(args):
    from .training import distributed, runs, sweep

    if args.workers and args.scheduler:
        raise ValueError("--workers starts a local cluster, --scheduler uses an existing one: "
                         "give one of them")
    names = sweep.preset_names(args.presets, args.rows)
    settings = sweep.grid(names, args.seeds, args.eta, args.lmbda, epochs=args.epochs,
                          train_size=args.train_size, data=args.data)
    folder = args.dir or runs.new_run_dir("sweep")
    job_list = sweep.job_list(settings, folder)
    for job in job_list:
        runs.check_writable(job["checkpoint"], "checkpoint")
    table_path = os.path.join(folder, "sweep.md")
    workers = None if args.scheduler else (args.workers or min(len(job_list), os.cpu_count() or 1))
    where = args.scheduler or f"a local cluster of {workers} worker processes"
    print(f"symconv sweep: {_plural(len(job_list), 'run')} on {where}; folder {folder}")
    results = [None] * len(job_list)

    def done(k, result):
        results[k] = result
        best = result["result"]
        print(f"{sweep.run_name(settings[k])}: best validation "
              f"{best.best_validation_accuracy:.2%}"
              + (f", test {best.test_accuracy:.2%}" if best.test_accuracy is not None else "")
              + (f" (continued from epoch {result['resumed_from']})"
                 if result["resumed_from"] else ""), flush=True)
        sweep.write_table(table_path, settings, results)

    with distributed.connect(workers=workers, scheduler=args.scheduler) as client:
        distributed.submit_jobs(client, job_list, on_done=done)
    print(sweep.table(settings, results), end="")
    print(f"table: {table_path}")
    return 0


# ---------------------------------------------------------------------------
# presets, evaluate, plot, inspect


def cmd_presets(args):
    from .training.presets import PRESETS
    from .training.sweep import wall_time

    timed = not args.no_timing
    if timed:
        from .training.estimate import estimate
        print("timing a few training steps of each network on this machine...", file=sys.stderr,
              flush=True)
    print(f"{'name':<10} {'row':<4} {'published':>9}"
          + (f"  {'epoch':>7}  {'run':>7}" if timed else "") + "  network")
    for preset in PRESETS.values():
        published = f"{preset.published:.2%}" if preset.published else "-"
        times = ""
        if timed:
            guess = estimate(preset)
            times = f"  {wall_time(guess.epoch_seconds):>7}  {wall_time(guess.run_seconds):>7}"
        print(f"{preset.name:<10} {preset.row or '-':<4} {published:>9}{times}  "
              f"{preset.describe()}", flush=True)
    print("row: the row of chapter 6's results table; published: the chapter's test accuracy")
    if timed:
        print("epoch, run: estimated from the fastest of a few timed steps (a run: every epoch of "
              "every network); other work on the cores makes runs longer")
    return 0


def cmd_evaluate(args):
    from .data.loaders import load_split
    from .training import checkpoint, runs
    from .training.ensemble import vote
    from .training.evaluate import confusion_matrix, format_confusion, predict

    paths = runs.checkpoints_in(args.checkpoint)
    saved = [checkpoint.load(path) for path in paths]
    nets = [one.build_network() for one in saved]
    training, validation, test = load_split(args.data)
    images, labels = {"training": training, "validation": validation, "test": test}[args.split]
    started = time.perf_counter()
    predictions = [predict(net, images) for net in nets]
    seconds = time.perf_counter() - started
    for path, one, predicted in zip(paths, saved, predictions):
        if len(paths) > 1:
            print(f"{one.meta.get('architecture')} from {path}: {args.split} accuracy "
                  f"{np.mean(predicted == labels):.2%}")
    if len(paths) > 1:
        predicted = vote(predictions)
        what = f"plurality vote of {len(paths)} networks from {args.checkpoint}"
    else:
        predicted = predictions[0]
        what = f"{saved[0].meta.get('architecture')} from {paths[0]}"
    matrix = confusion_matrix(labels, predicted)
    print(what)
    print(f"{args.split} set: {len(labels):,} images, accuracy {np.mean(predicted == labels):.2%} "
          f"({int(np.trace(matrix)):,} correct, {seconds:.1f} s)")
    print("confusion matrix (rows: true digit, columns: predicted digit):")
    print(format_confusion(matrix))
    return 0


def cmd_plot(args):
    from .training.plot import MissingMatplotlib, plot_run

    try:
        written = plot_run(args.run_path, args.out)
    except MissingMatplotlib as exc:
        print(f"symconv plot: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_inspect(args):
    import symconv
    from symconv import printing

    from .network import Network
    from .training import presets
    from .training.sgd import training_step

    preset = presets.get(args.preset)
    mbs = args.mini_batch_size
    net = Network(preset.layers(mbs, rng=np.random.RandomState(0)), mbs)
    cost, grads, updates = training_step(net, preset.eta, preset.lmbda, 50000 // mbs)
    print(f"== {preset.name}: {preset.describe()}, mini-batch {mbs}")
    print("== the training step as built: cost and gradients")
    printing.debugprint([cost] + list(grads))
    started = time.perf_counter()
    step = symconv.function([net.x, net.y], cost, updates=updates, mode=args.mode,
                            name="train_step")
    seconds = time.perf_counter() - started
    print(f"== the compiled training step ({args.mode}, compiled in {seconds:.2f} s): "
          "cost and updated parameters")
    printing.debugprint(step)
    fired = list(getattr(step, "rewrites", []))
    if fired:
        counts = {}
        for record in fired:
            key = (getattr(record, "phase", "?"), getattr(record, "rewrite", str(record)))
            counts[key] = counts.get(key, 0) + 1
        print(f"== rewrites that fired: {len(fired)}")
        for (phase, rewrite), count in counts.items():
            print(f"  {phase:<18} {rewrite:<24} {count:>4}")
    return 0
