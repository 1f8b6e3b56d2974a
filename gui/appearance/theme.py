"""Light and dark themes: Fusion with a palette whose every text role reads at 4.5:1 or better.

``palette_for(dark)`` starts from Fusion's own light palette or a dark one, and sets the
placeholder-text role (hints, captions, secondary numbers) to the quietest grey that still meets
WCAG AA against the window and base colours (``gui.appearance.contrast``). ``apply_theme`` sets the
style and palette on the application; "system" follows the platform's colour scheme
(``QStyleHints.colorScheme``, Qt 6.5+). Custom-painted widgets read their colours from the palette
(the canvas and the input pictures stay black, as MNIST's images are); the curves are pyqtgraph and
are restyled by ``TrainingPlots.restyle``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from digitlab.gui.appearance.contrast import AA, contrast_ratio, quiet_text

THEMES = ("system", "light", "dark")

_DARK = {  # role: colour, for every colour group
    QPalette.ColorRole.Window: QColor(43, 43, 43),
    QPalette.ColorRole.WindowText: QColor(232, 232, 232),
    QPalette.ColorRole.Base: QColor(30, 30, 30),
    QPalette.ColorRole.AlternateBase: QColor(52, 52, 52),
    QPalette.ColorRole.ToolTipBase: QColor(60, 60, 52),
    QPalette.ColorRole.ToolTipText: QColor(240, 240, 240),
    QPalette.ColorRole.Text: QColor(232, 232, 232),
    QPalette.ColorRole.Button: QColor(58, 58, 58),
    QPalette.ColorRole.ButtonText: QColor(232, 232, 232),
    QPalette.ColorRole.BrightText: QColor(255, 120, 120),
    QPalette.ColorRole.Light: QColor(80, 80, 80),
    QPalette.ColorRole.Midlight: QColor(66, 66, 66),
    QPalette.ColorRole.Mid: QColor(40, 40, 40),
    QPalette.ColorRole.Dark: QColor(25, 25, 25),
    QPalette.ColorRole.Shadow: QColor(10, 10, 10),
    QPalette.ColorRole.Highlight: QColor(38, 110, 180),
    QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
    QPalette.ColorRole.Link: QColor(110, 170, 240),
    QPalette.ColorRole.LinkVisited: QColor(180, 140, 240),
}
_DARK_DISABLED = {
    QPalette.ColorRole.WindowText: QColor(140, 140, 140),
    QPalette.ColorRole.Text: QColor(140, 140, 140),
    QPalette.ColorRole.ButtonText: QColor(140, 140, 140),
}


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hasattr(hints, "colorScheme") and hints.colorScheme() == Qt.ColorScheme.Dark


def is_dark(theme: str) -> bool:
    return theme == "dark" or (theme == "system" and system_is_dark())


def palette_for(dark: bool) -> QPalette:
    fusion = QStyleFactory.create("Fusion")
    palette = QPalette(fusion.standardPalette())
    if dark:
        for role, colour in _DARK.items():
            palette.setColor(role, colour)
        for role, colour in _DARK_DISABLED.items():
            palette.setColor(QPalette.ColorGroup.Disabled, role, colour)
    else:  # Fusion's tooltips are pale yellow with black text already; its placeholder grey is too pale
        palette.setColor(QPalette.ColorRole.ToolTipBase, QColor(255, 255, 225))
        palette.setColor(QPalette.ColorRole.ToolTipText, QColor(0, 0, 0))
    quiet = quiet_text(palette)
    base = palette.color(QPalette.ColorRole.Base)
    while contrast_ratio(quiet, base) < AA:  # placeholders sit on fields (Base) too
        quiet = quiet.darker(110) if not dark else quiet.lighter(110)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.PlaceholderText, quiet)
    return palette


def apply_theme(app: QApplication, theme: str) -> bool:
    """Fusion with the light or dark palette (``theme``: system, light or dark); True when dark."""
    dark = is_dark(theme)
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette_for(dark))
    return dark
