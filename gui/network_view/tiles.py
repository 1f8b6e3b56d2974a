"""The first hidden layer as tiles: each neuron's 784 incoming weights drawn as a 28x28 picture.

The 3Blue1Brown lesson's picture: a tile per neuron of layer 0 (its weights from the 784 pixels,
coloured by value or by last change on the diverging palette of ``network_view.palette``), with its
activation as a bar beside it. In weights mode each tile is scaled to its own largest |w|; in
changes mode all share one scale, so the neurons that moved most stand out. The layer's largest
changes are black pixels; its biases' largest changes, a black frame around the bar. The tiles keep
the order the state gives them (``tile_order``: slot -> neuron). The grid reads everything it
draws from the view's ``NetworkViewState`` and rebuilds when it signals ``changed``.

The tiles take the largest integer scale (up to 4) whose grid fits their pane; a layer too wide
for even 1:1 tiles gets 1:1 tiles in as many columns as fit, and the grid scrolls (``TileScroll``).

Built for 30 Hz beside a training thread: the tiles are one mosaic image, built in NumPy as one
byte a pixel and coloured through a lookup table (``ViewColours.mosaic_lut``), never a widget or a Python loop
per neuron. The mosaic is rebuilt lazily at the next paint after the data changed, and only for
the rows the scroll area shows (plus a margin); a paint clips to its rectangle and blits only the
exposed band.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy

from digitlab.gui.network_view.hover import HoverWidget
from digitlab.gui.network_view.palette import (
    MOSAIC_BACKGROUND,
    MOSAIC_BAR_EMPTY,
    MOSAIC_HIGHLIGHT,
    MOSAIC_INK,
    colours_of,
    diverging_index,
)
from digitlab.gui.network_view.state import SIDE, NetworkViewState
from digitlab.gui.network_view.text import fitting

Array = np.ndarray


# the tile mosaic, in image pixels: a 28x28 tile (SIDE), a gap, the activation bar, a gutter
BAR_X, BAR_W = SIDE + 1, 4
CELL_W, CELL_H = BAR_X + BAR_W + 3, SIDE + 3


def grid_header(metrics: QFontMetrics) -> int:
    """Px above the tiles for their title: a line of the font in use (presentation mode zooms it)."""
    return metrics.lineSpacing() + 4


def _tile_arrangement(n: int, height: int, width: int, scrollbar: int = 0, header: int = 18) -> tuple[int, int, int]:
    """(scale, columns, rows) for ``n`` tiles in ``width`` x ``height`` px: the largest integer
    scale (up to 4) whose grid fits; when even 1:1 tiles do not fit (a wide layer), 1:1 tiles in
    as many columns as fit beside a ``scrollbar`` px wide scroll bar (the grid then scrolls).
    Columns are as few as the rows need, so the last row is never half empty."""
    for scale in (4, 3, 2, 1):
        cols = min(n, width // (CELL_W * scale))
        if cols >= 1 and header + math.ceil(n / cols) * CELL_H * scale <= height:
            break
    else:
        scale, cols = 1, max(1, min(n, (width - scrollbar) // CELL_W))
    rows = math.ceil(n / cols)
    return scale, math.ceil(n / rows), rows


class TileGrid(HoverWidget):
    """Layer 0's neurons as tiles of their incoming weights, one mosaic image scaled by ``scale``."""

    def __init__(self, state: NetworkViewState) -> None:
        super().__init__()
        self._state = state
        self.scale = 1
        self.cols = 1
        self.rows = 1
        self._pixels: Array | None = None  # the mosaic's ARGB words; the QImage reads them
        self._image: QImage | None = None
        self._built = (0, 0)  # tile rows the mosaic holds
        self._built_dark = False  # and for which ground
        self._dirty = True
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # paintEvent covers every pixel
        self.setMouseTracking(True)
        state.changed.connect(self.invalidate)
        state.hover_changed.connect(self.update)

    @property
    def header(self) -> int:
        return grid_header(self.fontMetrics())

    @property
    def n_tiles(self) -> int:
        return self._state.n_tiles

    # geometry
    def fit(self, height: int, width: int, scrollbar: int = 0) -> None:
        """Arrange the tiles for a ``width`` x ``height`` area (``_tile_arrangement``); the widget
        spans the whole width (less the scroll bar, when it scrolls), so its title has the room."""
        n = self._state.n_tiles
        if n == 0:
            return
        old = (self.scale, self.cols, self.rows)
        self.scale, self.cols, self.rows = _tile_arrangement(n, height, width, scrollbar, self.header)
        grid_h = self.header + self.rows * CELL_H * self.scale
        self.setFixedSize(max(self.cols * CELL_W * self.scale, width - (scrollbar if grid_h > height else 0)), grid_h)
        if (self.scale, self.cols, self.rows) != old:
            self._dirty = True
            self.update()

    def invalidate(self) -> None:
        self._dirty = True
        self.update()

    def _rows_in(self, rect: QRect) -> tuple[int, int]:
        """Tile rows [r0, r1) that ``rect`` (widget coordinates) touches."""
        h = CELL_H * self.scale
        r0 = max(0, (rect.top() - self.header) // h)
        r1 = min(self.rows, (rect.bottom() - self.header) // h + 1)
        return r0, max(r0, r1)

    def _build(self, r0: int, r1: int) -> None:
        """The mosaic of tile rows [r0, r1): only what the scroll area shows (plus a margin)."""
        v = self._state
        colours = colours_of(self)
        order = v.tile_order[r0 * self.cols : r1 * self.cols]  # neurons of these slots
        values = v.values(0)  # (n, 784)
        sub = values[order]
        if v.mode == "weights":
            limit = np.abs(sub).max(axis=1, keepdims=True)  # each tile to its own largest |w|
        else:
            limit = np.float32(np.abs(values).max())  # one scale: neurons that moved most stand out
        # the mosaic is built as uint8 indices into the mosaic's table (1 byte a pixel), coloured at the end
        idx = diverging_index(sub, limit)  # (k, 784)
        hl = v.highlighted[0] if v.highlighted else None
        if hl is not None:
            idx[hl[order]] = MOSAIC_HIGHLIGHT
        rows, k = r1 - r0, len(order)
        cells = np.full((rows * self.cols, CELL_H, CELL_W), MOSAIC_BACKGROUND, dtype=np.uint8)
        cells[:k, :SIDE, :SIDE] = idx.reshape(-1, SIDE, SIDE)
        bars = cells[:k, :SIDE, BAR_X : BAR_X + BAR_W]
        bars[...] = MOSAIC_BAR_EMPTY
        shading = v.shading(0)
        if shading is not None:
            kind, q = shading
            height = np.rint(np.abs(q[order]) * SIDE).astype(np.int32)
            fill = np.full(k, MOSAIC_INK, np.uint8) if kind == "level" else diverging_index(q[order], 1.0)
            filled = np.arange(SIDE)[None, :] >= (SIDE - height)[:, None]  # (k, 28)
            bars[filled] = np.broadcast_to(fill[:, None], filled.shape)[filled][:, None]
        mosaic = cells.reshape(rows, self.cols, CELL_H, CELL_W).transpose(0, 2, 1, 3)
        mosaic = np.ascontiguousarray(mosaic).reshape(rows * CELL_H, self.cols * CELL_W)
        if self.scale > 1:  # scaled here, on bytes: a 1:1 blit per paint is ~10x cheaper than Qt scaling
            mosaic = np.repeat(np.repeat(mosaic, self.scale, axis=0), self.scale, axis=1)
        self._pixels = np.take(colours.mosaic_lut, mosaic)  # (a take from a contiguous index is ~2x faster)
        h, w = self._pixels.shape
        self._image = QImage(self._pixels.data, w, h, 4 * w, QImage.Format.Format_RGB32)
        self._built = (r0, r1)
        self._built_dark = colours.dark
        self._dirty = False

    def paintEvent(self, event: QPaintEvent) -> None:
        v = self._state
        with QPainter(self) as p:
            p.setClipRect(event.rect())
            colours = colours_of(self)  # the app's theme, light or dark
            p.fillRect(event.rect(), colours.background)
            if v.network is None:
                return
            need = self._rows_in(event.rect())
            built = self._built
            if (self._dirty or self._image is None or need[0] < built[0] or need[1] > built[1]
                    or self._built_dark != colours.dark):
                seen = self._rows_in(self.visibleRegion().boundingRect().united(event.rect()))
                self._build(max(0, seen[0] - 3), min(self.rows, seen[1] + 3))  # a margin for scrolling
            p.setPen(colours.text)
            what = "incoming weights" if v.mode == "weights" else "last changes"
            name = "output" if len(v.network.weights) == 1 else "layer 1"
            n = v.n_tiles
            title = fitting(p.fontMetrics(), (f"{name} · {n} tiles: {what}", f"{name} · {n} tiles", f"{n} tiles"),
                             self.width())
            p.drawText(QRect(0, 0, self.width(), self.header), Qt.AlignmentFlag.AlignLeft, title)
            s = self.scale
            top = self.header + self._built[0] * CELL_H * s
            target = QRect(0, top, self._image.width(), self._image.height())
            # draw only the exposed part of the mosaic (the scroll area exposes a band)
            exposed = event.rect().intersected(target)
            if not exposed.isEmpty():
                p.drawImage(exposed.topLeft(), self._image, exposed.translated(0, -top))
            # bias highlights and the hovered neuron: a frame around the activation bar / tile
            slot_of = np.empty(len(v.tile_order), dtype=np.intp)
            slot_of[v.tile_order] = np.arange(len(v.tile_order))
            if v.highlighted_biases:
                p.setPen(QPen(colours.highlight, 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                for j in np.flatnonzero(v.highlighted_biases[0]):
                    r, c = divmod(int(slot_of[j]), self.cols)
                    p.drawRect(QRectF((c * CELL_W + BAR_X - 0.5) * s, self.header + (r * CELL_H - 0.5) * s,
                                      (BAR_W + 1) * s, (SIDE + 1) * s))
            if v.hover_neuron is not None and v.hover_neuron[0] == 0:
                r, c = divmod(int(slot_of[v.hover_neuron[1]]), self.cols)
                p.setPen(QPen(colours.hover, 1, Qt.PenStyle.DashLine))
                p.drawRect(QRectF((c * CELL_W - 1) * s, self.header + (r * CELL_H - 1) * s, (BAR_X + BAR_W + 2) * s, (SIDE + 2) * s))

    def pixel_center(self, j: int, k: int) -> QPoint:
        """Where weight k (pixel k) of neuron j's tile is drawn, in this widget's coordinates."""
        slot = int(np.flatnonzero(self._state.tile_order == j)[0])
        r, c = divmod(slot, self.cols)
        x = c * CELL_W + k % SIDE
        y = r * CELL_H + k // SIDE
        return QPoint(int((x + 0.5) * self.scale), self.header + int((y + 0.5) * self.scale))

    # hover
    def describe(self, pos: QPoint) -> tuple[str, tuple[int, int] | None]:
        v = self._state
        if v.network is None or pos.y() < self.header:
            return "", None
        x, y = pos.x() // self.scale, (pos.y() - self.header) // self.scale
        col, cx = divmod(x, CELL_W)
        row, cy = divmod(y, CELL_H)
        slot = row * self.cols + col
        if col >= self.cols or slot >= len(v.tile_order) or cy >= SIDE:
            return "", None
        j = int(v.tile_order[slot])
        if cx < SIDE:
            return f"layer 1 neuron {j}: " + v.weight_tooltip(0, j, cy * SIDE + cx), (0, j)
        if BAR_X <= cx < BAR_X + BAR_W:
            return v.neuron_tooltip(0, j), (0, j)
        return "", None


class TileScroll(QScrollArea):
    """Scrolls the tile grid when it is taller than the panel; fits the tiles to its size."""

    def __init__(self, grid: TileGrid) -> None:
        super().__init__()
        self._grid = grid
        self.setWidget(grid)
        self.setWidgetResizable(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumWidth(CELL_W + 20)
        self.viewport().setAutoFillBackground(True)  # the ground below a short grid, as the diagram beside it
        self._ground()

    def _ground(self) -> None:
        palette = self.viewport().palette()
        palette.setColor(self.viewport().backgroundRole(), colours_of(self).background)
        self.viewport().setPalette(palette)

    def changeEvent(self, e: QEvent) -> None:
        super().changeEvent(e)
        if e.type() == QEvent.Type.PaletteChange:  # the theme changed
            self._ground()
        elif e.type() == QEvent.Type.FontChange:  # presentation mode: the title's line grew or shrank
            self.refit()

    def refit(self) -> None:
        if self._grid.n_tiles == 0:  # no network yet
            return
        area = self.contentsRect()
        self._grid.fit(area.height(), area.width(), self.verticalScrollBar().sizeHint().width())

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self.refit()

    def width_for(self, width: int, height: int) -> int:
        """The width the grid would use of ``width`` x ``height`` (its columns, and the scroll bar)."""
        n = self._grid.n_tiles
        if n == 0:
            return width
        scrollbar = self.verticalScrollBar().sizeHint().width()
        header = self._grid.header
        scale, cols, rows = _tile_arrangement(n, height, width, scrollbar, header)
        scrolls = header + rows * CELL_H * scale > height
        return cols * CELL_W * scale + (scrollbar if scrolls else 0)
