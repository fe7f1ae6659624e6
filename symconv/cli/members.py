"""The networks ``symconv train`` trains: one, or an ensemble's members here or on Dask."""
import os
import time

import numpy as np


def load_data(s, say):
    """The run's data, with a line saying how much was loaded and how fast."""
    from ..network import size
    from ..training import jobs

    started = time.perf_counter()
    data = jobs.load_data(s)
    training, validation, test = data
    say(f"data: {size(training):,} training images"
        + (" (expanded)" if s["expand"] else "") + f", {size(validation):,} "
        f"validation, {size(test):,} test ({time.perf_counter() - started:.1f} s "
        "to load)")
    return data


def train_single(args, s, saved, checkpoint_path, record_path, say):
    """Train one network (``saved``'s when resuming), checkpointing and recording it."""
    from ..training import jobs

    data = load_data(s, say)
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


def train_ensemble(args, s, checkpoints, record_paths, say):
    """Train an ensemble's members (here, or on a Dask cluster), then print their vote."""
    from ..network import label_values
    from ..training import jobs
    from ..training.ensemble import ensemble_predictions, vote

    n = s["ensemble"]
    seeds = [s["seed"] + k for k in range(n)]
    data = load_data(s, say)
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
    from ..training import distributed, jobs

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
