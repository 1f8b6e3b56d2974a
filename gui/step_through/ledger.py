"""The mini-batch ledger: what each example of a small batch asks of one neuron, and the step taken.

For the neuron chosen here (a weight layer and an index), one row per example: its cost, the change
it asks of the neuron's bias (−∂C/∂b = −δ) and of its strongest incoming weights (−∂C/∂w = −a_in·δ);
then their average, and that average times the learning rate. The note checks that last row
against the step gradient descent actually applies to a float64 copy of the network. The numbers
come from ``model.backprop_trace.ledger``; the network, the batch and the learning rate come from
the owner (``gui.step_through``), which asks again whenever the chooser changes.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QGroupBox, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from digitlab.gui.appearance.flow_layout import FlowLayout
from digitlab.gui.network_view.view import SIDE
from digitlab.gui.step_through.number_tables import fill_table, number_table, table_item
from digitlab.model.backprop_trace import Ledger, ledger
from digitlab.model.network import Network

LEDGER_SIZE = 8  # examples in the mini-batch ledger
LEDGER_WEIGHTS = 4  # incoming weights shown per example (the largest average changes)


class MiniBatchLedger(QGroupBox):
    """The neuron chooser, the ledger table and the note that checks it; filled by ``show_ledger``."""

    layer_chosen = Signal(int)  # index of the weight layer picked (-1: none)
    neuron_chosen = Signal(int)  # the neuron picked in that layer
    new_batch_requested = Signal()  # "New batch" was clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Mini-batch ledger", parent)
        intro = QLabel("What each example of a mini-batch asks of one neuron, and the step taken.")
        intro.setWordWrap(True)
        self.layer = QComboBox(objectName="ledgerLayer")
        self.layer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # its items come later
        self.layer.currentIndexChanged.connect(self.layer_chosen)
        self.neuron = QSpinBox(objectName="ledgerNeuron", minimum=0, maximum=0)
        self.neuron.valueChanged.connect(self.neuron_chosen)
        self.batch_button = QPushButton("New batch", objectName="ledgerBatch")
        self.batch_button.clicked.connect(self.new_batch_requested)
        self.table = number_table("ledgerTable")
        self.note = QLabel("", objectName="ledgerNote")
        self.note.setWordWrap(True)
        chooser = FlowLayout()
        for w in (QLabel("neuron"), self.layer, self.neuron, self.batch_button):
            chooser.addWidget(w)
        chooser.addStretch(1)
        lb = QVBoxLayout(self)
        lb.addWidget(intro)
        lb.addLayout(chooser)
        lb.addWidget(self.table)
        lb.addWidget(self.note)

    def set_layers(self, net: Network | None, label: int | None) -> None:
        """Offer ``net``'s weight layers; when they change, pick the output and the neuron of ``label``."""
        if net is None:
            return
        n = len(net.weights)
        names = [("output" if l == n - 1 else f"layer {l + 1}") + f" ({net.layer_sizes[l + 1]})" for l in range(n)]
        if [self.layer.itemText(i) for i in range(self.layer.count())] != names:
            self.layer.blockSignals(True)
            self.layer.clear()
            self.layer.addItems(names)
            self.layer.setCurrentIndex(n - 1)
            self.layer.blockSignals(False)
            self.neuron.setMaximum(net.layer_sizes[-1] - 1)
            if label is not None:
                self.neuron.setValue(label)

    def follow_label(self, label: int | None) -> None:
        """Look at the labelled digit's output neuron (only while on the output layer), quietly."""
        if label is not None and self.layer.count() and self.layer.currentIndex() == self.layer.count() - 1:
            self.neuron.blockSignals(True)
            self.neuron.setValue(label)
            self.neuron.blockSignals(False)

    def choose(self, layer: int, neuron: int) -> None:
        """Pick neuron ``neuron`` of weight layer ``layer`` (-1: output)."""
        layer %= self.layer.count()
        self.layer.setCurrentIndex(layer)
        self.neuron.setValue(neuron)

    def set_neuron_count(self, n: int) -> None:
        """The chosen layer has ``n`` neurons."""
        self.neuron.setMaximum(n - 1)

    def show_ledger(self, net: Network | None, batch: tuple[np.ndarray, np.ndarray] | None, lr: float,
                    have_data: bool) -> Ledger | None:
        """Compute and show the ledger of ``batch`` (xs (k, 784), ys (k,), the user's example first)
        for the chosen neuron of ``net``, with learning rate ``lr``; None, with a note, when an input
        is missing (``have_data``: whether MNIST examples are there to fill the batch with)."""
        layer = self.layer.currentIndex()
        if net is None or batch is None or layer < 0:
            self.table.clear()
            self.table.setRowCount(0)
            self.note.setText("The ledger needs a labelled example" +
                              ("" if have_data else " and MNIST data for the rest of the batch") + ".")
            return None
        xs, ys = batch
        neuron = min(self.neuron.value(), net.layer_sizes[layer + 1] - 1)
        led = ledger(net, xs, ys, layer, neuron)
        ks = led.largest(LEDGER_WEIGHTS)
        src = [f"Δw from px ({k // SIDE},{k % SIDE})" if layer == 0 else f"Δw from n{k}" for k in ks]
        rows = [(f"#{i + 1}: digit {y}" + (" (yours)" if i == 0 else ""),
                 [float(led.costs[i]), float(led.bias_changes[i]), *[float(led.weight_changes[i, k]) for k in ks]])
                for i, y in enumerate(ys)]
        avg_w = led.average_weights
        rows.append(("average", [float(led.costs.mean()), led.average_bias, *[float(avg_w[k]) for k in ks]]))
        rows.append(("× η = step taken", [table_item(""), led.average_bias * lr, *[float(avg_w[k]) * lr for k in ks]]))
        fill_table(self.table, ["cost", "Δb", *src], rows)
        bold = QFont(self.table.font())
        bold.setBold(True)
        for r in (len(rows) - 2, len(rows) - 1):
            for c in range(self.table.columnCount()):
                if self.table.item(r, c) is not None:
                    self.table.item(r, c).setFont(bold)
        # the proof: gradient descent on this batch, applied to a float64 copy (so that storing the
        # weights rounds nothing away), changes the neuron's parameters by exactly eta x the average
        net64 = net.astype(np.float64)
        led64 = ledger(net64, xs, ys, layer, neuron)
        twin = net64.copy()
        twin.apply_gradients(net64.backward(xs, ys), lr)
        applied_w = twin.weights[layer][neuron] - net64.weights[layer][neuron]
        applied_b = float(twin.biases[layer][neuron] - net64.biases[layer][neuron])
        diff = max(abs(applied_b - led64.average_bias * lr),
                   float(np.abs(applied_w - led64.average_weights * lr).max()))
        scale = max(abs(applied_b), float(np.abs(applied_w).max()), 1e-300)
        self.note.setText(
            f"Each row is one example's wish for neuron {neuron} of {self.layer.currentText().split(' (')[0]}: "
            f"−∂C/∂b = −δ and −∂C/∂w = −a_in·δ. Gradient descent on the whole batch, applied to a copy, "
            f"moves its bias by {applied_b:+.4g}, which is η × the average (to {diff / scale:.0e}, checked in float64)."
        )
        return led
