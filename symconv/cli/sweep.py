"""``symconv sweep``: a grid of presets, seeds, eta and lmbda as Dask tasks."""
import os

from .options import floats, ints, names, plural, positive_int


def add_parser(commands):
    """Add ``symconv sweep`` to the subcommands."""
    sweep = commands.add_parser(
        "sweep", help="train a grid of presets, seeds, eta and lmbda as Dask tasks",
        description="Train every combination of presets (or chapter 6 rows), seeds, eta and "
        "lmbda as Dask tasks, each checkpointing after every epoch in the sweep's folder, and "
        "gather the results into one table (FOLDER/sweep.md). A task whose worker is lost "
        "runs again and continues from its checkpoint; run the same sweep again with --dir "
        "to finish what is left. Needs pip install 'symconv[distributed]'.")
    sweep.add_argument("--presets", type=names, metavar="A,B", help="presets to train")
    sweep.add_argument("--rows", type=names, metavar="4,5", help="chapter 6 rows to train")
    sweep.add_argument("--seeds", type=ints, default=[0], metavar="0,1,2",
                       help="seeds (default 0); a range as 0-4")
    sweep.add_argument("--eta", type=floats, default=[None], metavar="0.01,0.03",
                       help="learning rates (default: each preset's)")
    sweep.add_argument("--lmbda", type=floats, default=[None], metavar="0,0.1",
                       help="L2 regularization parameters (default: each preset's)")
    sweep.add_argument("--epochs", type=positive_int, help="epochs of every run")
    sweep.add_argument("--train-size", type=positive_int, metavar="N",
                       help="train on the first N training images only")
    sweep.add_argument("--data", metavar="SOURCE",
                       help="mnist.pkl.gz or a folder of MNIST IDX files (default: bundled)")
    sweep.add_argument("--dir", metavar="FOLDER",
                       help="the sweep's folder (default: a new runs/sweep-<date>-<n>); on a "
                       "path every worker shares")
    sweep.add_argument("--workers", type=positive_int, metavar="K",
                       help="worker processes of a local cluster (default: one per core, at "
                       "most one per run)")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="use the Dask cluster at ADDRESS (tcp://host:8786) instead")
    sweep.set_defaults(handler=cmd_sweep)
    return sweep


def cmd_sweep(args):
    """Run ``symconv sweep``; returns the exit status."""
    from ..training import distributed, runs, sweep

    if args.workers and args.scheduler:
        raise ValueError("--workers starts a local cluster, --scheduler uses an existing one: "
                         "give one of them")
    preset_names = sweep.preset_names(args.presets, args.rows)
    settings = sweep.grid(preset_names, args.seeds, args.eta, args.lmbda, epochs=args.epochs,
                          train_size=args.train_size, data=args.data)
    folder = args.dir or runs.new_run_dir("sweep")
    job_list = sweep.job_list(settings, folder)
    for job in job_list:
        runs.check_writable(job["checkpoint"], "checkpoint")
    table_path = os.path.join(folder, "sweep.md")
    workers = None if args.scheduler else (args.workers or min(len(job_list), os.cpu_count() or 1))
    where = args.scheduler or f"a local cluster of {workers} worker processes"
    print(f"symconv sweep: {plural(len(job_list), 'run')} on {where}; folder {folder}")
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
