"""The confusion matrix: ten rows of true digits, ten columns of answers, counts in the cells.

A row of buttons picks the set it is computed on (MNIST's test set, its training set, your
samples); under it one painted grid: the counts, the per-digit accuracy on the right margin (of the
images of that digit, the share read right) and on the bottom margin the share right of each
answer (of the images read as that digit, the share that were it), the overall accuracy in the
corner. Clicking a cell (or moving to it with the arrow keys) selects it: ``cell_selected(true,
answer)``, which the error browser lists.

Colours are colour-blind safe and lightness carries the meaning: the diagonal (read right) in a
light blue, the mistakes on a white-to-dark-orange sequential ramp (ColorBrewer "Oranges"), darker
for more, with the square root of the count so that a handful of errors is still visible beside the
most frequent one; blue against orange is the pair that every common colour-vision deficiency keeps
apart. Text turns white on dark cells.

The widget only shows counts it is given (``set_counts``); computing them is
``model.evaluation``'s job, off the GUI thread (``gui.evaluation.evaluation_panel``).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from digitlab.model.evaluation import per_answer_precision, per_digit_accuracy

N = 10
SETS = ("test", "train", "samples")
SET_TITLES = {"test": "MNIST test", "train": "MNIST training", "samples": "Your samples"}
SET_TIPS = {
    "test": "The 10,000 MNIST test images: never used for training",
    "train": "The 60,000 MNIST training images the network learnt from",
    "samples": "Your labelled drawings (Your samples)",
}
# ColorBrewer "Oranges" (9 classes), light to dark: the mistakes
_ORANGES = np.array([[255, 245, 235], [254, 230, 206], [253, 208, 162], [253, 174, 107], [253, 141, 60],
                     [241, 105, 19], [217, 72, 1], [166, 54, 3], [127, 39, 4]], dtype=np.float32)
DIAGONAL = QColor(198, 219, 239)  # ColorBrewer "Blues" 3: read right
SELECTED = QColor(0, 0, 0)
MIN_CELL = 18  # px: below this a count no longer fits


def error_color(count: int, top: int) -> QColor:
    """The fill of a mistake cell: white for none, darker orange for more (sqrt of count / top)."""
    if count <= 0 or top <= 0:
        return QColor(255, 255, 255)
    t = float(np.sqrt(min(count / top, 1.0))) * (len(_ORANGES) - 1)
    i = min(int(t), len(_ORANGES) - 2)
    r, g, b = _ORANGES[i] + (_ORANGES[i + 1] - _ORANGES[i]) * (t - i)
    return QColor(int(r), int(g), int(b))


def _text_on(fill: QColor) -> QColor:
    # relative luminance (sRGB weights, close enough for picking black or white)
    lum = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF()
    return QColor(255, 255, 255) if lum < 0.5 else QColor(20, 20, 20)


def _pct(v: float, short: bool = False) -> str:
    """A share as text: "98.7%", or "99" (percent, no sign) where room is short; a dash for none."""
    if np.isnan(v):
        return "\u2014"
    if short:
        return f"{v * 100:.0f}"
    return "100%" if v >= 1 else f"{v:.1%}"


def _count(n: int, compact: bool = False) -> str:
    """A cell's count in at most four characters ("1135", "12k"), or three when ``compact`` ("1k")."""
    if n < (1000 if compact else 10_000):
        return str(n)
    return f"{n // 1000}k"


