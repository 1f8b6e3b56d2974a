"""Presentation mode: one zoom level scales every text, the canvas and the curves' fonts together.

``apply_zoom(app, window, level)`` sets the application font to the original point size times
``level`` (widgets that follow the application font follow it), rescales the widgets that set a
size of their own (the answer's large figure, titles: their size at level 1 is kept in a property),
grows the canvas's minimum side, and asks the curves to scale their fonts. Text painted by custom
widgets uses their ``font()`` and follows too. Left out: icons and line widths.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

LEVELS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
_BASE_FONT = "digitlabBaseFont"  # the application's font before any zoom (an app property)
SIZE_RESOLVED = 0x0002  # QFont::SizeResolved (the enum is not exposed by PySide6)
_BASE_SIZE = "digitlabZoomBasePt"  # a widget's own point size at level 1 (a widget property)


def clamp_level(level: float) -> float:
    return min(LEVELS[-1], max(LEVELS[0], float(level)))


def next_level(level: float, direction: int) -> float:
    """The next level up (``direction`` 1) or down (-1) from ``level``; 1.0 for 0."""
    if direction == 0:
        return 1.0
    if direction > 0:
        return next((x for x in LEVELS if x > level + 1e-6), LEVELS[-1])
    return next((x for x in reversed(LEVELS) if x < level - 1e-6), LEVELS[0])


def base_font(app: QApplication) -> QFont:
    """The application's font at level 1 (kept the first time it is asked for)."""
    font = app.property(_BASE_FONT)
    if not isinstance(font, QFont):
        font = QFont(app.font())
        app.setProperty(_BASE_FONT, font)
    return QFont(font)


def apply_zoom(app: QApplication, window: QWidget, level: float) -> None:
    """Every text ``level`` times its size (see the module docstring)."""
    font = base_font(app)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * level)
    else:
        font.setPixelSize(max(6, round(font.pixelSize() * level)))
    app.setFont(font)
    for widget in [window, *window.findChildren(QWidget)]:
        own = widget.font()
        if not (own.resolveMask() & SIZE_RESOLVED) or own.pointSizeF() <= 0:
            continue  # follows the application font
        base = widget.property(_BASE_SIZE)
        if base is None:
            old = widget.property("digitlabZoomLevel") or 1.0
            base = own.pointSizeF() / float(old)
            widget.setProperty(_BASE_SIZE, base)
        scaled = QFont(own)
        scaled.setPointSizeF(float(base) * level)
        widget.setFont(scaled)
        widget.setProperty("digitlabZoomLevel", level)
