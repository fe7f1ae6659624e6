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
        note = busy_note()
        if note:
            print(note, file=sys.stderr, flush=True)
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


def busy_note(load=None, cores=None):
    """A warning when other work already keeps the cores busy (the load average of the
    last minute at least the number of cores this process may use): the timed steps
    then measure that work too, and vary from run to run; else None."""
    import os
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            return None
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not cores or load < cores:
        return None
    return (f"the machine is busy (load average {load:.1f} on {cores} cores): the estimates "
            "measure that work too and vary from run to run; with other work on the cores, "
            "OPENBLAS_NUM_THREADS=1 keeps a training run from waiting on its own BLAS threads")

