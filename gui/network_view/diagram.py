"""The network diagram: every layer from the first hidden one on, the edges between them, the digits.

Column l holds layer l's neurons (the outputs of ``net.weights[l]``; layer 0's weights are the
tiles, ``network_view.tiles``), as discs shaded by activation or error δ, or as a strip of cells
when the layer is taller than ``DISC_MAX``; a bias among the largest changes gets a black ring (a
tick beside a strip). Between columns l-1 and l, the edges of ``net.weights[l]`` coloured by
weight or by last change, width by size (``network_view.edges``); a layer too wide to draw every
edge shows only its ``edge_count`` strongest, plus the highlighted ones. At the right, the ten
digits with their activations and, for a labelled example, the nudge (target - output) the cost
gives each of them as an up or down bar. Above, headers name the layers and what their edges show;
below, a legend explains the colours; both take shorter forms when the diagram is narrow
(``network_view.text``; hovering a header tells it in full). Everything it draws it reads from
the view's ``NetworkViewState``, and rebuilds when that signals ``changed``.

Built for 30 Hz beside a training process: the layout (columns, edge lines) is kept while the
layer sizes, the diagram's size and its texts are; repeated texts are drawn as cached
``QStaticText``, the legend from a cached pixmap; every paint clips to one rectangle. The edges,
nearly all of the cost (10-25 ms for a wide network), are drawn into an image that is kept while
what they show is (``NetworkViewState.edges_version``): a new reading or a hover repaints only the
neurons and digits over it, a few ms. A training frame does not draw the new edges in one go
either: ``render_soon`` draws them into a new image in parts (the selection, each layer's edges),
~1.5 ms per event-loop pass, then repaints; any other paint with stale edges (a resize, an option, a
test's ``grab``) draws them directly.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QLinearGradient,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitlab.gui.network_view.edges import (
    DENSE_EDGES,
    EDGE_LEVELS,
    STRANDS,
    EdgeLines,
    draw_strands,
)
from digitlab.gui.network_view.hover import HoverWidget
from digitlab.gui.network_view.palette import ViewColours, colours_for, colours_of, diverging_index
from digitlab.gui.network_view.state import NetworkViewState
from digitlab.gui.network_view.text import CachedMetrics, fitting, short_count
from digitlab.gui.network_view.top_n import top_n_mask
from digitlab.gui.static_text import StaticTexts

Array = np.ndarray


DISC_MAX = 40  # taller layers are drawn as a strip of cells
RENDER_SLICE_S = 0.0015  # render_soon draws parts for about this long per event-loop pass (3 ms: loop late p99 ~1 ms worse)


class _Column:
    """Where one layer's neurons sit: centres (n,) and the drawing style."""

    def __init__(self, x: float, ys: Array, radius: float, strip: bool, cell: float) -> None:
        self.x, self.ys, self.radius, self.strip, self.cell = x, ys, radius, strip, cell


