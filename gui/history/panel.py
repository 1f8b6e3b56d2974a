"""The History dock: every kept network with its name, time, test accuracy and how it was made.

``HistoryPanel`` shows a ``HistoryKeeper``'s entries, newest first, the current one in bold, and
three ways back: "Go back to this" (or a double-click) on the selected entry, "Undo network
change" (Ctrl+Shift+Z: the network before the last change) and "Restore the shipped model". It
holds no network: the keeper does the work and the window makes the result current.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMenu,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from digitlab.gui.appearance.flow_layout import FlowLayout
from digitlab.gui.history.keeper import HistoryKeeper
from digitlab.model.history import HistoryEntry

COLUMNS = ("Network", "Made", "Test accuracy", "How")


def when(seconds: float, now: float | None = None) -> str:
    """A time a person reads at a glance: '14:05:09' today, '3 Mar 14:05' before."""
    t, today = time.localtime(seconds), time.localtime(now if now is not None else time.time())
    same_day = (t.tm_year, t.tm_yday) == (today.tm_year, today.tm_yday)
    return time.strftime("%H:%M:%S" if same_day else "%d %b %H:%M", t)


class HistoryPanel(QWidget):
    """The list of kept networks and the commands that go back to one."""

    def __init__(self, keeper: HistoryKeeper, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self.keeper = keeper
        self.tree = QTreeWidget(objectName="historyList")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setToolTip("Every network this window has had. Nothing is replaced without being kept "
                             "here: double-click one (or Go back to this) to make it current again.")
        self.go_back_button = QPushButton("Go back to this", objectName="goBack")
        self.go_back_button.setToolTip("Make the selected network the current one (the current one stays in the list)")
        self.undo_button = QToolButton(objectName="undoNetworkButton")
        self.undo_button.setDefaultAction(keeper.undo_action)
        self.shipped_button = QPushButton("Restore the shipped model", objectName="restoreShipped")
        self.shipped_button.setToolTip("The pretrained network Digit Lab ships with (99.35% on MNIST's test set)")
        buttons = FlowLayout()  # wraps on a narrow screen rather than widening the window
        for b in (self.go_back_button, self.undo_button, self.shipped_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

        self.go_back_button.clicked.connect(self._go_back)
        self.shipped_button.clicked.connect(keeper.restore_shipped)
        self.tree.itemDoubleClicked.connect(lambda item, _col: self._go_back())
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        keeper.changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Show the keeper's entries, newest first, the current one in bold and selected."""
        current = self.keeper.current
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for entry in reversed(self.keeper.entries):
            item = QTreeWidgetItem([entry.name, when(entry.created), _accuracy(entry), entry.how])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.id)
            item.setToolTip(3, entry.how)
            if current is not None and entry.id == current.id:
                item.setText(0, f"{entry.name} (current)")
                for col in range(len(COLUMNS)):
                    item.setFont(col, bold)
            self.tree.addTopLevelItem(item)
            if current is not None and entry.id == current.id:
                self.tree.setCurrentItem(item)
        for col in range(len(COLUMNS) - 1):
            self.tree.resizeColumnToContents(col)
        self._update_buttons()

    def selected_id(self) -> str | None:
        item = self.tree.currentItem()
        return None if item is None else item.data(0, Qt.ItemDataRole.UserRole)

    def select(self, entry_id: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == entry_id:
                self.tree.setCurrentItem(item)

    def _go_back(self) -> None:
        entry_id = self.selected_id()
        if entry_id is not None and (self.keeper.current is None or entry_id != self.keeper.current.id):
            self.keeper.go_back(entry_id)

    def _update_buttons(self) -> None:
        entry_id, current = self.selected_id(), self.keeper.current
        self.go_back_button.setEnabled(entry_id is not None and (current is None or entry_id != current.id))


def _accuracy(entry: HistoryEntry) -> str:
    return "\u2014" if entry.accuracy is None else f"{entry.accuracy:.2%}"


def add_history_dock(window: QMainWindow, panel: HistoryPanel, tab_with: QDockWidget, view_menu: QMenu) -> QDockWidget:
    """The panel in a dock tabbed with ``tab_with``, listed in the View menu, its undo in a History menu."""
    dock = QDockWidget("History", window)
    dock.setObjectName("historyDock")  # saveState needs stable names
    dock.setWidget(panel)
    window.addDockWidget(window.dockWidgetArea(tab_with), dock)
    window.tabifyDockWidget(tab_with, dock)
    tab_with.raise_()
    view_menu.addAction(dock.toggleViewAction())
    menu = QMenu("&History", window.menuBar())
    menu.addAction(panel.keeper.undo_action)
    menu.addAction("Show the &history", lambda: (dock.show(), dock.raise_()))
    menu.addAction("Restore the &shipped model", panel.keeper.restore_shipped)
    window.menuBar().insertMenu(view_menu.menuAction(), menu)
    window.addAction(panel.keeper.undo_action)  # the shortcut works wherever the focus is
    return dock
