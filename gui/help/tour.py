"""A first-run guided tour: six callouts, each pointing at the part of the window it explains.

Draw here -> what the network sees -> its answer -> train and watch the cost -> one backprop step
-> teach it your handwriting. Each step is a ``TourStep`` (a title, a sentence or two, and a
function that finds its target widget); the ``Tour`` shows a callout beside the target and a frame
around it, with Back, Next and Skip. It is a child of the window (no extra top-level window, no
modality): the learner can try each step while the callout is up. Finishing or skipping it sets
the ``tourSeen`` flag (``gui.settings.app_settings``); Help > Guided tour starts it again.

Left out: arrows and animation. The frame does not take clicks (transparent for the mouse).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from digitlab.gui.settings import app_settings

SEEN_KEY = "tourSeen"
HIGHLIGHT = QColor(213, 94, 0)  # Okabe-Ito vermilion: visible on light and dark grounds


@dataclass(frozen=True)
class TourStep:
    title: str
    text: str
    target: Callable[[], QWidget | None]  # found when shown: docks may have moved
    prepare: Callable[[], None] | None = None  # e.g. bring a tabbed dock to the front


class _Frame(QWidget):
    """A rounded outline around the target; clicks go through it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)

    def paintEvent(self, event: QPaintEvent) -> None:
        with QPainter(self) as p:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(HIGHLIGHT, 3))
            p.drawRoundedRect(self.rect().adjusted(2, 2, -2, -2), 6, 6)


class Tour(QObject):
    """Walks ``steps`` over ``window``; ``start`` / ``next`` / ``back`` / ``skip``."""

    finished = Signal(bool)  # True when walked to the end, False when skipped

    def __init__(self, window: QWidget, steps: list[TourStep]) -> None:
        super().__init__(window)
        self._window = window
        self.steps = steps
        self.index = -1
        self.frame = _Frame(window)
        self.callout = QFrame(window, objectName="tourCallout")
        self.callout.setFrameShape(QFrame.Shape.StyledPanel)
        self.callout.setAutoFillBackground(True)
        self.callout.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.callout.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.count = QLabel(objectName="tourCount")
        self.title = QLabel(objectName="tourTitle", wordWrap=True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.text = QLabel(objectName="tourText", wordWrap=True)
        self.text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        for label in (self.count, self.title, self.text):
            label.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.back_button = QPushButton("Back", objectName="tourBack")
        self.next_button = QPushButton("Next", objectName="tourNext")
        self.skip_button = QPushButton("Skip tour", objectName="tourSkip")
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.skip_button.clicked.connect(self.skip)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        column = QVBoxLayout(self.callout)
        column.addWidget(self.count)
        column.addWidget(self.title)
        column.addWidget(self.text)
        column.addLayout(buttons)
        self.callout.hide()
        self.frame.hide()
        window.installEventFilter(self)  # follow the window's resizes

    @property
    def active(self) -> bool:
        return self.index >= 0

    @Slot()
    def start(self) -> None:
        self._show(0)

    @Slot()
    def next(self) -> None:
        if self.index + 1 >= len(self.steps):
            self._end(completed=True)
        else:
            self._show(self.index + 1)

    @Slot()
    def back(self) -> None:
        if self.index > 0:
            self._show(self.index - 1)

    @Slot()
    def skip(self) -> None:
        self._end(completed=False)

    def _end(self, completed: bool) -> None:
        self.index = -1
        self.callout.hide()
        self.frame.hide()
        settings = app_settings()
        settings.setValue(SEEN_KEY, True)
        settings.sync()
        self.finished.emit(completed)

    def _show(self, index: int) -> None:
        self.index = index
        step = self.steps[index]
        if step.prepare is not None:
            step.prepare()
        last = index == len(self.steps) - 1
        self.count.setText(f"Step {index + 1} of {len(self.steps)}")
        self.title.setText(step.title)
        self.text.setText(step.text)
        self.back_button.setEnabled(index > 0)
        self.next_button.setText("Finish" if last else "Next")
        self.skip_button.setVisible(not last)
        self.callout.show()
        self.callout.raise_()
        self.place()

    def place(self) -> None:
        """The callout beside its target (right, left, below or above, whichever has room)."""
        if not self.active:
            return
        win = self._window.rect()
        target = self.steps[self.index].target()
        if target is not None and target.isVisible():
            rect = QRect(target.mapTo(self._window, QPoint(0, 0)), target.size()).intersected(win)
        else:
            rect = QRect(win.center(), win.center())
        self.frame.setGeometry(rect.adjusted(-3, -3, 3, 3))
        self.frame.setVisible(target is not None and not rect.isEmpty())
        self.frame.raise_()
        em = self.callout.fontMetrics().horizontalAdvance("M")
        width = min(max(24 * em, 260), win.width() - 16)
        height = max(self.callout.heightForWidth(width), self.callout.minimumSizeHint().height())
        gap = 12
        candidates = [
            QPoint(rect.right() + gap, rect.top()),  # right
            QPoint(rect.left() - gap - width, rect.top()),  # left
            QPoint(rect.left(), rect.bottom() + gap),  # below
            QPoint(rect.left(), rect.top() - gap - height),  # above
        ]
        for spot in candidates:
            box = QRect(spot, QPoint(spot.x() + width - 1, spot.y() + height - 1))
            if win.contains(box):
                break
        else:  # no room beside it: over its lower right part
            box = QRect(rect.right() - width, rect.bottom() - height, width, height)
        box.moveLeft(max(8, min(box.left(), win.width() - width - 8)))
        box.moveTop(max(8, min(box.top(), win.height() - height - 8)))
        self.callout.setGeometry(box)
        self.callout.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest) and self.active:
            self.place()
        return False


def tour_seen() -> bool:
    value = app_settings().value(SEEN_KEY, False)
    return value in (True, "true", "1", 1)
