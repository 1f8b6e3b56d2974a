"""The step-through panel: one backprop step on your own digit, stage by stage, every number shown.

Given a network, an example (the user's drawing or an MNIST image) with its label, and a learning
rate, "Step through" walks the five stages of ``model.backprop_trace.STAGES`` (forward, cost,
backward, gradient, update): each with its sentence, its numbers in two small tables (per digit
and per layer) and the network view showing them (activations lighting up layer by layer, the
nudges, the errors delta, the changes asked of each weight). "Next" and "Back" move between
stages; "Done" (or "Next" after the last stage) hands the view back to live training.

Below, the mini-batch ledger: for 8 examples, the change each asks of one chosen neuron's bias
and strongest incoming weights, their average, and that average times the learning rate, checked
against the step gradient descent actually applies to a copy of the network. "Check the maths"
compares backprop with finite differences (``model.backprop_trace.check_gradient``).

All numbers come from ``model.backprop_trace`` on a copy of the network: this panel never changes
the network it is given. While stepping it holds the view (``NetworkView.hold``), so per-frame
training snapshots do not overwrite the numbers on screen.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.network_view import SIDE, NetworkView
from model.backprop_trace import STAGES, GradCheck, Ledger, Trace, check_gradient, ledger, trace_step
from model.network import Network

LEDGER_SIZE = 8  # examples in the mini-batch ledger
LEDGER_WEIGHTS = 4  # incoming weights shown per example (the largest average changes)
MATHS_TOLERANCE = 1e-4  # largest relative error that counts as agreement
REVEAL_MS = 350  # forward stage: one layer lights up every this many ms
VALUE_ROLE = Qt.ItemDataRole.UserRole  # table cells keep the exact number behind the text


def _item(value: float | str, fmt: str = "{:.4g}") -> QTableWidgetItem:
    if isinstance(value, str):
        item = QTableWidgetItem(value)
    else:
        item = QTableWidgetItem(fmt.format(value))
        item.setData(VALUE_ROLE, float(value))
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def _table(name: str) -> QTableWidget:
    t = QTableWidget(objectName=name)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    t.verticalHeader().setDefaultSectionSize(20)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    return t


def _fill(table: QTableWidget, columns: list[str], rows: list[tuple[str, list]]) -> None:
    table.clear()
    table.setColumnCount(len(columns))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(columns)
    table.setVerticalHeaderLabels([name for name, _ in rows])
    for r, (_, cells) in enumerate(rows):
        for c, value in enumerate(cells):
            table.setItem(r, c, value if isinstance(value, QTableWidgetItem) else _item(value))
    if table.property("fit_rows"):  # show every row, no vertical scrolling
        height = table.horizontalHeader().sizeHint().height() + 20 * len(rows) + 2 * table.frameWidth()
        table.setFixedHeight(height + table.horizontalScrollBar().sizeHint().height() + 2)


class StepThroughPanel(QWidget):
    """Walks one backprop step; needs a ``NetworkView`` to show it in."""

    active_changed = Signal(bool)  # a step-through started (True) or ended (False)
    stage_changed = Signal(int)  # 0..4, or -1 when not stepping
    example_changed = Signal(object, int)  # (x (784,), label): "Take an MNIST example" picked one

    def __init__(self, view: NetworkView, parent: QWidget | None = None, *, seed: int = 0) -> None:
        super().__init__(parent)
        self.setObjectName("stepThroughPanel")
        self._view = view
        self._net: Network | None = None  # our own copy; None: read the view's network
        self._x: np.ndarray | None = None
        self._label: int | None = None
        self._lr = 3.0
        self._images: np.ndarray | None = None
        self._labels: np.ndarray | None = None
        self._rng = np.random.default_rng(seed)
        self._batch: np.ndarray | None = None  # indices of the ledger's other examples
        self._trace: Trace | None = None
        self._stage = -1
        self._ledger: Ledger | None = None
        self._check: GradCheck | None = None
        self._saved_view: tuple | None = None
        self._reveal = QTimer(self, interval=REVEAL_MS)
        self._reveal.timeout.connect(self._reveal_next)
        self._revealed = 0
        self._build_ui()
        self._refresh_ledger_chooser()
        self._refresh_buttons()

    # ------------------------------------------------------------------------ widgets
    def _build_ui(self) -> None:
        self.take_button = QPushButton("Take an MNIST example", objectName="takeExample")
        self.take_button.setToolTip("Use a random image of the MNIST test set, with its label")
        self.take_button.clicked.connect(self.take_example)
        self.label_spin = QSpinBox(objectName="stepLabel", minimum=-1, maximum=9)
        self.label_spin.setSpecialValueText("?")
        self.label_spin.setValue(-1)
        self.label_spin.setToolTip("The correct digit for this example")
        self.label_spin.valueChanged.connect(self._label_edited)
        self.lr_spin = QDoubleSpinBox(objectName="stepLearningRate", decimals=4, minimum=1e-4, maximum=100.0)
        self.lr_spin.setValue(self._lr)
        self.lr_spin.setToolTip("η, the learning rate of the step")
        self.lr_spin.valueChanged.connect(self.set_learning_rate)
        self.start_button = QPushButton("Step through", objectName="stepThrough")
        self.start_button.setToolTip("Walk one backprop step on this example, stage by stage")
        self.start_button.clicked.connect(self.start)
        self.back_button = QPushButton("◀ Back", objectName="stageBack")
        self.back_button.clicked.connect(self.previous_stage)
        self.next_button = QPushButton("Next ▶", objectName="stageNext")
        self.next_button.clicked.connect(self.next_stage)
        self.done_button = QPushButton("Done", objectName="stageDone")
        self.done_button.clicked.connect(self.finish)
        row = QHBoxLayout()
        for w in (self.take_button, QLabel("label"), self.label_spin, QLabel("η"), self.lr_spin,
                  self.start_button, self.back_button, self.next_button, self.done_button):
            row.addWidget(w)
        row.addStretch(1)

        self.title = QLabel("", objectName="stageTitle")
        bold = QFont(self.title.font())
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        self.title.setFont(bold)
        self.sentence = QLabel("Draw a digit (or take an MNIST example), give its label and press "
                               "“Step through”.", objectName="stageSentence")
        self.sentence.setWordWrap(True)
        self.summary = QLabel("", objectName="stageSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.digit_table = _table("stageDigits")
        self.layer_table = _table("stageLayers")
        for t in (self.digit_table, self.layer_table):
            t.setProperty("fit_rows", True)
            t.setFixedHeight(0)

        self.maths_button = QPushButton("Check the maths", objectName="checkMaths")
        self.maths_button.setToolTip("Compare backprop's gradient with finite differences (float64)")
        self.maths_button.clicked.connect(self.check_maths)
        self.maths_label = QLabel("", objectName="mathsResult")
        self.maths_label.setWordWrap(True)
        maths = QHBoxLayout()
        maths.addWidget(self.maths_button)
        maths.addWidget(self.maths_label, 1)

        self.ledger_layer = QComboBox(objectName="ledgerLayer")
        self.ledger_layer.currentIndexChanged.connect(self._ledger_layer_changed)
        self.ledger_neuron = QSpinBox(objectName="ledgerNeuron", minimum=0, maximum=0)
        self.ledger_neuron.valueChanged.connect(lambda _: self._update_ledger())
        self.batch_button = QPushButton("New batch", objectName="ledgerBatch")
        self.batch_button.clicked.connect(self.new_batch)
        self.ledger_table = _table("ledgerTable")
        self.ledger_note = QLabel("", objectName="ledgerNote")
        self.ledger_note.setWordWrap(True)
        chooser = QHBoxLayout()
        for w in (QLabel("neuron"), self.ledger_layer, self.ledger_neuron, self.batch_button):
            chooser.addWidget(w)
        chooser.addStretch(1)
        ledger_box = QGroupBox("Mini-batch ledger: what each example asks of one neuron, and the step taken")
        lb = QVBoxLayout(ledger_box)
        lb.addLayout(chooser)
        lb.addWidget(self.ledger_table)
        lb.addWidget(self.ledger_note)

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.title)
        layout.addWidget(self.sentence)
        layout.addWidget(self.summary)
        layout.addWidget(self.digit_table)
        layout.addWidget(self.layer_table)
        layout.addLayout(maths)
        layout.addWidget(ledger_box, 1)

    # ------------------------------------------------------------------------ inputs
    def set_network(self, net: Network | None) -> None:
        """The network to step (copied). None: read the view's network (the latest weights shown)."""
        self._net = None if net is None else net.copy()
        self._inputs_changed()

    def set_example(self, x: np.ndarray | None, label: int | None) -> None:
        """The example (784,) in MNIST's form (``model.preprocess``) and its label (or None)."""
        self._x = None if x is None else np.asarray(x, dtype=np.float32).reshape(-1).copy()
        self._label = None if label is None else int(label)
        self.label_spin.blockSignals(True)
        self.label_spin.setValue(-1 if self._label is None else self._label)
        self.label_spin.blockSignals(False)
        self._follow_label()
        self._inputs_changed()

    def _follow_label(self) -> None:
        """The ledger looks at the labelled digit's output neuron by default (while on the output)."""
        if self._label is not None and self.ledger_layer.count() and \
                self.ledger_layer.currentIndex() == self.ledger_layer.count() - 1:
            self.ledger_neuron.blockSignals(True)
            self.ledger_neuron.setValue(self._label)
            self.ledger_neuron.blockSignals(False)

    @Slot(float)
    def set_learning_rate(self, lr: float) -> None:
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self._lr = float(lr)
        if abs(self.lr_spin.value() - self._lr) > 1e-12:
            self.lr_spin.blockSignals(True)
            self.lr_spin.setValue(self._lr)
            self.lr_spin.blockSignals(False)
        self._inputs_changed()

    def set_data(self, images: np.ndarray, labels: np.ndarray) -> None:
        """Examples to take from ("Take an MNIST example") and to fill the ledger's batch with."""
        self._images, self._labels = images, labels
        self.new_batch()
        self._refresh_buttons()

    @Slot()
    def take_example(self) -> None:
        if self._images is None:
            return
        i = int(self._rng.integers(len(self._images)))
        self.set_example(self._images[i], int(self._labels[i]))
        self.example_changed.emit(self._x, self._label)

    @Slot()
    def new_batch(self) -> None:
        if self._images is not None:
            self._batch = self._rng.choice(len(self._images), LEDGER_SIZE - 1, replace=False)
        self._update_ledger()

    def _label_edited(self, value: int) -> None:
        self._label = None if value < 0 else value
        self._follow_label()
        self._inputs_changed()

    # ------------------------------------------------------------------------ read-outs
    @property
    def network(self) -> Network | None:
        """The network the numbers are computed on: our copy, or else the view's (only read)."""
        return self._net if self._net is not None else self._view.network

    @property
    def active(self) -> bool:
        return self._stage >= 0

    @property
    def stage(self) -> int:
        return self._stage

    @property
    def stage_name(self) -> str | None:
        return STAGES[self._stage].name if self._stage >= 0 else None

    @property
    def trace(self) -> Trace | None:
        return self._trace

    @property
    def ledger(self) -> Ledger | None:
        return self._ledger

    def ledger_batch(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The ledger's examples (k, 784) and labels (k,): the current example first."""
        if self._x is None or self._label is None:
            return None
        xs, ys = [self._x], [self._label]
        if self._batch is not None:
            xs += list(self._images[self._batch])
            ys += [int(v) for v in self._labels[self._batch]]
        return np.asarray(xs, dtype=np.float32), np.asarray(ys)

    @property
    def grad_check(self) -> GradCheck | None:
        return self._check

    @property
    def max_relative_error(self) -> float | None:
        return None if self._check is None else self._check.max_rel_error

    # ------------------------------------------------------------------------ stepping
    @Slot()
    def start(self) -> None:
        """Begin at the forward stage (again, if already stepping)."""
        if not self._ready():
            return
        if self._stage < 0:
            v = self._view
            self._saved_view = (v.mode, v.neuron_quantity, *v.input)
            v.hold(True)
            self.active_changed.emit(True)
        self._trace = trace_step(self.network, self._x, self._label, self._lr)
        self._view.set_network(self.network)
        self._view.set_input(self._x, self._label)
        self._show_stage(0)

    @Slot()
    def next_stage(self) -> None:
        if self._stage < 0:
            return
        if self._stage == len(STAGES) - 1:
            self.finish()
        else:
            self._show_stage(self._stage + 1)

    @Slot()
    def previous_stage(self) -> None:
        if self._stage > 0:
            self._show_stage(self._stage - 1)

    @Slot()
    def finish(self) -> None:
        """End the step-through and give the view back to live training."""
        if self._stage < 0:
            return
        self._reveal.stop()
        v = self._view
        mode, quantity, x, label = self._saved_view or ("weights", "activation", None, None)
        v.set_input(x, label)  # what the view showed before (the user's drawing, say)
        v.set_reveal(None)
        v.set_show_nudges(True)
        v.set_neuron_quantity(quantity)
        v.set_mode(mode)
        v.show_step(None, None)
        v.hold(False)
        self._stage = -1
        self.title.setText("")
        self._refresh_buttons()
        self.stage_changed.emit(-1)
        self.active_changed.emit(False)

    def _ready(self) -> bool:
        return self.network is not None and self._x is not None and self._label is not None

    def _inputs_changed(self) -> None:
        self._check = None
        self.maths_label.setText("")
        self._refresh_ledger_chooser()
        self._update_ledger()
        if self._stage >= 0:
            if self._ready():
                self._trace = trace_step(self.network, self._x, self._label, self._lr)
                self._view.set_network(self.network)
                self._view.set_input(self._x, self._label)
                self._show_stage(self._stage)
            else:
                self.finish()
        self._refresh_buttons()

    def _refresh_buttons(self) -> None:
        ready = self._ready()
        self.start_button.setEnabled(ready)
        self.maths_button.setEnabled(ready)
        self.take_button.setEnabled(self._images is not None)
        self.back_button.setEnabled(self._stage > 0)
        self.next_button.setEnabled(self._stage >= 0)
        self.done_button.setEnabled(self._stage >= 0)
        self.next_button.setText("Finish" if self._stage == len(STAGES) - 1 else "Next ▶")

    # ------------------------------------------------------------------------ the stages
    def _show_stage(self, stage: int) -> None:
        self._stage = stage
        self._reveal.stop()
        t, v = self._trace, self._view
        name = STAGES[stage].name
        self.title.setText(f"{STAGES[stage].title}   (stage {stage + 1} of {len(STAGES)})")
        self.sentence.setText(STAGES[stage].sentence)
        v.set_reveal(None)
        if name == "forward":
            v.set_mode("weights")
            v.set_neuron_quantity("activation")
            v.set_show_nudges(False)
            v.show_step(None, None)
            self._revealed = 1
            v.set_reveal(1)
            self._reveal.start()
        elif name == "cost":
            v.set_mode("weights")
            v.set_neuron_quantity("activation")
            v.set_show_nudges(True)
            v.show_step(None, None)
        elif name == "backward":
            v.set_mode("weights")
            v.set_neuron_quantity("delta")
            v.set_show_nudges(True)
            v.show_step(None, None)
        else:  # gradient, update: the changes the step asks for / applies, largest highlighted
            v.set_mode("changes")
            v.set_neuron_quantity("delta" if name == "gradient" else "activation")
            v.set_show_nudges(True)
            v.show_step(t.weight_changes, t.bias_changes)
        getattr(self, f"_numbers_{name}")(t)
        self._refresh_buttons()
        self.stage_changed.emit(stage)

    def _reveal_next(self) -> None:
        self._revealed += 1
        if self._trace is None or self._revealed >= len(self._trace.zs):
            self._reveal.stop()
            self._view.set_reveal(None)
        else:
            self._view.set_reveal(self._revealed)

    def _layer_names(self, order=None) -> list[str]:
        n = len(self._trace.zs)
        return ["output" if l == n - 1 else f"layer {l + 1}" for l in (order or range(n))]

    def _numbers_forward(self, t: Trace) -> None:
        digits = [str(d) for d in range(len(t.output))]
        _fill(self.digit_table, digits, [("z (output)", list(t.zs[-1])), ("a (output)", list(t.output))])
        rows = []
        for l, name in enumerate(self._layer_names()):
            a = t.activations[l + 1]
            j = int(a.argmax())
            rows.append((name, [len(a), _item(f"{j}"), a[j], float(a.mean())]))
        _fill(self.layer_table, ["neurons", "most active", "its a", "mean a"], rows)
        self.summary.setText(f"The network answers {t.prediction} (a = {t.output[t.prediction]:.4g}); "
                             f"the label is {t.label}.")

    def _numbers_cost(self, t: Trace) -> None:
        digits = [str(d) for d in range(len(t.output))]
        _fill(self.digit_table, digits, [("output a", list(t.output)), ("target y", list(t.target)),
                                         ("nudge y − a", list(t.nudges))])
        _fill(self.layer_table, ["value"], [("cost C", [t.cost])])
        kind = self.network.cost_name
        formula = "½ Σ (a − y)²" if kind == "quadratic" else "−log a_label"
        self.summary.setText(f"Cost C = {formula} = {t.cost:.6g}. The nudges are the arrows on the outputs.")

    def _numbers_backward(self, t: Trace) -> None:
        digits = [str(d) for d in range(len(t.output))]
        _fill(self.digit_table, digits, [("δ output (BP1)", list(t.deltas[-1]))])
        rows = []
        n = len(t.deltas)
        for l in t.backward_order:
            d = t.deltas[l]
            j = int(np.abs(d).argmax())
            eq = "BP1" if l == n - 1 else "BP2"
            sp = float(t.sigma_primes[l].mean()) if l < n - 1 else _item("—")
            rows.append((f"{self._layer_names([l])[0]} ({eq})", [float(np.linalg.norm(d)), _item(f"{j}"), float(d[j]), sp]))
        _fill(self.layer_table, ["‖δ‖", "largest |δ| at", "its δ", "mean σ′(z)"], rows)
        self.summary.setText("From the output back to the first layer: each row is computed from the one above it.")

    def _numbers_gradient(self, t: Trace) -> None:
        digits = [str(d) for d in range(len(t.output))]
        _fill(self.digit_table, digits, [("∂C/∂b output = δ (BP3)", list(t.nabla_b[-1]))])
        rows = []
        for l, name in enumerate(self._layer_names()):
            g = t.nabla_w[l]
            j, k = np.unravel_index(int(np.abs(g).argmax()), g.shape)
            src = f"pixel ({k // SIDE},{k % SIDE})" if l == 0 else f"neuron {k}"
            rows.append((name, [float(np.linalg.norm(g)), float(np.linalg.norm(t.nabla_b[l])),
                                _item(f"{j} ← {src}"), float(g[j, k])]))
        _fill(self.layer_table, ["‖∂C/∂w‖", "‖∂C/∂b‖", "largest ∂C/∂w at", "its value"], rows)
        self.summary.setText("∂C/∂w = a_in · δ_out (BP4), ∂C/∂b = δ (BP3). The view shows −η × these, "
                             "the largest in black.")

    def _numbers_update(self, t: Trace) -> None:
        digits = [str(d) for d in range(len(t.output))]
        _fill(self.digit_table, digits, [("a before", list(t.output)), ("a after", list(t.output_after))])
        rows = []
        for l, name in enumerate(self._layer_names()):
            dw = t.weight_changes[l]
            rows.append((name, [float(np.linalg.norm(dw)), float(np.abs(dw).max()),
                                float(np.linalg.norm(t.bias_changes[l]))]))
        _fill(self.layer_table, ["‖Δw‖ = η‖∂C/∂w‖", "largest |Δw|", "‖Δb‖"], rows)
        verdict = "lower" if t.cost_after < t.cost else "higher (η is too large for this example)"
        self.summary.setText(f"η = {t.learning_rate:g}: cost {t.cost:.6g} before, {t.cost_after:.6g} after "
                             f"the step ({verdict}); answer {t.prediction} → {t.prediction_after}. "
                             "Applied to a copy: the network itself is unchanged.")

    # ------------------------------------------------------------------------ the maths check
    @Slot()
    def check_maths(self) -> None:
        if not self._ready():
            return
        self._check = check_gradient(self.network, self._x, self._label)
        c = self._check
        n_largest = (len(c.params) + 1) // 2
        kind, l, idx = c.worst
        ok = c.max_rel_error < MATHS_TOLERANCE
        self.maths_label.setText(
            f"Largest relative error {c.max_rel_error:.2e} over {len(c.params)} weights and biases "
            f"({n_largest} with the largest gradient, the rest at random), at {kind}{idx} of layer {l + 1}: "
            + ("backprop agrees with finite differences." if ok else "backprop DISAGREES with finite differences!")
        )

    # ------------------------------------------------------------------------ the ledger
    def _refresh_ledger_chooser(self) -> None:
        net = self.network
        if net is None:
            return
        n = len(net.weights)
        names = [("output" if l == n - 1 else f"layer {l + 1}") + f" ({net.layer_sizes[l + 1]})" for l in range(n)]
        if [self.ledger_layer.itemText(i) for i in range(self.ledger_layer.count())] != names:
            self.ledger_layer.blockSignals(True)
            self.ledger_layer.clear()
            self.ledger_layer.addItems(names)
            self.ledger_layer.setCurrentIndex(n - 1)
            self.ledger_layer.blockSignals(False)
            self.ledger_neuron.setMaximum(net.layer_sizes[-1] - 1)
            if self._label is not None:
                self.ledger_neuron.setValue(self._label)

    def set_ledger_neuron(self, layer: int, neuron: int) -> None:
        """Choose the neuron of the ledger: neuron ``neuron`` of weight layer ``layer`` (-1: output)."""
        self._refresh_ledger_chooser()
        layer %= self.ledger_layer.count()
        self.ledger_layer.setCurrentIndex(layer)
        self.ledger_neuron.setValue(neuron)
        self._update_ledger()

    def _ledger_layer_changed(self, layer: int) -> None:
        net = self.network
        if net is not None and layer >= 0:
            self.ledger_neuron.setMaximum(net.layer_sizes[layer + 1] - 1)
        self._update_ledger()

    def _update_ledger(self) -> None:
        net, batch = self.network, self.ledger_batch()
        layer = self.ledger_layer.currentIndex()
        if net is None or batch is None or layer < 0:
            self._ledger = None
            self.ledger_table.clear()
            self.ledger_table.setRowCount(0)
            self.ledger_note.setText("The ledger needs a labelled example" +
                                     ("" if self._images is not None else " and MNIST data for the rest of the batch") + ".")
            return
        xs, ys = batch
        neuron = min(self.ledger_neuron.value(), net.layer_sizes[layer + 1] - 1)
        led = self._ledger = ledger(net, xs, ys, layer, neuron)
        ks = led.largest(LEDGER_WEIGHTS)
        src = [f"Δw from px ({k // SIDE},{k % SIDE})" if layer == 0 else f"Δw from n{k}" for k in ks]
        rows = [(f"#{i + 1}: digit {y}" + (" (yours)" if i == 0 else ""),
                 [float(led.costs[i]), float(led.bias_changes[i]), *[float(led.weight_changes[i, k]) for k in ks]])
                for i, y in enumerate(ys)]
        avg_w = led.average_weights
        rows.append(("average", [float(led.costs.mean()), led.average_bias, *[float(avg_w[k]) for k in ks]]))
        rows.append(("× η = step taken", [_item(""), led.average_bias * self._lr, *[float(avg_w[k]) * self._lr for k in ks]]))
        _fill(self.ledger_table, ["cost", "Δb", *src], rows)
        bold = QFont(self.ledger_table.font())
        bold.setBold(True)
        for r in (len(rows) - 2, len(rows) - 1):
            for c in range(self.ledger_table.columnCount()):
                if self.ledger_table.item(r, c) is not None:
                    self.ledger_table.item(r, c).setFont(bold)
        # the proof: gradient descent on this batch, applied to a float64 copy (so that storing the
        # weights rounds nothing away), changes the neuron's parameters by exactly eta x the average
        net64 = net.astype(np.float64)
        led64 = ledger(net64, xs, ys, layer, neuron)
        twin = net64.copy()
        twin.apply_gradients(net64.backward(xs, ys), self._lr)
        applied_w = twin.weights[layer][neuron] - net64.weights[layer][neuron]
        applied_b = float(twin.biases[layer][neuron] - net64.biases[layer][neuron])
        diff = max(abs(applied_b - led64.average_bias * self._lr),
                   float(np.abs(applied_w - led64.average_weights * self._lr).max()))
        scale = max(abs(applied_b), float(np.abs(applied_w).max()), 1e-300)
        self.ledger_note.setText(
            f"Each row is one example's wish for neuron {neuron} of {self.ledger_layer.currentText().split(' (')[0]}: "
            f"−∂C/∂b = −δ and −∂C/∂w = −a_in·δ. Gradient descent on the whole batch, applied to a copy, "
            f"moves its bias by {applied_b:+.4g}, which is η × the average (to {diff / scale:.0e}, checked in float64)."
        )
