"""What the network really sees: the stages of ``model.preprocess`` as three small pictures.

"Cropped ink" is the drawing's bounding box cut from the canvas, "Scaled to 20x20" the box
area-resampled so its longer side is 20 px, and "Network input 28x28" the box placed so its centre
of mass sits at the field's centre: the 784 numbers the input layer receives. For a network that
deskews its input (``Network.deskew``) that picture is the deskewed one (``Preprocessed.deskewed``),
its caption says so, and the outline of the 20 px box, sheared with the ink, is left out. Each picture is
enlarged with nearest-neighbour scaling, so every network pixel stays a hard-edged square, and the
28x28 one carries a faint pixel grid and an outline of where the 20 px box landed.

The view is one widget that paints its three panels itself: ``show_result`` turns the arrays into
three small ``QImage``s and schedules a repaint, and ``paintEvent`` only scales them
(``FastTransformation``), so it is cheap enough to follow the pen once per frame. Panels sit side by
side, or stacked when the widget is tall and narrow: whichever gives the larger pictures. Titles and
captions wrap to two lines in narrow panels, and shorter forms take over where even two lines are
too few (the full text is in each panel's tooltip).

Left out: the maths (``model.preprocess``) and any decision about when to preprocess (the window's).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QEvent, QLine, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from digitlab.gui.appearance.contrast import quiet_text
from digitlab.gui.images import gray_image
from digitlab.model.preprocess import SIZE, Preprocessed

TITLES = ("Cropped ink", "Scaled to 20x20", "Network input 28x28")
# shorter titles for narrower panels, each tried when the one before does not fit in MAX_LINES lines
TITLE_FORMS = (TITLES, ("Cropped ink", "Scaled to 20x20", "Input 28x28"), ("Ink", "20x20", "Input"))
PLACEHOLDER = "Draw a digit"
TOOLTIP = (
    "What the network really sees: your ink cropped to its box, scaled so the longer side is "
    "20 px, then placed in a 28x28 field with its centre of mass at the centre (as MNIST was made)"
)
CAPTION_SCALE = 0.85  # captions' font size, of the widget's
MAX_LINES = 2  # a title or caption wraps to at most this many lines, else a shorter text is used
CAPTION_ROOM = ("280 x 280 px of canvas", "centre of mass at the centre")  # the longest captions there are
TITLE_FLAGS = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap
CAPTION_FLAGS = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
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
        self.setToolTip(TOOLTIP)
        self._result: Preprocessed | None = None
        self._images: tuple[QImage, QImage, QImage] | None = None
        self._captions: tuple[tuple[str, ...], ...] = ((), (), ())  # per panel, longest first
        self._text_cache: dict[tuple[str, int], _Texts] = {}
        self._panels_cache: tuple[tuple, list[Panel]] | None = None  # (what they depend on, panels)

    # ------------------------------------------------------------------ public
    def show_result(self, p: Preprocessed) -> None:
        """Show every stage of ``p``; an empty result shows blank panels and "Draw a digit"."""
        if p.empty:
            self.clear()
            return
        self._result = p
        self._images = (gray_image(p.crop), gray_image(p.scaled20), gray_image(p.network_input))
        h, w = p.crop.shape
        sh, sw = p.scaled_size
        placed = ("centred, then deskewed", "deskewed") if p.deskewed is not None else (
            "centre of mass at the centre", "mass centred")
        self._captions = ((f"{w} x {h} px of canvas", f"{w} x {h} px"), (f"{sw} x {sh} px",), placed)
        self.update()

    def clear(self) -> None:
        """Blank panels with the "Draw a digit" prompt."""
        self._result = None
        self._images = None
        self._captions = ((), (), ())
        self.update()

    @property
    def shown_input(self) -> np.ndarray | None:
        """The 28x28 network input on screen (read-only, values in [0, 1]); None when blank."""
        return None if self._result is None else self._result.network_input

    @property
    def shown_result(self) -> Preprocessed | None:
        return self._result

    def captions(self) -> tuple[str, str, str]:
        """The captions under the three pictures, in full ("" when blank)."""
        return tuple(c[0] if c else "" for c in self._captions)

    def sizeHint(self) -> QSize:
        return QSize(3 * 120 + 2 * GAP + 2 * MARGIN, 120 + 3 * self.fontMetrics().height() + 2 * MARGIN)

    def minimumSizeHint(self) -> QSize:
        return QSize(3 * 48 + 2 * GAP + 2 * MARGIN, 48 + 3 * self.fontMetrics().height())

    # ------------------------------------------------------------------ geometry
    def _texts(self, width: int) -> _Texts:
        """Fonts, titles and reserved heights for text ``width`` px wide (a panel's column)."""
        key = (self.font().key(), width)  # measuring wrapped text costs more than the paint: kept
        texts = self._text_cache.get(key)
        if texts is None:
            if len(self._text_cache) > 64:
                self._text_cache.clear()
            texts = self._text_cache[key] = _fit_texts(self.font(), max(1, width))
        return texts

    def _arrangement(self) -> tuple[bool, int, _Texts]:
        """(side by side?, the pictures' side, the texts for it): whichever gives larger pictures."""
        w, h = self.width() - 2 * MARGIN, self.height() - 2 * MARGIN
        row = self._texts(w // 3 - 2)  # side by side: each panel's text may use its third of the width
        side_by_side = min(w // 3 - GAP, h - row.height)
        column = self._texts(w)
        stacked = min(w, (h - 2 * GAP) // 3 - column.height)
        if side_by_side >= stacked:
            return True, max(1, side_by_side), row
        return False, max(1, stacked), column

    def panel_rects(self) -> list[QRect]:
        """The three square picture areas (titles above, captions below), in widget coordinates."""
        return [panel.picture for panel in self.panels()]

    def panels(self) -> list[Panel]:
        """Each panel's picture, title and caption (the forms that fit), where and in which font."""
        # fitting wrapped text costs more than the paint, and a stroke repaints at every move:
        # the panels are kept until the size, the font or the captions change
        key = (self.width(), self.height(), self.font().key(), self._captions)
        if self._panels_cache is None or self._panels_cache[0] != key:
            self._panels_cache = (key, self._fit_panels())
        return self._panels_cache[1]

    def _fit_panels(self) -> list[Panel]:
        beside, side, texts = self._arrangement()
        w, h = self.width() - 2 * MARGIN, self.height() - 2 * MARGIN
        if beside:  # each panel centred in its third of the width
            column = w // 3
            y0 = MARGIN + (h - (side + texts.height)) // 2 + texts.title_h
            pictures = [QRect(MARGIN + i * column + (column - side) // 2, y0, side, side) for i in range(3)]
            spans = [(MARGIN + i * column + 1, column - 2) for i in range(3)]
        else:
            x0 = MARGIN + (w - side) // 2
            y0 = MARGIN + (h - (3 * (side + texts.height) + 2 * GAP)) // 2 + texts.title_h
            pictures = [QRect(x0, y0 + i * (side + texts.height + GAP), side, side) for i in range(3)]
            spans = [(MARGIN, w)] * 3
        panels = []
        for i, (r, (x, width)) in enumerate(zip(pictures, spans)):
            caption = _first_fitting(texts.caption_font, self._captions[i], width, texts.caption_lines)
            panels.append(Panel(r, QRect(x, r.top() - texts.title_h, width, texts.title_h), texts.titles[i],
                                QRect(x, r.bottom() + 2, width, texts.caption_h), caption,
                                texts.title_font, texts.caption_font))
        return panels

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:
        text = self.palette().color(QPalette.ColorRole.WindowText)
        muted = quiet_text(self.palette())  # secondary, but >= 4.5:1 on the window
        panels = self.panels()
        with QPainter(self) as painter:
            painter.setClipRect(event.rect())
            for i, panel in enumerate(panels):
                rect = panel.picture
                painter.setFont(panel.title_font)
                painter.setPen(text)
                painter.drawText(panel.title_rect, TITLE_FLAGS, panel.title)
                painter.fillRect(rect, FIELD)
                if self._images is None:
                    painter.setPen(QColor(150, 150, 150))
                    painter.setFont(panel.caption_font)
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, PLACEHOLDER)
                else:
                    target = _fit(self._images[i].size(), rect, whole_pixels=i > 0)
                    # no SmoothPixmapTransform hint: drawImage scales nearest-neighbour (FastTransformation)
                    painter.drawImage(target, self._images[i])
                    if i == 2:
                        self._draw_grid_and_box(painter, target)
                    painter.setFont(panel.caption_font)
                    painter.setPen(muted)
                    painter.drawText(panel.caption_rect, CAPTION_FLAGS, panel.caption)
                painter.setPen(QPen(FRAME, 1))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect.adjusted(0, 0, -1, -1))

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip:  # a panel's whole title and caption, then what it all means
            for i, panel in enumerate(self.panels()):
                if panel.title_rect.united(panel.caption_rect).contains(e.pos()):
                    caption = self.captions()[i]
                    QToolTip.showText(e.globalPos(), TITLES[i] + (f": {caption}" if caption else "")
                                      + f"\n\n{TOOLTIP}", self)
                    return True
        return super().event(e)

    def _draw_grid_and_box(self, painter: QPainter, target: QRectF) -> None:
        cell = target.width() / SIZE
        if cell >= GRID_MIN_CELL:
            painter.setPen(QPen(GRID, 1))
            top, bottom = round(target.top()), round(target.bottom()) - 1
            left, right = round(target.left()), round(target.right()) - 1
            lines = []
            for k in range(1, SIZE):
                x = round(target.left() + k * cell)
                y = round(target.top() + k * cell)
                lines += [QLine(x, top, x, bottom), QLine(left, y, right, y)]
            painter.drawLines(lines)  # one call: 54 drawLine calls cost ~10x more from Python
        p = self._result
        if p is not None and p.deskewed is None:  # deskewed, the ink left the box's outline
            (oy, ox), (sh, sw) = p.offset, p.scaled_size
            box = QRectF(target.left() + ox * cell, target.top() + oy * cell, sw * cell, sh * cell)
            painter.setPen(QPen(BOX_OUTLINE, 1, Qt.PenStyle.DashLine))
            painter.drawRect(box.toRect().adjusted(0, 0, -1, -1))


class Panel(NamedTuple):
    """One panel as drawn: its picture's square, and its title and caption in the forms that fit."""

    picture: QRect
    title_rect: QRect
    title: str
    caption_rect: QRect
    caption: str
    title_font: QFont
    caption_font: QFont


class _Texts(NamedTuple):
    """The titles and the captions' room for one panel width: fonts, text, heights in px."""

    title_font: QFont
    titles: tuple[str, str, str]
    title_h: int
    caption_font: QFont
    caption_lines: int
    caption_h: int

    @property
    def height(self) -> int:
        return self.title_h + self.caption_h


def _lines(font: QFont, text: str, width: int) -> int:
    """Lines ``text`` takes word-wrapped in ``width`` px; a word wider than that counts as too many."""
    metrics = QFontMetrics(font)
    if max((metrics.horizontalAdvance(word) for word in text.split()), default=0) > width:
        return MAX_LINES + 1
    box = metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, text)
    return round(box.height() / metrics.height())


def _first_fitting(font: QFont, candidates: tuple[str, ...], width: int, lines: int) -> str:
    """The first of ``candidates`` (longest first) in at most ``lines`` lines, else the last elided."""
    for text in candidates:
        if _lines(font, text, width) <= lines:
            return text
    if not candidates:
        return ""
    return QFontMetrics(font).elidedText(candidates[-1], Qt.TextElideMode.ElideRight, width)


def _fit_texts(base: QFont, width: int) -> _Texts:
    """Titles in bold (shrunk to no less than 80%, else shorter ones) and room for the captions,
    each in at most ``MAX_LINES`` lines of ``width`` px."""
    title_font = QFont(base)
    title_font.setBold(True)
    chosen = None
    for titles in TITLE_FORMS:
        for scale in (1.0, 0.9, 0.8):
            title_font.setPointSizeF(base.pointSizeF() * scale)
            lines = max(_lines(title_font, t, width) for t in titles)
            if lines <= MAX_LINES:
                chosen = titles
                break
        if chosen is not None:
            break
    if chosen is None:  # narrower than any title's longest word: elided (and whole in the tooltip)
        metrics = QFontMetrics(title_font)
        chosen = tuple(metrics.elidedText(t, Qt.TextElideMode.ElideRight, width) for t in TITLE_FORMS[-1])
        lines = 1
    caption_font = QFont(base)
    caption_font.setPointSizeF(base.pointSizeF() * CAPTION_SCALE)
    # room for the longest captions (in at most MAX_LINES lines: a shorter form is used where they
    # need more), so the pictures keep their place as you draw
    caption_lines = min(MAX_LINES, max(_lines(caption_font, t, width) for t in CAPTION_ROOM))
    return _Texts(title_font, chosen, lines * QFontMetrics(title_font).height() + 4,
                  caption_font, caption_lines, caption_lines * QFontMetrics(caption_font).height() + 2)


def _fit(size: QSize, rect: QRect, whole_pixels: bool) -> QRectF:
    """The largest rectangle of ``size``'s aspect ratio centred in ``rect``; with ``whole_pixels``,
    enlarged by a whole factor so every network pixel is a square of the same size."""
    scale = min(rect.width() / size.width(), rect.height() / size.height())
    if whole_pixels and scale >= 1:
        scale = float(int(scale))
    w, h = size.width() * scale, size.height() * scale
    return QRectF(rect.left() + (rect.width() - w) / 2, rect.top() + (rect.height() - h) / 2, w, h)


__all__ = ["PreprocessView", "Panel", "TITLES", "PLACEHOLDER"]
