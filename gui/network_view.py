"""The network view: the whole MLP on one panel, its weights, activations and each step's changes.

On the left, the 28x28 input above the first hidden layer as a grid of tiles, each neuron's 784
incoming weights drawn as a 28x28 picture (the 3Blue1Brown lesson's) with its activation as a bar
beside it; on the right, a diagram of every layer from the first hidden one on, neurons as discs
shaded by activation (or a strip of cells when a layer is too tall for discs), the edges between
them coloured by weight or by last change on a colour-blind-safe diverging palette
(``gui.images``), width by size; at its right the ten digits with their activations and, for a
labelled example, the nudge (target - output) the cost gives each of them as an up or down bar.

The panel works from about 500 px wide up: the tiles take a bounded share of the width (the
largest tiles that fit, or for a wide layer 1:1 tiles in as many columns as fit, scrolled), a
splitter the user can drag gives the diagram the rest, the controls wrap into two rows, and the
diagram's headers and legend take shorter forms when narrow (hovering a header tells it in full).

Per frame the view is handed the newest weights and the changes of the last step
(``show_snapshot`` or ``set_weights`` + ``show_step``); the largest changes in each layer are
highlighted in black: pixels in the tiles, a halo on the edges, a ring on the biases' neurons.

Drawing is built for 30 Hz beside a training thread (see GUIDE.md, "Measured on these machines"):
the tiles are one mosaic image coloured through a lookup table in NumPy, never a widget or a
Python loop per neuron; layers too wide to draw every edge show only the ``edge_count`` strongest
(plus the highlighted ones); edges are drawn in a few pens with ``drawLines``; every paint clips to
one rectangle. Mosaic and edge lists are rebuilt lazily at the next paint after the data changed.

"Layer" in this module's API always indexes ``net.weights`` / ``net.biases``: layer 0 holds the
weights into the first hidden layer (the tiles), its neurons are the tiles' neurons.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QPen,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from gui.images import diverging_rgb, gray_image
from model.costs import nudges as cost_nudges
from model.network import Network

Array = np.ndarray

MODES = ("weights", "changes")  # what tiles and edges show
NEURON_QUANTITIES = ("activation", "delta")  # what neuron shading shows
TILE_ORDERS = ("index", "activation", "change")

DEFAULT_EDGE_COUNT = 300  # strongest edges drawn per layer of edges
DEFAULT_HIGHLIGHT_COUNT = 30  # largest weight changes highlighted per layer
DEFAULT_BIAS_HIGHLIGHT_COUNT = 2  # largest bias changes highlighted per layer
HIGHLIGHT_MAX_FRACTION = 0.04  # never more than this share of a layer's weights: a highlight must stand out
EDGE_LEVELS = 12  # edges are drawn in this many strengths per sign, one pen each
DENSE_EDGES = 280  # a layer drawing more edges than this draws each as one translucent 1 px line
STRAND_GAP = 0.85  # px between the parallel lines of a strong edge
AA_FROM_LEVEL = 4  # edges of this strength and weaker are drawn without antialiasing
DISC_MAX = 40  # taller layers are drawn as a strip of cells

# the tile mosaic, in image pixels: a 28x28 tile, a gap, the activation bar, a gutter
SIDE = 28
BAR_X, BAR_W = SIDE + 1, 4
CELL_W, CELL_H = BAR_X + BAR_W + 3, SIDE + 3
GRID_HEADER = 18  # px above the tiles for their title
TILE_SHARE = 0.44  # of the body's width, the input and tiles' (the diagram gets the rest) until the user drags
MIN_WIDTH = 500  # px: the panel is laid out to work from this width up


def _argb(rgb: Array) -> Array:
    rgb = rgb.astype(np.uint32)
    return (0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]).astype(np.uint32)


# lookup tables: 251 diverging colours for values -1..1 (index 125 is 0); 256 greys for 0..1
DIVERGING_LUT = _argb(diverging_rgb(np.linspace(-1, 1, 251), 1.0))
_INK_LIGHT, _INK_DARK = np.array([248, 248, 248]), np.array([28, 32, 38])
ACTIVATION_LUT = _argb(_INK_LIGHT + (_INK_DARK - _INK_LIGHT) * np.linspace(0, 1, 256)[:, None])
BACKGROUND = QColor(255, 255, 255)
BACKGROUND_ARGB = np.uint32(0xFFFFFFFF)
BAR_EMPTY_ARGB = np.uint32(0xFFE4E4E4)
HIGHLIGHT = QColor(0, 0, 0)  # outside the palette and the grey ramp's hue: reads for everyone
HIGHLIGHT_ARGB = np.uint32(0xFF000000)
# the tile mosaic's palette: the 251 diverging colours, then a few fixed ones
MOSAIC_HIGHLIGHT, MOSAIC_INK, MOSAIC_BAR_EMPTY, MOSAIC_BACKGROUND = 252, 253, 254, 255
MOSAIC_LUT = np.concatenate([DIVERGING_LUT, [BACKGROUND_ARGB, HIGHLIGHT_ARGB, ACTIVATION_LUT[200],
                                              BAR_EMPTY_ARGB, BACKGROUND_ARGB]]).astype(np.uint32)
OUTLINE = QColor(150, 150, 150)
TEXT = QColor(40, 40, 40)
MUTED = QColor(120, 120, 120)


# ------------------------------------------------------------------------------------ text helpers


def _fitting(metrics: QFontMetrics | _CachedMetrics, candidates: Sequence[str], width: float) -> str:
    """The first of ``candidates`` (longest first) that fits ``width`` px, else the last one elided."""
    for text in candidates:
        if metrics.horizontalAdvance(text) <= width:
            return text
    return metrics.elidedText(candidates[-1], Qt.TextElideMode.ElideRight, max(0, int(width)))


class _CachedMetrics:
    """``QFontMetrics`` that remembers text widths: the diagram measures the same few texts each frame."""

    def __init__(self, font: QFont) -> None:
        self.key = font.key()
        self._metrics = QFontMetrics(font)
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


def _short_count(n: int) -> str:
    """131072 -> "131k": counts for a narrow header."""
    return f"{n / 1000:.0f}k" if n >= 10000 else f"{n:,}"


def _tile_arrangement(n: int, height: int, width: int, scrollbar: int = 0) -> tuple[int, int, int]:
    """(scale, columns, rows) for ``n`` tiles in ``width`` x ``height`` px: the largest integer
    scale (up to 4) whose grid fits; when even 1:1 tiles do not fit (a wide layer), 1:1 tiles in
    as many columns as fit beside a ``scrollbar`` px wide scroll bar (the grid then scrolls).
    Columns are as few as the rows need, so the last row is never half empty."""
    for scale in (4, 3, 2, 1):
        cols = min(n, width // (CELL_W * scale))
        if cols >= 1 and GRID_HEADER + math.ceil(n / cols) * CELL_H * scale <= height:
            break
    else:
        scale, cols = 1, max(1, min(n, (width - scrollbar) // CELL_W))
    rows = math.ceil(n / cols)
    return scale, math.ceil(n / rows), rows


# ------------------------------------------------------------------------------------ numpy helpers


def top_n_mask(values: Array, n: int) -> Array:
    """Boolean mask of the ``n`` entries largest in size; ties go to the lower flat index.

    Equal to marking ``np.argsort(-abs(values), axis=None, kind="stable")[:n]``, but a few linear
    passes: the n-th largest of 4n block maxima bounds the n-th largest entry from below (n blocks
    each hold an entry at least that big), so only the entries above that bound are partitioned.
    Zero entries are never marked (a weight that did not move is not a large change).
    """
    a = np.abs(values).ravel()
    mask = np.zeros(a.size, dtype=bool)
    if n <= 0 or a.size == 0:
        return mask.reshape(values.shape)
    if n >= a.size:
        mask = a > 0
        return mask.reshape(values.shape)
    cand = None
    n_blocks = 4 * n
    if a.size >= 8 * n_blocks:
        length = -(-a.size // n_blocks)
        block_max = np.maximum.reduceat(a, np.arange(0, a.size, length))
        cut = len(block_max) - n
        bound = np.partition(block_max, cut)[cut]
        if bound > 0:
            cand = np.flatnonzero(a >= bound)  # ascending: flat-index order is kept
    if cand is None or len(cand) > a.size // 4:
        cand = np.arange(a.size)
    vals = a[cand]
    cut = len(vals) - n
    t = np.partition(vals, cut)[cut]  # the n-th largest size
    mask[cand[vals > t]] = True
    need = n - int(np.count_nonzero(vals > t))
    if need > 0 and t > 0:
        mask[cand[vals == t][:need]] = True
    return mask.reshape(values.shape)


def _diverging_index(values: Array, limit: Array | float) -> Array:
    """Indices into ``DIVERGING_LUT`` for values scaled by ``limit`` (a scalar or broadcastable)."""
    # (a limit in float32's denormals would overflow 125 / limit: such values show as 0)
    scaled = np.multiply(values, 125.0 / np.where(limit > 1e-30, limit, np.inf), dtype=np.float32)
    np.clip(scaled, -125.0, 125.0, out=scaled)
    scaled += 125.5
    return scaled.astype(np.uint8)


def _activation_level(a: Array, activation_name: str) -> Array:
    """Activations as 0..1 for shading: sigmoid/softmax as they are, tanh shifted, ReLU by its max."""
    if activation_name == "tanh":
        return (a + 1.0) * 0.5
    if activation_name in ("relu", "leaky_relu"):
        top = float(a.max()) if a.size else 0.0
        return np.clip(a / top, 0, 1) if top > 0 else np.zeros_like(a)
    return np.clip(a, 0, 1)


def _fmt(v: float) -> str:
    return f"{v:+.4g}" if v else "0"


# ------------------------------------------------------------------------------------ the view


class NetworkView(QWidget):
    """The network panel. ``set_network`` once, then per frame ``show_snapshot`` (or the parts)."""

    mode_changed = Signal(str)  # "weights" | "changes"
    accumulate_changed = Signal(bool)  # the "accumulated since last frame" option was toggled
    hovered = Signal(str)  # a description of what is under the mouse ("" when nothing)

    def __init__(self, net: Network | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkView")
        self._net: Network | None = None
        self._x: Array | None = None
        self._label: int | None = None
        self._zs: list[Array] = []  # per layer, (n_l,), for the current input
        self._acts: list[Array] = []  # per layer past the input
        self._deltas: list[Array] | None = None  # lazily, when labelled
        self._changes_w: tuple[Array, ...] | None = None
        self._changes_b: tuple[Array, ...] | None = None
        self._hl_w: tuple[Array, ...] = ()
        self._hl_b: tuple[Array, ...] = ()
        self._mode = "weights"
        self._quantity = "activation"
        self._show_nudges = True
        self._reveal: int | None = None  # layers lit (forward stage), None: all
        self._edge_count = DEFAULT_EDGE_COUNT
        self._hl_count = DEFAULT_HIGHLIGHT_COUNT
        self._hl_bias_count = DEFAULT_BIAS_HIGHLIGHT_COUNT
        self._accumulate = False
        self._held = False
        self._last_step_shown: int | None = None
        self._order = np.zeros(0, dtype=np.intp)  # tile slot -> neuron
        self.hover_neuron: tuple[int, int] | None = None  # (layer, j) under the mouse

        self._build_ui()
        if net is not None:
            self.set_network(net)

    # --------------------------------------------------------------------------- widgets
    def _build_ui(self) -> None:
        self.mode_box = QComboBox(objectName="networkMode")
        self.mode_box.addItem("weights", "weights")
        self.mode_box.addItem("last step's changes", "changes")
        self.mode_box.setToolTip("Colour tiles and edges by each weight's value, or by the change the last step made")
        self.mode_box.currentIndexChanged.connect(lambda i: self.set_mode(self.mode_box.itemData(i)))
        self.accumulate_box = QCheckBox("accumulate", objectName="accumulateChanges")
        self.accumulate_box.setToolTip("Accumulated since the last frame: highlight the sum of every step's "
                                       "changes since the last frame, not only the last step's")
        self.accumulate_box.toggled.connect(self.set_accumulate)
        self.sort_box = QComboBox(objectName="tileSort")
        for text, key in (("neuron order", "index"), ("activation", "activation"), ("size of change", "change")):
            self.sort_box.addItem(text, key)
        self.sort_box.setToolTip("Sort the tiles now (they keep this order until you sort again)")
        self.sort_box.activated.connect(lambda i: self.sort_tiles(self.sort_box.itemData(i)))
        self.edge_spin = QSpinBox(objectName="edgeCount", minimum=10, maximum=20000, singleStep=50)
        self.edge_spin.setValue(self._edge_count)
        self.edge_spin.setSuffix(" strongest")
        self.edge_spin.setToolTip("Edges drawn per layer: layers with more edges than this show only the "
                                  "strongest ones")
        self.edge_spin.valueChanged.connect(self.set_edge_count)
        self.highlight_spin = QSpinBox(objectName="highlightCount", minimum=0, maximum=5000, singleStep=10)
        self.highlight_spin.setValue(self._hl_count)
        self.highlight_spin.setSuffix(" per layer")
        self.highlight_spin.setToolTip("How many of each layer's largest weight changes are highlighted in black")
        self.highlight_spin.valueChanged.connect(lambda n: self.set_highlight_count(n))
        # two groups of controls: side by side when the panel is wide enough, else one above the other
        self.controls = _ControlRows(
            [_label("Show:", self.mode_box), self.mode_box, self.accumulate_box,
             _label("Sort tiles:", self.sort_box), self.sort_box],
            [_label("Edges:", self.edge_spin), self.edge_spin,
             _label("Highlight:", self.highlight_spin), self.highlight_spin],
        )

        # the body: the input and the tile grid on the left, the diagram on the right, split by a
        # handle the user can drag (the split keeps its share of the width as the panel resizes)
        self.input_image = _InputImage(self)
        self.tile_grid = _TileGrid(self)
        self.tile_scroll = _TileScroll(self.tile_grid)
        self.diagram = _Diagram(self)
        tiles = QWidget(objectName="tilePane")
        column = QVBoxLayout(tiles)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.input_image)
        column.addWidget(self.tile_scroll, 1)
        self.splitter = _ShareSplitter(TILE_SHARE, self._tiles_width, objectName="networkSplitter")
        self.splitter.addWidget(tiles)
        self.splitter.addWidget(self.diagram)

        self.hover_label = QLabel(" ", objectName="hoverInfo")
        self.hover_label.setTextFormat(Qt.TextFormat.PlainText)
        self.hover_label.setStyleSheet("color: #505050;")
        self.hover_label.setMinimumWidth(1)  # long descriptions are cut, never widen the panel
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.controls)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.hover_label)

    def _tiles_width(self, width: int, height: int) -> int:
        """Of ``width`` x ``height`` px for the input and the tiles, the width they use."""
        grid_height = height - self.input_image.height() - self.tile_scroll.parentWidget().layout().spacing()
        return max(self.input_image.minimumWidth(), self.tile_scroll.width_for(width, grid_height))

    def sizeHint(self) -> QSize:
        return QSize(760, 700)

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, 380)

    # --------------------------------------------------------------------------- data in
    def set_network(self, net: Network) -> None:
        """Show ``net`` (copied: the view never reads an array someone else is writing)."""
        same_shape = self._net is not None and self._net.layer_sizes == net.layer_sizes
        self._net = net.copy()
        self._changes_w = self._changes_b = None
        self._hl_w = tuple(np.zeros(w.shape, dtype=bool) for w in self._net.weights)
        self._hl_b = tuple(np.zeros(b.shape, dtype=bool) for b in self._net.biases)
        if not same_shape:  # a user's tile order survives a new network of the same shape
            self._order = np.arange(self._net.layer_sizes[1])
        self._last_step_shown = None
        self.hover_neuron = None
        self.tile_scroll.refit()
        self._recompute()

    def set_weights(self, weights: Sequence[Array], biases: Sequence[Array]) -> None:
        """New values for every parameter (per frame). The arrays are kept, not copied: pass copies."""
        net = self._require_net()
        if len(weights) != len(net.weights) or any(w.shape != v.shape for w, v in zip(weights, net.weights)):
            raise ValueError("set_weights: shapes differ from the network's; use set_network for a new shape")
        net.weights, net.biases = list(weights), list(biases)
        self._recompute()

    def set_input(self, x: Array | None, label: int | None = None) -> None:
        """The example the activations are shown for (784,), or None; its label enables the nudges."""
        if x is not None:
            x = np.asarray(x, dtype=np.float32).reshape(-1)
        self._x = x
        self._label = None if label is None else int(label)
        self.input_image.set_input(x)
        self._recompute()

    def show_step(self, weight_changes: Sequence[Array] | None, bias_changes: Sequence[Array] | None) -> None:
        """The changes a step applied (or accumulated ones): highlight the largest, per layer."""
        if weight_changes is None:
            self._changes_w = self._changes_b = None
        else:
            self._changes_w = tuple(weight_changes)
            self._changes_b = tuple(bias_changes) if bias_changes is not None else None
        self._update_highlights()
        self._data_changed()

    def show_snapshot(self, snap: Any) -> bool:
        """Per-frame entry point: a ``gui.worker.Snapshot``. Returns whether anything was new.

        Uses the snapshot's weights when present and, when the trainer records changes, either the
        last step's changes or (option "accumulated since last frame") the sum since the last one.
        Ignored while the view is held (the step-through owns it).
        """
        if self._held or self._net is None:
            return False
        new = False
        if snap.weights is not None:
            self.set_weights(snap.weights, snap.biases)
            new = True
        last = getattr(snap, "changes_step", None) or snap.last_step
        if self._accumulate and snap.accumulated_weight_changes is not None:
            self.show_step(snap.accumulated_weight_changes, snap.accumulated_bias_changes)
            self._last_step_shown = last.step if last is not None else None
            new = True
        elif last is not None and last.weight_changes is not None and last.step != self._last_step_shown:
            self.show_step(last.weight_changes, last.bias_changes)
            self._last_step_shown = last.step
            new = True
        return new

    # --------------------------------------------------------------------------- options
    @Slot(str)
    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if mode == self._mode:
            return
        self._mode = mode
        self.mode_box.setCurrentIndex(MODES.index(mode))
        self._data_changed()
        self.mode_changed.emit(mode)

    def set_neuron_quantity(self, quantity: str) -> None:
        """Shade neurons by "activation" or by their error "delta" (needs a labelled input)."""
        if quantity not in NEURON_QUANTITIES:
            raise ValueError(f"quantity must be one of {NEURON_QUANTITIES}, got {quantity!r}")
        self._quantity = quantity
        self._data_changed()

    def set_show_nudges(self, on: bool) -> None:
        self._show_nudges = bool(on)
        self._data_changed()

    def set_reveal(self, layers: int | None) -> None:
        """Light only the first ``layers`` layers' activations (the forward stage); None: all."""
        self._reveal = layers
        self._data_changed()

    @Slot(int)
    def set_edge_count(self, k: int) -> None:
        self._edge_count = max(1, int(k))
        if self.edge_spin.value() != self._edge_count:
            self.edge_spin.setValue(self._edge_count)
        self._data_changed()

    def set_highlight_count(self, weights: int, biases: int | None = None) -> None:
        """Highlight the ``weights`` largest weight changes (and ``biases`` bias changes) per layer."""
        self._hl_count = max(0, int(weights))
        if biases is not None:
            self._hl_bias_count = max(0, int(biases))
        if self.highlight_spin.value() != self._hl_count:
            self.highlight_spin.setValue(self._hl_count)
        self._update_highlights()
        self._data_changed()

    @Slot(bool)
    def set_accumulate(self, on: bool) -> None:
        on = bool(on)
        if on == self._accumulate:
            return
        self._accumulate = on
        self.accumulate_box.setChecked(on)
        self.accumulate_changed.emit(on)

    def sort_tiles(self, key: str) -> None:
        """Order the tiles once, now: by neuron "index", by "activation" or by size of "change"."""
        if key not in TILE_ORDERS:
            raise ValueError(f"key must be one of {TILE_ORDERS}, got {key!r}")
        if self._net is None:
            return
        n = self._net.layer_sizes[1]
        if key == "activation" and self._acts:
            order = np.argsort(-self._acts[0], kind="stable")
        elif key == "change" and self._changes_w is not None:
            order = np.argsort(-np.abs(self._changes_w[0]).sum(axis=1), kind="stable")
        else:
            order = np.arange(n)
        self._order = order
        self.sort_box.setCurrentIndex(TILE_ORDERS.index(key))
        self._data_changed()

    def hold(self, on: bool) -> None:
        """While held, ``show_snapshot`` is ignored (the step-through is showing its own numbers)."""
        self._held = bool(on)

    # --------------------------------------------------------------------------- read-outs
    @property
    def network(self) -> Network | None:
        return self._net

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def input(self) -> tuple[Array | None, int | None]:
        """The example shown, (x (784,), label), as given to ``set_input``."""
        return self._x, self._label

    @property
    def neuron_quantity(self) -> str:
        return self._quantity

    @property
    def accumulate(self) -> bool:
        return self._accumulate

    @property
    def held(self) -> bool:
        return self._held

    @property
    def edge_count(self) -> int:
        return self._edge_count

    @property
    def n_tiles(self) -> int:
        return 0 if self._net is None else self._net.layer_sizes[1]

    @property
    def n_neurons_drawn(self) -> tuple[int, ...]:
        """Neurons drawn in the diagram per layer (discs or strip cells), the first hidden one first."""
        return self.diagram.neurons_drawn()

    @property
    def n_edges_drawn(self) -> tuple[int, ...]:
        """Edges drawn between consecutive diagram columns (layers 1.. of the weights)."""
        return self.diagram.edges_drawn()

    @property
    def highlight_counts(self) -> tuple[int, ...]:
        """How many weights each layer highlights: the count asked for, at most 4% of the layer."""
        if self._net is None:
            return ()
        return tuple(min(self._hl_count, max(1, math.ceil(w.size * HIGHLIGHT_MAX_FRACTION))) if self._hl_count else 0
                     for w in self._net.weights)

    @property
    def highlighted(self) -> tuple[Array, ...]:
        """Per layer, a boolean mask (shape of the weights) of the weights highlighted now."""
        return self._hl_w

    @property
    def highlighted_biases(self) -> tuple[Array, ...]:
        return self._hl_b

    def highlighted_set(self) -> set[tuple[int, int, int]]:
        """Every highlighted weight as (layer, j, k): w[layer][j, k]."""
        return {(l, int(j), int(k)) for l, m in enumerate(self._hl_w) for j, k in zip(*np.nonzero(m))}

    @property
    def tile_order(self) -> Array:
        return self._order

    @property
    def activations(self) -> list[Array]:
        """The current input's activations per layer past the input (empty without an input)."""
        return self._acts

    def deltas(self) -> list[Array] | None:
        """The current labelled input's errors delta per layer (BP1, BP2), or None."""
        if self._deltas is None and self._x is not None and self._label is not None and self._net is not None:
            g = self._net.backward(self._x[None, :], np.array([self._label]))
            self._deltas = [d[0] for d in g.deltas]
        return self._deltas

    def nudges(self) -> Array | None:
        """target - output for the current labelled input (what the cost asks of each output)."""
        if not self._acts or self._label is None:
            return None
        return cost_nudges(self._acts[-1][None, :], np.array([self._label]))[0]

    def neuron_tooltip(self, layer: int, j: int) -> str:
        net = self._require_net()
        n_layers = len(net.weights)
        name = f"output {j} (digit {j})" if layer == n_layers - 1 else f"layer {layer + 1}, neuron {j}"
        lines = [name]
        if self._acts:
            lines.append(f"activation a = {self._acts[layer][j]:.4g}")
        else:
            lines.append("activation a: no input yet")
        lines.append(f"bias b = {net.biases[layer][j]:.4g}")
        if self._zs:
            lines.append(f"weighted input z = {self._zs[layer][j]:.4g}")
        d = self.deltas()
        lines.append(f"error δ = {d[layer][j]:.4g}" if d is not None else "error δ: needs a labelled input")
        if self._changes_b is not None:
            lines.append(f"last change of b = {_fmt(float(self._changes_b[layer][j]))}")
        return "\n".join(lines)

    def weight_tooltip(self, layer: int, j: int, k: int) -> str:
        net = self._require_net()
        src = f"pixel (row {k // SIDE}, col {k % SIDE})" if layer == 0 else f"layer {layer} neuron {k}"
        dst = f"output {j}" if layer == len(net.weights) - 1 else f"layer {layer + 1} neuron {j}"
        text = f"weight from {src} to {dst}\nw = {net.weights[layer][j, k]:.4g}"
        if self._changes_w is not None:
            text += f"\nlast change Δw = {_fmt(float(self._changes_w[layer][j, k]))}"
        return text

    def set_hover(self, text: str, neuron: tuple[int, int] | None) -> None:
        self.hover_label.setText(text.replace("\n", "   ") if text else " ")
        if neuron != self.hover_neuron:
            self.hover_neuron = neuron
            self.tile_grid.update()
            self.diagram.update()
        self.hovered.emit(text)

    # --------------------------------------------------------------------------- internals
    def _require_net(self) -> Network:
        if self._net is None:
            raise RuntimeError("the view has no network yet: call set_network first")
        return self._net

    def _recompute(self) -> None:
        """Forward pass for the current input with the current weights (a single example)."""
        net = self._net
        self._deltas = None
        if net is None or self._x is None:
            self._zs, self._acts = [], []
        else:
            f = net.forward(self._x[None, :])
            self._zs = [z[0] for z in f.zs]
            self._acts = [a[0] for a in f.activations[1:]]
        self.input_image.set_answer(self._acts[-1] if self._acts else None, self._label)
        self._data_changed()

    def _update_highlights(self) -> None:
        net = self._net
        if net is None:
            return
        if self._changes_w is None:
            self._hl_w = tuple(np.zeros(w.shape, dtype=bool) for w in net.weights)
            self._hl_b = tuple(np.zeros(b.shape, dtype=bool) for b in net.biases)
            return
        self._hl_w = tuple(top_n_mask(c, n) for c, n in zip(self._changes_w, self.highlight_counts))
        if self._changes_b is None:
            self._hl_b = tuple(np.zeros(b.shape, dtype=bool) for b in net.biases)
        else:
            self._hl_b = tuple(top_n_mask(c, self._hl_bias_count) for c in self._changes_b)

    def _data_changed(self) -> None:
        self.tile_grid.invalidate()
        self.diagram.invalidate()

    # helpers for the children: what each neuron's shading shows, as 0..1 levels or signed values
    def _shading(self, layer: int) -> tuple[str, Array] | None:
        """("level", 0..1) for activations, ("signed", -1..1) for deltas; None when unlit."""
        if not self._acts or (self._reveal is not None and layer >= self._reveal):
            return None
        if self._quantity == "delta":
            d = self.deltas()
            if d is None:
                return None
            top = float(np.abs(d[layer]).max())
            return "signed", (d[layer] / top if top > 0 else d[layer] * 0)
        net = self._net
        name = net.activation_name if layer < len(net.weights) - 1 else "sigmoid"  # softmax/sigmoid in 0..1
        return "level", _activation_level(self._acts[layer], name)

    def _values(self, layer: int) -> Array:
        """What tiles/edges of ``layer`` show in the current mode."""
        if self._mode == "changes":
            if self._changes_w is None:
                return np.zeros_like(self._net.weights[layer])
            return self._changes_w[layer]
        return self._net.weights[layer]


