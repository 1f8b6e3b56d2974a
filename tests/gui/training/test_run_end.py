"""A run's end: the last step's changes stay visible, the message gives the final test figures, the
status and curves belong to the current network; the speed slider moves one speed per click."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSlider, QToolButton


def test_the_last_steps_changes_stay_shown_and_the_end_says_the_final_accuracy(qtbot, window):
    window.docks["network"].show()
    window.network_view.set_mode("changes")
    window.training.set_config(window.training.config().replace(
        layer_sizes=(784, 16, 16, 10), activation="sigmoid", cost="quadratic", optimizer="sgd",
        learning_rate=3.0, batch_size=50, epochs=2, augment=False), preset="custom")
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    qtbot.mouseClick(window.findChild(QToolButton, "train"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.active, timeout=60_000)
    assert any(h.any() for h in window.network_view.highlighted)  # the last step's largest changes
    end = next(m for m in messages if m.startswith("Training finished"))
    assert "test accuracy" in end and "test cost" in end and "after epoch 2" in end
    assert window.history.current.accuracy == pytest.approx(window.plots.last_epoch.test_accuracy)

    # opening another network: the curves and the status are of that network now, the run kept to compare
    window.actions["new_network"].trigger()
    assert window.plots.n_steps == 0 and window.plots.last_epoch is None
    assert window.training.status.text() == "" and window.training.progress.format() == "not started"
    assert len(window.plots.runs) == 1 and window.plots.compare_curve.isVisible()


def test_a_click_on_the_speed_track_moves_one_speed(window):
    slider = window.training.findChild(QSlider, "speed")
    top = slider.maximum()
    assert slider.value() == top  # full speed
    slider.triggerAction(QSlider.SliderAction.SliderPageStepSub)  # what a click on the track does
    assert slider.value() == top - 1 and window.training.steps_per_second() == 100
