"""Runs as Dask tasks: ensemble members on a LocalCluster equal a sequential run with the same
seeds, and a task that is run again continues from its checkpoint."""
import numpy as np
import pytest

pytest.importorskip("distributed")

from symconv.training import distributed, jobs  # noqa: E402
from symconv.training.ensemble import ensemble_predictions, vote  # noqa: E402
from tests.helpers import mnist_arrays  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.connect(workers=2) as client:
        yield client


@pytest.fixture(scope="module")
def arrays():
    """Tiny data: 60 training, 30 validation and 30 test images."""
    return tuple((x[:n].copy(), y[:n].copy()) for (x, y), n in zip(mnist_arrays(), (60, 30, 30)))


SETTINGS = jobs.settings_for("shallow", epochs=2, eta=0.5, dropout=0.2)


def test_ensemble_on_two_workers_equals_the_sequential_run(client, arrays, tmp_path):
    seeds = [3, 4, 5]
    done = []
    results = distributed.train_members(
        client, SETTINGS, seeds, checkpoints=[str(tmp_path / f"m{s}.npz") for s in seeds],
        data=arrays, on_done=lambda k, r: done.append(k))
    assert sorted(done) == [0, 1, 2] and [r["seed"] for r in results] == seeds
    assert len({r["worker"] for r in results}) == 2           # both workers took members
    data = jobs.shared_data(arrays)
    sequential = []
    for seed in seeds:
        net = jobs.make_network(dict(SETTINGS, seed=seed), seed)
        result = jobs.train(net, dict(SETTINGS, seed=seed), data, report="quiet")
        sequential.append(net)
        on_worker = results[seeds.index(seed)]
        for p in net.params:
            np.testing.assert_array_equal(on_worker["params"][p.name], p.get_value())
        assert on_worker["result"].test_accuracy == result.test_accuracy
    nets = [jobs.network_with(SETTINGS, r["seed"], r["params"]) for r in results]
    images = arrays[2][0]
    np.testing.assert_array_equal(vote(ensemble_predictions(nets, images)),
                                  vote(ensemble_predictions(sequential, images)))
    assert (tmp_path / "m4.npz").exists()


class WorkerLost(Exception):
    pass


def test_a_task_run_again_continues_from_its_checkpoint(arrays, tmp_path):
    settings = dict(SETTINGS, seed=1, epochs=3)
    path = str(tmp_path / "job.npz")
    job = {"settings": settings, "checkpoint": path, "record": None, "lock": True}

    def lose_worker(row):
        if row["epoch"] == 2:
            raise WorkerLost          # the worker goes away after its second checkpoint

    with pytest.raises(WorkerLost):
        distributed.run_job(job, arrays, on_epoch=lose_worker)
    again = distributed.run_job(job, arrays)
    assert again["resumed_from"] == 2
    assert [r["epoch"] for r in again["result"].history] == [1, 2, 3]
    straight = distributed.run_job(dict(job, checkpoint=None), arrays)
    for name, value in straight["params"].items():
        np.testing.assert_array_equal(again["params"][name], value)
    # a checkpoint of another run (other settings) is never continued
    other = distributed.run_job(dict(job, settings=dict(settings, eta=0.1)), arrays)
    assert other["resumed_from"] is None


def _dies_once(job, data, marker):
    """run_job, whose worker process dies after the first epoch of its first attempt."""
    import os

    def die(row):
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)

    return distributed.run_job(job, data, on_epoch=die)


def test_a_lost_worker_s_task_restarts_from_its_last_checkpoint(client, arrays, tmp_path):
    import cloudpickle

    import tests.training.test_distributed as this
    cloudpickle.register_pickle_by_value(this)    # the workers need not import the tests
    try:
        settings = dict(SETTINGS, seed=2, epochs=2)
        job = {"settings": settings, "checkpoint": str(tmp_path / "lost.npz"), "lock": True}
        marker = str(tmp_path / "died")
        result = client.submit(_dies_once, job, arrays, marker, pure=False).result(timeout=120)
    finally:
        cloudpickle.unregister_pickle_by_value(this)
    assert result["resumed_from"] == 1
    straight = distributed.run_job(dict(job, checkpoint=None), arrays)
    for name, value in straight["params"].items():
        np.testing.assert_array_equal(result["params"][name], value)


@pytest.mark.slow   # two clusters of its own and the full validation and test sets
def test_train_ensemble_with_workers_equals_sequential(capsys, tmp_path, monkeypatch):
    from symconv.cli import main
    from symconv.training import checkpoint

    monkeypatch.chdir(tmp_path)
    common = ["train", "--preset", "shallow", "--train-size", "100", "--epochs", "1",
              "--ensemble", "2", "--seed", "6"]
    assert main(common + ["--checkpoint", "seq/net.npz"]) == 0
    sequential = capsys.readouterr().out
    assert main(common + ["--checkpoint", "par/net.npz", "--workers", "2"]) == 0
    parallel = capsys.readouterr().out
    assert "training 2 networks on a local cluster of 2 worker processes" in parallel
    assert "network 2 of 2 (seed 7) done on tcp://" in parallel
    tail = [line for line in sequential.splitlines() if line.startswith(("network 1:",
            "network 2:", "plurality"))]
    assert len(tail) == 3 and tail == [line for line in parallel.splitlines() if line in tail]
    for k in (1, 2):
        a, b = checkpoint.load(f"seq/net-{k}.npz"), checkpoint.load(f"par/net-{k}.npz")
        for name, value in a.params.items():
            np.testing.assert_array_equal(b.params[name], value)


@pytest.mark.slow   # two clusters of its own and the full validation and test sets
def test_sweep_trains_its_grid_as_tasks_and_a_second_start_only_finishes_it(capsys, tmp_path,
                                                                            monkeypatch):
    from symconv.cli import main
    from symconv.training import checkpoint

    monkeypatch.chdir(tmp_path)
    sweep = ["sweep", "--presets", "shallow", "--seeds", "0-1", "--eta", "0.5", "--epochs", "1",
             "--train-size", "100", "--workers", "2", "--dir", "grid"]
    assert main(sweep) == 0
    out = capsys.readouterr().out
    assert out.startswith("symconv sweep: 2 runs on a local cluster of 2 worker processes; "
                          "folder grid")
    table = (tmp_path / "grid" / "sweep.md").read_text().splitlines()
    assert table[0].startswith("| run | preset | eta | lmbda | seed | epochs | best validation")
    assert [line.split(" | ")[0] for line in table[2:]] == \
        ["| shallow-eta0.5-lmbda0-seed0", "| shallow-eta0.5-lmbda0-seed1"]
    assert all(line.count("%") == 2 for line in table[2:])
    assert "\n".join(table) + "\n" in out

    # a run of the sweep equals the same run of symconv train
    assert main(["train", "--preset", "shallow", "--train-size", "100", "--epochs", "1",
                 "--eta", "0.5", "--seed", "1", "--checkpoint", "alone.npz", "--quiet"]) == 0
    alone = checkpoint.load("alone.npz")
    swept = checkpoint.load("grid/shallow-eta0.5-lmbda0-seed1.npz")
    for name, value in alone.params.items():
        np.testing.assert_array_equal(swept.params[name], value)

    assert main(sweep) == 0                          # started again: nothing left to train
    out = capsys.readouterr().out
    assert out.count("(continued from epoch 1)") == 2
    again = (tmp_path / "grid" / "sweep.md").read_text().splitlines()
    assert [line.rsplit(" | ", 1)[0] for line in again] == [line.rsplit(" | ", 1)[0]
                                                            for line in table]
