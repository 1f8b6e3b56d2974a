"""Text laid out once and painted many times: a bounded cache of ``QStaticText``.

Views that repaint at display rate (the output bars at every pen move, the network diagram at
every training frame) draw the same short strings again and again; ``drawStaticText`` of a
prepared text is ~4x cheaper than ``drawText``, which lays the string out at every call.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF, QStaticText, QTransform


class StaticTexts:
    """``get(text, font)``: the text laid out in ``font``, its advance and its line height."""

    def __init__(self, limit: int = 1000) -> None:
        self._limit = limit  # emptied when it would hold more (texts that change: numbers)
        self._texts: dict[tuple[str, str], tuple[QStaticText, float, float]] = {}

    def get(self, text: str, font: QFont) -> tuple[QStaticText, float, float]:
        key = (text, font.key())
        cached = self._texts.get(key)
        if cached is None:
            if len(self._texts) >= self._limit:
                self._texts.clear()
            static = QStaticText(text)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(QTransform(), font)
            metrics = QFontMetricsF(font)
            cached = self._texts[key] = (static, metrics.horizontalAdvance(text), metrics.height())
        return cached
