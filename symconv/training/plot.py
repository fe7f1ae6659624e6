"""Pictures of a run: learning curves, and the first layer's filters (like chapter 6's
picture of the 20 learned 5x5 feature maps). Needs matplotlib (the ``plot`` extra)."""
import os

import numpy as np


class MissingMatplotlib(ImportError):
    """matplotlib, which plotting needs, is not installed."""


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise MissingMatplotlib(
            "plotting needs matplotlib, which is not installed; install it with "
            "pip install 'symconv[plot]' (or pip install matplotlib)") from None
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt
    return plt


def learning_curves(rows, path, title=None):
    """Validation (and test) accuracy and training cost against the epoch, as a PNG."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    if not rows:
        raise ValueError("learning_curves: the run has no finished epoch to plot")
    epochs = [r["epoch"] for r in rows]
    fig, (acc_ax, cost_ax) = plt.subplots(1, 2, figsize=(10, 4))
    acc_ax.plot(epochs, [100 * r["validation_accuracy"] for r in rows], "o-",
                label="validation")
    tested = [(r["epoch"], 100 * r["test_accuracy"]) for r in rows
              if r.get("test_accuracy") is not None]
    if tested:
        acc_ax.plot(*zip(*tested), "s", label="test (at a new best validation)")
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("accuracy (%)")
    acc_ax.legend(loc="lower right")
    acc_ax.grid(alpha=0.3)
    cost_ax.plot(epochs, [r["cost"] for r in rows], "o-", color="tab:red")
    cost_ax.set_xlabel("epoch")
    cost_ax.set_ylabel("training cost")
    cost_ax.grid(alpha=0.3)
    for ax in (acc_ax, cost_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def first_layer_images(weights):
    """The first layer's weights as a stack of 2-D images.

    Conv filters (filters, 1, rows, cols) give one image per filter (input
    maps are averaged); a fully connected layer (784, n) gives one 28x28 image
    per neuron.
    """
    weights = np.asarray(weights)
    if weights.ndim == 4:
        return weights.mean(axis=1)
    if weights.ndim == 2 and weights.shape[0] == 784:
        return weights.T.reshape(-1, 28, 28)
    raise ValueError(f"first_layer_images: cannot draw weights of shape {weights.shape}")


def filters(weights, path, title=None, limit=100):
    """The first layer's filters as a grid of gray images (dark = positive weight), as a PNG."""
    plt = _pyplot()
    images = first_layer_images(weights)[:limit]
    n = len(images)
    cols = min(10, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 0.9 + 0.4), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if k < n:
            ax.imshow(images[k], cmap="Greys", interpolation="nearest")
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_run(run, out_dir=None):
    """Draw what a run left: a checkpoint (curves and filters) or a record (curves).

    Parameters
    ----------
    run : str
        A checkpoint ``.npz`` (drawn as ``NAME-curves.png`` and ``NAME-filters.png``),
        a record ``.csv``/``.json`` (``NAME-record-curves.png``), or a folder
        holding them (a record beside a checkpoint of the same name is not drawn
        again).
    out_dir : str, optional
        Where the PNG files go (beside ``run`` by default).

    Returns
    -------
    list of str
        The PNG files written.
    """
    from . import checkpoint, records

    _pyplot()  # fail early and clearly when matplotlib is missing
    paths = _run_files(run)
    written = []
    for path in paths:
        stem = os.path.splitext(os.path.basename(path))[0]
        folder = out_dir or os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        if path.endswith(".npz"):
            saved = checkpoint.load(path)
            arch = saved.meta.get("architecture")
            rows = saved.state.get("history", [])
            if rows:
                written.append(learning_curves(rows, os.path.join(folder, f"{stem}-curves.png"),
                                               title=arch))
            first = saved.meta["params"][0][0]
            written.append(filters(saved.params[first], os.path.join(folder, f"{stem}-filters.png"),
                                   title=f"{arch}: first layer"))
        else:
            # not "-curves.png": a checkpoint of the same name draws that one
            written.append(learning_curves(records.read(path),
                                           os.path.join(folder, f"{stem}-record-curves.png")))
    return written


def _run_files(run):
    if os.path.isdir(run):
        found = sorted(os.path.join(run, f) for f in os.listdir(run)
                       if f.endswith((".npz", ".csv", ".json")))
        if not found:
            raise FileNotFoundError(f"{run}: no checkpoint (.npz) or record (.csv, .json) in it")
        # a run folder's record holds the curves its checkpoint draws already
        drawn = {os.path.splitext(p)[0] for p in found if p.endswith(".npz")}
        return [p for p in found if p.endswith(".npz") or os.path.splitext(p)[0] not in drawn]
    if not os.path.isfile(run):
        raise FileNotFoundError(f"{run}: no such checkpoint, record or folder")
    if not run.endswith((".npz", ".csv", ".json")):
        raise ValueError(f"{run}: expected a checkpoint (.npz) or a record (.csv, .json)")
    return [run]
