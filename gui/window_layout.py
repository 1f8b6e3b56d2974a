"""Where the panels sit: the canvas and its outputs in the centre, the rest in docks.

``WindowLayout`` builds the central row (canvas | what the network sees over the outputs) and the
docks of a ``QMainWindow``: the curves and the step-through tabbed at the bottom, the training
panel and your samples tabbed on the left, the network view on the right. Docks can be moved,
hidden (View menu) and are saved by name with the window's state.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)


class WindowLayout:
    """Builds a main window's central widget and docks, and makes the tab groups at the first show."""

    def __init__(self, window: QMainWindow, draw: QWidget, preview: QWidget, prediction: QWidget,
                 actions: dict[str, QAction]) -> None:
        self._window = window
        centre = QWidget()
        row = QHBoxLayout(centre)
        row.addWidget(draw, 3)
        right = QVBoxLayout()
        right.addWidget(preview, 2)
        right.addWidget(prediction, 3)
        row.addLayout(right, 2)
        window.setCentralWidget(centre)
        # drawing actions act where the canvas is, so other panels can have their own Ctrl+Z / Esc
        for key in ("clear", "undo", "eraser"):
            actions[key].setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            draw.addAction(actions[key])
        window.menuBar()  # menu and status bars first: adding them later rebuilds the dock tab bars
        window.statusBar()
        # side columns run the full height; tabs of docks sit above them
        window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        window.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        self.docks: dict[str, QDockWidget] = {}
        # Qt 6.11 leaves a stray, visible copy of the tab bar when a second tab group is made before
        # the window is shown: the left group is made at the first show (unless a layout is restored)
        self._tabify_on_show = True

    def add_docks(self, curves: QWidget, step_through: QWidget, evaluation: QWidget, training: QWidget,
                  samples: QWidget, network: QWidget) -> dict[str, QDockWidget]:
        """The docks by name (``curves``, ``stepThrough``, ``evaluation``, ``training``, ``samples``,
        ``network``)."""
        bottom, left = Qt.DockWidgetArea.BottomDockWidgetArea, Qt.DockWidgetArea.LeftDockWidgetArea
        self._add("curves", "Learning curves", curves, bottom)
        self._add("stepThrough", "Step through backprop", step_through, bottom, scroll=True)
        self._window.tabifyDockWidget(self.docks["curves"], self.docks["stepThrough"])
        self._add("evaluation", "Where it goes wrong", evaluation, bottom, scroll=True)
        self._window.tabifyDockWidget(self.docks["stepThrough"], self.docks["evaluation"])
        self._add("training", "Training", training, left, scroll=True)
        self._add("samples", "Your samples", samples, left)
        self._add("network", "Network", network, Qt.DockWidgetArea.RightDockWidgetArea)
        self.docks["curves"].raise_()
        return self.docks

    def _add(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea, scroll: bool = False) -> None:
        dock = QDockWidget(title, self._window)
        dock.setObjectName(f"{name}Dock")  # saveState needs stable names
        if scroll:  # a tall panel scrolls in a short dock instead of overflowing it
            area_widget = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
            area_widget.setWidget(widget)
            widget = area_widget
        dock.setWidget(widget)
        self._window.addDockWidget(area, dock)
        self.docks[name] = dock

    def restored(self, layout_restored: bool) -> None:
        """A restored layout has its tab groups already."""
        if layout_restored:
            self._tabify_on_show = False

    def shown(self) -> None:
        """Call from the window's ``showEvent``."""
        if self._tabify_on_show:
            self._tabify_on_show = False
            self._window.tabifyDockWidget(self.docks["training"], self.docks["samples"])
            self.docks["training"].raise_()
