"""Long runs from the command line: run folders, resuming with the record, early path checks,
checkpoint locks, and the small things a first-time user trips over."""
import datetime
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from symconv import atomic
from symconv.cli import main
from symconv.data import loaders
from symconv.training import checkpoint, lock, records
from tests.test_cli import FAST, run, small_split  # noqa: F401  (small_split: autouse fixture)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TODAY = datetime.date.today().isoformat()


@pytest.fixture
def loads(monkeypatch):
    """Counts how often the commands load MNIST (a path error must come before any loading)."""
    calls = []
    small = loaders.load_split()

    def counted(source=None):
        calls.append(source)
        return small

    monkeypatch.setattr(loaders, "load_split", counted)
    return calls


def test_train_keeps_its_run_in_a_new_folder_that_evaluate_and_plot_take(capsys):
    code, out, err = run(capsys, "train", *FAST)
    assert code == 0
    folder = f"runs/shallow-{TODAY}-1"
    assert f"run folder: {folder}" in out.splitlines()
    assert sorted(os.listdir(folder)) == ["run.csv", "run.npz"]
    assert checkpoint.load(f"{folder}/run.npz").state["epoch"] == 1
    assert [r["epoch"] for r in records.read(f"{folder}/run.csv")] == [1]
    assert out.splitlines()[-1].startswith(f"saved in {folder} (")
    code, out, _ = run(capsys, "train", *FAST, "--quiet")
    assert os.path.isdir(f"runs/shallow-{TODAY}-2")           # a second run: a second folder

    code, out, _ = run(capsys, "evaluate", folder)
    assert code == 0 and out.splitlines()[0] == f"FC100-SM from {folder}/run.npz"
    pytest.importorskip("matplotlib")
    code, out, _ = run(capsys, "plot", folder)
    assert code == 0
    assert sorted(os.listdir(folder)) == ["run-curves.png", "run-filters.png", "run.csv", "run.npz"]


def test_ensemble_members_share_the_run_folder_and_evaluate_votes(capsys):
    code, out, _ = run(capsys, "train", *FAST, "--ensemble", "2", "--seed", "4")
    assert code == 0
    folder = f"runs/shallow-{TODAY}-1"
    assert sorted(os.listdir(folder)) == ["run-1.csv", "run-1.npz", "run-2.csv", "run-2.npz"]
    vote = re.search(r"plurality vote of 2 networks: test accuracy (\S+)", out).group(1)
    code, out, _ = run(capsys, "evaluate", folder)
    assert code == 0
    assert f"plurality vote of 2 networks from {folder}" in out
    assert f"test set: 300 images, accuracy {vote}" in out


def test_resume_continues_the_record_and_the_wall_time(capsys):
    run(capsys, "train", *FAST, "--quiet")
    folder = f"runs/shallow-{TODAY}-1"
    first = checkpoint.load(f"{folder}/run.npz").state["elapsed_seconds"]
    code, out, _ = run(capsys, "train", "--resume", folder, "--epochs", "3")
    assert code == 0
    assert f"record: continuing {folder}/run.csv" in out
    rows = records.read(f"{folder}/run.csv")
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    state = checkpoint.load(f"{folder}/run.npz").state
    assert state["history"] == rows
    assert state["elapsed_seconds"] > first and rows[-1]["elapsed_seconds"] > first
    assert rows[0]["elapsed_seconds"] == pytest.approx(first, rel=0.5)


def test_a_checkpoint_of_the_first_format_resumes(capsys, tmp_path):
    """tests/data/checkpoint-v1.npz was written before epochs counted from 1, before
    elapsed_seconds and before run folders: one epoch of FC8-SM on 60 images."""
    from symconv.network3 import FullyConnectedLayer, Network, SoftmaxLayer
    from tests.helpers import mnist_slices

    old = str(tmp_path / "old.npz")
    shutil.copy(os.path.join(HERE, "data", "checkpoint-v1.npz"), old)
    before = checkpoint.load(old)
    assert [r["epoch"] for r in before.state["history"]] == [1]   # renumbered when read
    code, out, _ = run(capsys, "train", "--resume", old, "--epochs", "3", "--record",
                       str(tmp_path / "old.csv"))
    assert code == 0, out
    assert "resuming" in out and "FC8-SM (preset 'shallow'), 1 of 3 epochs done" in out
    after = checkpoint.load(old)
    assert after.state["epoch"] == 3
    assert [r["epoch"] for r in records.read(str(tmp_path / "old.csv"))] == [1, 2, 3]
    assert after.state["elapsed_seconds"] > before.state["history"][0]["seconds"]

    rng = np.random.RandomState(7)          # the same run, straight through
    net = Network([FullyConnectedLayer(784, 8, p_dropout=0.2, rng=rng),
                   SoftmaxLayer(8, 10, p_dropout=0.2)], 10, seed=7)
    training, validation, test = mnist_slices(60, 20, 20)
    net.SGD(training, 3, 10, 0.5, validation, test, lmbda=0.1, report="quiet")
    for p in net.params:
        np.testing.assert_allclose(after.params[p.name], p.get_value(), rtol=1e-6, atol=1e-7)


