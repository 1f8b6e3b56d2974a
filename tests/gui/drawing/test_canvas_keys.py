"""The canvas's keys work wherever the focus is in the window, except while a field is edited."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

MNIST_SUBSET = (200, 100)  # training and test images (tests/gui/conftest.py)


@pytest.fixture
def window(open_window):
    w = open_window()
    w.activateWindow()
    return w


def scribble(qtbot, canvas) -> None:
    c = canvas.rect().center()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=c)
    qtbot.mouseMove(canvas, c + QPoint(20, 30))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=c + QPoint(20, 30))
    assert not canvas.is_empty()


def focus(qtbot, widget) -> None:
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


@pytest.mark.parametrize("key", [Qt.Key.Key_Escape, Qt.Key.Key_Delete])
def test_esc_and_delete_clear_the_canvas_after_clicking_elsewhere(qtbot, window, key) -> None:
    scribble(qtbot, window.canvas)
    for elsewhere in (window.training.train_button, window.training.preset, window.training.speed):
        focus(qtbot, elsewhere)
        scribble(qtbot, window.canvas)
        focus(qtbot, elsewhere)
        qtbot.keyClick(elsewhere, key)
        assert window.canvas.is_empty(), type(elsewhere).__name__


def test_undo_and_digit_keys_work_from_another_panel(qtbot, window) -> None:
    scribble(qtbot, window.canvas)
    scribble(qtbot, window.canvas)
    button = window.training.train_button
    focus(qtbot, button)
    qtbot.keyClick(button, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.canvas.strokes()) == 1
    qtbot.waitUntil(lambda: window.prediction.predicted_digit is not None)
    focus(qtbot, window.training.preset)  # a combo box would take "7" to search its items
    qtbot.keyClick(window.training.preset, Qt.Key.Key_7)
    assert [s.label for s in window.store.all()] == [7]
    assert window.canvas.is_empty()


def test_keys_typed_into_a_field_stay_in_the_field(qtbot, window) -> None:
    scribble(qtbot, window.canvas)
    field = window.training.layers
    focus(qtbot, field)
    field.selectAll()
    qtbot.keyClicks(field, "784-30-10")
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    qtbot.keyClick(field, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the field's own undo
    assert not window.canvas.is_empty() and len(window.store) == 0
    spin = window.training.epochs
    focus(qtbot, spin)
    qtbot.keyClick(spin, Qt.Key.Key_Delete)
    qtbot.keyClick(spin, Qt.Key.Key_3)
    assert not window.canvas.is_empty() and len(window.store) == 0
