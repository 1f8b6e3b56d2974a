"""Nothing is thrown away: every action that replaces the window's network can be undone, bit for bit."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QPushButton, QToolButton, QTreeWidget, QWidget

from digitlab.gui.app import create_window
from digitlab.model.network import Network
from digitlab.model.store import load_default, save


def same(a: Network, b: Network) -> bool:
    return a.layer_sizes == b.layer_sizes and all(
        np.array_equal(x, y) for x, y in zip([*a.weights, *a.biases], [*b.weights, *b.biases]))


def undo(qtbot, window) -> None:
    """Ctrl+Shift+Z, as the user presses it."""
    action = window.history.undo_action
    assert action.shortcut() == QKeySequence("Ctrl+Shift+Z") and action in QWidget.actions(window)
    action.trigger()


def train(qtbot, window, **changes) -> None:
    window.training.set_config(window.training.config().replace(**changes), preset="custom")
    qtbot.mouseClick(window.findChild(QToolButton, "train"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.active, timeout=60_000)


def test_new_network_open_and_a_run_can_each_be_undone_to_bit_identical_weights(qtbot, window, tmp_path):
    shipped = window.network.copy()
    assert same(shipped, load_default())
    window.actions["new_network"].trigger()  # Ctrl+N: no question asked, since it can be undone
    fresh = window.network.copy()
    assert not same(fresh, shipped)
    undo(qtbot, window)
    assert same(window.network, shipped)

    other = Network((784, 12, 10), activation="tanh", cost="cross_entropy", seed=3)
    save(other, tmp_path / "other.npz")
    assert window.open_model_file(tmp_path / "other.npz") and same(window.network, other)
    undo(qtbot, window)
    assert same(window.network, shipped)

    # a preset + Train replaces the network with a new shape; the run's end is an entry of its own
    train(qtbot, window, layer_sizes=(784, 16, 10), activation="sigmoid", cost="quadratic", optimizer="sgd",
          learning_rate=3.0, batch_size=50, epochs=1, augment=False)
    trained = window.network.copy()
    assert trained.layer_sizes == (784, 16, 10)
    entry = window.history.current
    assert entry.how.startswith("new 784-16-10 network trained") and entry.accuracy is not None
    undo(qtbot, window)
    assert same(window.network, shipped)
    undo(qtbot, window)  # each undo went back to the shipped one: there is nothing before it
    assert same(window.network, shipped) and not window.history.undo_action.isEnabled()
    panel = window.findChild(QTreeWidget, "historyList")  # ...but nothing was thrown away
    assert panel.topLevelItemCount() == len(window.history.entries) == 4


def test_go_back_to_any_entry_and_restore_the_shipped_model(qtbot, window):
    shipped = window.network.copy()
    window.actions["new_network"].trigger()
    first_new = window.network.copy()
    window.training.seed.setValue(7)
    window.actions["new_network"].trigger()
    panel = window.findChild(QTreeWidget, "historyList")
    # newest first: the current (seed 7), the seed 0 one, the shipped one
    assert "(current)" in panel.topLevelItem(0).text(0) and "seed 7" in panel.topLevelItem(0).text(3)
    panel.setCurrentItem(panel.topLevelItem(1))
    qtbot.mouseClick(window.findChild(QPushButton, "goBack"), Qt.MouseButton.LeftButton)
    assert same(window.network, first_new)
    qtbot.mouseClick(window.findChild(QPushButton, "restoreShipped"), Qt.MouseButton.LeftButton)
    assert same(window.network, shipped)
    assert window.history.current.how == "the shipped model" and window.history.current.accuracy > 0.99
    assert len(window.history.entries) == 3  # the shipped model again is not a new file


def test_retrain_and_undo_retrain_are_entries_too_and_the_history_outlives_the_window(qtbot, window, tmp_path,
                                                                                      small_mnist):
    window.network = Network((784, 16, 10), activation="sigmoid", cost="quadratic", seed=1)
    window.replace_network(window.network, "a small one")
    before = window.network.copy()
    x = small_mnist.test_x[:3]
    for image, label in zip(x, small_mnist.test_y[:3]):
        window.store.add(int(label), image.reshape(28, 28), [], predicted=None)
    window.samples.refresh()
    window.teacher.retrain(window.samples.retrain_config().replace(epochs=1, copies=4, max_rounds=1))
    qtbot.waitUntil(lambda: not window.session.active, timeout=60_000)
    retrained = window.network.copy()
    assert window.history.current.how.startswith("retrained on 3 of your samples")
    window.teacher.undo_retrain()
    assert same(window.network, before)
    undo(qtbot, window)  # undoing the undo brings the retrained network back
    assert same(window.network, retrained)
    window.close()

    again = create_window(data_dir=tmp_path, mnist_loader=lambda: small_mnist)
    qtbot.addWidget(again)
    hows = [e.how for e in again.history.entries]
    assert "a small one" in hows and any(h.startswith("retrained") for h in hows)
    assert same(again.network, retrained) and same(again.history.history.load(again.history.current), retrained)
    again.close()


def test_train_keeps_your_samples_in_the_mix_by_default(qtbot, window, small_mnist):
    keep = window.training.keep_samples
    assert keep.isChecked() and keep.isVisibleTo(window.training)
    for image, label in zip(small_mnist.test_x[:2], small_mnist.test_y[:2]):
        window.store.add(int(label), image.reshape(28, 28), [], predicted=None)
    started = []
    window.session.start = lambda recipe, *a: started.append(recipe.trainer(lambda: small_mnist)) or False
    window.start_training()
    assert len(started[-1].train_x) == len(small_mnist.train_x) + 2 * 10  # ten copies of each sample
    keep.setChecked(False)
    window.start_training()
    assert len(started[-1].train_x) == len(small_mnist.train_x)