# ------------------------------------------------------------------------------------ layout helpers


def _label(text: str, buddy: QWidget) -> QLabel:
    """A short label for ``buddy`` that tells the same tooltip."""
    label = QLabel(text)
    label.setBuddy(buddy)
    label.setToolTip(buddy.toolTip())
    return label


class _ControlRows(QWidget):
    """Groups of controls in one row when the panel is wide enough for them, else one row each."""

    GAP = 12  # px between groups in one row
    SPACING = 2  # px between rows

    def __init__(self, *groups: Sequence[QWidget]) -> None:
        super().__init__()
        self._groups: list[QWidget] = []
        for widgets in groups:
            group = QWidget(self)
            row = QHBoxLayout(group)
            row.setContentsMargins(0, 0, 0, 0)
            for w in widgets:
                row.addWidget(w)
            row.addStretch(1)
            self._groups.append(group)
        self._one_row: bool | None = None
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def one_row(self, width: int | None = None) -> bool:
        """Whether the groups sit side by side at ``width`` (now: at the current width)."""
        width = self.width() if width is None else width
        return sum(g.sizeHint().width() for g in self._groups) + self.GAP * (len(self._groups) - 1) <= width

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        heights = [g.sizeHint().height() for g in self._groups]
        return max(heights) if self.one_row(width) else sum(heights) + self.SPACING * (len(heights) - 1)

    def sizeHint(self) -> QSize:
        width = sum(g.sizeHint().width() for g in self._groups) + self.GAP * (len(self._groups) - 1)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        width = max(g.minimumSizeHint().width() for g in self._groups)
        return QSize(width, self.heightForWidth(width))

    def resizeEvent(self, e) -> None:
        one_row = self.one_row()
        if one_row != self._one_row:  # the height for this width changes: ask the panel again
            self._one_row = one_row
            self.updateGeometry()
        x = y = 0
        for g in self._groups:
            hint = g.sizeHint()
            if one_row:
                g.setGeometry(x, 0, hint.width(), self.height())
                x += hint.width() + self.GAP
            else:
                g.setGeometry(0, y, self.width(), hint.height())
                y += hint.height() + self.SPACING


