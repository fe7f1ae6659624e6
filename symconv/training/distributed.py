"""Training runs as Dask tasks: ensemble members and sweeps spread over worker processes.

Needs Dask distributed (the ``distributed`` extra). :func:`connect` gives a
client of a local cluster of K worker processes, or of an existing cluster at
a scheduler address. Each task (:func:`run_job`) trains one network from its
settings and seed, checkpointing after every epoch; if its worker is lost,
Dask runs the task again elsewhere and it continues from that checkpoint, as
long as the checkpoint lies on a path every worker can read.

Dask moves tasks and results between processes with pickle, as it always
does: connect only to a cluster you trust. Checkpoints stay NumPy ``.npz``
files read without unpickling.
"""
import contextlib
import logging
import os
import uuid

from .. import atomic
from . import jobs
from . import lock as locks

# the BLAS thread counts a worker process reads when NumPy loads
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _dask():
    try:
        import distributed
    except ImportError:
        raise ImportError("spreading runs over workers needs Dask distributed, which is not "
                          "installed; install it with pip install 'symconv[distributed]'") from None
    return distributed


@contextlib.contextmanager
def connect(workers=None, scheduler=None):
    """A Dask client: of a new local cluster of ``workers`` processes, or of ``scheduler``.

    Parameters
    ----------
    workers : int, optional
        Worker processes of a local cluster, one task at a time each; the
        machine's cores are divided among them as BLAS threads.
    scheduler : str, optional
        The address of an existing cluster's scheduler (``tcp://host:8786``).

    Examples
    --------
    >>> with connect(workers=2) as client:          # doctest: +SKIP
    ...     results = train_members(client, settings, seeds=[0, 1])
    """
    distributed = _dask()
    if scheduler:
        client = distributed.Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
        # the workers' own logs include tracebacks of heartbeats cut off while the cluster
        # closes; a task's failure still reaches the caller as its exception
        silence_logs=logging.CRITICAL, env={name: threads for name in BLAS_THREAD_VARIABLES})
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def run_job(job, data=None, on_epoch=None):
    """Train one network as a task: what a worker runs.

    Parameters
    ----------
    job : dict
        ``settings`` (see :mod:`symconv.training.jobs`; ``settings["seed"]`` seeds
        the network), ``checkpoint`` and ``record`` paths (or None), and ``lock``:
        whether the task takes the checkpoint's lock itself.
    data : tuple of (images, labels) arrays, optional
        Training, validation and test sets; by default the worker loads them
        as the settings say.
    on_epoch : callable, optional
        Passed to ``SGD``.

    Returns
    -------
    dict
        ``seed``, ``params`` (name -> array), ``result`` (a TrainingResult),
        ``resumed_from`` (epochs the checkpoint already held, or None),
        ``elapsed_seconds`` (the run's wall time over all its attempts) and ``worker``.
    """
    settings, path = job["settings"], job.get("checkpoint")
    held = locks.acquire(path) if path and job.get("lock") else None
    try:
        if path:
            atomic.remove_temporaries(path)
        shared = jobs.shared_data(data) if data is not None else jobs.load_data(settings)
        net = jobs.make_network(settings, settings["seed"])
        resume = jobs.continuable(path, settings)
        result = jobs.train(net, settings, shared, checkpoint=path, record=job.get("record"),
                            resume=resume, report="quiet", progress=False, on_epoch=on_epoch)
        elapsed = result.history[-1].get("elapsed_seconds") if result.history else None
        return {"seed": settings["seed"], "params": jobs.parameters(net), "result": result,
                "resumed_from": resume.state["epoch"] if resume is not None else None,
                "elapsed_seconds": elapsed, "worker": _worker_name()}
    finally:
        if held is not None:
            held.release()


def _worker_name():
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def submit_jobs(client, job_list, data=None, on_done=None):
    """Run ``job_list`` as tasks; returns their results in the same order.

    ``on_done(index, result)`` is called as each finishes. A task whose worker
    is lost is run again by Dask (up to its ``allowed-failures`` setting),
    continuing from its checkpoint.
    """
    distributed = _dask()
    batch = uuid.uuid4().hex[:8]
    shared = client.scatter(data, broadcast=True) if data is not None else None
    futures = [client.submit(run_job, job, shared, key=f"symconv-job-{batch}-{k}", pure=False)
               for k, job in enumerate(job_list)]
    index = {future.key: k for k, future in enumerate(futures)}
    results = [None] * len(futures)
    for future in distributed.as_completed(futures):
        k = index[future.key]
        results[k] = future.result()
        if on_done is not None:
            on_done(k, results[k])
    return results


def train_members(client, settings, seeds, checkpoints=None, records=None, data=None,
                  on_done=None):
    """Train one ensemble member per seed on the cluster.

    Each member is trained exactly as :func:`symconv.training.jobs.train` trains
    it in this process, so its parameters equal a sequential run's with the same
    seed. The caller holds the members' checkpoint locks.

    Returns
    -------
    list of dict
        :func:`run_job`'s results, in the order of ``seeds``.
    """
    run_id = uuid.uuid4().hex   # a retried member continues its own checkpoint, never another run's
    job_list = [{"settings": dict(settings, seed=seed, run_id=run_id),
                 "checkpoint": checkpoints[k] if checkpoints else None,
                 "record": records[k] if records else None, "lock": False}
                for k, seed in enumerate(seeds)]
    return submit_jobs(client, job_list, data=data, on_done=on_done)