def test_a_checkpoint_that_named_relu_ReLU_resumes(capsys, tmp_path):
    """tests/data/checkpoint-relu-stride.npz was written when activations were named "ReLU" in
    checkpoints and run settings and the convolution's step was "stride": one epoch of
    CP3-FC8-SM (4x4 filters, step 2) on 60 images."""
    from symconv.network3 import ConvPoolLayer, FullyConnectedLayer, Network, ReLU, SoftmaxLayer
    from tests.helpers import mnist_slices

    old = str(tmp_path / "old.npz")
    shutil.copy(os.path.join(HERE, "data", "checkpoint-relu-stride.npz"), old)
    before = checkpoint.load(old)
    assert before.state["info"]["activation"] == "relu"        # read in today's names
    assert [spec.get("activation_fn") for spec in before.meta["layers"]] == ["relu", "relu", None]
    assert before.meta["layers"][0]["subsample"] == [2, 2] and "stride" not in before.meta["layers"][0]
    code, out, _ = run(capsys, "train", "--resume", old, "--epochs", "3", "--record",
                       str(tmp_path / "old.csv"))
    assert code == 0, out
    assert "resuming" in out and "CP3-FC8-SM (preset 'relu'), 1 of 3 epochs done" in out
    after = checkpoint.load(old)
    assert after.state["epoch"] == 3 and after.meta["version"] == checkpoint.VERSION
    assert after.state["info"]["activation"] == "relu"
    assert [spec.get("activation_fn") for spec in after.meta["layers"]] == ["relu", "relu", None]
    assert after.meta["layers"][0]["subsample"] == [2, 2] and "stride" not in after.meta["layers"][0]

    rng = np.random.RandomState(11)         # the same run, straight through
    net = Network([ConvPoolLayer((3, 1, 4, 4), (10, 1, 28, 28), (2, 2), ReLU, subsample=(2, 2),
                                 rng=rng),
                   FullyConnectedLayer(3 * 6 * 6, 8, ReLU, p_dropout=0.2, rng=rng),
                   SoftmaxLayer(8, 10, p_dropout=0.2)], 10, seed=11)
    training, validation, test = mnist_slices(60, 20, 20)
    net.SGD(training, 3, 10, 0.1, validation, test, lmbda=0.1, report="quiet")
    for p in net.params:
        np.testing.assert_allclose(after.params[p.name], p.get_value(), rtol=1e-5, atol=1e-6)


def test_activation_takes_nielsens_spelling_and_keeps_the_canonical_name(capsys, tmp_path):
    ckpt = str(tmp_path / "run.npz")
    code, out, _ = run(capsys, "train", *FAST, "--activation", "ReLU", "--checkpoint", ckpt)
    assert code == 0 and out.startswith("symconv train: preset 'shallow': FC100-SM, relu, ")
    saved = checkpoint.load(ckpt)
    assert saved.meta["layers"][0]["activation_fn"] == "relu"
    assert saved.state["info"]["activation"] == "relu"
    with pytest.raises(SystemExit):
        run(capsys, "train", "--activation", "softplus")
    err = capsys.readouterr().err
    assert "--activation: invalid choice: 'softplus'" in err
    assert "'sigmoid', 'relu', 'tanh', 'linear'" in err
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "--activation {sigmoid,relu,tanh,linear}" in capsys.readouterr().out


def test_checkpoint_and_record_paths_are_checked_before_any_work(capsys, tmp_path, loads):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    given = str(blocker / "run.npz")
    code, out, err = run(capsys, "train", *FAST, "--checkpoint", given)
    assert code == 1 and loads == [] and out == ""
    assert f"{given}: cannot write the checkpoint there: {blocker} is a file" in err
    assert ".tmp" not in err
    code, _, err = run(capsys, "train", *FAST, "--record", str(tmp_path / "run.txt"))
    assert code == 1 and loads == [] and "run.txt: a run record must be a .csv or a .json" in err
    code, _, err = run(capsys, "train", *FAST, "--checkpoint", str(tmp_path))
    assert code == 1 and loads == [] and f"{tmp_path}: is a folder" in err


