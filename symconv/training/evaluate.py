"""Predictions of a trained network on any number of images, accuracy and confusion matrix."""
import numpy as np

import symconv
from symconv import tensor as T
from symconv.config import config


def predict(net, images, mode=None):
    """The label ``net`` predicts for each image (its clean, evaluation path).

    Parameters
    ----------
    net : Network
    images : ndarray, shape (N, 784)
        Any N: the last mini-batch is padded and the padding's predictions dropped.

    Returns
    -------
    ndarray of int64, shape (N,)
    """
    images = np.asarray(images, dtype=config.floatX)
    mbs = net.mini_batch_size
    n = len(images)
    padded = -(-n // mbs) * mbs
    if padded != n:
        images = np.concatenate([images, np.zeros((padded - n,) + images.shape[1:], images.dtype)])
    data = symconv.shared(images, borrow=True)
    i = T.lscalar("i")
    predict_mb = symconv.function([i], net.layers[-1].y_out,
                                  givens={net.x: data[i * mbs:(i + 1) * mbs]}, mode=mode,
                                  name="predict_mb")
    out = np.concatenate([predict_mb(j) for j in range(padded // mbs)]) if padded else \
        np.zeros(0, dtype=np.int64)
    return out[:n].astype(np.int64)


def confusion_matrix(labels, predictions, n_classes=10):
    """``m[true, predicted]``: how often each true label got each prediction."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    if labels.shape != predictions.shape:
        raise ValueError(f"confusion_matrix: {labels.shape} labels but {predictions.shape} "
                         "predictions")
    return np.bincount(labels * n_classes + predictions,
                       minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def format_confusion(matrix):
    """The confusion matrix as a text table: rows are true labels, columns predictions."""
    n = len(matrix)
    width = max(5, len(str(int(matrix.max()))) + 1)
    lines = ["true \\ predicted".ljust(17) + "".join(str(k).rjust(width) for k in range(n))]
    for k in range(n):
        lines.append(f"{k}".ljust(17) + "".join(str(int(v)).rjust(width) for v in matrix[k]))
    return "\n".join(lines)