class _ShareSplitter(QSplitter):
    """A horizontal splitter that keeps its first pane's share of the width as the panel resizes.

    The share is ``share`` until the user drags the handle; from then on, the one the user chose.
    On a resize, the first pane gives the second what its content cannot use (``snap``).
    """

    def __init__(self, share: float, snap: Callable[[int, int], int] | None = None, objectName: str = "") -> None:
        super().__init__(Qt.Orientation.Horizontal, objectName=objectName)
        self.share = share
        self._snap = snap  # (width, height) offered to the first pane -> the width its content uses
        self.setChildrenCollapsible(False)
        self.setHandleWidth(7)
        self.splitterMoved.connect(self._moved)

    @Slot(int, int)
    def _moved(self, pos: int, index: int) -> None:
        sizes = self.sizes()
        if sum(sizes) > 0:
            self.share = sizes[0] / sum(sizes)

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        total = sum(self.sizes())
        if total > 0:
            first = round(total * self.share)
            if self._snap is not None:  # what the first pane's content leaves unused goes to the second
                first = min(first, self._snap(first, self.height()))
            self.setSizes([first, total - first])  # clamped to each pane's minimum width


# ------------------------------------------------------------------------------------ input


class _Hoverable:
    """Tooltips and the view's hover line for a child that can ``describe(pos) -> (text, neuron)``."""

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            text, _ = self.describe(e.pos())
            if text:
                QToolTip.showText(e.globalPos(), text, self)
            else:
                QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        self._view.set_hover(*self.describe(e.position().toPoint()))

    def leaveEvent(self, e: QEvent) -> None:
        self._view.set_hover("", None)


