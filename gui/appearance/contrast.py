"""WCAG 2 contrast: the ratio of two colours' relative luminances, and text colours that keep 4.5:1.

``contrast_ratio(a, b)`` is WCAG 2.1's (L1 + 0.05) / (L2 + 0.05) over sRGB relative luminance;
4.5:1 is level AA for body text. ``readable(fg, bg)`` moves a colour towards black or white until
it reaches the ratio (a brand colour used for text); ``quiet_text(palette)`` is the quietest grey
between the text and its ground that still reads at 4.5:1 (hints, captions, secondary numbers).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

AA = 4.5  # WCAG 2.1 level AA, normal text


def _channel(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    """WCAG relative luminance of an opaque colour, 0 (black) to 1 (white)."""
    r, g, b = (_channel(x) for x in colour.getRgbF()[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: QColor, b: QColor) -> float:
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def over(fg: QColor, bg: QColor) -> QColor:
    """``fg`` composited over an opaque ``bg`` (what a translucent text colour looks like)."""
    a = fg.alphaF()
    return QColor.fromRgbF(*(a * x + (1 - a) * y for x, y in zip(fg.getRgbF()[:3], bg.getRgbF()[:3])))


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """(1 - t) a + t b, opaque."""
    return QColor.fromRgbF(*((1 - t) * x + t * y for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3])))


def readable(fg: QColor, bg: QColor, ratio: float = AA) -> QColor:
    """``fg``, darkened or lightened just enough to reach ``ratio`` against ``bg``."""
    fg = over(fg, bg)
    if contrast_ratio(fg, bg) >= ratio:
        return fg
    target = QColor(0, 0, 0) if luminance(bg) > 0.18 else QColor(255, 255, 255)
    for step in range(1, 21):
        c = blend(fg, target, step / 20)
        if contrast_ratio(c, bg) >= ratio:
            return c
    return target


def quiet_text(palette: QPalette, ratio: float = AA) -> QColor:
    """The palest blend of the window text towards the window that still reads at ``ratio``."""
    text, ground = palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window)
    for t in (0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05, 0.0):
        c = blend(text, ground, t)
        if contrast_ratio(c, ground) >= ratio:
            return c
    return text
