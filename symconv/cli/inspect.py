"""``symconv inspect``: a preset's training step as built and as compiled."""
import time

import numpy as np

from .options import positive_int


def add_parser(commands):
    """Add ``symconv inspect`` to the subcommands."""
    inspect = commands.add_parser(
        "inspect", help="print the training step's graph before and after rewriting",
        description="Print the gradient graph of a preset's training step as built, then the "
        "compiled function's graph after the compiler's rewrites.")
    inspect.add_argument("--preset", metavar="NAME", default="quick")
    inspect.add_argument("--mini-batch-size", type=positive_int, default=10)
    inspect.add_argument("--mode", default="FAST_RUN", choices=["FAST_RUN", "FAST_COMPILE"])
    inspect.set_defaults(handler=cmd_inspect)
    return inspect


def cmd_inspect(args):
    """Run ``symconv inspect``; returns the exit status."""
    import symconv
    from symconv import printing

    from ..network import Network
    from ..training import presets
    from ..training.sgd import training_step

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