class _InputImage(QWidget):
    """The 28x28 input, 3x, with the label and the network's answer beside it (above the tiles)."""

    SCALE = 3

    def __init__(self, view: NetworkView) -> None:
        super().__init__(view)
        self._image: QImage | None = None
        self._answer = ""
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # paintEvent covers every pixel
        self.setFixedHeight(GRID_HEADER + SIDE * self.SCALE + 4)
        self.setMinimumWidth(SIDE * self.SCALE + 70)  # the answer is elided narrower than it needs

    def set_input(self, x: Array | None) -> None:
        side = SIDE * self.SCALE  # scaled once here, not at every paint
        self._image = None if x is None else gray_image(x.reshape(SIDE, SIDE)).scaled(
            side, side, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation)
        self.update()

    def set_answer(self, output: Array | None, label: int | None) -> None:
        lines = [f"label {label}" if label is not None else "no label"]
        if output is not None:
            guess = int(output.argmax())
            lines.append(f"answer {guess} ({output[guess]:.2f})")
        self._answer = "\n".join(lines)
        self.setToolTip(self._answer)  # the whole text, should the panel be too narrow for it
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        side = SIDE * self.SCALE
        with QPainter(self) as p:
            p.setClipRect(event.rect())
            p.fillRect(event.rect(), self.palette().window())
            p.setPen(TEXT)
            p.drawText(QRect(0, 0, self.width(), 16), Qt.AlignmentFlag.AlignLeft, "input 28×28")
            box = QRect(0, GRID_HEADER, side, side)
            if self._image is None:
                p.fillRect(box, QColor(30, 30, 30))
                p.setPen(QColor(200, 200, 200))
                p.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, "draw a digit")
            else:
                p.drawImage(box.topLeft(), self._image)
            p.setPen(TEXT)
            x = side + 8
            metrics = p.fontMetrics()
            for i, line in enumerate(self._answer.split("\n")):
                text = metrics.elidedText(line, Qt.TextElideMode.ElideRight, self.width() - x)
                p.drawText(QRect(x, GRID_HEADER + i * (metrics.height() + 2), self.width() - x, metrics.height()),
                           Qt.AlignmentFlag.AlignLeft, text)