class ConfusionMatrix(QWidget):
    """The set switch, a status line and the painted matrix; ``counts()`` is what it shows."""

    set_changed = Signal(str)  # "test" | "train" | "samples"
    cell_selected = Signal(int, int)  # (true digit, answer)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionMatrix")
        self._counts: np.ndarray | None = None
        self._selected: tuple[int, int] | None = None
        self._set = "test"
        self.set_buttons = QButtonGroup(self)
        row = QHBoxLayout()
        row.setSpacing(2)
        for name in SETS:
            button = QPushButton(SET_TITLES[name], objectName=f"set_{name}", checkable=True)
            button.setToolTip(SET_TIPS[name])
            button.setChecked(name == self._set)
            self.set_buttons.addButton(button)
            row.addWidget(button)
            button.clicked.connect(lambda _=False, n=name: self.set_current_set(n))
        row.addStretch(1)
        self.status = QLabel(" ", objectName="matrixStatus")
        self.status.setMinimumWidth(1)
        self.status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.grid = _MatrixGrid(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.grid, 1)

    # ------------------------------------------------------------------ data in
    def set_counts(self, counts: np.ndarray | None) -> None:
        """Show ``counts`` (10, 10), rows true digit, columns answer; None: nothing (yet)."""
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64)
            if counts.shape != (N, N):
                raise ValueError(f"counts must be (10, 10), got {counts.shape}")
            counts = counts.copy()
        self._counts = counts
        self.grid.update()

    def set_status(self, text: str) -> None:
        self.status.setText(text or " ")

    def set_current_set(self, name: str) -> None:
        """Show the matrix of ``name`` ("test", "train", "samples"): the panel computes it."""
        if name not in SETS:
            raise ValueError(f"set must be one of {SETS}, got {name!r}")
        for button in self.set_buttons.buttons():
            button.setChecked(button.objectName() == f"set_{name}")
        if name == self._set:
            return
        self._set = name
        self._counts = None
        self.grid.update()
        self.set_changed.emit(name)

    def select(self, true: int, answer: int) -> None:
        """Select the cell of ``true`` read as ``answer``: the error browser lists its images."""
        if not (0 <= true < N and 0 <= answer < N):
            raise ValueError(f"a cell is two digits 0..9, got ({true}, {answer})")
        self._selected = (int(true), int(answer))
        self.grid.update()
        self.cell_selected.emit(int(true), int(answer))

    # ------------------------------------------------------------------ read-outs
    def counts(self) -> np.ndarray:
        """The (10, 10) integer counts shown now, rows true digit, columns answer (zeros: none yet)."""
        return np.zeros((N, N), dtype=np.int64) if self._counts is None else self._counts.copy()

    def has_counts(self) -> bool:
        return self._counts is not None

    @property
    def current_set(self) -> str:
        return self._set

    @property
    def selected(self) -> tuple[int, int] | None:
        return self._selected

    def cell_rect(self, true: int, answer: int) -> QRect:
        """Where the cell is drawn, in the coordinates of ``self.grid``."""
        return self.grid.cell_rect(true, answer)


