"""The error browser: the images of one cell of the confusion matrix, most confident answer first.

Each card is the 28x28 image with the network's first answer and its output activation (in
vermillion when wrong, bluish green when right) and, under it, the runner-up. The grid is a
``QListView`` in icon mode over a small model, as "Your samples" is: thousands of cards scroll
smoothly (only the visible ones are painted, their thumbnails cached), and the arrow keys move
through them. A click or Enter picks a card: ``example_chosen(vector (784,), true label)``, which the
window shows as its input; "Keep as a sample" asks for the card to join your samples with its true
label (``keep_requested(image (28, 28), label)``), so the network can be taught from MNIST's own
errors.

The browser holds no network: it is handed a set's images and the answers ``model.evaluation``
computed for them.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from digitlab.gui.images import gray_image, scaled_pixmap
from digitlab.gui.teaching.gallery import RIGHT, WRONG

THUMB = 56  # px: each MNIST pixel a 2x2 square
CELL = QSize(76, 98)
SIDE = 28
PROMPT = "Click a cell of the matrix to see its images here."


def _value(a: float, normalised: bool) -> str:
    """An output activation as text: a percentage for softmax outputs, the activation for sigmoids."""
    return f"{a:.0%}" if normalised else f"{a:.2f}"


class ErrorListModel(QAbstractListModel):
    """Rows of a set shown in the browser: which rows, their labels, the two answers, thumbnails."""

    def __init__(self) -> None:
        super().__init__()
        self.x = np.zeros((0, SIDE * SIDE), dtype=np.float32)  # the whole set; rows looked up lazily
        self.indices = np.zeros(0, dtype=np.intp)
        self.labels = np.zeros(0, dtype=np.int64)  # per row shown
        self.answers = np.zeros((0, 2), dtype=np.int64)
        self.activations = np.zeros((0, 2), dtype=np.float32)
        self.normalised = True
        self._thumbs: dict[int, QPixmap] = {}

    def set_rows(self, x: np.ndarray, indices: np.ndarray, labels: np.ndarray, answers: np.ndarray,
                 activations: np.ndarray, normalised: bool) -> None:
        self.beginResetModel()
        self.x, self.indices = x, np.asarray(indices, dtype=np.intp)
        self.labels, self.answers, self.activations = labels, answers, activations
        self.normalised = normalised
        self._thumbs = {}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.indices)

    def image(self, row: int) -> np.ndarray:
        """The row's 28x28 image (a copy)."""
        return np.array(self.x[self.indices[row]], dtype=np.float32).reshape(SIDE, SIDE)

    def thumbnail(self, row: int) -> QPixmap:
        pixmap = self._thumbs.get(row)
        if pixmap is None:
            pixmap = self._thumbs[row] = scaled_pixmap(gray_image(self.image(row)), THUMB)
        return pixmap

    def describe(self, row: int) -> str:
        (first, second), (a1, a2) = self.answers[row], self.activations[row]
        label = int(self.labels[row])
        verdict = "read right as" if first == label else "read as"
        return (f"#{int(self.indices[row]):,}: a {label} {verdict} {first} ({_value(a1, self.normalised)}), "
                f"then {second} ({_value(a2, self.normalised)})")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnail(row)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.DisplayRole):
            return self.describe(row)
        return None


