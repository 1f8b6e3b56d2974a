"""The confusion matrix, its cells and a neuron's top images, checked against the network itself."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.model.data import MNIST
from digitlab.model.evaluation import (
    confusion_matrix,
    evaluate,
    format_per_digit,
    neuron_top_images,
    per_answer_precision,
    per_digit_accuracy,
)
from digitlab.model.network import Network
from digitlab.model.store import load_default


@pytest.fixture(scope="module")
def shipped() -> Network:
    return load_default()


def test_the_matrix_of_the_test_set_is_the_network_s_own_predictions(shipped, mnist: MNIST) -> None:
    ev = evaluate(shipped, mnist.test_x, mnist.test_y)
    counts = ev.counts
    assert counts.shape == (10, 10) and counts.dtype.kind == "i"
    assert counts.sum() == 10_000
    predicted = shipped.predict(mnist.test_x)
    assert np.array_equal(ev.predicted, predicted)
    # the diagonal is the test accuracy, the rows are the labels' counts, the columns the answers'
    _, accuracy = shipped.evaluate(mnist.test_x, mnist.test_y)
    assert np.trace(counts) / 10_000 == pytest.approx(accuracy)
    assert ev.accuracy == pytest.approx(accuracy)
    assert np.array_equal(counts.sum(axis=1), np.bincount(mnist.test_y, minlength=10))
    assert np.array_equal(counts.sum(axis=0), np.bincount(predicted, minlength=10))
    for t in range(10):
        for p in range(10):
            assert counts[t, p] == np.sum((mnist.test_y == t) & (predicted == p))


def test_chunks_do_not_change_the_answers(mnist: MNIST) -> None:
    net = Network([784, 16, 16, 10], activation="sigmoid", cost="quadratic", seed=3)
    whole = evaluate(net, mnist.test_x[:1000], mnist.test_y[:1000])
    chunked = evaluate(net, mnist.test_x[:1000], mnist.test_y[:1000], chunk=333)
    assert np.array_equal(whole.answers, chunked.answers)
    np.testing.assert_allclose(whole.activations, chunked.activations, rtol=1e-6)


def test_the_top_two_answers_are_the_two_largest_outputs(mnist: MNIST) -> None:
    net = Network([784, 32, 10], activation="relu", cost="cross_entropy", seed=1)
    x = mnist.test_x[:500]
    ev = evaluate(net, x, mnist.test_y[:500])
    out = net.predict_proba(x)
    expected = np.argsort(-out, axis=1, kind="stable")[:, :2]
    assert np.array_equal(ev.answers, expected)
    np.testing.assert_allclose(ev.activations, np.take_along_axis(out, expected, axis=1), rtol=1e-6)
    assert (ev.activations[:, 0] >= ev.activations[:, 1]).all()


def test_a_cell_lists_exactly_its_images_most_confident_first(shipped, mnist: MNIST) -> None:
    ev = evaluate(shipped, mnist.test_x, mnist.test_y)
    counts = ev.counts
    off = counts - np.diag(np.diag(counts))
    t, p = np.unravel_index(np.argmax(off), off.shape)  # the most frequent mistake
    cell = ev.cell(int(t), int(p))
    assert len(cell) == counts[t, p] > 1
    out = shipped.predict_proba(mnist.test_x[cell])
    assert (mnist.test_y[cell] == t).all() and (out.argmax(axis=1) == p).all()
    expected = set(np.flatnonzero((mnist.test_y == t) & (shipped.predict(mnist.test_x) == p)))
    assert set(cell.tolist()) == expected
    confidence = out.max(axis=1)
    assert (np.diff(confidence) <= 1e-6).all()  # most confident first


def test_an_empty_cell_is_empty(mnist: MNIST) -> None:
    ev = evaluate(load_default(), mnist.test_x[:200], mnist.test_y[:200])
    empty = [(t, p) for t in range(10) for p in range(10) if ev.counts[t, p] == 0]
    assert empty
    assert ev.cell(*empty[0]).size == 0


def test_per_digit_accuracy_and_precision_on_a_hand_made_matrix() -> None:
    labels = np.array([0, 0, 0, 1, 1, 2])
    predicted = np.array([0, 0, 1, 1, 0, 2])
    counts = confusion_matrix(labels, predicted)
    assert counts[0, 0] == 2 and counts[0, 1] == 1 and counts[1, 0] == 1 and counts[2, 2] == 1
    acc = per_digit_accuracy(counts)
    np.testing.assert_allclose(acc[:3], [2 / 3, 1 / 2, 1])
    assert np.isnan(acc[3:]).all()  # no examples of 3..9
    prec = per_answer_precision(counts)
    np.testing.assert_allclose(prec[:3], [2 / 3, 1 / 2, 1])


def test_an_empty_set_gives_an_empty_matrix() -> None:
    net = Network([784, 8, 10], seed=0)
    ev = evaluate(net, np.zeros((0, 784), np.float32), np.zeros(0, np.uint8))
    assert ev.counts.sum() == 0 and ev.accuracy == 0.0 and np.isnan(ev.per_digit).all()


def test_bad_inputs_are_refused() -> None:
    net = Network([784, 8, 10], seed=0)
    with pytest.raises(ValueError, match="labels"):
        evaluate(net, np.zeros((3, 784), np.float32), np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match="0..9"):
        confusion_matrix(np.array([10]), np.array([0]))
    with pytest.raises(ValueError, match="layer"):
        neuron_top_images(net, np.zeros((3, 784), np.float32), 2, 0)
    with pytest.raises(ValueError, match="neurons"):
        neuron_top_images(net, np.zeros((3, 784), np.float32), 0, 8)


@pytest.mark.parametrize("deskew", [False, True])
@pytest.mark.parametrize("layer", [0, 1, 2])
def test_a_neuron_s_top_images_are_those_that_excite_it_most(mnist: MNIST, layer: int, deskew: bool) -> None:
    net = Network([784, 24, 12, 10], activation="sigmoid", cost="cross_entropy", seed=2, deskew=deskew)
    x = mnist.test_x[:2000]
    j = 5
    top = neuron_top_images(net, x, layer, j, k=12)
    a = net.forward(x).activations[layer + 1][:, j]  # the reference: a full forward pass (deskewing too)
    assert len(top.indices) == 12 and (top.layer, top.neuron) == (layer, j)
    np.testing.assert_allclose(top.activations, a[top.indices], rtol=1e-5, atol=1e-7)
    assert (np.diff(top.activations) <= 0).all()
    # nothing left out excites it more than the least of those kept
    rest = np.setdiff1d(np.arange(len(x)), top.indices)
    assert a[rest].max() <= top.activations[-1] + 1e-6


def test_fewer_images_than_asked_gives_them_all(mnist: MNIST) -> None:
    net = Network([784, 8, 10], seed=0)
    top = neuron_top_images(net, mnist.test_x[:5], 0, 1, k=16)
    assert sorted(top.indices.tolist()) == [0, 1, 2, 3, 4]


def test_per_digit_text_names_every_digit() -> None:
    acc = np.array([0.996, 1.0, 0.5, np.nan, 0, 0, 0, 0, 0, 0.25])
    text = format_per_digit(acc)
    assert text.startswith("0 99.6 \u00b7 1 100.0 \u00b7 2 50.0 \u00b7 3 - \u00b7 4 0.0")
    assert "9 25.0" in text