class _MatrixGrid(QWidget):
    """The painted matrix with its margins; a click or the arrow keys select a cell."""

    def __init__(self, owner: ConfusionMatrix) -> None:
        super().__init__(owner)
        self.setObjectName("confusionGrid")
        self._owner = owner
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        side = self._label_width() + self._margin_width() + 12 * 28
        return QSize(side, side - 30)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._label_width() + self._margin_width() + N * MIN_CELL + 8,
                     self._header_height() + (N + 1) * MIN_CELL + 8)

    # ------------------------------------------------------------------ geometry
    def _label_width(self) -> int:
        return self.fontMetrics().height() + self.fontMetrics().horizontalAdvance("0") + 12

    def _margin_width(self) -> int:
        return self.fontMetrics().horizontalAdvance("100.0%") + 10

    def _header_height(self) -> int:
        return 2 * self.fontMetrics().height() + 4

    def _cell(self) -> tuple[int, int]:
        """(width, height) of a cell: square when there is room, up to 1.6 times wider when height is short."""
        w = (self.width() - self._label_width() - self._margin_width() - 4) // N
        h = (self.height() - self._header_height() - 4) // (N + 1)
        h = max(MIN_CELL, h)
        return max(MIN_CELL, min(w, int(h * 1.6))), min(h, max(MIN_CELL, w))

    def _origin(self) -> QPoint:
        return QPoint(self._label_width(), self._header_height())

    def cell_rect(self, true: int, answer: int) -> QRect:
        (cw, ch), o = self._cell(), self._origin()
        return QRect(o.x() + answer * cw, o.y() + true * ch, cw, ch)

    def _cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        (cw, ch), o = self._cell(), self._origin()
        if pos.x() < o.x() or pos.y() < o.y():
            return None
        col, row = (pos.x() - o.x()) // cw, (pos.y() - o.y()) // ch
        if not (0 <= col < N and 0 <= row < N):
            return None
        return int(row), int(col)

    # ------------------------------------------------------------------ input
    def mousePressEvent(self, e: QMouseEvent) -> None:
        cell = self._cell_at(e.position().toPoint())
        if cell is not None and e.button() == Qt.MouseButton.LeftButton:
            self._owner.select(*cell)
            e.accept()
            return
        super().mousePressEvent(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        moves = {Qt.Key.Key_Left: (0, -1), Qt.Key.Key_Right: (0, 1), Qt.Key.Key_Up: (-1, 0), Qt.Key.Key_Down: (1, 0)}
        if e.key() in moves:
            t, p = self._owner.selected or (0, 0)
            dt, dp = moves[e.key()]
            self._owner.select(min(max(t + dt, 0), N - 1), min(max(p + dp, 0), N - 1))
            e.accept()
            return
        super().keyPressEvent(e)

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            text = self._describe(e.pos())
            if text:
                QToolTip.showText(e.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

    def _describe(self, pos: QPoint) -> str:
        counts = self._owner._counts
        cell = self._cell_at(pos)
        if counts is None or cell is None:
            return ""
        t, p = cell
        total = int(counts[t].sum())
        n = int(counts[t, p])
        share = f" ({n / total:.1%} of the {t}s)" if total else ""
        what = "read right" if t == p else f"read as {p}"
        return f"{n:,} images of {t} {what}{share}\nclick to list them"

    # ------------------------------------------------------------------ paint
    def paintEvent(self, event: QPaintEvent) -> None:
        counts = self._owner._counts
        (cw, ch), o = self._cell(), self._origin()
        W, H = N * cw, N * ch  # the matrix itself
        base = QFont(self.font())
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.85)
        bold = QFont(base)
        bold.setBold(True)
        center = Qt.AlignmentFlag.AlignCenter
        with QPainter(self) as p:
            p.setClipRect(event.rect())
            text_color = self.palette().color(QPalette.ColorRole.Text)
            grey = self.palette().color(QPalette.ColorRole.PlaceholderText)
            line = QFontMetrics(base).height()
            # headers: "read as" over the columns, "true digit" up the rows, the margins' titles
            p.setPen(grey)
            p.setFont(small)
            p.drawText(QRect(o.x(), 0, W, line), center, "read as")
            p.drawText(QRect(o.x() + W, line, self._margin_width(), line + 2), center, "right")
            p.save()
            p.translate(2, o.y() + H / 2)
            p.rotate(-90)
            p.drawText(QRect(-H // 2, 0, H, line), center, "true digit")
            p.restore()
            p.setPen(text_color)
            p.setFont(bold)
            label_x = line + 2
            for d in range(N):
                p.drawText(QRect(o.x() + d * cw, line, cw, line + 2), center, str(d))
                p.drawText(QRect(label_x, o.y() + d * ch, o.x() - label_x - 2, ch), center, str(d))
            if counts is None:
                p.setPen(grey)
                p.setFont(base)
                p.drawText(QRect(o.x() + 4, o.y(), W - 8, H), center | Qt.TextFlag.TextWordWrap, self._owner.status.text())
                p.setPen(QPen(grey, 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRect(o.x(), o.y(), W, H))
                return
            off = counts - np.diag(np.diag(counts))
            top = int(off.max())
            count_font = self._count_font(base, cw, int(counts.max()))
            diagonal_font = self._bolder(count_font)
            compact = QFontMetrics(diagonal_font).horizontalAdvance(_count(int(counts.max()))) > cw - 3
            for t in range(N):
                for a in range(N):
                    n = int(counts[t, a])
                    rect = QRect(o.x() + a * cw, o.y() + t * ch, cw, ch)
                    fill = DIAGONAL if t == a else error_color(n, top)
                    p.fillRect(rect, fill)
                    if n or t == a:
                        p.setFont(diagonal_font if t == a else count_font)
                        p.setPen(_text_on(fill))
                        p.drawText(rect, center, _count(n, compact))
            p.setPen(QPen(QColor(200, 200, 200), 1))
            for i in range(N + 1):  # thin grid lines
                p.drawLine(o.x() + i * cw, o.y(), o.x() + i * cw, o.y() + H)
                p.drawLine(o.x(), o.y() + i * ch, o.x() + W, o.y() + i * ch)
            # margins: per-digit accuracy (rows) and per-answer share right (columns)
            right = per_digit_accuracy(counts)
            right_of_answer = per_answer_precision(counts)
            mx, mw = o.x() + W + 3, self._margin_width() - 4
            short = QFontMetrics(small).horizontalAdvance("99.9%") > cw - 2
            p.setFont(small)
            p.setPen(text_color)
            margin = self.palette().color(QPalette.ColorRole.AlternateBase)  # the theme's: its text reads on it
            for d in range(N):
                rect = QRect(mx, o.y() + d * ch, mw, ch)
                p.fillRect(rect.adjusted(0, 1, 0, -1), margin)
                p.drawText(rect, center, _pct(right[d]))
                rect = QRect(o.x() + d * cw, o.y() + H + 3, cw, ch)
                p.fillRect(rect.adjusted(1, 0, -1, 0), margin)
                p.drawText(rect, center, _pct(right_of_answer[d], short=short))
            total = int(counts.sum())
            p.setFont(bold)
            p.drawText(QRect(mx, o.y() + H + 3, mw, ch), center, _pct(np.trace(counts) / total) if total else "\u2014")
            p.setFont(small)
            p.setPen(grey)
            p.drawText(QRect(0, o.y() + H + 3, o.x() - 2, ch), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       "right")
            if self._owner.selected is not None:
                p.setPen(QPen(SELECTED, 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(self.cell_rect(*self._owner.selected).adjusted(1, 1, -1, -1))

    def _count_font(self, base: QFont, cell: int, biggest: int) -> QFont:
        font = QFont(base)
        widest = _count(biggest)
        while font.pointSizeF() > 6 and QFontMetrics(self._bolder(font)).horizontalAdvance(widest) > cell - 3:
            font.setPointSizeF(font.pointSizeF() - 0.5)
        return font

    @staticmethod
    def _bolder(font: QFont) -> QFont:
        bold = QFont(font)
        bold.setBold(True)
        return bold
