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

This module is the panel: its controls, the data it is handed, the forward pass (and the errors δ)
for the example shown, the highlights, and what each neuron's shading shows. Its children draw,
each in its own module, reading what they need from the view they belong to:

- ``gui.network_input``: the input image, with its label and the network's answer;
- ``gui.network_tiles``: the tile grid (one mosaic image) and the scroll area that fits it;
- ``gui.network_diagram``: the diagram's columns, output digits, headers and legend, and which
  edges it draws; ``gui.network_edges`` draws them;
- ``gui.network_hover``: tooltips and the hover line under the panel, for tiles and diagram;
- ``gui.network_panel_layout``: the controls' rows and the splitter between tiles and diagram;
- ``gui.network_palette``, ``gui.network_text``, ``gui.network_top_n``: the colours, texts that
  fit, and the top-n mask the highlights and the edges share.

Names with a leading underscore in those modules are shared among them, not meant for other panels.

Drawing is built for 30 Hz beside a training thread (see GUIDE.md, "Measured on these machines"):
the tiles are one mosaic image coloured through a lookup table in NumPy, never a widget or a
Python loop per neuron; layers too wide to draw every edge show only the ``edge_count`` strongest
(plus the highlighted ones); edges are drawn in a few pens with ``drawLines``; every paint clips to
one rectangle. Mosaic and edge lists are rebuilt lazily at the next paint after the data changed
(the view calls each child's ``invalidate``). Each child's module says how for its part.

"Layer" in this module's API always indexes ``net.weights`` / ``net.biases``: layer 0 holds the
weights into the first hidden layer (the tiles), its neurons are the tiles' neurons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from digitlab.gui.network_view.diagram import _Diagram
from digitlab.gui.network_view.input_image import _InputImage
from digitlab.gui.network_view.palette import _activation_level
from digitlab.gui.network_view.panel_layout import _ControlRows, _label, _ShareSplitter

# SIDE and top_n_mask are imported from this module by other panels and the tests, too
from digitlab.gui.network_view.tiles import SIDE, _TileGrid, _TileScroll
from digitlab.gui.network_view.top_n import top_n_mask
from digitlab.model.costs import nudges as cost_nudges
from digitlab.model.network import Network

Array = np.ndarray


MODES = ("weights", "changes")  # what tiles and edges show
NEURON_QUANTITIES = ("activation", "delta")  # what neuron shading shows
TILE_ORDERS = ("index", "activation", "change")

DEFAULT_EDGE_COUNT = 300  # strongest edges drawn per layer of edges
DEFAULT_HIGHLIGHT_COUNT = 30  # largest weight changes highlighted per layer
DEFAULT_BIAS_HIGHLIGHT_COUNT = 2  # largest bias changes highlighted per layer
HIGHLIGHT_MAX_FRACTION = 0.04  # never more than this share of a layer's weights: a highlight must stand out
TILE_SHARE = 0.44  # of the body's width, the input and tiles' (the diagram gets the rest) until the user drags
MIN_WIDTH = 500  # px: the panel is laid out to work from this width up


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
        self.hover_label.setStyleSheet("color: palette(placeholder-text);")  # the theme keeps it >= 4.5:1
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
