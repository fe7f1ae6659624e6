"""Run many random programs through the differential check and list those that differ.

    python tests/compile/fuzz.py                       # 20,000 programs
    python tests/compile/fuzz.py -n 2000 --shrink      # and shrink one program per kind of failure
    python tests/compile/fuzz.py --exclude inplace     # FAST_RUN without the in-place phase

It prints how many programs it tried, how many the reference rejected (near ties,
kinks), how many differed, and each differing program as a runnable script,
grouped by the kind of failure (its first message with names and numbers taken
out). ``--exclude`` compiles with ``symconv.Mode(exclude=[...])``, which tells
which rewrite or phase a failure needs.
"""
import argparse
import collections
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from hypothesis import HealthCheck, find, given, settings  # noqa: E402
from hypothesis.errors import NoSuchExample  # noqa: E402

import symconv as sc  # noqa: E402
from tests.compile.differential import check_program  # noqa: E402
from tests.compile.differential import World  # noqa: E402
from tests.compile.graphs import (conv_layer_programs, label_programs, programs,  # noqa: E402
                                  shared_update_programs)

FAMILIES = {"all": programs, "shared": lambda max_steps: shared_update_programs(),
            "labels": lambda max_steps: label_programs(),
            "conv": lambda max_steps: conv_layer_programs()}


def kind_of(failure):
    """A failure message with its names and numbers taken out."""
    text = re.sub(r"\[.*", "", failure)
    text = re.sub(r"\b[vsxc]\d+\b", "V", text)
    text = re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "N", text)
    return text.strip()


def blame(prog, mode):
    """The rewrites (and phases) that FAST_RUN applied to ``prog`` and without any one
    of which it passes: the rewrites a failure needs."""
    fired = World(prog, mode, "").f.rewrites
    names = sorted({r.rewrite for r in fired} | {r.phase for r in fired})
    needed = []
    for name in names:
        try:
            if check_program(prog, sc.Mode(exclude=[name])).ok:
                needed.append(name)
        except Exception:  # noqa: BLE001
            pass
    return needed


def run(n, mode, max_steps, seed, show, family="all", classify=False):
    tried, rejected, crashed = 0, 0, 0
    by_kind = collections.OrderedDict()

    @settings(max_examples=n, deadline=None, database=None, derandomize=seed is not None,
              suppress_health_check=list(HealthCheck))
    @given(FAMILIES[family](max_steps=max_steps))
    def one(prog):
        nonlocal tried, rejected, crashed
        tried += 1
        try:
            result = check_program(prog, mode)
        except Exception as e:  # noqa: BLE001 -- a program that does not build is listed too
            crashed += 1
            by_kind.setdefault(f"building the program raised {type(e).__name__}: {e}",
                               []).append((prog, None))
            return
        if result.rejected:
            rejected += 1
        elif not result.ok:
            by_kind.setdefault(kind_of(result.failures[0]), []).append((prog, result))

    start = time.time()
    one()
    failed = sum(len(v) for v in by_kind.values())
    print(f"tried {tried} programs in {time.time() - start:.0f} s: {tried - rejected} judged, "
          f"{rejected} rejected by the reference, {failed} differed "
          f"({crashed} did not build), {len(by_kind)} kinds of failure")
    for kind, cases in by_kind.items():
        print(f"\n=== {len(cases)} x {kind}")
        if classify and cases[0][1] is not None:
            counts = collections.Counter(" + ".join(blame(p, mode)) or "(no single rewrite)"
                                         for p, _ in cases)
            print("passes without: " + "; ".join(f"{k} ({v})" for k, v in counts.most_common()))
        for prog, result in cases[:show]:
            print(result.report(prog) if result else prog.describe())
            print()
    return by_kind


def shrink(kind, mode, max_steps):
    """The smallest program hypothesis finds whose first failure is of ``kind``."""
    def fails_so(prog):
        try:
            result = check_program(prog, mode)
        except Exception:  # noqa: BLE001
            return False
        return not result.ok and kind_of(result.failures[0]) == kind
    try:
        return find(programs(max_steps=max_steps), fails_so,
                    settings=settings(max_examples=5000, deadline=None, database=None,
                                      suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20000, help="programs to try (20,000)")
    parser.add_argument("--max-steps", type=int, default=8, help="operations per program")
    parser.add_argument("--exclude", default="", help="rewrites, tags or phases to switch off, "
                        "comma-separated")
    parser.add_argument("--seed", type=int, default=None,
                        help="make the run reproducible (hypothesis derandomized)")
    parser.add_argument("--show", type=int, default=2, help="programs to print per kind")
    parser.add_argument("--shrink", action="store_true",
                        help="shrink one program per kind of failure")
    parser.add_argument("--family", choices=sorted(FAMILIES), default="all",
                        help="all: every family of operations; shared: mostly shared variables "
                        "whose updates read each other; labels: label costs and their gradients; "
                        "conv: a convolution layer (bias, activation, pooling in any order) first")
    parser.add_argument("--classify", action="store_true",
                        help="for each failing program, the rewrites without which it passes")
    args = parser.parse_args(argv)
    excluded = [e for e in args.exclude.split(",") if e]
    mode = sc.Mode(exclude=excluded) if excluded else "FAST_RUN"
    by_kind = run(args.n, mode, args.max_steps, args.seed, args.show, args.family,
                  args.classify)
    if args.shrink:
        for kind in by_kind:
            if kind.startswith("building"):
                continue
            prog = shrink(kind, mode, args.max_steps)
            print(f"\n=== shrunk: {kind}")
            if prog is None:
                print("(not found again)")
                continue
            result = check_program(prog, mode)
            print(result.report(prog))
    return 1 if by_kind else 0


if __name__ == "__main__":
    sys.exit(main())
