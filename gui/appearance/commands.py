"""The View menu's appearance commands: zoom (presentation mode), the theme, and Reset layout.

``Appearance`` makes the actions (Zoom in Ctrl+= / Ctrl++, Zoom out Ctrl+-, Actual size Ctrl+0;
Theme > Follow the system / Light / Dark; Reset layout), adds them to the View menu, applies the
zoom level and the theme kept in ``QSettings`` (``gui.settings.app_settings``) and keeps any change
there. What zooming and theming do is in ``zoom`` and ``theme``; the window's parts it restyles are
given to it: the canvas (its minimum side) and the curves (``restyle``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from digitlab.gui.appearance.theme import THEMES, apply_theme, is_dark
from digitlab.gui.appearance.zoom import apply_zoom, clamp_level, next_level
from digitlab.gui.drawing.canvas import MIN_WIDGET_SIDE
from digitlab.gui.settings import app_settings

THEME_NAMES = {"system": "Follow the &system", "light": "&Light", "dark": "&Dark"}


class Appearance(QObject):
    """Zoom level and theme of ``window``, kept between sessions."""

    changed = Signal()  # the zoom level or the theme changed

    def __init__(self, window: QWidget, view_menu: QMenu, canvas: QWidget, plots, reset_layout: Callable[[], None]) -> None:
        super().__init__(window)
        self._window, self._canvas, self._plots = window, canvas, plots
        s = app_settings()
        try:
            self.level = clamp_level(float(s.value("zoom", 1.0)))
        except (TypeError, ValueError):
            self.level = 1.0
        theme = s.value("theme", "system")
        self.theme = theme if theme in THEMES else "system"
        self.dark = False

        self.actions: dict[str, QAction] = {}
        for key, text, keys, slot in (
            ("zoom_in", "Zoom &in", ["Ctrl+=", QKeySequence.StandardKey.ZoomIn], lambda: self.zoom(1)),
            ("zoom_out", "Zoom &out", ["Ctrl+-", QKeySequence.StandardKey.ZoomOut], lambda: self.zoom(-1)),
            ("zoom_reset", "&Actual size", ["Ctrl+0"], lambda: self.zoom(0)),
            ("reset_layout", "&Reset layout", [], reset_layout),
        ):
            action = QAction(text, self, objectName=key)
            shortcuts = []
            for k in keys:
                shortcuts += QKeySequence.keyBindings(k) if isinstance(k, QKeySequence.StandardKey) else [QKeySequence(k)]
            action.setShortcuts(list(dict.fromkeys(shortcuts)))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setStatusTip({"zoom_in": "Larger text, canvas and curves, for a projector (presentation mode)",
                                 "zoom_out": "Smaller text, canvas and curves",
                                 "zoom_reset": "Text at its normal size",
                                 "reset_layout": "Every panel back where it started"}[key])
            action.triggered.connect(slot)
            self.actions[key] = action
        view_menu.addSeparator()
        for key in ("zoom_in", "zoom_out", "zoom_reset"):
            view_menu.addAction(self.actions[key])
        theme_menu = view_menu.addMenu("&Theme")
        group = QActionGroup(self)
        for key in THEMES:
            action = QAction(THEME_NAMES[key], self, objectName=f"theme_{key}", checkable=True)
            action.setChecked(key == self.theme)
            action.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            group.addAction(action)
            theme_menu.addAction(action)
            self.actions[f"theme_{key}"] = action
        view_menu.addSeparator()
        view_menu.addAction(self.actions["reset_layout"])
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._on_system_scheme)
        self.apply()

    def apply(self) -> None:
        app = QApplication.instance()
        self.dark = apply_theme(app, self.theme)
        apply_zoom(app, self._window, self.level)
        side = round(MIN_WIDGET_SIDE * self.level)
        self._canvas.setMinimumSize(side, side)
        self._plots.restyle(self.dark, self.level)
        self.actions["zoom_in"].setEnabled(next_level(self.level, 1) > self.level)
        self.actions["zoom_out"].setEnabled(next_level(self.level, -1) < self.level)
        self.changed.emit()

    @Slot(int)
    def zoom(self, direction: int) -> None:
        """One level up (1), down (-1), or back to 1 (0)."""
        self.set_level(next_level(self.level, direction))

    def set_level(self, level: float) -> None:
        self.level = clamp_level(level)
        self._keep("zoom", self.level)
        self.apply()
        self._status(f"Zoom {self.level:.0%} (Ctrl+= larger, Ctrl+- smaller, Ctrl+0 normal)")

    @Slot(str)
    def set_theme(self, theme: str) -> None:
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {THEMES}, got {theme!r}")
        self.theme = theme
        self.actions[f"theme_{theme}"].setChecked(True)
        self._keep("theme", theme)
        self.apply()

    @Slot()
    def _on_system_scheme(self, *_args) -> None:
        if self.theme == "system" and is_dark("system") != self.dark:
            self.apply()

    def _keep(self, key: str, value) -> None:
        s = app_settings()
        s.setValue(key, value)
        s.sync()

    def _status(self, text: str) -> None:
        status = getattr(self._window, "statusBar", None)
        if status is not None:
            status().showMessage(text, 4000)
