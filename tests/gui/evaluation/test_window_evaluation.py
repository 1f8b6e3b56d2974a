""""Where it goes wrong" in the main window: an MNIST error becomes the input, a sample, a neuron's images."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton

MNIST_SUBSET = (2_000, 1_000)  # training and test images (tests/gui/conftest.py)


@pytest.fixture
def window(qtbot, open_window):
    w = open_window()
    qtbot.waitUntil(lambda: w.evaluation.set_arrays("test") is not None, timeout=10_000)
    return w


def open_matrix(qtbot, window) -> None:
    window.docks["evaluation"].raise_()
    qtbot.waitUntil(window.evaluation.matrix.has_counts, timeout=10_000)


def pick_most_frequent_mistake(qtbot, window) -> tuple[int, int]:
    matrix = window.evaluation.matrix
    counts = matrix.counts()
    off = counts - np.diag(np.diag(counts))
    t, p = (int(v) for v in np.unravel_index(np.argmax(off), off.shape))
    qtbot.mouseClick(matrix.grid, Qt.MouseButton.LeftButton, pos=matrix.cell_rect(t, p).center())
    return t, p


def test_the_dock_shows_the_matrix_of_the_window_s_network(qtbot, window, small_mnist) -> None:
    open_matrix(qtbot, window)
    counts = window.evaluation.matrix.counts()
    predicted = window.network.predict(small_mnist.test_x)
    assert counts.sum() == 1000 and np.trace(counts) == (predicted == small_mnist.test_y).sum()


def test_picking_an_error_feeds_the_whole_window(qtbot, window, small_mnist) -> None:
    open_matrix(qtbot, window)
    t, p = pick_most_frequent_mistake(qtbot, window)
    browser = window.evaluation.browser
    qtbot.mouseClick(browser.thumbs.viewport(), Qt.MouseButton.LeftButton, pos=browser.item_rect(0).center())
    x = small_mnist.test_x[browser.indices()[0]]
    # what the network sees: the image itself, deskewed when the network deskews its input
    assert np.array_equal(window.preview.shown_input.reshape(-1), window.network.inputs(x)[0])
    assert window.prediction.predicted_digit == p  # the bars: its wrong answer
    shown_x, label = window.network_view.input
    assert np.array_equal(shown_x, x) and label == t  # the network view, with the nudges of the truth
    assert window.step_through.label_spin.value() == t  # the step-through's example
    assert window.canvas.is_empty()
    qtbot.wait(50)  # the cleared canvas's prediction must not replace it
    assert window.prediction.predicted_digit == p


def test_keep_as_a_sample_adds_it_with_its_true_label(qtbot, window, small_mnist) -> None:
    open_matrix(qtbot, window)
    t, p = pick_most_frequent_mistake(qtbot, window)
    browser = window.evaluation.browser
    qtbot.mouseClick(browser.thumbs.viewport(), Qt.MouseButton.LeftButton, pos=browser.item_rect(0).center())
    qtbot.mouseClick(browser.keep_button, Qt.MouseButton.LeftButton)
    samples = window.store.all()
    assert len(samples) == 1 and samples[0].label == t and samples[0].predicted == p
    assert np.array_equal(samples[0].image.reshape(-1), small_mnist.test_x[browser.indices()[0]])
    assert [s.id for s in window.samples.visible_samples()] == [samples[0].id]
    # the new sample is in the "Your samples" matrix
    qtbot.mouseClick(window.evaluation.matrix.findChild(type(browser.keep_button), "set_samples"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.evaluation.matrix.has_counts, timeout=10_000)
    assert window.evaluation.matrix.counts()[t, p] == 1
    # it has no strokes: opening it from the gallery shows its image as the input
    window.recognition.show_input(small_mnist.test_x[999], None)
    gallery = window.samples.gallery
    gallery.setCurrentIndex(gallery.model().index(0, 0))
    gallery.setFocus()
    qtbot.keyClick(gallery, Qt.Key.Key_Return)
    seen = window.network.inputs(samples[0].image.reshape(-1))[0]  # deskewed at feed time, if at all
    assert np.array_equal(window.preview.shown_input.reshape(-1), seen)
    assert window.network_view.input[1] == t


def test_clicking_a_tile_shows_what_the_neuron_looks_for(qtbot, window) -> None:
    view = window.network_view
    j = int(view.tile_order[0])
    qtbot.mouseClick(view.tile_grid, Qt.MouseButton.LeftButton, pos=view.tile_grid.pixel_center(j, 14 * 28 + 14))
    assert window.docks["evaluation"].isVisible()
    images = window.evaluation.neuron_images
    qtbot.waitUntil(lambda: images.neuron == (0, j), timeout=10_000)
    assert images.shows_weights and len(images.indices()) == 16


def test_a_run_recomputes_the_matrix_and_ends_with_per_digit_accuracy(qtbot, window, small_mnist) -> None:
    window.training.set_config(window.training.config().replace(
        layer_sizes=(784, 16, 16, 10), activation="sigmoid", cost="quadratic", optimizer="sgd",
        learning_rate=3.0, batch_size=20, epochs=2, augment=False), preset="custom")
    window.training.speed.setValue(window.training.speed.maximum())
    open_matrix(qtbot, window)
    generation = window.evaluation.generation
    qtbot.mouseClick(window.findChild(QToolButton, "train"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.active, timeout=30_000)
    # start, two epoch ends, the end of the run: each gives the matrix a new network
    assert window.evaluation.generation >= generation + 3
    status = window.statusBar()
    qtbot.waitUntil(lambda: "per digit" in status.currentMessage(), timeout=10_000)
    assert "on MNIST test" in status.currentMessage() and "9 " in status.currentMessage()
    qtbot.waitUntil(lambda: window.evaluation.evaluation("test") is not None, timeout=10_000)
    counts = window.evaluation.matrix.counts()
    assert np.array_equal(counts.sum(axis=1), np.bincount(small_mnist.test_y, minlength=10))
    predicted = window.network.predict(small_mnist.test_x)
    assert np.trace(counts) == (predicted == small_mnist.test_y).sum()  # the trained network's
    assert window.findChild(QLabel, "matrixStatus").text().endswith("read right")


def test_while_training_the_test_matrix_comes_from_the_trainer_s_epochs(qtbot, window, small_mnist,
                                                                       monkeypatch) -> None:
    # the trainer runs the test set through each epoch's network anyway: the window does not run
    # it again, nor over a run's starting network, about to change
    import digitlab.gui.evaluation.evaluation_panel as panel_module

    open_matrix(qtbot, window)
    qtbot.waitUntil(lambda: not window.evaluation.busy, timeout=10_000)
    passes: list[int] = []
    real = panel_module.evaluate
    monkeypatch.setattr(panel_module, "evaluate", lambda net, x, y, *a, **k: passes.append(len(x)) or real(net, x, y, *a, **k))
    window.training.set_config(window.training.config().replace(
        layer_sizes=(784, 16, 16, 10), activation="sigmoid", cost="quadratic", optimizer="sgd",
        learning_rate=3.0, batch_size=20, epochs=2, augment=False), preset="custom")
    window.training.speed.setValue(window.training.speed.maximum())
    shown = []
    window.evaluation.test_evaluated.connect(lambda ev: shown.append(ev.accuracy))
    qtbot.mouseClick(window.findChild(QToolButton, "train"), Qt.MouseButton.LeftButton)
    status = window.findChild(QLabel, "matrixStatus")
    assert "each epoch's end" in status.text()
    qtbot.waitUntil(lambda: not window.session.active, timeout=30_000)
    qtbot.waitUntil(lambda: window.evaluation.evaluation("test") is not None, timeout=10_000)
    assert len(shown) >= 2 and passes == []  # both epochs' matrices, and no pass of the window's own
    counts = window.evaluation.matrix.counts()
    predicted = window.network.predict(small_mnist.test_x)
    assert np.trace(counts) == (predicted == small_mnist.test_y).sum()  # the trained network's
    assert status.text().endswith("read right")
