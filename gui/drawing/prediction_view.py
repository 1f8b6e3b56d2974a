"""The network's answer: its ten output activations as bars, the guess in words, and label buttons.

Above the bars a large label gives the guess and its confidence in words that are true for the
output layer. For a softmax output layer (the cross-entropy cost) the ten outputs sum to 1 and the
figure is a probability: "7, 93%" (never "100%" unless it is 1: "> 99.9%"). For sigmoid outputs
(the quadratic cost) each is an independent activation in [0, 1] and they need not sum to 1, so the
figure is the activation itself, "7 (0.93)", the line beside it says "activation, not a probability"
and the tooltips say so. The winning bar is
drawn in its own colour, every bar carries its value above and its digit below.

``show_nudges`` adds, beside each bar, an arrow from the output to where the cost wants it
(target - output, as in ``model.costs.nudges``): up for the right digit, down for the others.

Under the bars, ten buttons "0".."9" let the user say what the drawing really is; they emit
``label_clicked(digit)`` and are enabled only while a prediction is shown. What a label does
(keeping the drawing as a training sample) is the window's business.

Left out: running the network (the window calls ``show_outputs`` with its activations).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from digitlab.gui.appearance.contrast import quiet_text, readable
from digitlab.gui.images import diverging_color
from digitlab.gui.static_text import StaticTexts

N_OUT = 10
SPACING = 4  # px between columns: shared by the bars and the button row so they line up
BAR_FRACTION = 0.62  # of a column's width
BAR = QColor(168, 178, 194)  # a quiet slate for the nine losers
WINNER = QColor(0, 158, 115)  # Okabe-Ito bluish green: the guess


class PredictionView(QWidget):
    """Ten output activations as a bar chart, the guess as text, and ten "this is a d" buttons."""

    label_clicked = Signal(int)  # the digit the user says the drawing is

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("predictionView")
        self._outputs: np.ndarray | None = None
        self._normalised = True

        self.prediction = QLabel(objectName="prediction")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.prediction.setFont(font)
        # a QLabel asks its whole window for a new layout at every change of text (~0.5 ms a pen
        # move here) unless its size is fixed: the guess gets the fixed size of its text, which
        # changes only with the number of digits ("7, 93%" and "1, 99%" are equally wide), and the
        # detail line is painted by a widget that never changes its size hint
        metrics = QFontMetrics(font)
        self.detail = _TextLine(objectName="predictionDetail")
        self.detail.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.bars = _Bars(self)
        self.bars.setObjectName("predictionBars")
        self.buttons: list[QPushButton] = []
        buttons = QHBoxLayout()
        buttons.setSpacing(SPACING)
        for digit in range(N_OUT):
            b = QPushButton(str(digit), objectName=f"label{digit}")
            b.setToolTip(f"This drawing is a {digit}: keep it as your sample (key {digit})")
            # the buttons share the row equally, however narrow, so each sits under its bar
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            b.setMinimumWidth(16)
            # no focus on click: the canvas keeps the keyboard (digit keys, Esc); Tab still reaches them
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            b.setEnabled(False)
            b.clicked.connect(self._on_label_button)  # a bound method: lambdas holding self leak
            buttons.addWidget(b)
            self.buttons.append(b)
        keep = QLabel("Keep this drawing as a sample of:", objectName="labelCaption", wordWrap=True)
        keep.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        header = QHBoxLayout()
        header.setSpacing(10)
        header.addWidget(self.prediction)
        header.addWidget(self.detail, 1)
        # the row keeps the guess's height while the guess is hidden, so the bars do not jump
        self.detail.setFixedHeight(metrics.height())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.bars, 1)
        layout.addWidget(keep)
        layout.addLayout(buttons)
        self.clear()

    # ------------------------------------------------------------------ public
    def show_outputs(self, activations: np.ndarray, normalised: bool) -> None:
        """Show the output layer's ten activations; ``normalised`` when they sum to 1 (softmax)."""
        a = np.asarray(activations, dtype=np.float64).reshape(-1)
        if a.shape != (N_OUT,):
            raise ValueError(f"need {N_OUT} output activations, got shape {np.shape(activations)}")
        self._outputs = a.copy()
        self._outputs.flags.writeable = False
        self._normalised = normalised
        order = np.argsort(-a, kind="stable")
        best, second = int(order[0]), int(order[1])
        kind = "probability" if normalised else "activation"
        if normalised:
            tip = (f"The network's answer: {best}. Its softmax output for {best} is {a[best]:.3f}, "
                   "a probability: the ten outputs sum to 1.")
        else:
            tip = (f"The network's answer: {best}. Its sigmoid output for {best} is {a[best]:.3f}: "
                   "an activation in [0, 1], shown as a percent of 1. Not a probability: the ten "
                   "activations need not sum to 1.")
        # called every frame while training: touch only what changed (each change costs a relayout)
        _set_text(self.prediction, _confidence(best, a[best], normalised))
        width = self.prediction.fontMetrics().horizontalAdvance(self.prediction.text()) + 2
        if self.prediction.width() != width or self.prediction.minimumWidth() != width:
            self.prediction.setFixedSize(width, self.prediction.fontMetrics().height())
        runner_up = f"{second}, {_percent(a[second])}" if normalised else f"{second} ({_activation(a[second])})"
        if normalised:
            forms = (f"probability; next: {runner_up}", f"next: {runner_up}", runner_up)
        else:
            forms = (f"activation, not a probability; next: {runner_up}", f"activation; next: {runner_up}",
                     f"next: {runner_up}", runner_up)
        self.detail.set_forms(forms)
        detail_tip = (f"The runner-up: {second}, with the next highest output ({a[second]:.4f})"
                      + ("" if normalised else "; sigmoid outputs are activations in [0, 1] that need not sum to 1"))
        if self.detail.toolTip() != detail_tip:
            self.detail.setToolTip(detail_tip)
        if self.prediction.toolTip() != tip:
            self.prediction.setToolTip(tip)
        self.prediction.setVisible(True)
        bars_tip = f"Output-layer {kind} of each digit's neuron; the highest is the answer"
        if self.bars.toolTip() != bars_tip:
            self.bars.setToolTip(bars_tip)
        self._enable_labels(True)
        self.bars.update()

    def paint_now(self) -> None:
        """Paint the bars at once rather than in the window's next paint pass, which also paints
        every other view with news (the curves and the network view while a network trains)."""
        self.bars.repaint()

    def show_nudges(self, nudges: np.ndarray | None) -> None:
        """Arrows beside the bars: how the cost wants each output to move (target - output)."""
        if nudges is None:
            self.bars.nudges = None
        else:
            n = np.asarray(nudges, dtype=np.float64).reshape(-1)
            if n.shape != (N_OUT,):
                raise ValueError(f"need {N_OUT} nudges, got shape {np.shape(nudges)}")
            self.bars.nudges = n.copy()
        self.bars.update()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # a new zoom level: the guess's fixed sizes follow its font
            QTimer.singleShot(0, self, self._refit)

    @Slot()
    def _refit(self) -> None:
        self.detail.setFixedHeight(self.prediction.fontMetrics().height())
        if self._outputs is not None:
            metrics = self.prediction.fontMetrics()
            self.prediction.setFixedSize(metrics.horizontalAdvance(self.prediction.text()) + 2, metrics.height())

    def clear(self) -> None:
        """Nothing drawn: no bars, no guess, no nudges; the label buttons are disabled."""
        self._outputs = None
        self.bars.nudges = None
        _set_text(self.prediction, "")
        self.prediction.setVisible(False)
        self.detail.set_forms(("Draw a digit to see what the network answers", "Draw a digit"))
        self.prediction.setToolTip("")
        self.bars.setToolTip("Draw a digit to see the network's ten outputs")
        self._enable_labels(False)
        self.bars.update()

    @Slot()
    def _on_label_button(self) -> None:
        self.label_clicked.emit(self.buttons.index(self.sender()))

    def _enable_labels(self, on: bool) -> None:
        if self.buttons[0].isEnabled() != on:
            for b in self.buttons:
                b.setEnabled(on)

    @property
    def shown_outputs(self) -> np.ndarray | None:
        """The ten activations on screen (read-only), or None."""
        return self._outputs

    @property
    def predicted_digit(self) -> int | None:
        """The highlighted digit (the highest output), or None."""
        return None if self._outputs is None else int(np.argmax(self._outputs))

    @property
    def normalised(self) -> bool:
        return self._normalised

    def bar_rect(self, digit: int) -> QRectF:
        """Where ``digit``'s bar is drawn, in this widget's coordinates (empty when nothing is shown)."""
        r = self.bars.bar_rect(digit)
        return r.translated(QPointF(self.bars.pos()))

    def sizeHint(self) -> QSize:
        return QSize(360, 260)


