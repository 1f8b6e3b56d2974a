"""What the network really sees: the stages of ``model.preprocess`` as three small pictures.

"Cropped ink" is the drawing's bounding box cut from the canvas, "Scaled to 20x20" the box
area-resampled so its longer side is 20 px, and "Network input 28x28" the box placed so its centre
of mass sits at the field's centre: the 784 numbers the input layer receives. Each picture is
enlarged with nearest-neighbour scaling, so every network pixel stays a hard-edged square, and the
28x28 one carries a faint pixel grid and an outline of where the 20 px box landed.

The view is one widget that paints its three panels itself: ``show_result`` turns the arrays into
three small ``QImage``s and schedules a repaint, and ``paintEvent`` only scales them
(``FastTransformation``), so it is cheap enough to follow the pen once per frame. Panels sit side by
side, or stacked when the widget is tall and narrow: whichever gives the larger pictures.

Left out: the maths (``model.preprocess``) and any decision about when to preprocess (the window's).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.images import gray_image
from model.preprocess import SIZE, Preprocessed

TITLES = ("Cropped ink", "Scaled to 20x20", "Network input 28x28")
PLACEHOLDER = "Draw a digit"
MARGIN = 6  # px around the whole view
GAP = 10  # px between panels
GRID_MIN_CELL = 5  # px: draw the pixel grid only when a network pixel is at least this big on screen
FIELD = QColor(0, 0, 0)  # the pictures' ground: MNIST's black
FRAME = QColor(120, 120, 120)
GRID = QColor(128, 128, 128, 70)
BOX_OUTLINE = QColor(230, 159, 0)  # Okabe-Ito orange: where the 20 px box landed in the 28x28


class PreprocessView(QWidget):
    """Three labelled pictures of one ``Preprocessed``: crop, 20x20, 28x28 network input."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip(
            "What the network really sees: your ink cropped to its box, scaled so the longer side is "
            "20 px, then placed in a 28x28 field with its centre of mass at the centre (as MNIST was made)"
        )
        self._result: Preprocessed | None = None
        self._images: tuple[QImage, QImage, QImage] | None = None
        self._captions = ("", "", "")

    # ------------------------------------------------------------------ public
    def show_result(self, p: Preprocessed) -> None:
        """Show every stage of ``p``; an empty result shows blank panels and "Draw a digit"."""
        if p.empty:
            self.clear()
            return
        self._result = p
        self._images = (gray_image(p.crop), gray_image(p.scaled20), gray_image(p.image))
        h, w = p.crop.shape
        sh, sw = p.scaled_size
        self._captions = (f"{w} x {h} px of canvas", f"{sw} x {sh} px", "centre of mass at the centre")
        self.update()

    def clear(self) -> None:
        """Blank panels with the "Draw a digit" prompt."""
        self._result = None
        self._images = None
        self._captions = ("", "", "")
        self.update()

    @property
    def shown_input(self) -> np.ndarray | None:
        """The 28x28 network input on screen (read-only, values in [0, 1]); None when blank."""
        return None if self._result is None else self._result.image

    @property
    def shown_result(self) -> Preprocessed | None:
        return self._result

    def sizeHint(self) -> QSize:
        return QSize(3 * 120 + 2 * GAP + 2 * MARGIN, 120 + 3 * self.fontMetrics().height() + 2 * MARGIN)

    def minimumSizeHint(self) -> QSize:
        return QSize(3 * 48 + 2 * GAP + 2 * MARGIN, 48 + 3 * self.fontMetrics().height())

    # ------------------------------------------------------------------ geometry
    def _text_heights(self) -> tuple[int, int]:
        title = self.fontMetrics().height() + 4
        caption = round(self.fontMetrics().height() * 0.9) + 2
        return title, caption

    def panel_rects(self) -> list[QRect]:
        """The three square picture areas (titles above, captions below), in widget coordinates."""
        title, caption = self._text_heights()
        extra = title + caption  # text rows per panel
        w, h = self.width() - 2 * MARGIN, self.height() - 2 * MARGIN
        side_by_side = min((w - 2 * GAP) // 3, h - extra)
        stacked = min(w, (h - 2 * GAP) // 3 - extra)
        side = max(1, max(side_by_side, stacked))
        if side_by_side >= stacked:
            x0 = MARGIN + (w - (3 * side + 2 * GAP)) // 2
            y0 = MARGIN + (h - (side + extra)) // 2 + title
            return [QRect(x0 + i * (side + GAP), y0, side, side) for i in range(3)]
        x0 = MARGIN + (w - side) // 2
        y0 = MARGIN + (h - (3 * (side + extra) + 2 * GAP)) // 2 + title
        return [QRect(x0, y0 + i * (side + extra + GAP), side, side) for i in range(3)]

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:
        title_h, caption_h = self._text_heights()
        text = self.palette().color(QPalette.ColorRole.WindowText)
        muted = QColor(text)
        muted.setAlpha(150)
        rects = self.panel_rects()
        title_font = _fitting_bold_font(self.font(), rects[0].width())
        caption_font = QFont(self.font())
        caption_font.setPointSizeF(self.font().pointSizeF() * 0.85)
        with QPainter(self) as painter:
            painter.setClipRect(event.rect())
            for i, rect in enumerate(rects):
                painter.setFont(title_font)
                painter.setPen(text)
                title_rect = QRect(rect.left() - GAP // 2, rect.top() - title_h, rect.width() + GAP, title_h)
                painter.drawText(title_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, TITLES[i])
                painter.fillRect(rect, FIELD)
                if self._images is None:
                    painter.setPen(QColor(150, 150, 150))
                    painter.setFont(caption_font)
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, PLACEHOLDER)
                else:
                    target = _fit(self._images[i].size(), rect, whole_pixels=i > 0)
                    # no SmoothPixmapTransform hint: drawImage scales nearest-neighbour (FastTransformation)
                    painter.drawImage(target, self._images[i])
                    if i == 2:
                        self._draw_grid_and_box(painter, target)
                    painter.setFont(caption_font)
                    painter.setPen(muted)
                    caption_rect = QRect(rect.left() - GAP // 2, rect.bottom() + 1, rect.width() + GAP, caption_h)
                    painter.drawText(caption_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self._captions[i])
                painter.setPen(QPen(FRAME, 1))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect.adjusted(0, 0, -1, -1))

    def _draw_grid_and_box(self, painter: QPainter, target: QRectF) -> None:
        cell = target.width() / SIZE
        if cell >= GRID_MIN_CELL:
            painter.setPen(QPen(GRID, 1))
            for k in range(1, SIZE):
                x = round(target.left() + k * cell)
                y = round(target.top() + k * cell)
                painter.drawLine(x, round(target.top()), x, round(target.bottom()) - 1)
                painter.drawLine(round(target.left()), y, round(target.right()) - 1, y)
        p = self._result
        if p is not None:
            (oy, ox), (sh, sw) = p.offset, p.scaled_size
            box = QRectF(target.left() + ox * cell, target.top() + oy * cell, sw * cell, sh * cell)
            painter.setPen(QPen(BOX_OUTLINE, 1, Qt.PenStyle.DashLine))
            painter.drawRect(box.toRect().adjusted(0, 0, -1, -1))


def _fitting_bold_font(base: QFont, width: int) -> QFont:
    """The widget's font in bold, shrunk (to no less than 70%) until every title fits ``width``."""
    font = QFont(base)
    font.setBold(True)
    widest = max(QFontMetrics(font).horizontalAdvance(t) for t in TITLES)
    if widest > width:
        font.setPointSizeF(max(base.pointSizeF() * 0.7, base.pointSizeF() * width / widest))
    return font


def _fit(size: QSize, rect: QRect, whole_pixels: bool) -> QRectF:
    """The largest rectangle of ``size``'s aspect ratio centred in ``rect``; with ``whole_pixels``,
    enlarged by a whole factor so every network pixel is a square of the same size."""
    scale = min(rect.width() / size.width(), rect.height() / size.height())
    if whole_pixels and scale >= 1:
        scale = float(int(scale))
    w, h = size.width() * scale, size.height() * scale
    return QRectF(rect.left() + (rect.width() - w) / 2, rect.top() + (rect.height() - h) / 2, w, h)


__all__ = ["PreprocessView", "TITLES", "PLACEHOLDER"]