class ErrorDelegate(QStyledItemDelegate):
    """A card: the image, the first answer with its activation, the runner-up under it."""

    def __init__(self, model: ErrorListModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return CELL

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        m, row = self._model, index.row()
        (first, second), (a1, a2) = m.answers[row], m.activations[row]
        wrong = int(first) != int(m.labels[row])
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        card = QRect(0, 0, CELL.width() - 4, CELL.height() - 4)
        card.moveCenter(option.rect.center())
        painter.save()
        fill = palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.AlternateBase)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(fill)
        painter.drawRect(card)
        thumb = QRect(card.center().x() - THUMB // 2 + 1, card.top() + 4, THUMB, THUMB)
        painter.drawPixmap(thumb, m.thumbnail(row))
        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(text if selected else WRONG if wrong else RIGHT)
        line = QRect(card.left(), thumb.bottom() + 2, card.width(), 17)
        painter.drawText(line, Qt.AlignmentFlag.AlignCenter, f"{first}  {_value(a1, m.normalised)}")
        font = QFont(option.font)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        painter.setFont(font)
        painter.setPen(text if selected else palette.color(QPalette.ColorRole.PlaceholderText))
        line.translate(0, 15)
        painter.drawText(line, Qt.AlignmentFlag.AlignCenter, f"then {second}  {_value(a2, m.normalised)}")
        painter.restore()


class _Thumbs(QListView):
    """The wrapping grid of cards; Enter picks the current one."""

    enter_pressed = Signal()

    def __init__(self, model: ErrorListModel) -> None:
        super().__init__()
        self.setObjectName("errorThumbs")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWrapping(True)
        self.setGridSize(CELL + QSize(2, 2))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setModel(model)
        self.setItemDelegate(ErrorDelegate(model, self))
        self.setMinimumSize(CELL.width() + 24, CELL.height() + 8)
        self.empty_text = PROMPT

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model().rowCount() == 0:
            with QPainter(self.viewport()) as p:
                p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
                p.drawText(self.viewport().rect().adjusted(12, 12, -12, -12),
                           Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text)


class ErrorBrowser(QWidget):
    """A title, the grid of one cell's images (each card's tooltip says it all), "Keep as a sample"."""

    example_chosen = Signal(object, int)  # (x (784,) float32, true label): show it as the input
    keep_requested = Signal(object, int)  # (image (28, 28) float32, true label): add it to your samples

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBrowser")
        self.model = ErrorListModel()
        self._keepable = True
        self.title = QLabel("<b>Images of a cell</b>", objectName="errorBrowserTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.thumbs = _Thumbs(self.model)
        self.keep_button = QPushButton("Keep as a sample", objectName="keepAsSample")
        self.keep_button.setToolTip("Add the chosen image to Your samples with its true label, to teach the "
                                    "network from MNIST's own errors (Retrain)")
        self.keep_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.title)
        layout.addWidget(self.thumbs, 1)
        layout.addWidget(self.keep_button)
        self.thumbs.clicked.connect(lambda index: self.choose(index.row()))
        self.thumbs.enter_pressed.connect(lambda: self.choose(self.current_row()))
        self.thumbs.selectionModel().currentChanged.connect(lambda *_: self._show_current())
        self.keep_button.clicked.connect(self.keep_current)

    # ------------------------------------------------------------------ data in
    def show_cell(self, x: np.ndarray, indices: np.ndarray, labels: np.ndarray, answers: np.ndarray,
                  activations: np.ndarray, *, true: int, answer: int, set_title: str = "MNIST test",
                  normalised: bool = True, keepable: bool = True) -> None:
        """List rows ``indices`` of ``x`` (already in order), with their labels and top-two answers."""
        self._keepable = keepable
        self.model.set_rows(x, indices, labels, answers, activations, normalised)
        n = len(indices)
        what = f"{true} read right" if true == answer else f"{true} read as {answer}"
        count = f"{n:,} image{'s' if n != 1 else ''}" if n else "No image"
        order = ", most confident first" if n > 1 else ""
        self.title.setText(f"<b>{count} of {what}</b><br><span style='color:gray'>{set_title}{order}</span>")
        self.thumbs.empty_text = (f"No {true} in {set_title} was read as {answer}." if true != answer
                                  else f"No {true} in {set_title} was read right.")
        if n:
            self.thumbs.setCurrentIndex(self.model.index(0))
            self.thumbs.scrollToTop()
        self._show_current()
        self.thumbs.viewport().update()

    def clear(self, message: str = PROMPT) -> None:
        """No cell: an empty grid saying ``message``."""
        self.model.set_rows(self.model.x[:0], np.zeros(0, np.intp), np.zeros(0, np.int64), np.zeros((0, 2), np.int64),
                            np.zeros((0, 2), np.float32), self.model.normalised)
        self.title.setText("<b>Images of a cell</b>")
        self.thumbs.empty_text = message
        self._show_current()
        self.thumbs.viewport().update()

    # ------------------------------------------------------------------ commands
    def choose(self, row: int | None) -> None:
        """Pick card ``row``: the window shows its image as the input."""
        if row is None or not 0 <= row < self.model.rowCount():
            return
        self.thumbs.setCurrentIndex(self.model.index(row))
        self.example_chosen.emit(self.model.image(row).reshape(-1), int(self.model.labels[row]))

    def keep_current(self) -> None:
        row = self.current_row()
        if row is not None and self._keepable:
            self.keep_requested.emit(self.model.image(row), int(self.model.labels[row]))

    # ------------------------------------------------------------------ read-outs
    def indices(self) -> np.ndarray:
        """The rows of the set it shows (MNIST test indices for the test set), in order."""
        return self.model.indices.copy()

    def current_row(self) -> int | None:
        index = self.thumbs.currentIndex()
        return index.row() if index.isValid() else None

    def item_rect(self, row: int) -> QRect:
        """Where card ``row`` is, in the coordinates of ``self.thumbs.viewport()``."""
        return self.thumbs.visualRect(self.model.index(row))

    def _show_current(self) -> None:
        row = self.current_row()
        self.keep_button.setEnabled(row is not None and self._keepable)
