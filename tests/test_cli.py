"""The symconv command: train, presets, evaluate, plot, inspect."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from symconv.cli import build_parser, main
from symconv.data import loaders
from symconv.training import checkpoint, records
from tests.helpers import mnist_arrays

FAST = ["--preset", "shallow", "--train-size", "100", "--epochs", "1"]


@pytest.fixture(autouse=True)
def small_split(monkeypatch, tmp_path):
    """The commands read MNIST through load_split: give them 1,000 training and 300
    validation and test images, so that a command runs in a fraction of a second,
    and a cache folder of their own."""
    full = mnist_arrays()
    small = tuple((x[:n], y[:n]) for (x, y), n in zip(full, (1000, 300, 300)))
    monkeypatch.setattr(loaders, "load_split", lambda source=None: small)
    monkeypatch.setenv("SYMCONV_CACHE_DIR", str(tmp_path / "cache"))
    work = tmp_path / "work"          # the current folder, where run folders are made
    work.mkdir()
    monkeypatch.chdir(work)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_presets_lists_chapter_6_with_published_accuracies(capsys):
    code, out, _ = run(capsys, "presets", "--no-timing")
    assert code == 0
    for name, accuracy in [("shallow", "97.80%"), ("relu", "99.23%"), ("ensemble", "99.67%")]:
        assert re.search(rf"^{name}\s+\S+\s+{re.escape(accuracy)}\s+", out, re.M), name
    assert re.search(r"^quick\s+-\s+-\s+CP20-FC100-SM \(relu", out, re.M)


def test_presets_estimate_the_time_of_an_epoch_and_of_a_run(capsys, monkeypatch):
    from symconv.training import estimate, presets

    shallow = estimate.estimate(presets.get("shallow"), steps=2)   # really timed
    assert 0 < shallow.epoch_seconds < 600
    assert shallow.run_seconds == pytest.approx(60 * shallow.epoch_seconds)
    ensemble = presets.get("ensemble")
    monkeypatch.setattr(estimate, "estimate", lambda preset: estimate.Estimate(
        1.5 if preset.name == "shallow" else 5400.0,
        5400.0 * preset.epochs * preset.ensemble))
    code, out, err = run(capsys, "presets")
    assert code == 0 and "timing a few training steps" in err
    assert re.search(r"^shallow\s+1\s+97.80%\s+1.5 s\s+", out, re.M)
    assert re.search(rf"^ensemble\s+8\s+99.67%\s+1:30:00\s+{5400 * 40 * 5 / 3600:.1f} h\s+CP20",
                     out, re.M)
    assert ensemble.ensemble == 5
    assert "estimated from the fastest of a few timed steps" in out


def test_train_help_says_what_the_default_is(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "quick" in out and "CP20-FC100-SM" in out and "3 epochs" in out
    for option in ["--preset", "--epochs", "--eta", "--lmbda", "--mini-batch-size", "--dropout",
                   "--expand", "--ensemble", "--seed", "--checkpoint", "--resume", "--quiet",
                   "--record", "--train-size"]:
        assert option in out


def test_train_prints_progress_and_saves_checkpoint_and_record(capsys, tmp_path):
    ckpt, record = str(tmp_path / "run.npz"), str(tmp_path / "run.csv")
    code, out, _ = run(capsys, "train", *FAST, "--checkpoint", ckpt, "--record", record)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("symconv train: preset 'shallow': FC100-SM, sigmoid, 1 epoch, "
                               "eta 0.1, lmbda 0, mini-batch 10, seed 0")
    assert lines[1].startswith("data: 100 training images, 300 validation, 300 test")
    assert re.fullmatch(r"epoch 1/1  cost \d\.\d{4}  validation \d+\.\d\d% \(best\)  test "
                        r"\d+\.\d\d%  100 examples in .* examples/s\)", lines[2]), lines[2]
    assert re.fullmatch(rf"saved {re.escape(ckpt)}, {re.escape(record)} \(\d+\.\d s\)", lines[-1])
    assert checkpoint.load(ckpt).state["epoch"] == 1
    assert len(records.read(record)) == 1


def test_same_seed_same_run_and_resume_continues(capsys, tmp_path):
    a, b = str(tmp_path / "a.npz"), str(tmp_path / "b.npz")
    run(capsys, "train", *FAST, "--seed", "3", "--checkpoint", a, "--quiet")
    run(capsys, "train", *FAST, "--seed", "3", "--checkpoint", b, "--quiet")
    for name, value in checkpoint.load(a).params.items():
        np.testing.assert_array_equal(value, checkpoint.load(b).params[name])
    code, out, _ = run(capsys, "train", "--resume", a, "--epochs", "2")
    assert code == 0
    assert "preset 'shallow'" in out and "seed 3" in out
    assert [line.split()[1] for line in out.splitlines() if line.startswith("epoch ")] == ["2/2"]
    assert checkpoint.load(a).state["epoch"] == 2


def test_expanded_training_data(capsys, tmp_path):
    code, out, _ = run(capsys, "train", "--preset", "shallow", "--expand", "--epochs", "1",
                       "--train-size", "2000")
    assert code == 0
    assert "data: 2,000 training images (expanded), 300 validation" in out
    assert len(os.listdir(tmp_path / "cache")) == 1   # the expansion of the 1,000 images, cached


def test_quiet_prints_nothing(capsys):
    code, out, err = run(capsys, "train", *FAST, "--quiet")
    assert (code, out, err) == (0, "", "")


def test_ensemble_votes(capsys):
    code, out, _ = run(capsys, "train", *FAST, "--ensemble", "2", "--seed", "4")
    assert code == 0
    assert "network 1 of 2 (seed 4)" in out and "network 2 of 2 (seed 5)" in out
    assert re.search(r"plurality vote of 2 networks: test accuracy \d+\.\d\d%", out)


def test_evaluate_prints_accuracy_and_confusion_matrix(capsys, tmp_path):
    ckpt = str(tmp_path / "run.npz")
    run(capsys, "train", *FAST, "--checkpoint", ckpt, "--quiet")
    code, out, _ = run(capsys, "evaluate", ckpt)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"FC100-SM from {ckpt}"
    match = re.match(r"test set: 300 images, accuracy (\d+\.\d\d)% \((\d+) correct", lines[1])
    assert match and float(match.group(1)) == round(100 * int(match.group(2)) / 300, 2)
    rows = [[int(v) for v in line.split()] for line in lines[4:14]]
    assert [r[0] for r in rows] == list(range(10))
    assert sum(sum(r[1:]) for r in rows) == 300
    assert sum(rows[k][k + 1] for k in range(10)) == int(match.group(2))


def test_inspect_prints_the_graph_before_and_after_compiling(capsys):
    code, out, _ = run(capsys, "inspect", "--preset", "shallow")
    assert code == 0
    built, compiled = out.split("== the compiled training step")
    assert "== the training step as built" in built
    assert re.search(r"inputs: x:f32\[\?,\?\]\s+y:i32\[\?\]", built)
    assert "shared: layer0.w:f32[784,100]  layer0.b:f32[100]" in built
    assert re.search(r"= dot %\d+ layer0.w", built)
    assert "compiled function 'train_step' (FAST_RUN" in compiled
    assert "update layer0.w=" in compiled
    assert re.search(r"== rewrites that fired: \d+\n  \w+\s+\w+\s+\d+", compiled)


def test_errors_are_one_clear_line(capsys, tmp_path):
    code, _, err = run(capsys, "train", "--preset", "nope")
    assert code == 1 and "unknown preset 'nope'" in err and "shallow" in err
    missing = str(tmp_path / "missing.npz")
    code, _, err = run(capsys, "evaluate", missing)
    assert code == 1 and missing in err and "no such checkpoint" in err
    with pytest.raises(SystemExit):
        main(["train", "--dropout", "1.5"])
    assert "must be in [0, 1)" in capsys.readouterr().err


def test_plot_without_matplotlib_says_how_to_install(capsys, tmp_path, monkeypatch):
    from symconv.training import plot

    def missing():
        raise plot.MissingMatplotlib("plotting needs matplotlib, which is not installed; "
                                     "install it with pip install 'symconv[plot]'")

    monkeypatch.setattr(plot, "_pyplot", missing)
    path = tmp_path / "run.json"
    path.write_text('{"epochs": []}')
    code, out, err = run(capsys, "plot", str(path))
    assert code == 1 and "pip install 'symconv[plot]'" in err


def test_python_dash_m_symconv(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-m", "symconv", "--version"], capture_output=True,
                          text=True, cwd=root, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("symconv ")


def test_parser_knows_every_command():
    parser = build_parser()
    for argv in (["train"], ["presets"], ["evaluate", "x.npz"], ["plot", "run.csv"], ["inspect"]):
        assert callable(parser.parse_args(argv).handler)


def test_presets_say_when_the_machine_is_busy():
    from symconv.cli.presets import busy_note
    assert busy_note(load=0.5, cores=2) is None
    note = busy_note(load=3.2, cores=2)
    assert "busy (load average 3.2 on 2 cores)" in note and "OPENBLAS_NUM_THREADS=1" in note