class Diagram(HoverWidget):
    """Layers 1..L as columns of discs (or strips), top-k edges between them, the output digits."""

    LEFT = 22  # px left of the first column (room for its bias ticks)
    # Text sizes follow the font (presentation mode zooms it): every text's box is measured in the
    # font's line height, ``_line``, and the legend's swatches in ``_unit`` (the line height over
    # 14 px, the default font's, for which the numbers below were drawn)

    def __init__(self, state: NetworkViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._columns: list[_Column] = []
        self._edges: list[dict] = []  # per connection l = 1..L-1: arrays for drawing and hit tests
        self._lines: list[EdgeLines] = []  # per connection, its edges' lines (geometry: per layout)
        self._layout_key: tuple | None = None  # what the layout was made for (sizes, size, texts' font)
        self._static = StaticTexts(limit=4000)
        self._metrics: CachedMetrics | None = None
        self._c: ViewColours = colours_for(False)  # the ground's colours, taken at each paint
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # paintEvent covers every pixel
        self.setMouseTracking(True)
        self._legend_rows = 1
        self._legend_cache: dict[tuple, QPixmap] = {}  # what it shows -> the legend drawn (a few)
        self._discs: dict[tuple, QImage] = {}  # (ARGB word, radius, pixel ratio, outline) -> a neuron's disc
        self._selected_for: tuple | None = None  # what ``_edges`` were selected for (``_edges_key``)
        self._edges_image: QImage | None = None  # the ground and the edges, drawn for ``_edges_drawn_for``
        self._edges_drawn_for: tuple | None = None
        self._rendering: Iterator[None] | None = None  # ``render_soon``'s parts still to draw
        self._held = False  # a training frame's repaint waits for ``render_soon`` (``hold_repaint``)
        self._render_timer = QTimer(self, singleShot=True, interval=0)
        self._render_timer.timeout.connect(self._render_part)
        self._out: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # output text offsets, width
        self.setMinimumSize(250, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        state.changed.connect(self.invalidate)
        state.hover_changed.connect(self.update)

    def _measure(self) -> CachedMetrics:
        """The font's metrics, text widths cached (the painter's font is the widget's where used)."""
        if self._metrics is None or self._metrics.key != self.font().key():
            self._metrics = CachedMetrics(self.font())
        return self._metrics

    @property
    def _line(self) -> int:
        return self._measure().line

    @property
    def _unit(self) -> float:
        return self._measure().line / 14.0

    @property
    def header_height(self) -> int:
        """Two lines: the layers' names, then what the edges between them show."""
        return 2 * self._line + 6

    @property
    def _legend_row(self) -> int:
        """Px per row of the legend (one row when wide, two when narrow)."""
        return 2 * self._line + 2

    def invalidate(self) -> None:
        """What it shows changed: repaint (the edges only if ``edges_version`` moved), unless a
        frame's repaint is held for ``render_soon``."""
        if not self._held:
            self.update()

    def hold_repaint(self) -> None:
        """A training frame's data comes in: its changes are not painted until ``render_soon`` has
        drawn its edges. Qt's updates stay on, so a paint Qt asks for (an expose, a ``grab``)
        still shows the last edges and the current neurons: a widget with updates disabled is left
        out of ``grab()``, which then held uninitialised memory where the diagram was."""
        self._held = True

    @property
    def repaint_held(self) -> bool:
        return self._held

    def _release(self) -> None:
        self._held = False
        self.update()

    def changeEvent(self, e: QEvent) -> None:
        super().changeEvent(e)
        if e.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):  # the theme or the zoom
            self.invalidate()  # a drawn image of the old look is not shown again

    def resizeEvent(self, e) -> None:
        if self._rendering is not None:  # drawn for the old size: dropped, and painted directly
            self._drop_rendering()
        self._edges_image = None

    def _drop_rendering(self) -> None:
        """Give up the drawing under way: the next paint draws the edges directly, whole."""
        self._rendering = None
        self._edges_image = None
        self._release()

    def render_soon(self) -> None:
        """Draw new edges into an image a part per event-loop pass, then repaint from it (a training
        frame: no pass holds the event loop for long). A held repaint is released at the end.

        Should the data change meanwhile, the drawing under way still finishes and shows (it is at
        most a frame old) and a new one starts: frames faster than drawings never starve it.
        """
        if self._rendering is not None:
            return
        if self._state.network is None or not self.isVisible() or self.width() < 1 or self.height() < 1:
            self._release()
            return
        self._rendering = self._render_edges()
        self._render_timer.start()

    def _new_image(self) -> QImage:
        ratio = self.devicePixelRatioF()
        image = QImage(round(self.width() * ratio), round(self.height() * ratio),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        return image

    def _render_edges(self) -> Iterator[None]:
        self._prepare()  # the selection: a part of its own
        yield
        key = self._selected_for
        if self._state.network is None or (self._edges_image is not None and self._edges_drawn_for == key):
            return  # only the neurons changed: the repaint draws them
        image = self._new_image()
        with QPainter(image) as p:
            yield from self._draw_edges(p)
        self._edges_image, self._edges_drawn_for = image, key

    def _render_part(self) -> None:
        """Parts until ``RENDER_SLICE_S`` is spent (at least one), then back to the event loop."""
        rendering = self._rendering
        if rendering is None:
            return
        start = time.perf_counter()
        try:
            while next(rendering, StopIteration) is not StopIteration:
                if time.perf_counter() - start >= RENDER_SLICE_S:
                    self._render_timer.start()
                    return
        except Exception:
            # a part that fails must not leave the drawing "under way" for good: the diagram would
            # hold its repaint and never draw a frame again (the traceback still goes to stderr)
            self._drop_rendering()
            raise
        self._rendering = None
        self._release()
        if self._edges_drawn_for is not None and self._edges_drawn_for[0] != self._state.edges_version:
            self.render_soon()  # the data changed while it was drawn

    # -- layout and edge selection (rebuilt lazily when data or size changed)
    def _layout(self) -> None:
        """Columns and edge geometry; kept while the layer sizes, the size and the legend's texts are."""
        net = self._state.network
        v = self._state
        key = (net.layer_sizes, self.width(), self.height(), v.mode, v.neuron_quantity, self.font().key())
        if key == self._layout_key and self._columns:
            return
        self._layout_key = key
        sizes = net.layer_sizes[1:]
        self._out = self._output_geometry()
        self._legend_rows = 1 if self.width() >= self._legend_width(self._state.mode) else 2
        top, bottom = self.header_height + 8, self.height() - self._legend_height() - 8
        left, right = self.LEFT, self.width() - self._out[3]
        n_cols = len(sizes)
        xs = [(left + right) / 2] if n_cols == 1 else list(np.linspace(left, right, n_cols))
        self._columns = []
        for x, n in zip(xs, sizes):
            span = bottom - top
            strip = n > DISC_MAX
            cell = span / n if strip else min(span / n, 34.0)
            y0 = top + (span - cell * n) / 2
            ys = y0 + cell * (np.arange(n) + 0.5)
            radius = min(12.0, max(2.5, cell * 0.36))
            self._columns.append(_Column(float(x), ys, radius, strip, cell))
        old, self._lines = self._lines, []
        for i, (a, b) in enumerate(zip(self._columns, self._columns[1:])):
            x0, x1 = a.x + (0 if a.strip else a.radius), b.x - (0 if b.strip else b.radius)
            if (i < len(old) and (old[i].x0, old[i].x1) == (x0, x1) and np.array_equal(old[i].ys_in, a.ys)
                    and np.array_equal(old[i].ys_out, b.ys)):
                self._lines.append(old[i])  # same geometry (a mode or text change): keep its lines
            else:
                self._lines.append(EdgeLines(x0, a.ys, x1, b.ys))

    def _edges_key(self) -> tuple:
        """What the edges drawn depend on: what they show, the layout, the ground's colour."""
        return (self._state.edges_version, self._layout_key, self._c.background.rgba())

    def _prepare(self) -> None:
        """The layout, and the edge selection when what the edges show changed since it was made."""
        self._c = colours_of(self)  # the app's theme, light or dark
        if self._state.network is None:
            return
        self._layout()
        key = self._edges_key()
        if key != self._selected_for or not self._edges:
            self._select_edges()
            self._selected_for = key

    def _select_edges(self) -> None:
        v = self._state
        self._edges = []
        for l in range(1, len(self._columns)):
            values = v.values(l)  # (n_out, n_in)
            keep = top_n_mask(values, v.edge_count) if values.size > v.edge_count else np.ones(values.shape, bool)
            hl = v.highlighted[l] if v.highlighted else np.zeros_like(keep)
            idx = np.flatnonzero(keep | hl)
            j, k = np.divmod(idx, values.shape[1])
            val = values.ravel()[idx]
            # the layer's largest |value| is among its strongest edges, all drawn: no pass over the layer
            limit = float(np.abs(val).max()) if len(val) else 0.0
            # EDGE_LEVELS steps of strength per sign: colour intensity and width grow with |value|
            level = np.ceil(np.abs(val) / (limit or 1.0) * EDGE_LEVELS).clip(1, EDGE_LEVELS).astype(np.int8)
            level *= np.where(val < 0, -1, 1).astype(np.int8)
            lines = self._lines[l - 1]
            self._edges.append(dict(
                layer=l, idx=idx, j=j, k=k, level=level, hl=hl.ravel()[idx], limit=limit, total=values.size,
                x0=np.full(len(idx), lines.x0), y0=lines.ys_in[k], x1=np.full(len(idx), lines.x1), y1=lines.ys_out[j],
            ))

    def neurons_drawn(self) -> tuple[int, ...]:
        if self._state.network is None:
            return ()
        self._prepare()
        return tuple(len(c.ys) for c in self._columns)

    def edges_drawn(self) -> tuple[int, ...]:
        self.neurons_drawn()
        return tuple(len(e["j"]) for e in self._edges)

    def drawn_edges(self) -> list[dict]:
        """Per connection (weights layer l = 1..L-1), the edges drawn now as arrays: ``layer``; flat
        ``idx`` = j * n_in + k, ``j``, ``k``; signed strength ``level``; ``hl`` (highlighted);
        ``limit`` (the layer's largest |value|) and ``total`` (its edge count); ends ``x0 y0 x1 y1``."""
        self.neurons_drawn()
        return self._edges

    # -- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        with QPainter(self) as p:
            p.setClipRect(event.rect())
            if self._state.network is None:
                p.fillRect(event.rect(), colours_of(self).background)
                return
            self._prepare()
            if self._edges_image is None or (self._edges_drawn_for != self._selected_for and self._rendering is None):
                image = self._new_image()  # stale edges and none on the way: drawn now, whole
                with QPainter(image) as q:
                    for _ in self._draw_edges(q):
                        pass
                self._edges_image, self._edges_drawn_for = image, self._selected_for
            p.drawImage(QPointF(0, 0), self._edges_image)  # while render_soon draws new ones: the last frame's
            self._draw_neurons(p)
            self._paint_hover(p)

    def _draw_edges(self, p: QPainter) -> Iterator[None]:
        """The ground and the selected edges, a layer per part."""
        p.setFont(self.font())
        p.setClipRect(self.rect())  # one rectangle: Qt's fast path for lines
        p.fillRect(self.rect(), self._c.background)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for e, lines in zip(self._edges, self._lines):
            yield from self._paint_edges(p, e, lines)
            yield

    def _draw_neurons(self, p: QPainter) -> None:
        """Over the edges: the columns, the digits, the headers and the legend."""
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for l, col in enumerate(self._columns):
            self._paint_column(p, l, col)
        self._paint_output(p)
        self._paint_headers(p)
        self._paint_cached_legend(p)

    def _paint_edges(self, p: QPainter, e: dict, lines: EdgeLines) -> Iterator[None]:
        # Qt's fast path is a 1 px antialiased pen (a wider one costs ~8x, a translucent wider one
        # ~50x), so a strong edge is drawn as 2 or 3 parallel 1 px lines rather than one wide one;
        # in a dense fan (a top-k of a wide layer) every edge is one translucent 1 px line. The
        # lines themselves come from the layout's cache (``EdgeLines``): per frame only colours.
        level = e["level"]
        if not len(level):
            return
        idx = e["idx"]
        dense = len(level) > DENSE_EDGES
        strands = np.ones(len(level), np.intp) if dense else STRANDS[np.abs(level)]
        order = np.lexsort((level, np.abs(level)))  # weakest first (strongest on top), by sign
        yield from draw_strands(p, lines, idx, level, order, strands, dense, self._c.edge_pens)
        hl = np.flatnonzero(e["hl"])
        if len(hl):  # a highlight-coloured line either side of each highlighted edge, then the edge again
            side = strands[hl] - 1
            p.setPen(self._c.halo_pen)
            p.drawLines(lines.lines(np.concatenate([2 - side, 8 + side]), np.concatenate([idx[hl], idx[hl]])))
            on_top = hl[np.lexsort((level[hl], np.abs(level[hl])))]
            yield from draw_strands(p, lines, idx, level, on_top, strands, False, self._c.edge_pens)
        p.setPen(Qt.PenStyle.NoPen)

    def _paint_hover(self, p: QPainter) -> None:
        """A dashed frame round the neuron under the mouse (over the image: hovering redraws nothing else)."""
        hover = self._state.hover_neuron
        if hover is None or self._state.network is None or hover[0] >= len(self._columns):
            return
        col = self._columns[hover[0]]
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(colours_of(self).hover, 1, Qt.PenStyle.DashLine))
        y = col.ys[hover[1]]
        if col.strip:
            w = 10
            p.drawRect(QRectF(col.x - w / 2 - 3, y - max(col.cell, 3) / 2 - 1, w + 6, max(col.cell, 3) + 2))
        else:
            p.drawEllipse(QPointF(col.x, y), col.radius + 5, col.radius + 5)

    def _colors(self, l: int) -> Array | None:
        """ARGB words shading layer l's neurons (activation greys or delta colours); None: unlit."""
        shading = self._state.shading(l)
        if shading is None:
            return None
        kind, q = shading
        if kind == "level":
            return self._c.activation_lut[np.rint(q * 255).astype(np.int32)]
        return self._c.diverging_lut[diverging_index(q, 1.0)]

    def _paint_column(self, p: QPainter, l: int, col: _Column) -> None:
        v = self._state
        words = self._colors(l)
        n = len(col.ys)
        hl_b = v.highlighted_biases[l] if v.highlighted_biases else np.zeros(n, bool)
        if col.strip:
            w = 10
            if words is None:
                words = np.full(n, self._c.bar_empty_argb, dtype=np.uint32)
            strip = np.ascontiguousarray(words.reshape(n, 1))
            img = QImage(strip.data, 1, n, 4, QImage.Format.Format_RGB32)
            rect = QRectF(col.x - w / 2, col.ys[0] - col.cell / 2, w, col.cell * n)
            p.drawImage(rect, img)
            p.setPen(QPen(self._c.outline, 0.6))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
            if hl_b.any():
                p.setPen(QPen(self._c.highlight, 2))
                for j in np.flatnonzero(hl_b):
                    y = col.ys[j]
                    p.drawLine(QLineF(col.x - w / 2 - 7, y, col.x - w / 2 - 2, y))
            return
        r = col.radius
        ground = int(self._c.background.rgb())
        for y, word in (zip(col.ys.tolist(), words.tolist() if words is not None else [ground] * n)):
            disc = self._disc(word, r)
            half = disc.width() / disc.devicePixelRatio() / 2
            p.drawImage(QPointF(col.x - half, y - half), disc)
        if hl_b.any():
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(self._c.highlight, 2))
            for j in np.flatnonzero(hl_b):
                p.drawEllipse(QPointF(col.x, col.ys[j]), r + 2.5, r + 2.5)

    def _disc(self, word: int, radius: float) -> QImage:
        """A neuron's disc, shaded ``word`` (ARGB), outlined: drawn once, then copied (an antialiased
        ellipse cost ~4x the copy of its image here, 9.8 against 2.5 us; 3b1b draws 42 every frame)."""
        ratio = self.devicePixelRatioF()
        key = (word, radius, ratio, self._c.outline.rgba())
        disc = self._discs.get(key)
        if disc is None:
            if len(self._discs) > 4096:
                self._discs.clear()
            side = 2 * math.ceil(radius + 1)  # the outline's half width and antialiasing inside the margin
            disc = QImage(round(side * ratio), round(side * ratio), QImage.Format.Format_ARGB32_Premultiplied)
            disc.setDevicePixelRatio(ratio)
            disc.fill(Qt.GlobalColor.transparent)
            with QPainter(disc) as q:
                q.setRenderHint(QPainter.RenderHint.Antialiasing)
                q.setPen(self._c.outline_pen)
                q.setBrush(QColor.fromRgb(word))
                q.drawEllipse(QPointF(side / 2, side / 2), radius, radius)
            self._discs[key] = disc
        return disc

    def _paint_output(self, p: QPainter) -> None:
        v = self._state
        col = self._columns[-1]
        acts = v.activations[-1] if v.activations and (v.reveal is None or v.reveal >= len(self._columns)) else None
        nudges = v.nudges() if (v.show_nudges and acts is not None) else None
        label = v.label
        font = p.font()
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * 1.25)
        d_act, d_bar, d_nudge, _ = self._out
        line = self._line
        big_w, big_h = d_act - 4, line * 1.4  # a digit in the 1.25x font
        x_digit = col.x + col.radius + 6
        x_bar = x_digit + d_bar
        half = min(col.cell * 0.46, 14.0)
        guess = int(acts.argmax()) if acts is not None else None
        if nudges is not None:
            shade = diverging_index(0.35 * np.sign(nudges) + 0.65 * nudges, 1.0)
        # a pass per font and pen, not per digit: each switch is a painter state change
        ys = col.ys.tolist()
        p.setPen(self._c.text)
        for bold in (False, True):
            big.setBold(bold)
            p.setFont(big)
            for i, y in enumerate(ys):
                if (i == guess) == bold:
                    self._text(p, QRectF(x_digit, y - big_h / 2, big_w, big_h), "cv", str(i))
        if label is not None and 0 <= label < len(ys):
            y = ys[label]
            p.setPen(QPen(self._c.text, 1.2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(QRectF(x_digit - 2, y - big_h / 2 - 1, big_w + 4, big_h + 2), 3, 3)
        p.setFont(font)
        p.setPen(self._c.muted)
        for i, y in enumerate(ys):
            if acts is not None:
                self._text(p, QRectF(x_digit + d_act, y - line / 2 - 2, d_bar - d_act, line + 4), "lv", f"{acts[i]:.2f}")
            if nudges is not None:
                self._text(p, QRectF(x_digit + d_nudge, y - line / 2 - 2, 4 * line, line + 4), "lv", f"{float(nudges[i]):+.2f}")
        if nudges is not None:
            p.setPen(self._c.outline_pen)
            for i, y in enumerate(ys):
                nv = float(nudges[i])
                h = max(1.0, abs(nv) * half) if nv else 0.0
                p.fillRect(QRectF(x_bar, y - h if nv > 0 else y, 10, h), self._c.diverging_qcolors[shade[i]])
                p.drawLine(QLineF(x_bar - 2, y, x_bar + 12, y))
        p.setFont(font)
        if nudges is not None:
            p.setPen(self._c.text)
            metrics = self._measure()
            text = fitting(metrics, ("nudge y − a", "y − a"), self.width() - 4 - (x_digit + d_act))
            x = min(x_bar - 6, self.width() - 4 - metrics.horizontalAdvance(text))
            self._text(p, QRectF(x, line + 2, self.width() - x, line + 1), "l", text)

    def _output_geometry(self) -> tuple[float, float, float, float]:
        """Offsets from the digits' left edge to the activation, the nudge bar and its value, and
        the width the output column needs right of its centre: all from the font in use."""
        metrics = self._measure()
        d_act = metrics.horizontalAdvance("0") * 1.25 + 8  # a digit in the 1.25x font, and a gap
        d_bar = d_act + metrics.horizontalAdvance("0.00") + 8
        d_nudge = d_bar + 15
        width = 12 + 6 + d_nudge + metrics.horizontalAdvance("+0.00") + 6  # largest disc radius first
        return d_act, d_bar, d_nudge, width

    def _text(self, p: QPainter, rect: QRectF, align: str, text: str) -> None:
        """``drawText`` in the painter's font through a cache of laid-out texts (4x cheaper for
        repeated text). ``align``: "l", "c" or "r" horizontally, with "v" to centre vertically."""
        st = self._static.get(text, p.font())[0]
        size = st.size()
        x = rect.x()
        if "c" in align:
            x += (rect.width() - size.width()) / 2
        elif "r" in align:
            x += rect.width() - size.width()
        y = rect.y() + ((rect.height() - size.height()) / 2 if "v" in align else 0)
        p.drawStaticText(QPointF(x, y), st)

    def _header_texts(self) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
        """Per column its name, per connection what its edges show: each longest first."""
        n_layers = len(self._columns)
        names = []
        for l, col in enumerate(self._columns):
            n = len(col.ys)
            if l == n_layers - 1:
                names.append((f"output · {n}", f"out · {n}", f"{n}"))
            else:
                names.append((f"layer {l + 1} · {n}", f"L{l + 1} · {n}", f"{n}"))
        edges = []
        for e in self._edges:
            shown, total, limit = len(e["j"]), e["total"], f"±{e['limit']:.2g}"
            if shown < total:
                edges.append((f"{shown:,} of {total:,} edges · {limit}", f"{shown:,} of {total:,} · {limit}",
                              f"{short_count(shown)}/{short_count(total)} · {limit}",
                              f"{short_count(shown)}/{short_count(total)}", limit))
            else:
                edges.append((f"all {shown:,} edges · {limit}", f"all {shown:,} · {limit}", f"{shown:,} · {limit}",
                              limit))
        return names, edges

    def _name_spans(self) -> list[tuple[float, float]]:
        """Per column, the stretch of the header its name may use: halfway to each neighbour."""
        xs = [c.x for c in self._columns]
        bounds = [0.0] + [(a + b) / 2 for a, b in zip(xs, xs[1:])] + [float(self.width())]
        return [(bounds[i] + (2 if i else 4), bounds[i + 1] - (2 if i + 1 < len(xs) else 4)) for i in range(len(xs))]

    def _paint_headers(self, p: QPainter) -> None:
        metrics = self._measure()
        names, edges = self._header_texts()
        p.setPen(self._c.text)
        spans = self._name_spans()
        # the hidden layers' names all in the same form (the longest that fits each), the output's its own
        fits = [next((i for i, t in enumerate(c) if metrics.horizontalAdvance(t) <= hi - lo), len(c) - 1)
                for c, (lo, hi) in zip(names, spans)]
        form = max(fits[:-1], default=0)
        for l, (col, candidates, (lo, hi)) in enumerate(zip(self._columns, names, spans)):
            text = fitting(metrics, candidates if l == len(names) - 1 else candidates[form:], hi - lo)
            w = metrics.horizontalAdvance(text)
            x = min(max(col.x - w / 2, lo), hi - w)  # centred on the column, kept in its stretch
            self._text(p, QRectF(x, 1, w + 2, self._line + 1), "lv", text)
        p.setPen(self._c.muted)
        for e, candidates in zip(self._edges, edges):
            a, b = self._columns[e["layer"] - 1], self._columns[e["layer"]]
            width = b.x - a.x - 8
            text = fitting(metrics, candidates, width)
            self._text(p, QRectF(a.x + 4, self._line + 2, width, self._line + 1), "cv", text)

    # the legend: the edges' palette, then the highlight and the neurons' shading, beside it when
    # the diagram is wide enough, else below it
    _LEGEND_DETAIL = ("width by size; each layer to its ±max", "width by size, per-layer ±max", "width by size")
    _LEGEND_HL = ("largest changes (ringed: biases)", "largest changes")

    def _legend_what(self, mode: str) -> tuple[str, ...]:
        return ("weight w",) if mode == "weights" else ("change Δw (last step)", "change Δw")

    def _legend_neurons(self) -> tuple[str, ...]:
        if self._state.neuron_quantity == "delta":
            return ("neurons: error δ, − 0 +", "error δ, − 0 +")
        return ("neurons: activation 0 → 1", "activation 0 → 1")

    def _legend_width(self, mode: str) -> int:
        """Width the legend needs in one row, its longest texts."""
        m, u = self._measure(), self._unit
        first = 108 * u + max(m.horizontalAdvance(self._legend_what(mode)[0]), m.horizontalAdvance(self._LEGEND_DETAIL[0]))
        second = max(14 * u + m.horizontalAdvance(self._LEGEND_HL[0]), 36 * u + m.horizontalAdvance(self._legend_neurons()[0]))
        return round(8 + first + 20 + second + 4)

    def _legend_height(self) -> int:
        return 10 + self._legend_row * self._legend_rows

    def _paint_cached_legend(self, p: QPainter) -> None:
        """The legend, drawn into a pixmap once per size, mode and shading (it is the same each frame)."""
        v = self._state
        top = self.height() - self._legend_height()
        ratio = self.devicePixelRatioF()
        key = (self.width(), self.height(), self._legend_rows, v.mode, v.neuron_quantity, self.font().key(), ratio,
               self._c.dark)
        pixmap = self._legend_cache.get(key)
        if pixmap is None:
            pixmap = QPixmap(round(self.width() * ratio), round(self._legend_height() * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(self._c.background)
            with QPainter(pixmap) as q:
                q.setFont(self.font())
                q.setRenderHints(p.renderHints())
                q.translate(0, -top)
                self._paint_legend(q)
            if len(self._legend_cache) >= 8:  # sizes of the past
                self._legend_cache.clear()
            self._legend_cache[key] = pixmap
        p.drawPixmap(QPointF(0, top), pixmap)

    def _paint_legend(self, p: QPainter) -> None:
        v, c = self._state, self._c
        metrics, u = self._measure(), self._unit  # the swatches and gaps grow with the text
        y = self.height() - self._legend_height() + 8
        x = 8
        swatch, text_h = 9 * u, 16 * u
        grad = QLinearGradient(x, 0, x + 100 * u, 0)
        for stop in range(0, 251, 25):
            grad.setColorAt(stop / 250, c.diverging_qcolors[stop])
        p.setPen(QPen(c.outline, 0.6))
        p.setBrush(QBrush(grad))
        p.drawRect(QRectF(x, y, 100 * u, swatch))
        p.setPen(c.muted)
        for align, sign in (("l", "−"), ("c", "0"), ("r", "+")):
            self._text(p, QRectF(x, y + 10 * u, 100 * u, 14 * u), align, sign)
        x_text = x + 108 * u
        room = self.width() - x_text - 4
        what = fitting(metrics, self._legend_what(v.mode), room)
        detail = fitting(metrics, self._LEGEND_DETAIL, room)
        p.setPen(c.text)
        self._text(p, QRectF(x_text, y - 4 * u, room, text_h), "l", what)
        p.setPen(c.muted)
        self._text(p, QRectF(x_text, y + 10 * u, room, text_h), "l", detail)
        if self._legend_rows == 1:
            x2 = x_text + max(metrics.horizontalAdvance(what), metrics.horizontalAdvance(detail)) + 20
        else:
            x2, y = x, y + self._legend_row
        p.fillRect(QRectF(x2, y, swatch, swatch), c.highlight)
        p.setPen(c.text)
        self._text(p, QRectF(x2 + 14 * u, y - 4 * u, 200 * u, text_h), "l",
                   fitting(metrics, self._LEGEND_HL, self.width() - (x2 + 14 * u) - 4))
        grad = QLinearGradient(x2, 0, x2 + 30 * u, 0)
        if v.neuron_quantity == "delta":
            for stop in (0, 125, 250):
                grad.setColorAt(stop / 250, c.diverging_qcolors[stop])
        else:
            grad.setColorAt(0, QColor.fromRgb(int(c.activation_lut[0])))
            grad.setColorAt(1, QColor.fromRgb(int(c.activation_lut[255])))
        p.setPen(QPen(c.outline, 0.6))
        p.setBrush(QBrush(grad))
        p.drawRect(QRectF(x2, y + 13 * u, 30 * u, swatch))
        p.setPen(c.muted)
        self._text(p, QRectF(x2 + 36 * u, y + 10 * u, 200 * u, text_h), "l",
                   fitting(metrics, self._legend_neurons(), self.width() - (x2 + 36 * u) - 4))

    # -- hover
    def describe(self, pos: QPoint) -> tuple[str, tuple[int, int] | None]:
        v = self._state
        if v.network is None:
            return "", None
        self.neurons_drawn()  # layout up to date
        px, py = pos.x(), pos.y()
        if py < self.header_height:  # the headers, whole (they may be shortened on screen)
            return self._describe_header(px, py), None
        for l, col in enumerate(self._columns):
            half_w = 7 if col.strip else col.radius + 2
            if abs(px - col.x) <= half_w:
                j = int(np.argmin(np.abs(col.ys - py)))
                if abs(col.ys[j] - py) <= max(col.cell / 2, col.radius + 2):
                    return v.neuron_tooltip(l, j), (l, j)
        best = None
        for e in self._edges:
            if not len(e["j"]):
                continue
            dx, dy = e["x1"] - e["x0"], e["y1"] - e["y0"]
            t = np.clip(((px - e["x0"]) * dx + (py - e["y0"]) * dy) / (dx * dx + dy * dy), 0, 1)
            d = np.hypot(e["x0"] + t * dx - px, e["y0"] + t * dy - py)
            i = int(np.argmin(d))
            if d[i] <= 3 and (best is None or d[i] < best[0]):
                best = (d[i], e["layer"], int(e["j"][i]), int(e["k"][i]))
        if best is not None:
            return v.weight_tooltip(best[1], best[2], best[3]), None
        return "", None

    def _describe_header(self, px: int, py: int) -> str:
        names, edges = self._header_texts()
        if py < 16:
            for (lo, hi), col, name in zip(self._name_spans(), self._columns, names):
                if lo <= px <= hi:
                    return f"{name[0].split(' · ')[0]}: {len(col.ys):,} neurons"
            return ""
        for e, text, name in zip(self._edges, edges, names[1:]):
            if self._columns[e["layer"] - 1].x <= px <= self._columns[e["layer"]].x:
                into = name[0].split(" · ")[0]
                return (f"edges into {into}: {text[0]}; colour and width by value, "
                        f"up to ±{e['limit']:.4g} (the largest in this layer)")
        return ""

    def neuron_position(self, l: int, j: int) -> QPoint:
        self.neurons_drawn()
        col = self._columns[l]
        return QPoint(round(col.x), round(col.ys[j]))
