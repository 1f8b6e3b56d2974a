"""The canvas's keys wherever the keyboard focus is: Esc/Delete clear, Ctrl+Z undoes, E toggles the
eraser, a digit key keeps the drawing as a sample of that digit.

The drawing actions' own shortcuts act while the drawing panel has the focus. Anywhere else in the
window (a button, a slider, the curves, a combo box) the key first goes to the focused widget:
``CanvasKeys`` watches that one widget (it moves its event filter with ``focusChanged``, so no
application-wide filter sees every event) and turns these keys into the same actions. It leaves
them alone while a text or number field has the focus (typing "3" in the learning rate must not
label the drawing) and inside a widget whose ``ownKeys`` property is set (the samples gallery,
where digits relabel and Delete deletes samples). Shortcuts with other contexts (the samples
panel's Ctrl+Z) are dispatched before key presses and are not affected.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QKeySequenceEdit,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

OWN_KEYS = "ownKeys"  # a widget property: True where the canvas keys mean something else
_CHORD = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


def is_text_field(widget: QWidget | None) -> bool:
    """A widget where keys are typed: line and text edits, spin boxes, editable combo boxes."""
    if widget is None:
        return False
    parent = widget.parentWidget()
    if isinstance(widget, QLineEdit) and isinstance(parent, (QAbstractSpinBox, QComboBox)):
        widget = parent  # the field inside a spin box or a combo box
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    return isinstance(widget, (QLineEdit, QAbstractSpinBox, QKeySequenceEdit))


def keeps_own_keys(widget: QWidget | None) -> bool:
    while widget is not None and not widget.isWindow():
        if widget.property(OWN_KEYS):
            return True
        widget = widget.parentWidget()
    return False


class CanvasKeys(QObject):
    """Routes the canvas keys from whatever has the focus in ``window`` to the drawing actions."""

    def __init__(self, window: QWidget, actions: dict[str, QAction], label: Callable[[int], None]) -> None:
        super().__init__(window)
        self._window = window
        self._actions = actions
        self._label = label
        self._watched: QWidget | None = None
        window.installEventFilter(self)  # keys with no focus widget go to the window itself
        QApplication.instance().focusChanged.connect(self._on_focus)

    @Slot(QWidget, QWidget)
    def _on_focus(self, old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:  # already deleted
                pass
            self._watched = None
        if new is not None and new is not self._window and new.window() is self._window:
            new.installEventFilter(self)
            self._watched = new

    def command_for(self, event: QKeyEvent) -> Callable[[], None] | None:
        """What the key does to the drawing, or None when it is not a canvas key."""
        key, text, mods = event.key(), event.text(), event.modifiers()
        if event.matches(QKeySequence.StandardKey.Undo):
            return self._actions["undo"].trigger
        if mods & _CHORD:
            return None
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Delete):
            return self._actions["clear"].trigger
        if key == Qt.Key.Key_E and not mods & Qt.KeyboardModifier.ShiftModifier:
            return self._actions["eraser"].trigger
        if len(text) == 1 and text in "0123456789":  # Shift may be how a digit is typed (AZERTY)
            digit = int(text)
            return lambda: self._label(digit)
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        focus = QApplication.focusWidget()
        if is_text_field(focus) or keeps_own_keys(focus):
            return False
        command = self.command_for(event)
        if command is None or not self._actions["clear"].isEnabled():
            return False
        command()
        return True
