"""Text for a narrow panel: the longest of a text's forms that fits, and text widths remembered.

The network view works from about 500 px wide up, so its titles, headers and legend each come in
a few forms, longest first, and show the longest that fits their room (``fitting``; hovering a
header tells it in full). The diagram measures the same few texts every frame: ``CachedMetrics``
remembers their widths.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics


def fitting(metrics: QFontMetrics | CachedMetrics, candidates: Sequence[str], width: float) -> str:
    """The first of ``candidates`` (longest first) that fits ``width`` px, else the last one elided."""
    for text in candidates:
        if metrics.horizontalAdvance(text) <= width:
            return text
    return metrics.elidedText(candidates[-1], Qt.TextElideMode.ElideRight, max(0, int(width)))


class CachedMetrics:
    """``QFontMetrics`` that remembers text widths: the diagram measures the same few texts each frame."""

    def __init__(self, font: QFont) -> None:
        self.key = font.key()
        self._metrics = QFontMetrics(font)
        self.line = self._metrics.lineSpacing()  # px from one line of text to the next
        self._widths: dict[str, int] = {}

    def horizontalAdvance(self, text: str) -> int:
        width = self._widths.get(text)
        if width is None:
            if len(self._widths) > 2000:  # the edges' ± labels change every frame
                self._widths.clear()
            width = self._widths[text] = self._metrics.horizontalAdvance(text)
        return width

    def elidedText(self, text: str, mode: Qt.TextElideMode, width: int) -> str:
        return self._metrics.elidedText(text, mode, width)


def short_count(n: int) -> str:
    """131072 -> "131k": counts for a narrow header."""
    return f"{n / 1000:.0f}k" if n >= 10000 else f"{n:,}"
