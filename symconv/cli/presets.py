"""``symconv presets``: chapter 6's networks, published accuracies and time estimates."""
import sys


def add_parser(commands):
    """Add ``symconv presets`` to the subcommands."""
    listing = commands.add_parser(
        "presets", help="list chapter 6's networks, with estimated times on this machine",
        description="List chapter 6's networks, their published accuracies and how long an "
        "epoch and a run take on this machine, estimated from a few timed training steps.")
    listing.add_argument("--no-timing", action="store_true",
                         help="list the networks without timing them")
    listing.set_defaults(handler=cmd_presets)
    return listing


def cmd_presets(args):
    """Run ``symconv presets``; returns the exit status."""
    from ..training.presets import PRESETS
    from ..training.sweep import wall_time

    timed = not args.no_timing
    if timed:
        from ..training.estimate import estimate
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
