"""Where it goes wrong: the confusion matrix, the error browser and a neuron's top images, side by side.

The panel takes a network (``set_network``, copied), the data sets (``set_data`` for MNIST,
``set_samples`` for your samples) and a neuron to look at (``show_neuron``), and computes what the
three views show with ``model.evaluation`` on a background thread (``gui.evaluation.jobs``): 10,000
images through the network take 0.02-0.3 s there, which the GUI thread never waits for.

Every job is tagged with what it was computed from: the network's generation (bumped by each
``set_network``) and the set's version. A result whose tag is no longer current is dropped, so the
matrix, the browser and the neuron's images always come from one network, the matrix never a mix of
two. While a newer network's numbers are computed the last ones stay, marked "updating".

The panel computes only while it is on screen (a hidden dock costs the trainer nothing) and
catches up when shown; ``evaluate_test`` asks for the test set now, shown or not, and
``test_evaluated`` announces each test-set result (the window puts its per-digit accuracy in the
status bar at the end of a run). Results are cached per network: switching sets back and forth, or
clicking a neuron twice, computes once.

While a network trains (``set_training``) the panel does not evaluate the test set itself: the
trainer already runs it through the network at each epoch's end, and that pass's answers come with
the new network (``set_network(net, test=...)``). A run's first seconds are not slowed by a pass
over a network about to change, and no epoch is evaluated twice.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QWidget

from digitlab.gui.evaluation.confusion_matrix import SET_TITLES, ConfusionMatrix
from digitlab.gui.evaluation.error_browser import ErrorBrowser
from digitlab.gui.evaluation.jobs import Jobs
from digitlab.gui.evaluation.neuron_images import NeuronImages
from digitlab.model.data import MNIST
from digitlab.model.evaluation import Evaluation, NeuronTopImages, evaluate, neuron_top_images
from digitlab.model.network import Network

TOP_IMAGES = 16  # images shown for a neuron


class EvaluationPanel(QWidget):
    """The matrix (with its set switch), the browser of the selected cell, a neuron's top images."""

    example_chosen = Signal(object, int)  # (x (784,), true label): show it as the window's input
    keep_requested = Signal(object, int)  # (image (28, 28), true label): add it to your samples
    test_evaluated = Signal(object)  # an Evaluation of the MNIST test set for the current network

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationPanel")
        self.matrix = ConfusionMatrix()
        self.browser = ErrorBrowser()
        self.neuron_images = NeuronImages()
        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="evaluationSplitter")
        self.splitter.setChildrenCollapsible(False)
        for w in (self.matrix, self.browser, self.neuron_images):
            self.splitter.addWidget(w)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 3)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)

        self._net: Network | None = None
        self._generation = 0
        self._sets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._versions = {name: 0 for name in SET_TITLES}
        self._results: dict[str, Evaluation] = {}  # per set, for the current network and data
        self._pending: set[tuple] = set()  # tags of jobs submitted and not yet back
        self._neuron: tuple[int, int] | None = None
        self._neuron_results: dict[tuple[int, int], NeuronTopImages] = {}
        self._shown: tuple[str, Evaluation] | None = None  # the evaluation on screen (perhaps outdated)
        self._training = False  # the test set's evaluations come with the trainer's epochs

        self.jobs = Jobs(self, name="digitlab-evaluation")
        self.jobs.finished.connect(self._on_job_finished)
        self.matrix.set_changed.connect(lambda _: self._refresh())
        self.matrix.cell_selected.connect(self._show_cell)
        self.browser.example_chosen.connect(self.example_chosen)
        self.browser.keep_requested.connect(self.keep_requested)
        self.matrix.set_status("No network yet")

    def sizeHint(self) -> QSize:
        return QSize(1000, 340)

    # ------------------------------------------------------------------ data in
    def set_network(self, net: Network, test: Evaluation | None = None) -> None:
        """Evaluate ``net`` (copied) from now on: what is shown is updated when it is computed.
        ``test``: its evaluation of the MNIST test set, already made (by the trainer at an epoch's
        end); used when its labels are the panel's test set's."""
        self._net = net.copy()
        self._generation += 1
        self._results.clear()
        self._neuron_results.clear()
        if test is not None and "test" in self._sets and np.array_equal(test.labels, self._sets["test"][1]):
            self._store("test", test)
        self._refresh()

    def set_training(self, on: bool) -> None:
        """While on, the test set is not evaluated here: each epoch's network brings its own."""
        self._training = on
        self._refresh()

    def set_data(self, data: MNIST) -> None:
        """MNIST's test and training sets (kept, not copied: they are never written)."""
        self._set_arrays("test", data.test_x, data.test_y)
        self._set_arrays("train", data.train_x, data.train_y)
        self._refresh()

    def set_samples(self, x: np.ndarray, y: np.ndarray) -> None:
        """Your samples as x (n, 784) and labels (n,)."""
        self._set_arrays("samples", np.array(x, dtype=np.float32), np.array(y))
        self._refresh()

    def _set_arrays(self, name: str, x: np.ndarray, y: np.ndarray) -> None:
        self._sets[name] = (x, y)
        self._versions[name] += 1
        self._results.pop(name, None)
        if name == "test":
            self._neuron_results.clear()

    @Slot(int, int)
    def show_neuron(self, layer: int, neuron: int) -> None:
        """Show the test images that excite neuron ``neuron`` of ``layer`` (which indexes ``net.weights``)."""
        self._neuron = (int(layer), int(neuron))
        self._refresh()

    def evaluate_test(self) -> None:
        """Compute the test set's evaluation for the current network now, on screen or not."""
        self._request("test")

    # ------------------------------------------------------------------ read-outs
    @property
    def generation(self) -> int:
        """Bumped by each ``set_network``: the network results are tagged with."""
        return self._generation

    def evaluation(self, name: str | None = None) -> Evaluation | None:
        """The current network's evaluation of set ``name`` (default: the one shown), if computed."""
        return self._results.get(name or self.matrix.current_set)

    def set_arrays(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        return self._sets.get(name)

    @property
    def busy(self) -> bool:
        """Some job is computing."""
        return bool(self._pending)

    # ------------------------------------------------------------------ computing
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh()

    def _tag(self, name: str) -> tuple:
        return (self._generation, name, self._versions[name])

    def _refresh(self) -> None:
        """Show what is computed for the current set and neuron; ask for what is not (when on screen)."""
        name = self.matrix.current_set
        result = self._results.get(name)
        if result is not None:
            self._show(name, result)
        else:
            self._say_why_not(name)
            if self.isVisible():
                self._request(name)
        if self._neuron is not None:
            top = self._neuron_results.get(self._neuron)
            if top is not None:
                self._show_neuron(top)
            elif self.isVisible():
                self._request_neuron(*self._neuron)

    def _say_why_not(self, name: str) -> None:
        title = SET_TITLES[name]
        if self._net is None:
            self.matrix.set_status("No network yet")
        elif name not in self._sets:
            self.matrix.set_status("Loading MNIST\u2026" if name != "samples" else "No samples yet")
        elif name == "samples" and len(self._sets[name][1]) == 0:
            self.matrix.set_status("No samples yet: draw a digit and press its key to keep it")
        elif self._training and name == "test":
            before = self._shown is not None and self._shown[0] == name
            self.matrix.set_status(f"{title}: {'before this run; ' if before else ''}updated at each epoch's end")
            if self._shown is not None and self._shown[0] == name:
                return  # the last matrix stays until the first epoch's
        elif self._shown is not None and self._shown[0] == name:
            self.matrix.set_status(f"{title}: updating for the new network\u2026")
            return  # the last matrix stays, whole, until the new one is ready
        else:
            self.matrix.set_status(f"{title}: computing\u2026")
        if self._shown is None or self._shown[0] != name:
            self._shown = None
            self.matrix.set_counts(None)
            self.browser.clear()

    def _request(self, name: str) -> None:
        if self._net is None or name not in self._sets or name in self._results or (self._training and name == "test"):
            return
        x, y = self._sets[name]
        if name == "samples" and len(y) == 0:
            return
        tag = self._tag(name)
        if tag in self._pending:
            return
        self._pending.add(tag)
        self.jobs.submit(tag, evaluate, self._net, x, y, still_wanted=lambda: tag == self._tag(name))

    def _request_neuron(self, layer: int, neuron: int) -> None:
        if self._net is None or "test" not in self._sets:
            self.neuron_images.show_message("Waiting for MNIST\u2026")
            return
        net = self._net
        if not (0 <= layer < len(net.weights) and 0 <= neuron < net.layer_sizes[layer + 1]):
            self.neuron_images.show_message("That neuron is not in this network")
            return
        tag = (*self._tag("test"), "neuron", layer, neuron)
        if tag in self._pending:
            return
        self._pending.add(tag)
        self.neuron_images.show_message(f"Finding the test images that excite neuron {neuron} of layer {layer + 1}\u2026")
        x, _ = self._sets["test"]
        current = self._tag("test")
        self.jobs.submit(tag, neuron_top_images, net, x, layer, neuron, TOP_IMAGES,
                         still_wanted=lambda: self._tag("test") == current and self._neuron == (layer, neuron))

    @Slot(object, object, object)
    def _on_job_finished(self, tag: tuple, result: object, error: object) -> None:
        self._pending.discard(tag)
        name = tag[1]
        if tag[:3] != self._tag(name):
            return  # computed for a network or data that has changed since: never shown
        if error is not None:
            self.matrix.set_status(f"Could not evaluate: {error}")
            return
        if len(tag) > 3:  # a neuron's images
            self._neuron_results[(tag[4], tag[5])] = result
            if self._neuron == (tag[4], tag[5]):
                self._show_neuron(result)
            return
        self._store(name, result)

    def _store(self, name: str, result: Evaluation) -> None:
        """The current network's evaluation of set ``name``: kept, announced, shown if it is the set on screen."""
        self._results[name] = result
        if name == "test":
            self.test_evaluated.emit(result)
        if name == self.matrix.current_set:
            self._show(name, result)

    # ------------------------------------------------------------------ showing
    def _show(self, name: str, ev: Evaluation) -> None:
        self._shown = (name, ev)
        self.matrix.set_counts(ev.counts)
        n = len(ev)
        self.matrix.set_status(f"{SET_TITLES[name]}: {n:,} image{'s' if n != 1 else ''}, "
                               f"{ev.accuracy:.2%} read right")
        if self.matrix.selected is not None:
            self._show_cell(*self.matrix.selected)

    @Slot(int, int)
    def _show_cell(self, true: int, answer: int) -> None:
        if self._shown is None:
            self.browser.clear("The matrix is not computed yet.")
            return
        name, ev = self._shown
        x, _ = self._sets[name]
        rows = ev.cell(true, answer)
        self.browser.show_cell(x, rows, ev.labels[rows], ev.answers[rows], ev.activations[rows],
                               true=true, answer=answer, set_title=SET_TITLES[name],
                               normalised=self._net is not None and self._net.cost_name == "cross_entropy",
                               keepable=name != "samples")

    def _show_neuron(self, top: NeuronTopImages) -> None:
        net = self._net
        x, _ = self._sets["test"]
        last = len(net.weights) - 1
        name = f"output {top.neuron}" if top.layer == last else f"Layer {top.layer + 1}, neuron {top.neuron}"
        title = f"{name}: the test images that excite it most"
        weights = net.weights[0][top.neuron] if top.layer == 0 else None
        self.neuron_images.show_neuron(top.layer, top.neuron, x[top.indices], top.indices, top.activations,
                                       weights, title)

    def shutdown(self) -> None:
        """Stop the background thread's queue (on closing the window)."""
        self.jobs.shutdown()
