"""Plots of a run: learning curves and first-layer filters (matplotlib is optional)."""
import builtins

import numpy as np
import pytest

from symconv.training import checkpoint, plot, records
from tests.helpers import mnist_slices, raises_naming, shallow_network


def test_first_layer_images():
    conv = np.random.RandomState(0).rand(20, 1, 5, 5)
    np.testing.assert_array_equal(plot.first_layer_images(conv), conv[:, 0])
    dense = np.random.RandomState(1).rand(784, 30)
    images = plot.first_layer_images(dense)
    assert images.shape == (30, 28, 28)
    np.testing.assert_array_equal(images[7], dense[:, 7].reshape(28, 28))
    with raises_naming(ValueError, "(10, 3)"):
        plot.first_layer_images(np.zeros((10, 3)))


@pytest.fixture
def no_matplotlib(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_missing_matplotlib_is_a_clear_message(no_matplotlib, tmp_path):
    path = str(tmp_path / "run.csv")
    records.write(path, [{"epoch": 0, "iteration": 9, "cost": 1.0, "validation_accuracy": 0.5,
                          "test_accuracy": 0.5, "best": True, "seconds": 1.0,
                          "examples_per_second": 10.0}])
    with raises_naming(plot.MissingMatplotlib, "matplotlib", "pip install 'symconv[plot]'"):
        plot.plot_run(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.csv"]


def test_plots_of_a_checkpoint_are_png_files(tmp_path):
    pytest.importorskip("matplotlib")
    training, validation, test = mnist_slices(30, 20, 20)
    net = shallow_network(n_hidden=12)
    path = str(tmp_path / "run.npz")
    net.SGD(training, 2, 10, 0.5, validation, test, report="quiet", checkpoint=path)
    written = plot.plot_run(path, str(tmp_path / "pictures"))
    assert [p.rsplit("/", 1)[1] for p in written] == ["run-curves.png", "run-filters.png"]
    for p in written:
        with open(p, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert checkpoint.load(path).state["history"][1]["epoch"] == 2   # epochs counted from 1
