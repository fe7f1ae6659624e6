"""network3 on symconv: the networks of chapter 6 of Nielsen's *Neural Networks and
Deep Learning*, with his API, defaults and printed output.

A script written for Nielsen's ``network3.py`` runs with one changed import::

    import symconv.network3 as network3
    from symconv.network3 import Network, ConvPoolLayer, FullyConnectedLayer, SoftmaxLayer, ReLU

    training_data, validation_data, test_data = network3.load_data_shared()
    mini_batch_size = 10
    net = Network([
        ConvPoolLayer(image_shape=(mini_batch_size, 1, 28, 28), filter_shape=(20, 1, 5, 5),
                      poolsize=(2, 2), activation_fn=ReLU),
        FullyConnectedLayer(n_in=20 * 12 * 12, n_out=100, activation_fn=ReLU),
        SoftmaxLayer(n_in=100, n_out=10)], mini_batch_size)
    net.SGD(training_data, 60, mini_batch_size, 0.03, validation_data, test_data, lmbda=0.1)

What is kept exactly: the layers build symbolic graph nodes; weights start as
in network3 (drawn from NumPy's global random state, in the same order); each
layer has a clean path and a dropout path (a binomial keep-mask on the input
during training, weights scaled by ``1 - p_dropout`` when evaluating); the cost
is the last layer's cost on the dropout path plus ``0.5 * lmbda * sum(w**2) /
num_training_batches``; SGD visits the mini-batches in stored order and prints
the same lines.

Parameters are shared variables with static shapes (network3's have none), so
shape mistakes show when the graph is built and printed graphs carry every size.

What is added, all optional: ``ConvPoolLayer(pool_mode=..., subsample=...)``, an
``rng`` for the initial weights, a ``seed`` for the dropout masks,
``load_data_shared(expanded=..., train_size=...)``, and keyword options of
``SGD`` for progress lines, per-epoch records, checkpoints and resuming (see
:mod:`symconv.training.sgd`).

Where things live: the layers and activation functions in :mod:`symconv.layers`,
the network's graph and the data helpers in :mod:`symconv.network`, the SGD
loop in :mod:`symconv.training.sgd`. This module sits above all three: it
re-exports them under network3's names and gives :class:`Network` its ``SGD``
method, so that training never imports network3.
"""
from symconv import network as _network
from symconv.layers import (ACTIVATIONS, NETWORK3_DROPOUT_SEED, ConvPoolLayer,  # noqa: F401
                            FullyConnectedLayer, ReLU, SoftmaxLayer, activation_name,
                            dropout_layer, linear, sigmoid, tanh)
from symconv.network import label_values, load_data_shared, size  # noqa: F401
from symconv.training import sgd as _sgd

__all__ = ["load_data_shared", "Network", "ConvPoolLayer", "FullyConnectedLayer", "SoftmaxLayer",
           "size", "dropout_layer", "linear", "ReLU", "sigmoid", "tanh"]


class Network(_network.Network):
    """network3's ``Network``: a :class:`symconv.network.Network` that trains itself with ``SGD``.

    Parameters
    ----------
    layers : list
        ``ConvPoolLayer``, ``FullyConnectedLayer`` and ``SoftmaxLayer`` objects,
        the last one giving the cost and the accuracy.
    mini_batch_size : int
    seed : int, optional
        Seeds the dropout masks (layer by layer). By default every dropout
        layer uses network3's fixed seed.
    """

    def SGD(self, training_data, epochs, mini_batch_size, eta, validation_data, test_data,
            lmbda=0.0, **options):
        """Train with mini-batch stochastic gradient descent, as network3 does.

        Parameters
        ----------
        training_data, validation_data, test_data : pairs of shared variables
            As returned by :func:`load_data_shared`.
        epochs : int
        mini_batch_size : int
            Must equal the network's mini-batch size.
        eta : float
            The learning rate.
        lmbda : float
            The L2 regularization parameter.
        **options
            Keyword options of :class:`~symconv.training.sgd.Trainer` (``report``,
            ``record``, ``checkpoint``, ``resume``, ``on_epoch``, ...).

        Returns
        -------
        symconv.training.sgd.TrainingResult
            Best validation accuracy, its iteration, the corresponding test
            accuracy and one record per epoch (network3 returns nothing).
        """
        return _sgd.train(self, training_data, epochs, mini_batch_size, eta, validation_data,
                          test_data, lmbda=lmbda, **options)
