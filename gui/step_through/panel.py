"""The step-through panel: one backprop step on your own digit, stage by stage, every number shown.

Given a network, an example (the user's drawing or an MNIST image) with its label, and a learning
rate, "Step through" walks the five stages of ``model.backprop_trace.STAGES`` (forward, cost,
backward, gradient, update): each with its sentence, its numbers in two small tables (per digit
and per layer) and the network view showing them (activations lighting up layer by layer, the
nudges, the errors delta, the changes asked of each weight). "Next" and "Back" move between
stages; "Done" (or "Next" after the last stage) hands the view back to live training.

The numbers each stage shows are filled in by ``gui.stage_numbers``. Below them, "Check the maths"
compares backprop with finite differences (``model.backprop_trace.check_gradient``), and the
mini-batch ledger (``gui.mini_batch_ledger``) shows, for 8 examples (the current one and 7 drawn
from the data here), the change each asks of one chosen neuron, their average, and that average
times the learning rate, checked against the step gradient descent actually applies to a copy.

All numbers come from ``model.backprop_trace`` on a copy of the network: this panel never changes
the network it is given. While stepping it holds the view (``NetworkView.hold``), so per-frame
training snapshots do not overwrite the numbers on screen.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from digitlab.gui.appearance.flow_layout import FlowLayout
from digitlab.gui.network_view.view import NetworkView
from digitlab.gui.step_through.ledger import LEDGER_SIZE, MiniBatchLedger
from digitlab.gui.step_through.number_tables import number_table
from digitlab.gui.step_through.stage_numbers import show_stage_numbers
from digitlab.model.backprop_trace import STAGES, GradCheck, Ledger, Trace, check_gradient, trace_step
from digitlab.model.network import Network

MATHS_TOLERANCE = 1e-4  # largest relative error that counts as agreement
REVEAL_MS = 350  # forward stage: one layer lights up every this many ms


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
        row = FlowLayout()  # wraps in a narrow dock: every button keeps its whole text
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
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.digit_table = number_table("stageDigits")
        self.layer_table = number_table("stageLayers")
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

        self.ledger_box = MiniBatchLedger()
        self.ledger_box.layer_chosen.connect(self._ledger_layer_changed)
        self.ledger_box.neuron_chosen.connect(lambda _: self._update_ledger())
        self.ledger_box.new_batch_requested.connect(self.new_batch)

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.title)
        layout.addWidget(self.sentence)
        layout.addWidget(self.summary)
        layout.addWidget(self.digit_table)
        layout.addWidget(self.layer_table)
        layout.addLayout(maths)
        layout.addWidget(self.ledger_box, 1)

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
        self.ledger_box.follow_label(self._label)

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
        self.summary.setText(show_stage_numbers(name, t, self.network, self.digit_table, self.layer_table))
        self._refresh_buttons()
        self.stage_changed.emit(stage)

    def _reveal_next(self) -> None:
        self._revealed += 1
        if self._trace is None or self._revealed >= len(self._trace.zs):
            self._reveal.stop()
            self._view.set_reveal(None)
        else:
            self._view.set_reveal(self._revealed)

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
        self.ledger_box.set_layers(self.network, self._label)

    def set_ledger_neuron(self, layer: int, neuron: int) -> None:
        """Choose the neuron of the ledger: neuron ``neuron`` of weight layer ``layer`` (-1: output)."""
        self._refresh_ledger_chooser()
        self.ledger_box.choose(layer, neuron)
        self._update_ledger()

    def _ledger_layer_changed(self, layer: int) -> None:
        net = self.network
        if net is not None and layer >= 0:
            self.ledger_box.set_neuron_count(net.layer_sizes[layer + 1])
        self._update_ledger()

    def _update_ledger(self) -> None:
        self._refresh_ledger_chooser()  # the network may have changed shape since the layers were offered
        self._ledger = self.ledger_box.show_ledger(self.network, self.ledger_batch(), self._lr,
                                                   have_data=self._images is not None)
