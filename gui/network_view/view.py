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
highlighted in black (white on the dark theme): pixels in the tiles, a halo on the edges, a ring on the biases' neurons.

This module is the panel: its controls, its layout, and the feed of snapshots (``show_snapshot``,
``hold``). What it shows lives in one ``NetworkViewState`` (``network_view.state``: the data it
is handed, the forward pass and the errors δ for the example shown, the highlights, the options,
and what each neuron's shading and each tile and edge show); the view writes to it, its public
methods and properties delegating there. Each part takes that state in its constructor, reads its
public API and subscribes to its signals, and reports the mouse through its ``hovered`` signal
(napari's ``QtDims(dims)``); no part knows the view:

- ``input_image``: the input image, with its label and the network's answer;
- ``tiles``: the tile grid (one mosaic image) and the scroll area that fits it;
- ``diagram``: the diagram's columns, output digits, headers and legend, and which edges it
  draws; ``edges`` draws them;
- ``hover``: tooltips and the ``hovered`` signal, for tiles and diagram;
- ``panel_layout``: the controls' rows and the splitter between tiles and diagram;
- ``palette``, ``text``, ``top_n``: the colours, texts that fit, and the top-n mask the
  highlights and the edges share.

Imports run one way: the view imports the parts, the parts import the state and the helpers,
the state imports the helpers (``python -m tools.import_graph gui/network_view`` checks it).

Drawing is built for 30 Hz beside a training thread (see GUIDE.md, "Measured on these machines"):
the tiles are one mosaic image coloured through a lookup table in NumPy, never a widget or a
Python loop per neuron; layers too wide to draw every edge show only the ``edge_count`` strongest
(plus the highlighted ones); edges are drawn in a few pens with ``drawLines``; every paint clips to
one rectangle. Mosaic and edge lists are rebuilt lazily at the next paint after the data changed
(each part ``invalidate``s itself on the state's ``changed``). Each part's module says how.

"Layer" in this module's API always indexes ``net.weights`` / ``net.biases``: layer 0 holds the
weights into the first hidden layer (the tiles), its neurons are the tiles' neurons.
"""

from __future__ import annotations

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

from digitlab.gui.network_view.diagram import Diagram
from digitlab.gui.network_view.input_image import InputImage
from digitlab.gui.network_view.panel_layout import ControlRows, ShareSplitter, buddy_label
from digitlab.gui.network_view.state import (
    DEFAULT_BIAS_HIGHLIGHT_COUNT,
    DEFAULT_EDGE_COUNT,
    DEFAULT_HIGHLIGHT_COUNT,
    HIGHLIGHT_MAX_FRACTION,
    MODES,
    NEURON_QUANTITIES,
    SIDE,
    TILE_ORDERS,
    NetworkViewState,
)
from digitlab.gui.network_view.tiles import TileGrid, TileScroll
from digitlab.gui.network_view.top_n import top_n_mask
from digitlab.model.network import Network

# SIDE, the defaults and top_n_mask are imported from this module by other panels and the tests, too
__all__ = [
    "DEFAULT_BIAS_HIGHLIGHT_COUNT", "DEFAULT_EDGE_COUNT", "DEFAULT_HIGHLIGHT_COUNT", "HIGHLIGHT_MAX_FRACTION",
    "MIN_WIDTH", "MODES", "NEURON_QUANTITIES", "SIDE", "TILE_ORDERS", "TILE_SHARE", "NetworkView", "top_n_mask",
]

Array = np.ndarray


TILE_SHARE = 0.44  # of the body's width, the input and tiles' (the diagram gets the rest) until the user drags
MIN_WIDTH = 500  # px: the panel is laid out to work from this width up


# ------------------------------------------------------------------------------------ the view


class NetworkView(QWidget):
    """The network panel. ``set_network`` once, then per frame ``show_snapshot`` (or the parts)."""

    mode_changed = Signal(str)  # "weights" | "changes"
    accumulate_changed = Signal(bool)  # the "accumulated since last frame" option was toggled
    hovered = Signal(str)  # a description of what is under the mouse ("" when nothing)
    neuron_clicked = Signal(int, int)  # (layer, j) of a neuron clicked in the tiles or the diagram

    def __init__(self, net: Network | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkView")
        self._state = NetworkViewState(self)  # what the panel shows: its parts read it
        self._held = False
        self._last_step_shown: int | None = None

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
        self.edge_spin.setValue(self._state.edge_count)
        self.edge_spin.setSuffix(" strongest")
        self.edge_spin.setToolTip("Edges drawn per layer: layers with more edges than this show only the "
                                  "strongest ones")
        self.edge_spin.valueChanged.connect(self.set_edge_count)
        self.highlight_spin = QSpinBox(objectName="highlightCount", minimum=0, maximum=5000, singleStep=10)
        self.highlight_spin.setValue(self._state.highlight_count)
        self.highlight_spin.setSuffix(" per layer")
        self.highlight_spin.setToolTip("How many of each layer's largest weight changes are highlighted")
        self.highlight_spin.valueChanged.connect(lambda n: self.set_highlight_count(n))
        # groups of controls, packed into as few rows as the panel's width allows
        self.controls = ControlRows(
            [buddy_label("Show:", self.mode_box), self.mode_box, self.accumulate_box],
            [buddy_label("Sort tiles:", self.sort_box), self.sort_box],
            [buddy_label("Edges:", self.edge_spin), self.edge_spin],
            [buddy_label("Highlight:", self.highlight_spin), self.highlight_spin],
        )

        # the body: the input and the tile grid on the left, the diagram on the right, split by a
        # handle the user can drag (the split keeps its share of the width as the panel resizes)
        self.input_image = InputImage(self._state, self)
        self.tile_grid = TileGrid(self._state)
        self.tile_scroll = TileScroll(self.tile_grid)
        self.diagram = Diagram(self._state, self)
        self.tile_grid.hovered.connect(self.set_hover)
        self.diagram.hovered.connect(self.set_hover)
        self.tile_grid.clicked.connect(self.neuron_clicked)
        self.diagram.clicked.connect(self.neuron_clicked)
        tiles = QWidget(objectName="tilePane")
        column = QVBoxLayout(tiles)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.input_image)
        column.addWidget(self.tile_scroll, 1)
        self.splitter = ShareSplitter(TILE_SHARE, self._tiles_width, objectName="networkSplitter")
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
    def set_network(self, net: Network, keep_changes: bool = False) -> None:
        """Show ``net`` (copied: the view never reads an array someone else is writing).

        ``keep_changes``: the last step's changes stay shown when the shape is the same (a run's end).
        """
        net_now = self._state.network
        if keep_changes and net_now is not None and net_now.layer_sizes == net.layer_sizes:
            self.set_weights([w.copy() for w in net.weights], [b.copy() for b in net.biases])
            return
        self._last_step_shown = None
        self._state.set_network(net)
        self.tile_scroll.refit()

    def set_weights(self, weights: Sequence[Array], biases: Sequence[Array]) -> None:
        """New values for every parameter (per frame). The arrays are kept, not copied: pass copies."""
        self._state.set_weights(weights, biases)

    def set_input(self, x: Array | None, label: int | None = None) -> None:
        """The example the activations are shown for (784,), or None; its label enables the nudges."""
        self._state.set_input(x, label)

    def show_step(self, weight_changes: Sequence[Array] | None, bias_changes: Sequence[Array] | None) -> None:
        """The changes a step applied (or accumulated ones): highlight the largest, per layer."""
        self._state.show_step(weight_changes, bias_changes)

    def show_snapshot(self, snap: Any) -> bool:
        """Per-frame entry point: a ``model.train_process.Frame``. Returns whether anything was new.

        Uses the snapshot's weights when present and, when the trainer records changes, the changes
        it carries: the last step's or (option "accumulated since last frame", which the trainer
        follows) the sum since the last frame. Ignored while the view is held (the step-through owns it).
        """
        if self._held or self._state.network is None:
            return False
        new = False
        if snap.weights is not None:
            self.set_weights(snap.weights, snap.biases)
            new = True
        step = snap.changes_step.step if snap.changes_step is not None else None
        if snap.weight_changes is not None and (snap.changes_accumulated or step != self._last_step_shown):
            self.show_step(snap.weight_changes, snap.bias_changes)
            self._last_step_shown = step
            new = True
        return new

    # --------------------------------------------------------------------------- options
    @Slot(str)
    def set_mode(self, mode: str) -> None:
        if not self._state.set_mode(mode):
            return
        self.mode_box.setCurrentIndex(MODES.index(mode))
        self.mode_changed.emit(mode)

    def set_neuron_quantity(self, quantity: str) -> None:
        """Shade neurons by "activation" or by their error "delta" (needs a labelled input)."""
        self._state.set_neuron_quantity(quantity)

    def set_show_nudges(self, on: bool) -> None:
        self._state.set_show_nudges(on)

    def set_reveal(self, layers: int | None) -> None:
        """Light only the first ``layers`` layers' activations (the forward stage); None: all."""
        self._state.set_reveal(layers)

    @Slot(int)
    def set_edge_count(self, k: int) -> None:
        self._state.set_edge_count(k)
        if self.edge_spin.value() != self._state.edge_count:
            self.edge_spin.setValue(self._state.edge_count)

    def set_highlight_count(self, weights: int, biases: int | None = None) -> None:
        """Highlight the ``weights`` largest weight changes (and ``biases`` bias changes) per layer."""
        self._state.set_highlight_count(weights, biases)
        if self.highlight_spin.value() != self._state.highlight_count:
            self.highlight_spin.setValue(self._state.highlight_count)

    @Slot(bool)
    def set_accumulate(self, on: bool) -> None:
        on = bool(on)
        if not self._state.set_accumulate(on):
            return
        self.accumulate_box.setChecked(on)
        self.accumulate_changed.emit(on)

    def sort_tiles(self, key: str) -> None:
        """Order the tiles once, now: by neuron "index", by "activation" or by size of "change"."""
        if self._state.sort_tiles(key):
            self.sort_box.setCurrentIndex(TILE_ORDERS.index(key))

    def hold(self, on: bool) -> None:
        """While held, ``show_snapshot`` is ignored (the step-through is showing its own numbers)."""
        self._held = bool(on)

    # --------------------------------------------------------------------------- read-outs
    @property
    def state(self) -> NetworkViewState:
        """What the panel shows, as its parts read it (read it; write through the view's methods)."""
        return self._state

    @property
    def network(self) -> Network | None:
        return self._state.network

    @property
    def mode(self) -> str:
        return self._state.mode

    @property
    def input(self) -> tuple[Array | None, int | None]:
        """The example shown, (x (784,), label), as given to ``set_input``."""
        return self._state.input

    @property
    def neuron_quantity(self) -> str:
        return self._state.neuron_quantity

    @property
    def reveal(self) -> int | None:
        """Layers lit (``set_reveal``); None: all."""
        return self._state.reveal

    @property
    def accumulate(self) -> bool:
        return self._state.accumulate

    @property
    def held(self) -> bool:
        return self._held

    @property
    def edge_count(self) -> int:
        return self._state.edge_count

    @property
    def n_tiles(self) -> int:
        return self._state.n_tiles

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
        return self._state.highlight_counts

    @property
    def highlighted(self) -> tuple[Array, ...]:
        """Per layer, a boolean mask (shape of the weights) of the weights highlighted now."""
        return self._state.highlighted

    @property
    def highlighted_biases(self) -> tuple[Array, ...]:
        return self._state.highlighted_biases

    def highlighted_set(self) -> set[tuple[int, int, int]]:
        """Every highlighted weight as (layer, j, k): w[layer][j, k]."""
        return self._state.highlighted_set()

    @property
    def tile_order(self) -> Array:
        return self._state.tile_order

    @property
    def activations(self) -> list[Array]:
        """The current input's activations per layer past the input (empty without an input)."""
        return self._state.activations

    def deltas(self) -> list[Array] | None:
        """The current labelled input's errors delta per layer (BP1, BP2), or None."""
        return self._state.deltas()

    def nudges(self) -> Array | None:
        """target - output for the current labelled input (what the cost asks of each output)."""
        return self._state.nudges()

    def neuron_tooltip(self, layer: int, j: int) -> str:
        return self._state.neuron_tooltip(layer, j)

    def weight_tooltip(self, layer: int, j: int, k: int) -> str:
        return self._state.weight_tooltip(layer, j, k)

    # --------------------------------------------------------------------------- hover
    @property
    def hover_neuron(self) -> tuple[int, int] | None:
        """(layer, j) of the neuron under the mouse, framed in tiles and diagram; None: none."""
        return self._state.hover_neuron

    @hover_neuron.setter
    def hover_neuron(self, neuron: tuple[int, int] | None) -> None:
        self._state.set_hover_neuron(neuron)

    @Slot(str, object)
    def set_hover(self, text: str, neuron: tuple[int, int] | None) -> None:
        """What a part reports under the mouse: the hover line shows the text, both parts frame the neuron."""
        self.hover_label.setText(text.replace("\n", "   ") if text else " ")
        self._state.set_hover_neuron(neuron)
        self.hovered.emit(text)
