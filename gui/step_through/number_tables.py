"""Read-only tables of numbers, as the step-through and its mini-batch ledger show them.

Each numeric cell shows a rounded text but keeps the exact number behind it under ``VALUE_ROLE``,
so a test (or a curious caller) can compare what is on screen with the network's own numbers.
A table with the ``fit_rows`` property grows to show every row instead of scrolling.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

VALUE_ROLE = Qt.ItemDataRole.UserRole  # table cells keep the exact number behind the text


def table_item(value: float | str, fmt: str = "{:.4g}") -> QTableWidgetItem:
    """A read-only cell: text as is, or a number shown with ``fmt``, right-aligned, exact under VALUE_ROLE."""
    if isinstance(value, str):
        item = QTableWidgetItem(value)
    else:
        item = QTableWidgetItem(fmt.format(value))
        item.setData(VALUE_ROLE, float(value))
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def number_table(name: str) -> QTableWidget:
    """An empty read-only table named ``name``, with compact rows and columns fitted to their contents."""
    t = QTableWidget(objectName=name)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    t.verticalHeader().setDefaultSectionSize(20)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    return t


def fill_table(table: QTableWidget, columns: list[str], rows: list[tuple[str, list]]) -> None:
    """Replace ``table``'s contents: ``rows`` are (header, cells); a cell is a number, a text or an item."""
    table.clear()
    table.setColumnCount(len(columns))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(columns)
    table.setVerticalHeaderLabels([name for name, _ in rows])
    for r, (_, cells) in enumerate(rows):
        for c, value in enumerate(cells):
            table.setItem(r, c, value if isinstance(value, QTableWidgetItem) else table_item(value))
    if table.property("fit_rows"):  # show every row, no vertical scrolling
        height = table.horizontalHeader().sizeHint().height() + 20 * len(rows) + 2 * table.frameWidth()
        table.setFixedHeight(height + table.horizontalScrollBar().sizeHint().height() + 2)
