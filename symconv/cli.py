"""The ``symconv`` command: train, evaluate, plot and inspect chapter 6's networks.

Run ``symconv --help`` or ``symconv COMMAND --help``. Errors are reported in
one line; set ``SYMCONV_TRACEBACK=1`` to see the traceback. The commands are:

- ``symconv train``: train a network (the ``quick`` preset with no options);
- ``symconv presets``: list chapter 6's networks and their published accuracies;
- ``symconv evaluate CHECKPOINT``: accuracy and confusion matrix of a saved network;
- ``symconv plot RUN``: learning curves and first-layer filters as PNG files;
- ``symconv inspect``: the training step's gradient graph before and after the
  compiler's rewrites.
"""
import argparse
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
                       help="save a checkpoint (.npz) after each epoch and on Ctrl-C")
    train.add_argument("--resume", metavar="PATH",
                       help="continue the run saved in a checkpoint (and keep saving there "
                       "unless --checkpoint says otherwise)")
    train.add_argument("--record", metavar="PATH",
                       help="write one row per epoch to a .csv or .json file")
    train.add_argument("--train-size", type=_positive_int, metavar="N",
                       help="train on the first N training images only (quick runs)")
    train.add_argument("--data", metavar="SOURCE",
                       help="mnist.pkl.gz or a folder of MNIST IDX files (default: bundled)")
    train.add_argument("--quiet", action="store_true", help="print nothing but errors")
    train.set_defaults(handler=cmd_train)

    listing = commands.add_parser("presets", help="list chapter 6's networks")
    listing.set_defaults(handler=cmd_presets)

    evaluate = commands.add_parser("evaluate", help="accuracy and confusion matrix of a checkpoint")
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
    args = build_parser().parse_args(argv)
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


def cmd_train(args):
    from . import network3
    from .training import checkpoint, presets

    saved = checkpoint.load(args.resume) if args.resume else None
    info = dict(saved.state.get("info", {})) if saved else {}
    s = _settings(args, info)
    preset = presets.get(s["preset"])
    if saved is not None and s["ensemble"] > 1:
        raise ValueError("--resume continues a single network; it cannot be combined with an "
                         "ensemble")
    say = (lambda *a: None) if args.quiet else print
    say(f"symconv train: preset {preset.name!r}: {preset.architecture}, {s['activation']}, "
        f"{s['epochs']} epochs, eta {s['eta']:g}, lmbda {s['lmbda']:g}, mini-batch "
        f"{s['mini_batch_size']}" + (f", dropout {s['dropout']:g}" if s["dropout"] else "")
        + f", seed {s['seed']}")
    started = time.perf_counter()
    training_data, validation_data, test_data = network3.load_data_shared(
        s["data"], expanded=s["expand"], train_size=s["train_size"])
    say(f"data: {network3.size(training_data):,} training images"
        + (" (expanded)" if s["expand"] else "") + f", {network3.size(validation_data):,} "
        f"validation, {network3.size(test_data):,} test ({time.perf_counter() - started:.1f} s "
        "to load)")

    def make_network(seed):
        if saved is not None and args.preset is None:
            return saved.build_network()
        layers = preset.layers(s["mini_batch_size"], dropout=s["dropout"],
                               activation=s["activation"], rng=np.random.RandomState(seed))
        return network3.Network(layers, s["mini_batch_size"], seed=seed)

    def train(net, index, checkpoint_path, record_path):
        return net.SGD(training_data, s["epochs"], s["mini_batch_size"], s["eta"],
                       validation_data, test_data, lmbda=s["lmbda"],
                       report="quiet" if args.quiet else "progress", record=record_path,
                       checkpoint=checkpoint_path, resume=saved, info=s)

    if s["ensemble"] == 1:
        net = make_network(s["seed"])
        path = args.checkpoint or args.resume  # a resumed run goes on saving where it was
        train(net, 0, path, args.record)
        if path:
            say(f"checkpoint: {path}")
        return 0
    return _train_ensemble(s, make_network, train, test_data, args, say)


def _member_path(path, index):
    if not path:
        return None
    stem, ext = os.path.splitext(path)
    return f"{stem}-{index + 1}{ext}"


def _train_ensemble(s, make_network, train, test_data, args, say):
    from .network3 import label_values
    from .training.ensemble import ensemble_predictions, train_ensemble, vote

    n = s["ensemble"]
    seeds = [s["seed"] + k for k in range(n)]

    def train_member(net, index):
        say(f"network {index + 1} of {n} (seed {seeds[index]})")
        return train(net, index, _member_path(args.checkpoint, index),
                     _member_path(args.record, index))

    nets, results = train_ensemble(make_network, seeds, train_member)
    images, labels = test_data[0].get_value(borrow=True), label_values(test_data)
    predictions = ensemble_predictions(nets, images)
    for k in range(n):
        say(f"network {k + 1}: test accuracy {np.mean(predictions[k] == labels):.2%}")
    say(f"plurality vote of {n} networks: test accuracy "
        f"{np.mean(vote(predictions) == labels):.2%}")
    return 0


# ---------------------------------------------------------------------------
# presets, evaluate, plot, inspect


def cmd_presets(args):
    from .training.presets import PRESETS

    print(f"{'name':<10} {'row':<4} {'published':>9}  network")
    for preset in PRESETS.values():
        published = f"{preset.published:.2%}" if preset.published else "-"
        print(f"{preset.name:<10} {preset.row or '-':<4} {published:>9}  {preset.describe()}")
    print("row: the row of chapter 6's results table; published: the chapter's test accuracy")
    return 0


def cmd_evaluate(args):
    from .data.loaders import load_split
    from .training import checkpoint
    from .training.evaluate import confusion_matrix, format_confusion, predict

    saved = checkpoint.load(args.checkpoint)
    net = saved.build_network()
    training, validation, test = load_split(args.data)
    images, labels = {"training": training, "validation": validation, "test": test}[args.split]
    started = time.perf_counter()
    predictions = predict(net, images)
    seconds = time.perf_counter() - started
    matrix = confusion_matrix(labels, predictions)
    print(f"{saved.meta.get('architecture')} from {args.checkpoint}")
    print(f"{args.split} set: {len(labels):,} images, accuracy {np.mean(predictions == labels):.2%} "
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

    from . import network3
    from .training import presets
    from .training.sgd import training_step

    preset = presets.get(args.preset)
    mbs = args.mini_batch_size
    net = network3.Network(preset.layers(mbs, rng=np.random.RandomState(0)), mbs)
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