def test_atomic_write_errors_name_the_target_not_the_temporary(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(OSError) as info:
        atomic.write_text(str(blocker / "run.csv"), "x")
    assert str(blocker / "run.csv") in str(info.value) and ".tmp" not in str(info.value)


def test_a_second_run_on_one_checkpoint_is_refused_at_once(capsys, tmp_path, loads):
    folder = tmp_path / "out"
    path = str(folder / "run.npz")
    with lock.acquire(path):
        code, out, err = run(capsys, "train", *FAST, "--checkpoint", path)
    assert code == 1 and loads == [] and out == ""
    assert f"{path}: another run is writing this checkpoint: process {os.getpid()} on " in err
    assert f"lock file {path}.lock" in err
    code, _, _ = run(capsys, "train", *FAST, "--checkpoint", path, "--quiet")
    assert code == 0 and sorted(os.listdir(folder)) == ["run.npz"]   # lock gone after the run


def test_a_lock_left_by_a_killed_run_is_taken_over(capsys, tmp_path):
    path = str(tmp_path / "run.npz")
    killed = subprocess.run(
        [sys.executable, "-c", "import os, sys; from symconv.training import lock; "
         "lock.acquire(sys.argv[1]); os._exit(9)", path], cwd=ROOT, timeout=60)
    assert killed.returncode == 9 and os.path.exists(path + ".lock")
    code, out, _ = run(capsys, "train", *FAST, "--checkpoint", path)
    assert code == 0
    assert re.search(rf"note: took over {re.escape(path)}.lock, left by process \d+ on .*, "
                     "which has ended", out)
    assert not os.path.exists(path + ".lock")


def test_temporaries_of_a_killed_write_are_removed(capsys, tmp_path):
    stray = tmp_path / ".run.npz.k2j4h1.tmp"
    stray.write_bytes(b"half a checkpoint")
    other = tmp_path / ".other.npz.k2j4h1.tmp"        # another file's: not ours to remove
    other.write_bytes(b"")
    code, out, _ = run(capsys, "train", *FAST, "--checkpoint", str(tmp_path / "run.npz"))
    assert code == 0 and f"note: removed {stray}, left by an interrupted write" in out
    assert not stray.exists() and other.exists()


def test_small_roughness(capsys, tmp_path):
    with pytest.raises(SystemExit):
        run(capsys, "train", "--epoch", "3x")                  # a subcommand's error...
    err = capsys.readouterr().err
    assert err.startswith("usage: symconv train ")             # ...shows that subcommand's usage
    with pytest.raises(SystemExit):
        run(capsys, "evaluate", "x.npz", "--bogus")
    assert capsys.readouterr().err.startswith("usage: symconv evaluate ")

    code, _, err = run(capsys, "train", "--preset", "shallow", "--train-size", "5")
    assert code == 1 and "--train-size 5: fewer training images than one mini-batch of 10" in err
    assert "validation" not in err

    pickled = tmp_path / "pickled.npy"
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    code, _, err = run(capsys, "evaluate", str(pickled))
    assert code == 1 and "holds pickled Python objects, which symconv never loads" in err
    assert "allow_pickle" not in err

    saved = str(tmp_path / "shallow.npz")
    run(capsys, "train", *FAST, "--checkpoint", saved, "--quiet")
    code, out, err = run(capsys, "train", "--resume", saved, "--preset", "relu")
    assert code == 1 and out == ""                             # no header mixing two presets
    assert f"--preset relu does not match {saved}, a run of preset 'shallow' (FC100-SM)" in err


def test_plots_of_a_record_and_a_checkpoint_of_one_name_do_not_collide(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    ckpt, record = str(tmp_path / "run.npz"), str(tmp_path / "run.csv")
    run(capsys, "train", *FAST, "--checkpoint", ckpt, "--record", record, "--quiet")
    _, out_npz, _ = run(capsys, "plot", ckpt)
    _, out_csv, _ = run(capsys, "plot", record)
    written = out_npz.split() + out_csv.split()
    pngs = [w for w in written if w.endswith(".png")]
    assert len(pngs) == len(set(pngs)) == 3
    assert os.path.exists(tmp_path / "run-record-curves.png")


def test_a_run_whose_data_fails_leaves_no_empty_run_folder(capsys, tmp_path, monkeypatch):
    code, out, err = run(capsys, "train", *FAST, "--data", str(tmp_path / "missing"))
    assert code != 0 and "--data" in err and "no such file or folder" in err
    assert not os.path.exists("runs")                      # refused before any folder was made
    bad = tmp_path / "mnist.pkl.gz"
    bad.write_bytes(b"not a pickle")

    def corrupt(source=None):
        raise loaders.DataError(f"{source}: not a readable pickle")
    monkeypatch.setattr(loaders, "load_split", corrupt)
    code, out, err = run(capsys, "train", *FAST, "--data", str(bad))
    assert code != 0 and "not a readable pickle" in err
    assert f"removed the empty run folder runs/shallow-{TODAY}-1" in out
    assert not os.path.exists("runs")
    os.makedirs("runs/keep")                               # someone else's folder stays
    code, out, err = run(capsys, "train", *FAST, "--data", str(bad))
    assert code != 0 and os.listdir("runs") == ["keep"]
