"""The confusion matrix, the error browser and a neuron's images, driven with the mouse and keys."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from digitlab.gui.evaluation.evaluation_panel import TOP_IMAGES, EvaluationPanel
from digitlab.model.data import MNIST
from digitlab.model.evaluation import confusion_matrix, evaluate, neuron_top_images
from digitlab.model.network import Network
from digitlab.model.store import load_default


@pytest.fixture(scope="module")
def shipped() -> Network:
    return load_default()


@pytest.fixture
def panel(qtbot, mnist: MNIST):
    p = EvaluationPanel()
    qtbot.addWidget(p)
    p.resize(1100, 420)
    p.set_data(mnist)
    yield p
    p.shutdown()


def show_matrix(qtbot, panel: EvaluationPanel, net: Network) -> None:
    panel.set_network(net)
    with qtbot.waitExposed(panel):
        panel.show()
    qtbot.waitUntil(panel.matrix.has_counts, timeout=10_000)


def click_cell(qtbot, panel: EvaluationPanel, true: int, answer: int) -> None:
    grid = panel.matrix.grid
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=panel.matrix.cell_rect(true, answer).center())


def test_the_matrix_is_the_network_s_own_answers_on_the_test_set(qtbot, panel, shipped, mnist) -> None:
    show_matrix(qtbot, panel, shipped)
    counts = panel.matrix.counts()
    assert counts.shape == (10, 10) and counts.dtype.kind == "i"
    assert counts.sum() == 10_000
    predicted = shipped.predict(mnist.test_x)
    assert np.array_equal(counts, confusion_matrix(mnist.test_y, predicted))
    _, accuracy = shipped.evaluate(mnist.test_x, mnist.test_y)
    assert np.trace(counts) / 10_000 == pytest.approx(accuracy)
    assert f"{accuracy:.2%}" in panel.matrix.status.text()


def test_an_evaluation_made_elsewhere_is_taken_only_for_the_panel_s_test_set(qtbot, panel, shipped, mnist) -> None:
    # the trainer's at an epoch's end: taken as is when its labels are the panel's test set's
    other = evaluate(shipped, mnist.test_x[:100], mnist.test_y[:100])
    panel.set_network(shipped, test=other)
    assert panel.evaluation("test") is None  # another set's: not shown as this one's
    full = evaluate(shipped, mnist.test_x, mnist.test_y)
    panel.set_network(shipped, test=full)
    assert panel.evaluation("test") is full
    with qtbot.waitExposed(panel):
        panel.show()
    assert np.array_equal(panel.matrix.counts(), full.counts) and not panel.busy  # nothing computed again


def test_clicking_a_cell_lists_exactly_its_images_most_confident_first(qtbot, panel, shipped, mnist) -> None:
    show_matrix(qtbot, panel, shipped)
    counts = panel.matrix.counts()
    off = counts - np.diag(np.diag(counts))
    t, p = (int(v) for v in np.unravel_index(np.argmax(off), off.shape))  # the most frequent mistake
    click_cell(qtbot, panel, t, p)
    assert panel.matrix.selected == (t, p)
    shown = panel.browser.indices()
    predicted = shipped.predict(mnist.test_x)
    assert sorted(shown.tolist()) == np.flatnonzero((mnist.test_y == t) & (predicted == p)).tolist()
    confidence = shipped.predict_proba(mnist.test_x[shown]).max(axis=1)
    assert (np.diff(confidence) <= 1e-6).all()
    assert panel.browser.thumbs.model().rowCount() == len(shown) == counts[t, p]
    assert f"{len(shown)} images of {t} read as {p}" in panel.browser.title.text()


def test_an_empty_cell_says_so(qtbot, panel, shipped) -> None:
    show_matrix(qtbot, panel, shipped)
    counts = panel.matrix.counts()
    t, p = next((t, p) for t in range(10) for p in range(10) if counts[t, p] == 0)
    click_cell(qtbot, panel, t, p)
    assert panel.browser.indices().size == 0
    assert "No image" in panel.browser.title.text()
    assert f"No {t} in MNIST test was read as {p}" in panel.browser.thumbs.empty_text
    assert not panel.browser.keep_button.isEnabled()


def test_arrow_keys_move_through_the_grid_and_enter_picks_an_image(qtbot, panel, shipped, mnist) -> None:
    show_matrix(qtbot, panel, shipped)
    click_cell(qtbot, panel, 8, 8)  # many images: a grid of several rows
    thumbs = panel.browser.thumbs
    thumbs.setFocus()
    assert panel.browser.current_row() == 0
    qtbot.keyClick(thumbs, Qt.Key.Key_Right)
    qtbot.keyClick(thumbs, Qt.Key.Key_Right)
    assert panel.browser.current_row() == 2
    with qtbot.waitSignal(panel.example_chosen) as chosen:
        qtbot.keyClick(thumbs, Qt.Key.Key_Return)
    x, label = chosen.args
    i = panel.browser.indices()[2]
    assert np.array_equal(x, mnist.test_x[i]) and label == mnist.test_y[i] == 8
    qtbot.keyClick(thumbs, Qt.Key.Key_Down)  # a row further: past the cards of this row
    assert panel.browser.current_row() > 2


def test_clicking_an_image_picks_it_and_keep_asks_for_a_sample(qtbot, panel, shipped, mnist) -> None:
    show_matrix(qtbot, panel, shipped)
    counts = panel.matrix.counts()
    off = counts - np.diag(np.diag(counts))
    t, p = (int(v) for v in np.unravel_index(np.argmax(off), off.shape))
    click_cell(qtbot, panel, t, p)
    browser = panel.browser
    with qtbot.waitSignal(panel.example_chosen) as chosen:
        qtbot.mouseClick(browser.thumbs.viewport(), Qt.MouseButton.LeftButton, pos=browser.item_rect(1).center())
    i = browser.indices()[1]
    assert np.array_equal(chosen.args[0], mnist.test_x[i]) and chosen.args[1] == t
    with qtbot.waitSignal(panel.keep_requested) as kept:
        qtbot.mouseClick(browser.keep_button, Qt.MouseButton.LeftButton)
    image, label = kept.args
    assert image.shape == (28, 28) and np.array_equal(image.reshape(-1), mnist.test_x[i]) and label == t


def test_the_switch_shows_the_matrix_of_your_samples(qtbot, panel, shipped, mnist) -> None:
    show_matrix(qtbot, panel, shipped)
    button = panel.matrix.findChild(QPushButton, "set_samples")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "No samples yet" in panel.matrix.status.text() and not panel.matrix.has_counts()
    x, y = mnist.train_x[:37], mnist.train_y[:37]
    panel.set_samples(x, y)
    qtbot.waitUntil(panel.matrix.has_counts, timeout=10_000)
    assert np.array_equal(panel.matrix.counts(), confusion_matrix(y, shipped.predict(x)))
    click_cell(qtbot, panel, int(y[0]), int(shipped.predict(x[:1])[0]))
    assert 0 in panel.browser.indices() and not panel.browser.keep_button.isEnabled()  # a sample already
    qtbot.mouseClick(panel.matrix.findChild(QPushButton, "set_test"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.matrix.counts().sum() == 10_000, timeout=10_000)


def test_a_network_that_changes_while_computing_never_shows_a_mix(qtbot, panel, mnist) -> None:
    a = Network([784, 16, 10], activation="sigmoid", cost="quadratic", seed=1)
    b = Network([784, 16, 10], activation="sigmoid", cost="quadratic", seed=2)
    counts_a = confusion_matrix(mnist.test_y, a.predict(mnist.test_x))
    counts_b = confusion_matrix(mnist.test_y, b.predict(mnist.test_x))
    assert not np.array_equal(counts_a, counts_b)
    shown: list[np.ndarray] = []
    original = panel.matrix.set_counts
    panel.matrix.set_counts = lambda c: (shown.append(None if c is None else np.array(c)), original(c))
    with qtbot.waitExposed(panel):
        panel.show()
    panel.set_network(a)
    time.sleep(0.5)  # a's result is computed and waits in the event queue...
    panel.set_network(b)  # ...when the network changes: it must be dropped
    qtbot.waitUntil(panel.matrix.has_counts, timeout=10_000)
    qtbot.wait(200)
    assert np.array_equal(panel.matrix.counts(), counts_b)
    assert all(c is None or np.array_equal(c, counts_b) for c in shown)


def test_a_neuron_s_top_images_and_its_weights(qtbot, panel, shipped, mnist) -> None:
    show_matrix(qtbot, panel, shipped)
    panel.show_neuron(0, 37)
    images = panel.neuron_images
    qtbot.waitUntil(lambda: images.neuron == (0, 37), timeout=10_000)
    expected = neuron_top_images(shipped, mnist.test_x, 0, 37, TOP_IMAGES)
    assert np.array_equal(images.indices(), expected.indices) and len(expected.indices) == TOP_IMAGES
    assert images.shows_weights  # the first layer's tile beside them
    panel.show_neuron(1, 3)  # a deeper neuron: images alone
    qtbot.waitUntil(lambda: images.neuron == (1, 3), timeout=10_000)
    assert not images.shows_weights
    assert np.array_equal(images.indices(), neuron_top_images(shipped, mnist.test_x, 1, 3, TOP_IMAGES).indices)


def test_a_neuron_is_recomputed_for_a_new_network(qtbot, panel, mnist) -> None:
    a = Network([784, 16, 10], seed=1)
    b = Network([784, 16, 10], seed=2)
    show_matrix(qtbot, panel, a)
    panel.show_neuron(0, 2)
    qtbot.waitUntil(lambda: panel.neuron_images.neuron == (0, 2), timeout=10_000)
    first = panel.neuron_images.indices()
    panel.set_network(b)
    expected = neuron_top_images(b, mnist.test_x, 0, 2, TOP_IMAGES).indices
    assert not np.array_equal(first, expected)
    qtbot.waitUntil(lambda: np.array_equal(panel.neuron_images.indices(), expected), timeout=10_000)


def test_nothing_is_computed_while_hidden(qtbot, panel, mnist) -> None:
    panel.set_network(Network([784, 16, 10], seed=1))
    qtbot.wait(300)
    assert not panel.matrix.has_counts() and not panel.busy
    with qtbot.waitExposed(panel):
        panel.show()
    qtbot.waitUntil(panel.matrix.has_counts, timeout=10_000)


def test_in_the_dark_theme_the_margins_percentages_read_on_a_dark_ground(qtbot, panel, shipped) -> None:
    from digitlab.gui.appearance.contrast import AA, contrast_ratio
    from digitlab.gui.appearance.theme import palette_for

    panel.setPalette(palette_for(True))
    show_matrix(qtbot, panel, shipped)
    grid = panel.matrix.grid
    image = grid.grab().toImage()
    last = grid.cell_rect(0, 9)
    margin = image.pixelColor(last.right() + 6, last.top() + 3)  # the row's "right" margin, beside its text
    text = panel.palette().color(panel.palette().ColorRole.Text)
    assert contrast_ratio(text, margin) >= AA
