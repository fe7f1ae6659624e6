"""Plurality vote of several networks, and predictions of one network on any number of images."""
import numpy as np

from symconv.training.ensemble import ensemble_predictions, train_ensemble, vote
from symconv.training.evaluate import confusion_matrix, format_confusion, predict
from tests.helpers import mnist_slices, shallow_network


def _vote_reference(predictions):
    out = []
    for column in np.asarray(predictions).T:
        counts = [list(column).count(c) for c in range(10)]
        out.append(counts.index(max(counts)))        # first (smallest) label among the most voted
    return np.array(out)


def test_vote_is_the_plurality_with_ties_to_the_smallest_label():
    rng = np.random.RandomState(0)
    predictions = rng.randint(0, 10, (5, 300))
    np.testing.assert_array_equal(vote(predictions), _vote_reference(predictions))
    np.testing.assert_array_equal(vote([[3, 1], [3, 2], [4, 2], [4, 1], [5, 9]]), [3, 1])


def test_predict_handles_any_number_of_images():
    net = shallow_network(mini_batch_size=10)
    images = np.random.RandomState(1).rand(23, 784).astype(np.float32)
    w1, b1, w2, b2 = [p.get_value().astype(np.float64) for p in net.params]
    want = np.argmax((1 / (1 + np.exp(-(images @ w1 + b1)))) @ w2 + b2, axis=1)
    np.testing.assert_array_equal(predict(net, images), want)


def test_ensemble_of_differently_seeded_networks_votes():
    training, validation, test = mnist_slices(40, 20, 20)
    nets, results = train_ensemble(
        lambda seed: shallow_network(seed=seed), [0, 1, 2],
        lambda net, k: net.SGD(training, 1, 10, 0.5, validation, test, report="quiet"))
    assert len(nets) == 3 and len(results) == 3
    assert not np.array_equal(nets[0].params[0].get_value(), nets[1].params[0].get_value())
    images = test[0].get_value()
    predictions = ensemble_predictions(nets, images)
    assert predictions.shape == (3, 20)
    np.testing.assert_array_equal(predictions[1], predict(nets[1], images))
    np.testing.assert_array_equal(vote(predictions), _vote_reference(predictions))


def test_confusion_matrix_counts_each_pair():
    labels = np.array([0, 1, 1, 2, 2, 2, 9])
    predicted = np.array([0, 1, 2, 2, 2, 0, 9])
    m = confusion_matrix(labels, predicted)
    want = np.zeros((10, 10), dtype=int)
    for t, p in zip(labels, predicted):
        want[t, p] += 1
    np.testing.assert_array_equal(m, want)
    text = format_confusion(m).splitlines()
    assert len(text) == 11 and text[0].startswith("true \\ predicted")
    assert text[3].split() == ["2", "1", "0", "2"] + ["0"] * 7
