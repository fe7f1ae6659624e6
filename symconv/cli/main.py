"""The ``symconv`` parser, put together from the subcommands' modules, and :func:`main`.

Each subcommand imports what it runs inside its handler, so that ``symconv
--help`` or a mistyped option answers without loading training, Dask or matplotlib.
"""
import argparse
import os
import sys

from .. import __version__
from . import evaluate, inspect, presets, sweep, train


def build_parser():
    """The argument parser of the ``symconv`` command."""
    parser = argparse.ArgumentParser(
        prog="symconv", description="Train, evaluate, plot and inspect the convolutional "
        "networks of chapter 6 of Nielsen's Neural Networks and Deep Learning.")
    parser.add_argument("--version", action="version", version=f"symconv {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    # in this order in symconv --help
    train.add_parser(commands)
    sweep.add_parser(commands)
    presets.add_parser(commands)
    evaluate.add_evaluate_parser(commands)
    evaluate.add_plot_parser(commands)
    inspect.add_parser(commands)
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
