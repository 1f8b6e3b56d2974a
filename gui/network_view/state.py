"""What the network view shows, as one object its parts read: the data, the options and what follows.

The view (``network_view.view``) builds one ``NetworkViewState`` and hands it to each part's
constructor (the tile grid, the diagram, the input image), napari's ``QtDims(dims)`` pattern: a
part reads the state's public API and subscribes to its signals, never reaches into the view.
The view alone writes to it (its ``set_*`` methods delegate here); a part writes nothing.

It holds the network shown (a copy), the example and its label, the forward pass for that example
(weighted inputs z, activations a) and, lazily, its errors δ (BP1, BP2) and the cost's nudges
(y - a); the changes of the last step and the highlights (the largest changes, per layer); the
options (mode, neuron quantity, reveal, nudges, edge count, highlight counts, accumulate, tile
order) and the neuron under the mouse. From those it computes what the parts draw: ``shading``
(what a layer's neuron shading shows) and ``values`` (what a layer's tiles and edges show).

No widgets and no drawing here: a ``QObject`` only for its signals. "Layer" indexes
``net.weights`` / ``net.biases``: layer 0 holds the weights into the first hidden layer (the
tiles), its neurons are the tiles' neurons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QObject, Signal

from digitlab.gui.network_view.palette import activation_level
from digitlab.gui.network_view.top_n import top_n_mask
from digitlab.model.costs import nudges as cost_nudges
from digitlab.model.network import Network
from digitlab.model.preprocess import SIZE

Array = np.ndarray


SIDE = SIZE  # the input is SIDE x SIDE pixels, the network's input field; a tile is a picture of it
MODES = ("weights", "changes")  # what tiles and edges show
NEURON_QUANTITIES = ("activation", "delta")  # what neuron shading shows
TILE_ORDERS = ("index", "activation", "change")

DEFAULT_EDGE_COUNT = 300  # strongest edges drawn per layer of edges
DEFAULT_HIGHLIGHT_COUNT = 30  # largest weight changes highlighted per layer
DEFAULT_BIAS_HIGHLIGHT_COUNT = 2  # largest bias changes highlighted per layer
HIGHLIGHT_MAX_FRACTION = 0.04  # never more than this share of a layer's weights: a highlight must stand out


def _fmt(v: float) -> str:
    return f"{v:+.4g}" if v else "0"


class NetworkViewState(QObject):
    """The network view's data and options, and what each neuron, tile and edge shows of them."""

    changed = Signal()  # what the tiles and the diagram draw changed: rebuild at the next paint
    input_changed = Signal()  # a new example (``input``)
    outputs_changed = Signal()  # a new forward pass (``activations``): the network's answer may differ
    hover_changed = Signal()  # another neuron (or none) is under the mouse (``hover_neuron``)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._net: Network | None = None
        self._x: Array | None = None  # (784,)
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
        self._order = np.zeros(0, dtype=np.intp)  # tile slot -> neuron
        self._hover: tuple[int, int] | None = None  # (layer, j) under the mouse
        self._edges_version = 0  # see ``edges_version``

    # --------------------------------------------------------------------------- data in (the view)
    def set_network(self, net: Network) -> None:
        """Show ``net`` (copied: the state never reads an array someone else is writing)."""
        same_shape = self._net is not None and self._net.layer_sizes == net.layer_sizes
        reads_otherwise = self._net is not None and self._net.deskew != net.deskew
        self._net = net.copy()
        self._edges_version += 1
        self._changes_w = self._changes_b = None
        self._hl_w = tuple(np.zeros(w.shape, dtype=bool) for w in self._net.weights)
        self._hl_b = tuple(np.zeros(b.shape, dtype=bool) for b in self._net.biases)
        if not same_shape:  # a user's tile order survives a new network of the same shape
            self._order = np.arange(self._net.layer_sizes[1])
        self._hover = None
        if reads_otherwise and self._x is not None:
            self.input_changed.emit()  # the same example, read deskewed or not: network_input changed
        self._recompute()

    def set_weights(self, weights: Sequence[Array], biases: Sequence[Array]) -> None:
        """New values for every parameter (per frame). The arrays are kept, not copied: pass copies."""
        net = self.require_network()
        if len(weights) != len(net.weights) or any(w.shape != v.shape for w, v in zip(weights, net.weights)):
            raise ValueError("set_weights: shapes differ from the network's; use set_network for a new shape")
        net.weights, net.biases = list(weights), list(biases)
        self._edges_version += 1
        self._recompute()

    def set_input(self, x: Array | None, label: int | None = None) -> None:
        """The example the activations are shown for (784,), or None; its label enables the nudges."""
        if x is not None:
            x = np.asarray(x, dtype=np.float32).reshape(-1)
        self._x = x
        self._label = None if label is None else int(label)
        self.input_changed.emit()
        self._recompute()

    def show_step(self, weight_changes: Sequence[Array] | None, bias_changes: Sequence[Array] | None) -> None:
        """The changes a step applied (or accumulated ones): highlight the largest, per layer."""
        if weight_changes is None:
            self._changes_w = self._changes_b = None
        else:
            self._changes_w = tuple(weight_changes)
            self._changes_b = tuple(bias_changes) if bias_changes is not None else None
        self._edges_version += 1
        self._update_highlights()
        self.changed.emit()

    # --------------------------------------------------------------------------- options (the view)
    def set_mode(self, mode: str) -> bool:
        """Colour tiles and edges by "weights" or by last "changes". Returns whether it changed."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if mode == self._mode:
            return False
        self._mode = mode
        self._edges_version += 1
        self.changed.emit()
        return True

    def set_neuron_quantity(self, quantity: str) -> None:
        """Shade neurons by "activation" or by their error "delta" (needs a labelled input)."""
        if quantity not in NEURON_QUANTITIES:
            raise ValueError(f"quantity must be one of {NEURON_QUANTITIES}, got {quantity!r}")
        self._quantity = quantity
        self.changed.emit()

    def set_show_nudges(self, on: bool) -> None:
        self._show_nudges = bool(on)
        self.changed.emit()

    def set_reveal(self, layers: int | None) -> None:
        """Light only the first ``layers`` layers' activations (the forward stage); None: all."""
        self._reveal = layers
        self.changed.emit()

    def set_edge_count(self, k: int) -> None:
        self._edge_count = max(1, int(k))
        self._edges_version += 1
        self.changed.emit()

    def set_highlight_count(self, weights: int, biases: int | None = None) -> None:
        """Highlight the ``weights`` largest weight changes (and ``biases`` bias changes) per layer."""
        self._hl_count = max(0, int(weights))
        if biases is not None:
            self._hl_bias_count = max(0, int(biases))
        self._edges_version += 1
        self._update_highlights()
        self.changed.emit()

    def set_accumulate(self, on: bool) -> bool:
        """The changes shown are summed since the last frame (the view's feed reads it). Returns whether it changed."""
        on = bool(on)
        if on == self._accumulate:
            return False
        self._accumulate = on
        return True

    def sort_tiles(self, key: str) -> bool:
        """Order the tiles once, now: by neuron "index", by "activation" or by size of "change".

        Returns False (and leaves the order) when there is no network yet.
        """
        if key not in TILE_ORDERS:
            raise ValueError(f"key must be one of {TILE_ORDERS}, got {key!r}")
        if self._net is None:
            return False
        n = self._net.layer_sizes[1]
        if key == "activation" and self._acts:
            order = np.argsort(-self._acts[0], kind="stable")
        elif key == "change" and self._changes_w is not None:
            order = np.argsort(-np.abs(self._changes_w[0]).sum(axis=1), kind="stable")
        else:
            order = np.arange(n)
        self._order = order
        self.changed.emit()
        return True

    def set_hover_neuron(self, neuron: tuple[int, int] | None) -> None:
        """The (layer, j) under the mouse, or None: the parts frame it."""
        if neuron != self._hover:
            self._hover = neuron
            self.hover_changed.emit()

    # --------------------------------------------------------------------------- read-outs (everyone)
    @property
    def network(self) -> Network | None:
        return self._net

    def require_network(self) -> Network:
        if self._net is None:
            raise RuntimeError("the view has no network yet: call set_network first")
        return self._net

    @property
    def input(self) -> tuple[Array | None, int | None]:
        """The example shown, (x (784,), label), as given to ``set_input``."""
        return self._x, self._label

    @property
    def network_input(self) -> Array | None:
        """What the first layer reads of the example (784,): ``Network.inputs`` of it, deskewed
        when the network deskews (``Network.deskew``); None without an example."""
        if self._x is None or self._net is None or not self._net.deskew:
            return self._x
        return self._net.inputs(self._x)[0]

    @property
    def label(self) -> int | None:
        return self._label

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def neuron_quantity(self) -> str:
        return self._quantity

    @property
    def show_nudges(self) -> bool:
        return self._show_nudges

    @property
    def reveal(self) -> int | None:
        """Layers lit (the step-through's forward stage lights them one by one); None: all."""
        return self._reveal

    @property
    def edges_version(self) -> int:
        """Counts changes of what the diagram's edges show (weights, changes, highlights, mode, edge
        count). A new input, shading or hover leaves it: the diagram keeps its edges drawn then."""
        return self._edges_version

    @property
    def edge_count(self) -> int:
        return self._edge_count

    @property
    def accumulate(self) -> bool:
        return self._accumulate

    @property
    def tile_order(self) -> Array:
        """Tile slot -> neuron of layer 0."""
        return self._order

    @property
    def n_tiles(self) -> int:
        return 0 if self._net is None else self._net.layer_sizes[1]

    @property
    def hover_neuron(self) -> tuple[int, int] | None:
        return self._hover

    @property
    def weighted_inputs(self) -> list[Array]:
        """The current input's weighted inputs z per layer past the input (empty without an input)."""
        return self._zs

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

    @property
    def weight_changes(self) -> tuple[Array, ...] | None:
        """The changes shown (the last step's, or accumulated ones), per layer, or None."""
        return self._changes_w

    @property
    def bias_changes(self) -> tuple[Array, ...] | None:
        return self._changes_b

    @property
    def highlight_counts(self) -> tuple[int, ...]:
        """How many weights each layer highlights: the count asked for, at most 4% of the layer."""
        if self._net is None:
            return ()
        return tuple(min(self._hl_count, max(1, math.ceil(w.size * HIGHLIGHT_MAX_FRACTION))) if self._hl_count else 0
                     for w in self._net.weights)

    @property
    def highlight_count(self) -> int:
        """The largest weight changes highlighted per layer, as asked (``highlight_counts`` caps it)."""
        return self._hl_count

    @property
    def bias_highlight_count(self) -> int:
        return self._hl_bias_count

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

    # what the parts draw
    def shading(self, layer: int) -> tuple[str, Array] | None:
        """What layer's neuron shading shows: ("level", 0..1) for activations, ("signed", -1..1) for
        deltas (each layer to its largest |δ|); None when unlit (no input, not revealed yet, no label)."""
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
        return "level", activation_level(self._acts[layer], name)

    def values(self, layer: int) -> Array:
        """What layer's tiles or edges show in the current mode, (n_out, n_in): weights, or changes
        (zeros when no step is shown)."""
        if self._mode == "changes":
            if self._changes_w is None:
                return np.zeros_like(self._net.weights[layer])
            return self._changes_w[layer]
        return self._net.weights[layer]

    def neuron_tooltip(self, layer: int, j: int) -> str:
        net = self.require_network()
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
        net = self.require_network()
        src = f"pixel (row {k // SIDE}, col {k % SIDE})" if layer == 0 else f"layer {layer} neuron {k}"
        dst = f"output {j}" if layer == len(net.weights) - 1 else f"layer {layer + 1} neuron {j}"
        text = f"weight from {src} to {dst}\nw = {net.weights[layer][j, k]:.4g}"
        if self._changes_w is not None:
            text += f"\nlast change Δw = {_fmt(float(self._changes_w[layer][j, k]))}"
        return text

    # --------------------------------------------------------------------------- internals
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
        self.outputs_changed.emit()
        self.changed.emit()

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