class _TextLine(QWidget):
    """One line of text in the longest of its forms that fits (else the shortest, elided),
    bottom-aligned; a new text only repaints, it never asks for a new layout."""

    def __init__(self, objectName: str = "") -> None:
        super().__init__(objectName=objectName)
        self._forms: tuple[str, ...] = ("",)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def text(self) -> str:
        """The whole text (the longest form)."""
        return self._forms[0]

    def shown_text(self) -> str:
        """What fits in the width the line has now."""
        metrics = self.fontMetrics()
        for form in self._forms:
            if metrics.horizontalAdvance(form) <= self.width():
                return form
        return metrics.elidedText(self._forms[-1], Qt.TextElideMode.ElideRight, self.width())

    def set_forms(self, forms: tuple[str, ...]) -> None:
        """The text, longest form first."""
        if forms != self._forms:
            self._forms = forms
            self.setToolTip(forms[0] if len(forms) > 1 else "")
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self._forms[-1]), self.fontMetrics().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        with QPainter(self) as painter:
            painter.setPen(self.palette().color(self.foregroundRole()))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, self.shown_text())


class _Bars(QWidget):
    """The chart itself: ten columns aligned with the button row below (same width, same spacing)."""

    def __init__(self, view: PredictionView) -> None:
        super().__init__(view)
        self._view = view
        self.nudges: np.ndarray | None = None
        self.setMinimumHeight(90)
        self.values_drawn: list[tuple[QRectF, str]] = []  # the values over the bars at the last paint, and where
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._ground: QPixmap | None = None  # the scales and digits, drawn for ``_ground_key``
        self._ground_key: tuple | None = None
        self._texts = StaticTexts(limit=512)  # the values' texts, laid out once

    def _geometry(self) -> tuple[float, float, float]:
        """(column width, top of the 0..1 scale, bottom of it) in px."""
        line = self.fontMetrics().height()
        column = (self.width() - (N_OUT - 1) * SPACING) / N_OUT
        return column, line + 4.0, self.height() - line - 4.0

    def tooltip_for(self, x: float) -> str:
        """What the number over the bar at ``x`` is (the bars' own tooltip when nothing is shown)."""
        a = self._view.shown_outputs
        if a is None:
            return self.toolTip()
        column, _, _ = self._geometry()
        d = min(N_OUT - 1, max(0, int(x // (column + SPACING))))
        if self._view.normalised:
            what = f"the probability the network gives to {d} (softmax: the ten sum to 1)"
        else:
            what = f"the activation of output neuron {d}, in [0, 1] (sigmoid: not a probability)"
        nudge = "" if self.nudges is None else f"; the cost's nudge for it: {self.nudges[d]:+.3f} (target − output)"
        return f"Output {d}: {a[d]:.4f}, {what}{nudge}"

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:  # each bar says what its number is
            QToolTip.showText(event.globalPos(), self.tooltip_for(event.pos().x()), self)
            return True
        return super().event(event)

    def column_left(self, digit: int) -> float:
        column, _, _ = self._geometry()
        return digit * (column + SPACING)

    def bar_rect(self, digit: int) -> QRectF:
        a = self._view.shown_outputs
        if a is None:
            return QRectF()
        return self._bar_rect(digit, float(a[digit]), *self._geometry())

    @staticmethod
    def _bar_rect(digit: int, value: float, column: float, top: float, bottom: float) -> QRectF:
        width = column * BAR_FRACTION
        height = min(max(value, 0.0), 1.0) * (bottom - top)
        return QRectF(digit * (column + SPACING) + (column - width) / 2, bottom - height, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        # the bars follow the pen (and a learning network, every frame): what does not change with
        # the outputs (the scales, the digits) is drawn once into ``_ground`` and the values' texts
        # are laid out once each (``StaticTexts``): ~1 ms a paint instead of ~2
        column, top, bottom = self._geometry()
        text = self.palette().color(QPalette.ColorRole.WindowText)
        muted = quiet_text(self.palette())  # secondary, but >= 4.5:1 on the window
        a = self._view.shown_outputs
        best = self._view.predicted_digit
        line = self.fontMetrics().height()
        with QPainter(self) as painter:
            painter.setClipRect(event.rect())
            painter.drawPixmap(0, 0, self._ground_pixmap(column, top, bottom, line, best))
            if a is None:
                self.values_drawn = []
                return
            values = a.tolist()
            small = self._small_font()
            # whether "0.93" must lose its leading zero (room between the columns)
            narrow = self._texts.get("0.00", small)[1] + SPACING > column
            labels: list[tuple[float, QRectF, str, bool]] = []  # (value, where, text, winner)
            for d in range(N_OUT):
                winner = d == best
                bar = self._bar_rect(d, values[d], column, top, bottom)
                # whole-pixel rectangles: fractional ones go through the slow rasteriser (~10x)
                painter.fillRect(bar.toRect(), WINNER if winner else BAR)
                label = f"{values[d]:.2f}"
                if narrow and label.startswith("0."):
                    label = label[1:]
                # the label may be wider than its column: centred on the bar, but kept inside the widget
                wide = max(column + SPACING, self._texts.get(label, small)[1] + 2)
                left = d * (column + SPACING)
                x = min(max(0.0, left + column / 2 - wide / 2), self.width() - wide)
                labels.append((values[d], QRectF(x, bar.top() - line - 1, wide, line), label, winner))
            # the values over the bars, largest first; one that would overlap a drawn one is left
            # out (a large font on a narrow panel): the bar's tooltip still tells it
            painter.setFont(small)
            drawn: list[QRectF] = []
            self.values_drawn = []
            for _, rect, label, winner in sorted(labels, key=lambda item: -item[0]):
                static, advance, height = self._texts.get(label, small)
                ink_w = advance + 2  # the text itself, centred in its rect
                ink = QRectF(rect.center().x() - ink_w / 2, rect.top(), ink_w, rect.height())
                if any(ink.intersects(other) for other in drawn):
                    continue
                drawn.append(ink)
                self.values_drawn.append((ink, label))
                painter.setPen(text if winner else muted)
                painter.drawStaticText(QPointF(rect.center().x() - advance / 2, rect.top() + (rect.height() - height) / 2),
                                       static)
            if self.nudges is not None:
                self._draw_nudges(painter, a, column, top, bottom)

    def _small_font(self) -> QFont:
        small = QFont(self.font())
        small.setPointSizeF(self.font().pointSizeF() * 0.85)
        return small

    def _ground_pixmap(self, column: float, top: float, bottom: float, line: int, best: int | None) -> QPixmap:
        """The scales and the digits under them (the winner's in bold), drawn once per look."""
        palette = self.palette()
        key = (self.width(), self.height(), self.devicePixelRatioF(), self.font().key(), palette.cacheKey(), best)
        if key == self._ground_key and self._ground is not None:
            return self._ground
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(round(self.width() * ratio), round(self.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        window = palette.color(self.backgroundRole())
        pixmap.fill(window)
        text = palette.color(QPalette.ColorRole.WindowText)
        track = _blend(palette.color(QPalette.ColorRole.Window), text, 0.07)  # opaque: fast fills
        winner_text = readable(WINNER, palette.color(QPalette.ColorRole.Window))
        bold = QFont(self.font())
        bold.setBold(True)
        with QPainter(pixmap) as painter:
            for d in range(N_OUT):
                left = d * (column + SPACING)
                width = column * BAR_FRACTION
                bar_left = left + (column - width) / 2
                painter.fillRect(QRectF(bar_left, top, width, bottom - top).toRect(), track)  # the 0..1 scale
                winner = d == best
                painter.setFont(bold if winner else self.font())
                painter.setPen(winner_text if winner else text)
                painter.drawText(QRectF(left, bottom + 2, column, line), Qt.AlignmentFlag.AlignCenter, str(d))
        self._ground, self._ground_key = pixmap, key
        return pixmap

    def _draw_nudges(self, painter: QPainter, a: np.ndarray, column: float, top: float, bottom: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale = bottom - top
        head = max(3.0, min(6.0, column * 0.12))
        for d in range(N_OUT):
            n = float(self.nudges[d])
            if abs(n) * scale < 2:
                continue  # nothing worth an arrow
            x = self.column_left(d) + column * (0.5 + BAR_FRACTION / 2) + head * 0.8 + 1
            y0 = bottom - float(np.clip(a[d], 0, 1)) * scale
            y1 = bottom - float(np.clip(a[d] + n, 0, 1)) * scale
            colour = diverging_color(float(np.sign(n)), 1.0)
            painter.setPen(QPen(colour, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            tip = y1 + (head if n > 0 else -head)  # the shaft stops where the head starts
            painter.drawLine(QPointF(x, y0), QPointF(x, tip))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawPolygon(QPolygonF([QPointF(x, y1), QPointF(x - head * 0.8, tip), QPointF(x + head * 0.8, tip)]))


def _blend(a: QColor, b: QColor, t: float) -> QColor:
    """(1 - t) a + t b, opaque."""
    return QColor.fromRgbF(*((1 - t) * x + t * y for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3])))


def _set_text(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


def _percent(value: float) -> str:
    """A probability as a percent that never claims certainty or impossibility rounding made up."""
    p = 100 * float(value)
    if p >= 100:
        return "100%"
    if p >= 99.95:
        return "> 99.9%"
    if p >= 99.5 or 0.05 <= p < 0.5:
        return f"{p:.1f}%"
    if 0 < p < 0.05:
        return "< 0.1%"
    return f"{round(p)}%"


def _activation(value: float) -> str:
    """A sigmoid activation to two decimals, never rounded to exactly 0 or 1 when it is not."""
    v = float(value)
    if 0.995 <= v < 1:
        return "> 0.99"
    if 0 < v < 0.005:
        return "< 0.01"
    return f"{v:.2f}"


def _confidence(digit: int, value: float, normalised: bool) -> str:
    """The guess in words true for the output layer: "7, 93%" (softmax) or "7 (0.93)", an activation."""
    return f"{digit}, {_percent(value)}" if normalised else f"{digit} ({_activation(value)})"


__all__ = ["PredictionView", "N_OUT"]
