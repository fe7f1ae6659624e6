"""``symconv evaluate`` and ``symconv plot``: what a saved run reached, in numbers and pictures."""
import sys
import time

import numpy as np


def add_evaluate_parser(commands):
    """Add ``symconv evaluate`` to the subcommands."""
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
    return evaluate


def add_plot_parser(commands):
    """Add ``symconv plot`` to the subcommands."""
    plot = commands.add_parser("plot", help="learning curves and first-layer filters as PNG",
                               description="Draw a run: RUN is a checkpoint (.npz: curves and "
                               "filters), a record (.csv/.json: curves) or a folder of them. "
                               "Needs matplotlib: pip install 'symconv[plot]'.")
    plot.add_argument("run_path", metavar="RUN")
    plot.add_argument("--out", metavar="DIR", help="folder for the PNG files (default: beside RUN)")
    plot.set_defaults(handler=cmd_plot)
    return plot


def cmd_evaluate(args):
    """Run ``symconv evaluate``; returns the exit status."""
    from ..data.loaders import load_split
    from ..training import checkpoint, runs
    from ..training.ensemble import vote
    from ..training.evaluate import confusion_matrix, format_confusion, predict

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
    """Run ``symconv plot``; returns the exit status."""
    from ..training.plot import MissingMatplotlib, plot_run

    try:
        written = plot_run(args.run_path, args.out)
    except MissingMatplotlib as exc:
        print(f"symconv plot: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0
