"""A row of widgets that wraps onto more rows when its panel is narrow (Qt's Flow Layout example).

A ``QHBoxLayout`` of buttons makes its panel at least as wide as all of them together; on a small
screen that forces the whole window wider than the screen. ``FlowLayout`` lays its items left to
right and starts a new row where the next one would not fit, so its minimum width is that of its
widest item and its height follows its width (``heightForWidth``).

``addWidget(widget, stretch)`` takes (and ignores) a stretch, so it can stand in for a box row;
``addStretch`` is accepted and does nothing. Left out: right-to-left and vertical flows.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new row when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        if parent is None:
            self.setContentsMargins(0, 0, 0, 0)

    # --------------------------------------------------------------- a box row's interface
    def addWidget(self, widget: QWidget, stretch: int = 0) -> None:
        super().addWidget(widget)

    def addStretch(self, stretch: int = 0) -> None:
        """Nothing: rows are left-aligned."""

    def addSpacing(self, size: int) -> None:
        """Nothing: items are ``spacing`` apart."""

    # --------------------------------------------------------------- QLayout
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def spacing(self) -> int:
        return self._spacing

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        """All items in one row."""
        visible = [i for i in self._items if not _hidden(i)]
        width = sum(i.sizeHint().width() for i in visible) + self._spacing * max(0, len(visible) - 1)
        height = max((i.sizeHint().height() for i in visible), default=0)
        m = self.contentsMargins()
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        """As wide as the widest item; as high as one row (the real height comes from heightForWidth)."""
        size = QSize()
        for item in self._items:
            if not _hidden(item):
                size = size.expandedTo(item.minimumSize())  # Qt's smart minimum: a button's whole text
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Lay the items out in ``rect`` (when ``move``); the height they take."""
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, row_height = area.x(), area.y(), 0
        rows: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        for item in self._items:
            if _hidden(item):
                continue
            hint = item.sizeHint()
            width = min(hint.width(), max(area.width(), item.minimumSize().width()))
            if rows[-1] and x + width > area.right() + 1:
                x, y, row_height = area.x(), y + row_height + self._spacing, 0
                rows.append([])
            rows[-1].append((item, QSize(width, hint.height())))
            if move:
                item.setGeometry(QRect(QPoint(x, y), QSize(width, hint.height())))
            x += width + self._spacing
            row_height = max(row_height, hint.height())
        if move:  # centre each item vertically in its row
            top = area.y()
            for row in rows:
                h = max((s.height() for _, s in row), default=0)
                for item, _size in row:
                    g = item.geometry()
                    item.setGeometry(QRect(g.x(), top + (h - g.height()) // 2, g.width(), g.height()))
                top += h + self._spacing
        return y + row_height - rect.y() + m.bottom()


def _hidden(item: QLayoutItem) -> bool:
    w = item.widget()
    return w is not None and w.isHidden()

