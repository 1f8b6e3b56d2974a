"""Where the panels sit: the canvas and its outputs in the centre, the rest in docks.

``WindowLayout`` builds the central row (canvas | what the network sees over the outputs) and the
docks of a ``QMainWindow``: the curves and the step-through tabbed at the bottom, the training
panel and your samples tabbed on the left, the network view on the right. Docks can be moved,
hidden (View menu) and are saved by name with the window's state; ``reset`` puts them back.

The layout works from 1280 x 720 logical pixels up (a 1366 x 768 laptop, 1920 x 1080 at 150%): the
side columns take what their panels need, the network view and the centre share the rest, and rows
of buttons wrap (``gui.appearance.flow_layout``) instead of widening the window. A first window
fills most of its screen (``fit_to_screen``), never more than the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

DEFAULT_SIZE = QSize(1600, 1000)  # a first window on a large screen
SIDE_WIDTH = (300, 0.22)  # the left column: at least this many px, else this share of the width
BOTTOM_SHARE = 0.42  # of the centre's height, for the curves and the step-through


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
        self._add("stepThrough", "Step through", step_through, bottom, scroll=True)
        self._window.tabifyDockWidget(self.docks["curves"], self.docks["stepThrough"])
        self._add("evaluation", "Mistakes", evaluation, bottom, scroll=True)
        self._window.tabifyDockWidget(self.docks["stepThrough"], self.docks["evaluation"])
        self._add("training", "Training", training, left, scroll=True)
        self._add("samples", "Your samples", samples, left)
        self._add("network", "Network", network, Qt.DockWidgetArea.RightDockWidgetArea)
        for form in training.findChildren(QFormLayout):  # a label above its field when the column is narrow
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
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
            self.docks["curves"].raise_()  # each group opens on its main panel, as after a reset
            self.docks["training"].raise_()  # (docks tabbed in later, as History, raise themselves)
            self.share_space()

    def reset(self) -> None:
        """Every dock back where it started: docked, shown, in its tab group, at its default size."""
        w, d = self._window, self.docks
        bottom, left = Qt.DockWidgetArea.BottomDockWidgetArea, Qt.DockWidgetArea.LeftDockWidgetArea
        tabs = {bottom: [n for n in ("curves", "stepThrough", "evaluation", "history") if n in d],
                left: ["training", "samples"], Qt.DockWidgetArea.RightDockWidgetArea: ["network"]}
        for area, names in tabs.items():
            for name in names:
                d[name].setFloating(False)
                w.addDockWidget(area, d[name])  # moves it out of any tab group
                d[name].show()
            for first, then in zip(names, names[1:]):
                w.tabifyDockWidget(d[first], d[then])
        d["curves"].raise_()
        d["training"].raise_()
        self.share_space()

    def share_space(self) -> None:
        """The docks' default sizes for the window's present size."""
        w = self._window
        width, height = w.width(), w.height()
        side = max(SIDE_WIDTH[0], round(width * SIDE_WIDTH[1]))
        network = max(self.docks["network"].minimumSizeHint().width(), round((width - side) * 0.45))
        w.resizeDocks([self.docks["training"], self.docks["network"]], [side, network], Qt.Orientation.Horizontal)
        w.resizeDocks([self.docks["curves"]], [round(height * BOTTOM_SHARE)], Qt.Orientation.Vertical)


def fit_to_screen(window: QMainWindow) -> None:
    """A first window's size: ``DEFAULT_SIZE`` where the screen has room, else most of the screen."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    size = QSize(DEFAULT_SIZE)
    if screen is not None:
        room = screen.availableGeometry()
        size = size.boundedTo(QSize(room.width() - 16, room.height() - 48)).expandedTo(window.minimumSizeHint())
        window.move(room.topLeft())
    window.resize(size)