# ------------------------------------------------------------------------------------ tiles


class _TileGrid(_Hoverable, QWidget):
    """Layer 0's neurons as tiles of their incoming weights, one mosaic image scaled by ``scale``."""

    def __init__(self, view: NetworkView) -> None:
        super().__init__()
        self._view = view
        self.scale = 1
        self.cols = 1
        self.rows = 1
        self._pixels: Array | None = None  # the mosaic's ARGB words; the QImage reads them
        self._image: QImage | None = None
        self._built = (0, 0)  # tile rows the mosaic holds
        self._dirty = True
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # paintEvent covers every pixel
        self.setMouseTracking(True)

    # geometry
    def fit(self, height: int, width: int, scrollbar: int = 0) -> None:
        """Arrange the tiles for a ``width`` x ``height`` area (``_tile_arrangement``); the widget
        spans the whole width (less the scroll bar, when it scrolls), so its title has the room."""
        n = self._view.n_tiles
        if n == 0:
            return
        old = (self.scale, self.cols, self.rows)
        self.scale, self.cols, self.rows = _tile_arrangement(n, height, width, scrollbar)
        grid_h = GRID_HEADER + self.rows * CELL_H * self.scale
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
        r0 = max(0, (rect.top() - GRID_HEADER) // h)
        r1 = min(self.rows, (rect.bottom() - GRID_HEADER) // h + 1)
        return r0, max(r0, r1)

    def _build(self, r0: int, r1: int) -> None:
        """The mosaic of tile rows [r0, r1): only what the scroll area shows (plus a margin)."""
        v = self._view
        order = v.tile_order[r0 * self.cols : r1 * self.cols]  # neurons of these slots
        values = v._values(0)  # (n, 784)
        sub = values[order]
        if v.mode == "weights":
            limit = np.abs(sub).max(axis=1, keepdims=True)  # each tile to its own largest |w|
        else:
            limit = np.float32(np.abs(values).max())  # one scale: neurons that moved most stand out
        # the mosaic is built as uint8 indices into MOSAIC_LUT (1 byte a pixel), coloured at the end
        idx = _diverging_index(sub, limit)  # (k, 784)
        hl = v.highlighted[0] if v.highlighted else None
        if hl is not None:
            idx[hl[order]] = MOSAIC_HIGHLIGHT
        rows, k = r1 - r0, len(order)
        cells = np.full((rows * self.cols, CELL_H, CELL_W), MOSAIC_BACKGROUND, dtype=np.uint8)
        cells[:k, :SIDE, :SIDE] = idx.reshape(-1, SIDE, SIDE)
        bars = cells[:k, :SIDE, BAR_X : BAR_X + BAR_W]
        bars[...] = MOSAIC_BAR_EMPTY
        shading = v._shading(0)
        if shading is not None:
            kind, q = shading
            height = np.rint(np.abs(q[order]) * SIDE).astype(np.int32)
            fill = np.full(k, MOSAIC_INK, np.uint8) if kind == "level" else _diverging_index(q[order], 1.0)
            filled = np.arange(SIDE)[None, :] >= (SIDE - height)[:, None]  # (k, 28)
            bars[filled] = np.broadcast_to(fill[:, None], filled.shape)[filled][:, None]
        mosaic = cells.reshape(rows, self.cols, CELL_H, CELL_W).transpose(0, 2, 1, 3)
        mosaic = np.ascontiguousarray(mosaic).reshape(rows * CELL_H, self.cols * CELL_W)
        if self.scale > 1:  # scaled here, on bytes: a 1:1 blit per paint is ~10x cheaper than Qt scaling
            mosaic = np.repeat(np.repeat(mosaic, self.scale, axis=0), self.scale, axis=1)
        self._pixels = np.take(MOSAIC_LUT, mosaic)  # (a take from a contiguous index is ~2x faster)
        h, w = self._pixels.shape
        self._image = QImage(self._pixels.data, w, h, 4 * w, QImage.Format.Format_RGB32)
        self._built = (r0, r1)
        self._dirty = False

    def paintEvent(self, event: QPaintEvent) -> None:
        v = self._view
        with QPainter(self) as p:
            p.setClipRect(event.rect())
            p.fillRect(event.rect(), BACKGROUND)
            if v.network is None:
                return
            need = self._rows_in(event.rect())
            built = self._built
            if self._dirty or self._image is None or need[0] < built[0] or need[1] > built[1]:
                seen = self._rows_in(self.visibleRegion().boundingRect().united(event.rect()))
                self._build(max(0, seen[0] - 3), min(self.rows, seen[1] + 3))  # a margin for scrolling
            p.setPen(TEXT)
            what = "incoming weights" if v.mode == "weights" else "last changes"
            name = "output" if len(v.network.weights) == 1 else "layer 1"
            n = v.n_tiles
            title = _fitting(p.fontMetrics(), (f"{name} · {n} tiles: {what}", f"{name} · {n} tiles", f"{n} tiles"),
                             self.width())
            p.drawText(QRect(0, 0, self.width(), 16), Qt.AlignmentFlag.AlignLeft, title)
            s = self.scale
            top = GRID_HEADER + self._built[0] * CELL_H * s
            target = QRect(0, top, self._image.width(), self._image.height())
            # draw only the exposed part of the mosaic (the scroll area exposes a band)
            exposed = event.rect().intersected(target)
            if not exposed.isEmpty():
                p.drawImage(exposed.topLeft(), self._image, exposed.translated(0, -top))
            # bias highlights and the hovered neuron: a frame around the activation bar / tile
            slot_of = np.empty(len(v.tile_order), dtype=np.intp)
            slot_of[v.tile_order] = np.arange(len(v.tile_order))
            if v.highlighted_biases:
                p.setPen(QPen(HIGHLIGHT, 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                for j in np.flatnonzero(v.highlighted_biases[0]):
                    r, c = divmod(int(slot_of[j]), self.cols)
                    p.drawRect(QRectF((c * CELL_W + BAR_X - 0.5) * s, GRID_HEADER + (r * CELL_H - 0.5) * s,
                                      (BAR_W + 1) * s, (SIDE + 1) * s))
            if v.hover_neuron is not None and v.hover_neuron[0] == 0:
                r, c = divmod(int(slot_of[v.hover_neuron[1]]), self.cols)
                p.setPen(QPen(QColor(90, 90, 90), 1, Qt.PenStyle.DashLine))
                p.drawRect(QRectF((c * CELL_W - 1) * s, GRID_HEADER + (r * CELL_H - 1) * s, (BAR_X + BAR_W + 2) * s, (SIDE + 2) * s))

    def pixel_center(self, j: int, k: int) -> QPoint:
        """Where weight k (pixel k) of neuron j's tile is drawn, in this widget's coordinates."""
        slot = int(np.flatnonzero(self._view.tile_order == j)[0])
        r, c = divmod(slot, self.cols)
        x = c * CELL_W + k % SIDE
        y = r * CELL_H + k // SIDE
        return QPoint(int((x + 0.5) * self.scale), GRID_HEADER + int((y + 0.5) * self.scale))

    # hover
    def describe(self, pos: QPoint) -> tuple[str, tuple[int, int] | None]:
        v = self._view
        if v.network is None or pos.y() < GRID_HEADER:
            return "", None
        x, y = pos.x() // self.scale, (pos.y() - GRID_HEADER) // self.scale
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



class _TileScroll(QScrollArea):
    """Scrolls the tile grid when it is taller than the panel; fits the tiles to its size."""

    def __init__(self, grid: _TileGrid) -> None:
        super().__init__()
        self._grid = grid
        self.setWidget(grid)
        self.setWidgetResizable(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumWidth(CELL_W + 20)
        palette = self.viewport().palette()
        palette.setColor(self.viewport().backgroundRole(), BACKGROUND)
        self.viewport().setPalette(palette)  # white below a short grid, as the diagram beside it
        self.viewport().setAutoFillBackground(True)

    def refit(self) -> None:
        if self._grid._view.network is None:
            return
        area = self.contentsRect()
        self._grid.fit(area.height(), area.width(), self.verticalScrollBar().sizeHint().width())

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self.refit()

    def width_for(self, width: int, height: int) -> int:
        """The width the grid would use of ``width`` x ``height`` (its columns, and the scroll bar)."""
        n = self._grid._view.n_tiles
        if n == 0:
            return width
        scrollbar = self.verticalScrollBar().sizeHint().width()
        scale, cols, rows = _tile_arrangement(n, height, width, scrollbar)
        scrolls = GRID_HEADER + rows * CELL_H * scale > height
        return cols * CELL_W * scale + (scrollbar if scrolls else 0)


# ------------------------------------------------------------------------------------ diagram


# strands (parallel 1 px lines) per |level|: 1 for the weaker half, 2, then 3 for the strongest
_STRANDS = np.array([1] + [1 + (l > EDGE_LEVELS * 0.45) + (l > EDGE_LEVELS * 0.8) for l in range(1, EDGE_LEVELS + 1)])


def _edge_pens() -> dict[tuple[int, bool], QPen]:
    """One 1 px pen per signed strength level, opaque and translucent: fainter when weaker."""
    pens = {}
    for level in range(-EDGE_LEVELS, EDGE_LEVELS + 1):
        t = level / EDGE_LEVELS
        r, g, b = diverging_rgb(np.array([0.15 * np.sign(t) + 0.85 * t]), 1.0)[0]
        for dense in (False, True):
            pens[(level, dense)] = QPen(QColor(int(r), int(g), int(b), 190 if dense else 255), 1.0)
    return pens


_EDGE_PENS = _edge_pens()
_OUTLINE_PEN = QPen(OUTLINE, 0.8)
_DIVERGING_QCOLORS = [QColor.fromRgb(int(c)) for c in DIVERGING_LUT]
_HALO_PEN = QPen(HIGHLIGHT, 1.0)


# the offsets (px along an edge's normal) a line of an edge may be drawn at: its 1-3 strands
# (STRAND_GAP apart, centred) and a highlight's halo either side of them; a line is named by its
# offset key, the index in this table
_OFFSETS = np.array([-(2 * STRAND_GAP / 2 + 1.1), -(STRAND_GAP / 2 + 1.1), -1.1, -STRAND_GAP, -STRAND_GAP / 2, 0.0,
                     STRAND_GAP / 2, STRAND_GAP, 1.1, STRAND_GAP / 2 + 1.1, 2 * STRAND_GAP / 2 + 1.1])
_CENTRE_KEY = 5  # offset 0; strand k of s is at key 5 + 2k - (s - 1) (half-gaps), a halo at 2 - (s-1) and 8 + (s-1)


class _EdgeLines:
    """The lines of one connection's edges, built once per layout: QLineF per (offset key, edge).

    Geometry only changes on a resize, so each line object is made the first time it is drawn and
    reused every frame after (building ~1,000 QLineF costs ~0.5 ms of the GUI thread; indexing
    an object array of them costs ~0.01 ms). Rows are allocated per offset key on first use.
    """

    def __init__(self, x0: float, ys_in: Array, x1: float, ys_out: Array) -> None:
        self.x0, self.x1, self.ys_in, self.ys_out = x0, x1, ys_in, ys_out
        self.n_in = len(ys_in)
        self.total = len(ys_in) * len(ys_out)
        # (offset key, edge) -> QLineF, made on first use (~12 MB of references for a 512x256 layer)
        self._objs = np.empty((len(_OFFSETS), self.total), dtype=object)
        self._built = np.zeros((len(_OFFSETS), self.total), dtype=bool)

    def lines(self, keys: Array, idx: Array) -> list[QLineF]:
        """The lines of edges ``idx`` (flat indices j * n_in + k) at offset ``keys``, in that order."""
        missing = ~self._built[keys, idx]
        if missing.any():
            for key in np.unique(keys[missing]).tolist():
                new = np.unique(idx[missing & (keys == key)])
                j, k = np.divmod(new, self.n_in)
                y0, y1 = self.ys_in[k], self.ys_out[j]
                dx, dy = self.x1 - self.x0, y1 - y0
                length = np.hypot(dx, dy)
                length[length == 0] = 1
                off = _OFFSETS[key]
                ox, oy = -dy / length * off, dx / length * off  # the normal (y0 - y1, x1 - x0) / length
                coords = np.stack([self.x0 + ox, y0 + oy, self.x1 + ox, y1 + oy], axis=1)
                self._objs[key, new] = [QLineF(*c) for c in coords.tolist()]
                self._built[key, new] = True
        return self._objs[keys, idx].tolist()


def _draw_strands(p: QPainter, lines: _EdgeLines, idx: Array, level: Array, order: Array, strands: Array,
                  dense: bool) -> None:
    """Draw edges ``order`` (grouped by signed level) as ``strands`` parallel 1 px lines each."""
    counts = strands[order]
    rep = np.repeat(order, counts)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(counts) - counts, counts)  # strand number
    drawn = lines.lines(_CENTRE_KEY + 2 * k - (strands[rep] - 1), idx[rep])
    lv = level[rep]
    start = 0
    for end in [*(np.flatnonzero(np.diff(lv)) + 1).tolist(), len(rep)]:  # one pen per level
        lvl = int(lv[start])
        # faint edges are drawn without antialiasing (~2.5x cheaper; their steps hardly show)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, abs(lvl) > AA_FROM_LEVEL)
        p.setPen(_EDGE_PENS[(lvl, dense)])
        p.drawLines(drawn[start:end])
        start = end
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)


class _Column:
    """Where one layer's neurons sit: centres (n,) and the drawing style."""

    def __init__(self, x: float, ys: Array, radius: float, strip: bool, cell: float) -> None:
        self.x, self.ys, self.radius, self.strip, self.cell = x, ys, radius, strip, cell


class _Diagram(_Hoverable, QWidget):
    """Layers 1..L as columns of discs (or strips), top-k edges between them, the output digits."""

    HEADER = 34  # two lines: the layers' names, then what the edges between them show
    LEGEND_ROW = 30  # px per row of the legend (one row when wide, two when narrow)
    LEFT = 22  # px left of the first column (room for its bias ticks)

    def __init__(self, view: NetworkView) -> None:
        super().__init__(view)
        self._view = view
        self._columns: list[_Column] = []
        self._edges: list[dict] = []  # per connection l = 1..L-1: arrays for drawing and hit tests
        self._lines: list[_EdgeLines] = []  # per connection, its edges' lines (geometry: per layout)
        self._layout_key: tuple | None = None  # what the layout was made for (sizes, size, texts' font)
        self._static: dict[tuple[str, str], QStaticText] = {}
        self._metrics: _CachedMetrics | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # paintEvent covers every pixel
        self._dirty = True
        self.setMouseTracking(True)
        self._legend_rows = 1
        self._legend_cache: dict[tuple, QPixmap] = {}  # what it shows -> the legend drawn (a few)
        self._brushes: dict[int, QBrush] = {}  # ARGB word -> brush, for the neurons' shading
        self._out: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # output text offsets, width
        self.setMinimumSize(250, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def _measure(self) -> _CachedMetrics:
        """The font's metrics, text widths cached (the painter's font is the widget's where used)."""
        if self._metrics is None or self._metrics.key != self.font().key():
            self._metrics = _CachedMetrics(self.font())
        return self._metrics

    def invalidate(self) -> None:
        self._dirty = True
        self.update()

    def resizeEvent(self, e) -> None:
        self._dirty = True

    # -- layout and edge selection (rebuilt lazily when data or size changed)
    def _layout(self) -> None:
        """Columns and edge geometry; kept while the layer sizes, the size and the legend's texts are."""
        net = self._view.network
        v = self._view
        key = (net.layer_sizes, self.width(), self.height(), v.mode, v.neuron_quantity, self.font().key())
        if key == self._layout_key and self._columns:
            return
        self._layout_key = key
        sizes = net.layer_sizes[1:]
        self._out = self._output_geometry()
        self._legend_rows = 1 if self.width() >= self._legend_width(self._view.mode) else 2
        top, bottom = self.HEADER + 8, self.height() - self._legend_height() - 8
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
                self._lines.append(_EdgeLines(x0, a.ys, x1, b.ys))

    def _select_edges(self) -> None:
        v = self._view
        self._edges = []
        for l in range(1, len(self._columns)):
            values = v._values(l)  # (n_out, n_in)
            mag = np.abs(values)
            keep = top_n_mask(values, v.edge_count) if values.size > v.edge_count else mag >= 0
            hl = v.highlighted[l] if v.highlighted else np.zeros_like(keep)
            idx = np.flatnonzero(keep | hl)
            j, k = np.divmod(idx, values.shape[1])
            val = values.ravel()[idx]
            limit = float(mag.max()) if mag.size else 0.0
            # EDGE_LEVELS steps of strength per sign: colour intensity and width grow with |value|
            level = np.ceil(np.abs(val) / (limit or 1.0) * EDGE_LEVELS).clip(1, EDGE_LEVELS).astype(np.int8)
            level *= np.where(val < 0, -1, 1).astype(np.int8)
            lines = self._lines[l - 1]
            self._edges.append(dict(
                layer=l, idx=idx, j=j, k=k, level=level, hl=hl.ravel()[idx], limit=limit, total=values.size,
                x0=np.full(len(idx), lines.x0), y0=lines.ys_in[k], x1=np.full(len(idx), lines.x1), y1=lines.ys_out[j],
            ))
        self._dirty = False

    def neurons_drawn(self) -> tuple[int, ...]:
        if self._view.network is None:
            return ()
        if self._dirty or not self._columns:
            self._layout()
            self._select_edges()
        return tuple(len(c.ys) for c in self._columns)

    def edges_drawn(self) -> tuple[int, ...]:
        self.neurons_drawn()
        return tuple(len(e["j"]) for e in self._edges)

    # -- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        v = self._view
        with QPainter(self) as p:
            p.setClipRect(event.rect())
            p.fillRect(event.rect(), BACKGROUND)
            if v.network is None:
                return
            if self._dirty or not self._columns:
                self._layout()
                self._select_edges()
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_edges(p)
            for l, col in enumerate(self._columns):
                self._paint_column(p, l, col)
            self._paint_output(p)
            self._paint_headers(p)
            self._paint_cached_legend(p)

    def _paint_edges(self, p: QPainter) -> None:
        # Qt's fast path is a 1 px antialiased pen (a wider one costs ~8x, a translucent wider one
        # ~50x), so a strong edge is drawn as 2 or 3 parallel 1 px lines rather than one wide one;
        # in a dense fan (a top-k of a wide layer) every edge is one translucent 1 px line. The
        # lines themselves come from the layout's cache (``_EdgeLines``): per frame only colours.
        for e, lines in zip(self._edges, self._lines):
            level = e["level"]
            if not len(level):
                continue
            idx = e["idx"]
            dense = len(level) > DENSE_EDGES
            strands = np.ones(len(level), np.intp) if dense else _STRANDS[np.abs(level)]
            order = np.lexsort((level, np.abs(level)))  # weakest first (strongest on top), by sign
            _draw_strands(p, lines, idx, level, order, strands, dense)
            hl = np.flatnonzero(e["hl"])
            if len(hl):  # a black line either side of each highlighted edge, then the edge again
                side = strands[hl] - 1
                p.setPen(_HALO_PEN)
                p.drawLines(lines.lines(np.concatenate([2 - side, 8 + side]), np.concatenate([idx[hl], idx[hl]])))
                _draw_strands(p, lines, idx, level, hl[np.lexsort((level[hl], np.abs(level[hl])))], strands, False)
        p.setPen(Qt.PenStyle.NoPen)

    def _colors(self, l: int) -> Array | None:
        """ARGB words shading layer l's neurons (activation greys or delta colours); None: unlit."""
        shading = self._view._shading(l)
        if shading is None:
            return None
        kind, q = shading
        if kind == "level":
            return ACTIVATION_LUT[np.rint(q * 255).astype(np.int32)]
        return DIVERGING_LUT[_diverging_index(q, 1.0)]

    def _paint_column(self, p: QPainter, l: int, col: _Column) -> None:
        v = self._view
        words = self._colors(l)
        n = len(col.ys)
        hl_b = v.highlighted_biases[l] if v.highlighted_biases else np.zeros(n, bool)
        if col.strip:
            w = 10
            if words is None:
                words = np.full(n, BAR_EMPTY_ARGB, dtype=np.uint32)
            strip = np.ascontiguousarray(words.reshape(n, 1))
            img = QImage(strip.data, 1, n, 4, QImage.Format.Format_RGB32)
            rect = QRectF(col.x - w / 2, col.ys[0] - col.cell / 2, w, col.cell * n)
            p.drawImage(rect, img)
            p.setPen(QPen(OUTLINE, 0.6))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
            if hl_b.any():
                p.setPen(QPen(HIGHLIGHT, 2))
                for j in np.flatnonzero(hl_b):
                    y = col.ys[j]
                    p.drawLine(QLineF(col.x - w / 2 - 7, y, col.x - w / 2 - 2, y))
            if v.hover_neuron is not None and v.hover_neuron[0] == l:
                y = col.ys[v.hover_neuron[1]]
                p.setPen(QPen(QColor(90, 90, 90), 1, Qt.PenStyle.DashLine))
                p.drawRect(QRectF(col.x - w / 2 - 3, y - max(col.cell, 3) / 2 - 1, w + 6, max(col.cell, 3) + 2))
            return
        p.setPen(_OUTLINE_PEN)
        r = col.radius
        brushes = self._brushes
        if len(brushes) > 4096:
            brushes.clear()
        background = brushes.get(-1) or brushes.setdefault(-1, QBrush(BACKGROUND))
        for j, (y, word) in enumerate(zip(col.ys.tolist(), words.tolist() if words is not None else [None] * n)):
            if word is None:
                brush = background
            else:
                brush = brushes.get(word)
                if brush is None:
                    brush = brushes[word] = QBrush(QColor.fromRgb(word))
            p.setBrush(brush)
            p.drawEllipse(QPointF(col.x, y), r, r)
        if hl_b.any():
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(HIGHLIGHT, 2))
            for j in np.flatnonzero(hl_b):
                p.drawEllipse(QPointF(col.x, col.ys[j]), r + 2.5, r + 2.5)
        if v.hover_neuron is not None and v.hover_neuron[0] == l:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(90, 90, 90), 1, Qt.PenStyle.DashLine))
            p.drawEllipse(QPointF(col.x, col.ys[v.hover_neuron[1]]), r + 5, r + 5)

    def _paint_output(self, p: QPainter) -> None:
        v = self._view
        col = self._columns[-1]
        acts = v.activations[-1] if v.activations and (v._reveal is None or v._reveal >= len(self._columns)) else None
        nudges = v.nudges() if (v._show_nudges and acts is not None) else None
        label = v._label
        font = p.font()
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * 1.25)
        d_act, d_bar, d_nudge, _ = self._out
        x_digit = col.x + col.radius + 6
        x_bar = x_digit + d_bar
        half = min(col.cell * 0.46, 14.0)
        guess = int(acts.argmax()) if acts is not None else None
        if nudges is not None:
            shade = _diverging_index(0.35 * np.sign(nudges) + 0.65 * nudges, 1.0)
        for i, y in enumerate(col.ys):
            big.setBold(i == guess)
            p.setFont(big)
            p.setPen(TEXT)
            self._text(p, QRectF(x_digit, y - 10, 16, 20), "cv", str(i), "bold" if i == guess else "big")
            if label == i:
                p.setPen(QPen(TEXT, 1.2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRoundedRect(QRectF(x_digit - 2, y - 11, 20, 22), 3, 3)
            p.setFont(font)
            if acts is not None:
                p.setPen(MUTED)
                self._text(p, QRectF(x_digit + d_act, y - 9, 42, 18), "lv", f"{acts[i]:.2f}")
            if nudges is not None:
                nv = float(nudges[i])
                h = max(1.0, abs(nv) * half) if nv else 0.0
                p.fillRect(QRectF(x_bar, y - h if nv > 0 else y, 10, h), _DIVERGING_QCOLORS[shade[i]])
                p.setPen(_OUTLINE_PEN)
                p.drawLine(QLineF(x_bar - 2, y, x_bar + 12, y))
                p.setPen(MUTED)
                self._text(p, QRectF(x_digit + d_nudge, y - 9, 52, 18), "lv", f"{nv:+.2f}")
        p.setFont(font)
        if nudges is not None:
            p.setPen(TEXT)
            metrics = self._measure()
            text = _fitting(metrics, ("nudge y − a", "y − a"), self.width() - 4 - (x_digit + d_act))
            x = min(x_bar - 6, self.width() - 4 - metrics.horizontalAdvance(text))
            self._text(p, QRectF(x, 16, self.width() - x, 15), "l", text)

    def _output_geometry(self) -> tuple[float, float, float, float]:
        """Offsets from the digits' left edge to the activation, the nudge bar and its value, and
        the width the output column needs right of its centre: all from the font in use."""
        metrics = self._measure()
        d_act = 20.0  # a digit in the 1.25x font, and a gap
        d_bar = d_act + metrics.horizontalAdvance("0.00") + 8
        d_nudge = d_bar + 15
        width = 12 + 6 + d_nudge + metrics.horizontalAdvance("+0.00") + 6  # largest disc radius first
        return d_act, d_bar, d_nudge, width

    def _text(self, p: QPainter, rect: QRectF, align: str, text: str, font: str = "normal") -> None:
        """``drawText`` through a cache of laid-out ``QStaticText`` (4x cheaper for repeated text).

        ``align``: "l", "c" or "r" horizontally, with "v" to centre vertically; ``font`` names the
        painter's current font for the cache (the caller keeps the two in step).
        """
        key = (text, font)
        st = self._static.get(key)
        if st is None:
            if len(self._static) > 4000:
                self._static.clear()
            st = QStaticText(text)
            st.setTextFormat(Qt.TextFormat.PlainText)
            st.prepare(QTransform(), p.font())
            self._static[key] = st
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
                              f"{_short_count(shown)}/{_short_count(total)} · {limit}",
                              f"{_short_count(shown)}/{_short_count(total)}", limit))
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
        p.setPen(TEXT)
        spans = self._name_spans()
        # the hidden layers' names all in the same form (the longest that fits each), the output's its own
        fits = [next((i for i, t in enumerate(c) if metrics.horizontalAdvance(t) <= hi - lo), len(c) - 1)
                for c, (lo, hi) in zip(names, spans)]
        form = max(fits[:-1], default=0)
        for l, (col, candidates, (lo, hi)) in enumerate(zip(self._columns, names, spans)):
            text = _fitting(metrics, candidates if l == len(names) - 1 else candidates[form:], hi - lo)
            w = metrics.horizontalAdvance(text)
            x = min(max(col.x - w / 2, lo), hi - w)  # centred on the column, kept in its stretch
            self._text(p, QRectF(x, 1, w + 2, 15), "lv", text)
        p.setPen(MUTED)
        for e, candidates in zip(self._edges, edges):
            a, b = self._columns[e["layer"] - 1], self._columns[e["layer"]]
            width = b.x - a.x - 8
            text = _fitting(metrics, candidates, width)
            self._text(p, QRectF(a.x + 4, 16, width, 15), "cv", text)

    # the legend: the edges' palette, then the highlight and the neurons' shading, beside it when
    # the diagram is wide enough, else below it
    _LEGEND_DETAIL = ("width by size; each layer to its ±max", "width by size, per-layer ±max", "width by size")
    _LEGEND_HL = ("largest changes (ringed: biases)", "largest changes")

    def _legend_what(self, mode: str) -> tuple[str, ...]:
        return ("weight w",) if mode == "weights" else ("change Δw (last step)", "change Δw")

    def _legend_neurons(self) -> tuple[str, ...]:
        if self._view.neuron_quantity == "delta":
            return ("neurons: error δ, − 0 +", "error δ, − 0 +")
        return ("neurons: activation 0 → 1", "activation 0 → 1")

    def _legend_width(self, mode: str) -> int:
        """Width the legend needs in one row, its longest texts."""
        m = self._measure()
        first = 108 + max(m.horizontalAdvance(self._legend_what(mode)[0]), m.horizontalAdvance(self._LEGEND_DETAIL[0]))
        second = max(14 + m.horizontalAdvance(self._LEGEND_HL[0]), 36 + m.horizontalAdvance(self._legend_neurons()[0]))
        return 8 + first + 20 + second + 4

    def _legend_height(self) -> int:
        return 10 + self.LEGEND_ROW * self._legend_rows

    def _paint_cached_legend(self, p: QPainter) -> None:
        """The legend, drawn into a pixmap once per size, mode and shading (it is the same each frame)."""
        v = self._view
        top = self.height() - self._legend_height()
        ratio = self.devicePixelRatioF()
        key = (self.width(), self.height(), self._legend_rows, v.mode, v.neuron_quantity, self.font().key(), ratio)
        pixmap = self._legend_cache.get(key)
        if pixmap is None:
            pixmap = QPixmap(round(self.width() * ratio), round(self._legend_height() * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(BACKGROUND)
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
        v = self._view
        metrics = self._measure()
        y = self.height() - self._legend_height() + 8
        x = 8
        grad = QLinearGradient(x, 0, x + 100, 0)
        for stop in range(0, 251, 25):
            grad.setColorAt(stop / 250, _DIVERGING_QCOLORS[stop])
        p.setPen(QPen(OUTLINE, 0.6))
        p.setBrush(QBrush(grad))
        p.drawRect(QRectF(x, y, 100, 9))
        p.setPen(MUTED)
        self._text(p, QRectF(x, y + 10, 100, 14), "l", "−")
        self._text(p, QRectF(x, y + 10, 100, 14), "c", "0")
        self._text(p, QRectF(x, y + 10, 100, 14), "r", "+")
        room = self.width() - (x + 108) - 4
        what = _fitting(metrics, self._legend_what(v.mode), room)
        detail = _fitting(metrics, self._LEGEND_DETAIL, room)
        p.setPen(TEXT)
        self._text(p, QRectF(x + 108, y - 4, room, 16), "l", what)
        p.setPen(MUTED)
        self._text(p, QRectF(x + 108, y + 10, room, 16), "l", detail)
        if self._legend_rows == 1:
            x2 = x + 108 + max(metrics.horizontalAdvance(what), metrics.horizontalAdvance(detail)) + 20
        else:
            x2, y = x, y + self.LEGEND_ROW
        p.fillRect(QRectF(x2, y, 9, 9), HIGHLIGHT)
        p.setPen(TEXT)
        self._text(p, QRectF(x2 + 14, y - 4, 200, 16), "l",
                   _fitting(metrics, self._LEGEND_HL, self.width() - (x2 + 14) - 4))
        grad = QLinearGradient(x2, 0, x2 + 30, 0)
        if v.neuron_quantity == "delta":
            for stop in (0, 125, 250):
                grad.setColorAt(stop / 250, _DIVERGING_QCOLORS[stop])
        else:
            grad.setColorAt(0, QColor.fromRgb(int(ACTIVATION_LUT[0])))
            grad.setColorAt(1, QColor.fromRgb(int(ACTIVATION_LUT[255])))
        p.setPen(QPen(OUTLINE, 0.6))
        p.setBrush(QBrush(grad))
        p.drawRect(QRectF(x2, y + 13, 30, 9))
        p.setPen(MUTED)
        self._text(p, QRectF(x2 + 36, y + 10, 200, 16), "l",
                   _fitting(metrics, self._legend_neurons(), self.width() - (x2 + 36) - 4))

    # -- hover
    def describe(self, pos: QPoint) -> tuple[str, tuple[int, int] | None]:
        v = self._view
        if v.network is None:
            return "", None
        self.neurons_drawn()  # layout up to date
        px, py = pos.x(), pos.y()
        if py < self.HEADER:  # the headers, whole (they may be shortened on screen)
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

