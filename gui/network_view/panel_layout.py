"""The network panel's layout pieces: controls that wrap into rows, and a splitter that keeps its share.

The panel works from about 500 px wide up: its groups of controls are packed into as few rows as
its width allows (``ControlRows``, a height-for-width widget); the
input and the tiles take a share of the body's width and the diagram the rest, split by a handle
the user can drag (``ShareSplitter`` keeps that share as the panel resizes, and gives the diagram
whatever width the tiles cannot use).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QSize, Qt, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSplitter, QWidget


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A short label for ``buddy`` that tells the same tooltip."""
    label = QLabel(text)
    label.setBuddy(buddy)
    label.setToolTip(buddy.toolTip())
    return label


class ControlRows(QWidget):
    """Groups of controls packed into as few rows as the panel's width allows, in order (a group
    never splits: a label stays beside its field)."""

    GAP = 12  # px between groups in one row
    SPACING = 2  # px between rows

    def __init__(self, *groups: Sequence[QWidget]) -> None:
        super().__init__()
        self._groups: list[QWidget] = []
        for widgets in groups:
            group = QWidget(self)
            row = QHBoxLayout(group)
            row.setContentsMargins(0, 0, 0, 0)
            for w in widgets:
                row.addWidget(w)
            row.addStretch(1)
            self._groups.append(group)
        self._packing: list[list[int]] | None = None
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def rows(self, width: int | None = None) -> list[list[int]]:
        """The groups (by index) in each row at ``width`` (now: at the current width)."""
        width = self.width() if width is None else width
        rows: list[list[int]] = [[]]
        used = 0
        for i, g in enumerate(self._groups):
            w = g.sizeHint().width()
            if rows[-1] and used + self.GAP + w > width:
                rows.append([])
                used = 0
            used += (self.GAP if rows[-1] else 0) + w
            rows[-1].append(i)
        return rows

    def _row_height(self, row: list[int]) -> int:
        return max(self._groups[i].sizeHint().height() for i in row)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = self.rows(width)
        return sum(self._row_height(r) for r in rows) + self.SPACING * (len(rows) - 1)

    def sizeHint(self) -> QSize:
        width = sum(g.sizeHint().width() for g in self._groups) + self.GAP * (len(self._groups) - 1)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        width = max(g.minimumSizeHint().width() for g in self._groups)
        return QSize(width, self.heightForWidth(width))

    def resizeEvent(self, e) -> None:
        rows = self.rows()
        if rows != self._packing:  # the height for this width changes: ask the panel again
            self._packing = rows
            self.updateGeometry()
        y = 0
        for row in rows:
            x, h = 0, self._row_height(row)
            for i in row:
                g = self._groups[i]
                w = g.sizeHint().width() if len(row) > 1 else self.width()
                g.setGeometry(x, y, min(w, self.width() - x), h)
                x += w + self.GAP
            y += h + self.SPACING

    def changeEvent(self, e) -> None:
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:  # presentation mode: the groups' widths changed
            self._packing = None
            self.updateGeometry()


class ShareSplitter(QSplitter):
    """A horizontal splitter that keeps its first pane's share of the width as the panel resizes.

    The share is ``share`` until the user drags the handle; from then on, the one the user chose.
    On a resize, the first pane gives the second what its content cannot use (``snap``).
    """

    def __init__(self, share: float, snap: Callable[[int, int], int] | None = None, objectName: str = "") -> None:
        super().__init__(Qt.Orientation.Horizontal, objectName=objectName)
        self.share = share
        self._snap = snap  # (width, height) offered to the first pane -> the width its content uses
        self.setChildrenCollapsible(False)
        self.setHandleWidth(7)
        self.splitterMoved.connect(self._moved)

    @Slot(int, int)
    def _moved(self, pos: int, index: int) -> None:
        sizes = self.sizes()
        if sum(sizes) > 0:
            self.share = sizes[0] / sum(sizes)

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        total = sum(self.sizes())
        if total > 0:
            first = round(total * self.share)
            if self._snap is not None:  # what the first pane's content leaves unused goes to the second
                first = min(first, self._snap(first, self.height()))
            self.setSizes([first, total - first])  # clamped to each pane's minimum width
