"""Checkpoints: save then resume continues the same run; Ctrl-C saves one; shapes are checked."""
import os
import signal

import numpy as np
import pytest

from symconv.network3 import FullyConnectedLayer, Network, SoftmaxLayer
from symconv.training import checkpoint, jobs
from tests.helpers import mnist_slices, raises_naming


def _net(seed, n_hidden=20, p_dropout=0.2):
    rng = np.random.RandomState(seed)
    return Network([FullyConnectedLayer(784, n_hidden, p_dropout=p_dropout, rng=rng),
                    SoftmaxLayer(n_hidden, 10, p_dropout=p_dropout)], 10, seed=seed)


@pytest.fixture(scope="module")
def data():
    return mnist_slices(60, 20, 20)


def _train(net, data, epochs, **options):
    training, validation, test = data
    return net.SGD(training, epochs, 10, 0.5, validation, test, lmbda=0.1, report="quiet", **options)


def _values(net):
    return [p.get_value() for p in net.params]


def test_resume_continues_exactly_where_the_checkpoint_left(data, tmp_path):
    straight = _net(1)
    whole = _train(straight, data, 3)

    path = str(tmp_path / "run.npz")
    first = _net(1)
    _train(first, data, 1, checkpoint=path)
    assert os.listdir(tmp_path) == ["run.npz"]          # written atomically: no temporary left
    resumed = _net(99)                                  # other initial weights: all come from the file
    rest = _train(resumed, data, 3, resume=path)
    for got, want in zip(_values(resumed), _values(straight)):
        np.testing.assert_array_equal(got, want)
    assert [r["validation_accuracy"] for r in rest.history] == \
        [r["validation_accuracy"] for r in whole.history]
    assert rest.best_iteration == whole.best_iteration and rest.test_accuracy == whole.test_accuracy


@pytest.mark.parametrize("how", ["exception", "signal"])
def test_ctrl_c_saves_a_checkpoint_that_resumes_the_run(data, tmp_path, how):
    straight = _net(2)
    _train(straight, data, 2)

    def interrupt(iteration):
        if iteration == 7:
            if how == "signal":
                os.kill(os.getpid(), signal.SIGINT)   # noted; the step in progress completes
            else:
                raise KeyboardInterrupt

    path = str(tmp_path / "interrupted.npz")
    handler = signal.getsignal(signal.SIGINT)   # ignored in a background job, say
    with pytest.raises(KeyboardInterrupt):
        _train(_net(2), data, 2, checkpoint=path, on_batch=interrupt)
    saved = checkpoint.load(path)
    assert (saved.state["epoch"], saved.state["next_batch"]) == (1, 2)  # 6 batches an epoch
    resumed = _net(5)
    _train(resumed, data, 2, resume=path)
    for got, want in zip(_values(resumed), _values(straight)):
        np.testing.assert_array_equal(got, want)
    assert signal.getsignal(signal.SIGINT) is handler    # the caller's handler is back


def test_checkpoint_of_another_shape_is_a_clear_error(data, tmp_path):
    path = str(tmp_path / "small.npz")
    checkpoint.save(path, _net(0, n_hidden=20))
    with raises_naming(checkpoint.CheckpointError, path, "layer0.w", "(784, 20)", "(784, 30)",
                       "FC20-SM", "FC30-SM"):
        checkpoint.load(path).restore(_net(0, n_hidden=30))
    deeper = Network([FullyConnectedLayer(784, 20), FullyConnectedLayer(20, 20),
                      SoftmaxLayer(20, 10)], 10)
    with raises_naming(checkpoint.CheckpointError, path, "layer2.w", "FC20-FC20-SM"):
        checkpoint.load(path).restore(deeper)


def test_checkpoint_rebuilds_its_network(tmp_path):
    net = _net(4, p_dropout=0.0)
    path = str(tmp_path / "net.npz")
    checkpoint.save(path, net, {"epoch": 3})
    saved = checkpoint.load(path)
    assert saved.state == {"epoch": 3} and saved.meta["architecture"] == "FC20-SM"
    rebuilt = saved.build_network()
    assert rebuilt.describe() == "FC20-SM"
    for got, want in zip(_values(rebuilt), _values(net)):
        np.testing.assert_array_equal(got, want)
    # no pickles inside: every array loads with allow_pickle=False
    with np.load(path, allow_pickle=False) as f:
        assert "meta" in f.files and all(f[k].dtype != object for k in f.files)


def test_damaged_or_foreign_files_are_clear_errors(tmp_path):
    missing = str(tmp_path / "none.npz")
    with raises_naming(checkpoint.CheckpointError, missing, "no such checkpoint"):
        checkpoint.load(missing)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with raises_naming(checkpoint.CheckpointError, str(broken), "not a readable checkpoint"):
        checkpoint.load(str(broken))
    foreign = str(tmp_path / "foreign.npz")
    np.savez(foreign, weights=np.zeros(3))
    with raises_naming(checkpoint.CheckpointError, foreign, "not a symconv checkpoint"):
        checkpoint.load(foreign)


def test_a_run_saved_with_ReLU_is_the_same_run_as_its_settings_today():
    """A sweep task restarted on another worker continues a checkpoint written when the
    run's settings said "ReLU" (jobs.continuable compares the settings)."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                        "checkpoint-relu-stride.npz")
    settings = jobs.settings_for("relu", epochs=1, eta=0.1, lmbda=0.1, dropout=0.2, seed=11,
                                 train_size=60)
    assert settings["activation"] == "relu"
    assert jobs.continuable(path, settings) is not None
    assert jobs.continuable(path, dict(settings, activation="tanh")) is None
    assert jobs.settings_for("relu", activation="ReLU")["activation"] == "relu"


def test_a_checkpoint_of_an_unknown_version_is_refused_by_name(tmp_path):
    path = str(tmp_path / "future.npz")
    np.savez(path, meta=np.array('{"format": "symconv-checkpoint", "version": 99}'))
    with raises_naming(checkpoint.CheckpointError, path, "version 99", "reads versions 1, 2"):
        checkpoint.load(path)
