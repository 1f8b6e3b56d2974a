"""The gallery of "Your samples": a wrapping grid of cards, one per labelled drawing.

Three pieces, as Qt's model/view asks: ``SampleListModel`` holds the visible samples and the current
network's answer for each (thumbnails cached by id, since a sample's image never changes);
``SampleDelegate`` paints each card (thumbnail, label, what the network reads, a vermillion frame
when it reads another digit); ``Gallery`` is the ``QListView`` in icon mode that shows them, so a
few thousand samples scroll smoothly. Digit keys and Delete become signals: what they do to the
store is the panel's business (``gui.samples_panel``), as are filtering and predicting.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from digitlab.gui.appearance.contrast import readable
from digitlab.gui.images import gray_image, scaled_pixmap
from digitlab.model.samples import Sample

THUMB = 56  # px: each MNIST pixel a 2x2 square
CELL = QSize(84, 104)
WRONG = QColor(213, 94, 0)  # Okabe-Ito vermillion: read wrong now
RIGHT = QColor(0, 158, 115)  # Okabe-Ito bluish green, as the prediction view's guess
EMPTY_TEXT = ("No samples yet.\n\nDraw a digit, then press its key (0\u20139) or click it under the "
              "output bars: the drawing is kept here with its label.")
FILTERED_TEXT = "No sample matches the filter."

SampleRole = Qt.ItemDataRole.UserRole + 1  # the Sample
PredictedRole = Qt.ItemDataRole.UserRole + 2  # int, or None without a network
WrongRole = Qt.ItemDataRole.UserRole + 3  # bool: the network reads it as another digit now


class SampleListModel(QAbstractListModel):
    """The visible samples, each with the current network's answer; thumbnails cached by id."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Sample] = []
        self.predicted: dict[str, int] = {}
        self._thumbs: dict[str, QPixmap] = {}

    def set_rows(self, rows: list[Sample]) -> None:
        if [s.id for s in rows] == [s.id for s in self.rows]:
            self.rows = rows  # same samples (a relabel, new predictions): keep selection and scroll
            if rows:
                self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def thumbnail(self, sample: Sample) -> QPixmap:
        pixmap = self._thumbs.get(sample.id)
        if pixmap is None:  # the image of an id never changes
            pixmap = self._thumbs[sample.id] = scaled_pixmap(gray_image(sample.image), THUMB)
        return pixmap

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        s = self.rows[index.row()]
        predicted = self.predicted.get(s.id)
        if role == Qt.ItemDataRole.DisplayRole:
            return str(s.label)
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnail(s)
        if role == Qt.ItemDataRole.ToolTipRole:
            now = "no network" if predicted is None else f"the network reads it as {predicted}"
            then = "" if s.predicted is None else f"; read as {s.predicted} when it was labelled"
            return f"labelled {s.label}: {now}{then}\n{s.created[:19].replace('T', ' ')} UTC"
        if role == SampleRole:
            return s
        if role == PredictedRole:
            return predicted
        if role == WrongRole:
            return predicted is not None and predicted != s.label
        return None


class SampleDelegate(QStyledItemDelegate):
    """A card: the thumbnail (framed when read wrong), the label, and what the network reads."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return CELL

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        sample: Sample = index.data(SampleRole)
        predicted = index.data(PredictedRole)
        wrong = bool(index.data(WrongRole))
        palette = option.palette
        card = QRect(0, 0, CELL.width() - 6, CELL.height() - 6)
        card.moveCenter(option.rect.center())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = palette.color(QPalette.ColorRole.Highlight) if selected else palette.color(QPalette.ColorRole.AlternateBase)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(card, 6, 6)

        thumb = QRect(card.center().x() - THUMB // 2 + 1, card.top() + 6, THUMB, THUMB)
        painter.drawPixmap(thumb, index.data(Qt.ItemDataRole.DecorationRole))
        if wrong:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(QPen(WRONG, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(thumb.adjusted(-2, -2, 1, 1))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        painter.setFont(font)
        painter.setPen(text)
        line = QRect(card.left(), thumb.bottom() + 4, card.width(), 18)
        painter.drawText(line, Qt.AlignmentFlag.AlignCenter, str(sample.label))
        font = QFont(option.font)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        painter.setFont(font)
        line.translate(0, 17)
        if predicted is None:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(line, Qt.AlignmentFlag.AlignCenter, "not read")
        elif wrong:
            painter.setPen(text if selected else readable(WRONG, fill))  # 4.5:1 on the card
            painter.drawText(line, Qt.AlignmentFlag.AlignCenter, f"reads as {predicted}")
        else:
            painter.setPen(text if selected else readable(RIGHT, fill))
            painter.drawText(line, Qt.AlignmentFlag.AlignCenter, "\u2713 read right")
        painter.restore()


class Gallery(QListView):
    """The thumbnails, wrapping left to right; digit keys relabel, Delete deletes."""

    digit_pressed = Signal(int)
    delete_pressed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("gallery")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWrapping(True)
        self.setGridSize(CELL + QSize(4, 4))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setItemDelegate(SampleDelegate(self))
        self.setMinimumHeight(CELL.height() + 12)
        self.empty_text = EMPTY_TEXT

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0:
            with QPainter(self.viewport()) as p:
                p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
                p.drawText(self.viewport().rect().adjusted(20, 20, -20, -20),
                           Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, text = event.key(), event.text()
        # Shift may be how a digit is typed (AZERTY keyboards); Ctrl, Alt and Meta make shortcuts
        chord = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
        if len(text) == 1 and text in "0123456789" and not event.modifiers() & chord:
            self.digit_pressed.emit(int(text))
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
        else:
            super().keyPressEvent(event)
