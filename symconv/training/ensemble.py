"""Ensembles, as at the end of chapter 6: several networks trained with different
seeds, whose predictions are combined by a plurality vote."""
import numpy as np

from .evaluate import predict


def vote(predictions, n_classes=10):
    """The plurality vote of several networks' predictions.

    Parameters
    ----------
    predictions : array_like of int, shape (n_networks, n_examples)

    Returns
    -------
    ndarray of int64, shape (n_examples,)
        The most frequent label for each example; a tie goes to the smallest label.
    """
    predictions = np.asarray(predictions, dtype=np.int64)
    if predictions.ndim != 2:
        raise ValueError(f"vote: expected (networks, examples) predictions, got shape "
                         f"{predictions.shape}")
    n_examples = predictions.shape[1]
    # counts[e, c]: how many networks say class c for example e
    flat = np.arange(n_examples)[None, :] * n_classes + predictions
    counts = np.bincount(flat.ravel(), minlength=n_examples * n_classes)
    return counts.reshape(n_examples, n_classes).argmax(axis=1)


def ensemble_predictions(nets, images):
    """Each network's predictions for ``images``, stacked: shape (len(nets), N)."""
    return np.stack([predict(net, images) for net in nets])


def train_ensemble(make_network, seeds, train, on_member=None):
    """Train one network per seed.

    Parameters
    ----------
    make_network : callable
        ``make_network(seed) -> Network`` (draws its initial weights from the seed).
    seeds : list of int
    train : callable
        ``train(net, index) -> TrainingResult``, e.g. a call of ``net.SGD``.
    on_member : callable, optional
        Called with ``(index, net, result)`` after each network is trained.

    Returns
    -------
    (list of Network, list of TrainingResult)
    """
    nets, results = [], []
    for index, seed in enumerate(seeds):
        net = make_network(seed)
        result = train(net, index)
        nets.append(net)
        results.append(result)
        if on_member is not None:
            on_member(index, net, result)
    return nets, results
