"""Teaching the network your handwriting: keep labelled drawings, retrain, undo.

The ``Teacher`` holds no widgets of its own; it turns the user's commands (a digit key, Retrain,
Undo retrain, Train from scratch with my samples) into calls on the window's network, its sample
store and its training run, and shows the before/after report when a retraining ends. The maths is
in ``model.retrain``; the files are ``model.samples``'s.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Slot

from digitlab.model.network import Network
from digitlab.model.preprocess import preprocess
from digitlab.model.retrain import (
    RetrainConfig,
    RetrainReport,
    evaluate_before_after,
    make_retrainer,
    make_scratch_trainer,
)
from digitlab.model.samples import Sample

if TYPE_CHECKING:
    from digitlab.gui.main_window import MainWindow


class Teacher(QObject):
    """The "Teach it" commands of a main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._retraining: tuple[Network, np.ndarray, np.ndarray, list[str]] | None = None
        self._before_retrain: Network | None = None
        # the before/after report runs MNIST's test set through two networks (~0.1-0.4 s): off the
        # GUI thread, its result picked up by a timer (NumPy's matrix products release the GIL)
        self._report: Future[RetrainReport] | None = None
        self.report_timer = QTimer(self, interval=50)
        self.report_timer.timeout.connect(self._on_report_ready)

    def _say(self, message: str, ms: int = 5000) -> None:
        self.window.statusBar().showMessage(message, ms)

    @Slot(int)
    def label_drawing(self, digit: int) -> None:
        """Keep the drawing as a sample of ``digit`` (with what the network read), then clear."""
        w = self.window
        result = preprocess(w.canvas.to_array())
        if result.empty:
            self._say("Draw a digit first, then press its key to keep it")
            return
        predicted = int(w.network.predict(result.vector)[0])
        try:
            w.samples.add_sample(digit, result.image, w.canvas.strokes(), predicted)
        except OSError as e:
            w._error("Could not keep the sample", str(e))
            return
        verdict = "right" if predicted == digit else f"it read {predicted}"
        self._say(f"Kept as your sample of {digit} ({verdict}); {len(w.store.all())} samples in all")
        w.canvas.clear()

    @Slot(object)
    def show_sample(self, sample: Sample) -> None:
        if not sample.strokes:  # kept from MNIST's errors: an image, not a drawing
            self.window.show_input(sample.vector, sample.label)
            return
        self.window.canvas.set_strokes(sample.strokes)

    def _sample_arrays(self) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
        samples = self.window.store.all()
        if not samples:
            self._say("No samples yet: draw a digit and press its key to keep it", 8000)
            return None
        x, y = self.window.store.arrays(samples)
        return x, y, [s.id for s in samples]

    @Slot(object)
    def retrain(self, config: RetrainConfig) -> None:
        """Fine-tune the current network on your samples mixed with replayed MNIST, live."""
        w = self.window
        if w._busy("retrain") or (arrays := self._sample_arrays()) is None:
            return
        x, y, ids = arrays
        before = w.network.copy()
        try:
            trainer = make_retrainer(before, x, y, w.mnist(), config)
        except ValueError as e:
            w._error("Cannot retrain", str(e))
            return
        self._retraining = (before, x, y, ids)
        w.plots.clear()
        if not w.start_training(trainer):
            self._retraining = None

    @Slot()
    def undo_retrain(self) -> None:
        w = self.window
        if w._busy("undo the retraining") or self._before_retrain is None:
            return
        w.set_network(self._before_retrain)
        self._before_retrain = None
        self._report = None  # a report still being measured no longer describes the network
        self.report_timer.stop()
        w.samples.set_undo_retrain_available(False)
        w.samples.clear_report()
        self._say("Retraining undone: the network is as it was before")

    @Slot()
    def train_from_scratch(self) -> None:
        """A full training on MNIST plus your samples, with the training panel's settings."""
        w = self.window
        if w._busy("train") or (arrays := self._sample_arrays()) is None:
            return
        x, y, _ = arrays
        try:
            trainer = make_scratch_trainer(w.training.config(), x, y, w.mnist())
        except ValueError as e:
            w._error("Cannot train with these settings", str(e))
            return
        w.plots.clear()
        w.start_training(trainer)

    def run_ended(self) -> None:
        """After any run: when it was a retraining, show what it changed and offer to undo it."""
        if self._retraining is None:
            return
        before, x, y, ids = self._retraining
        self._retraining = None
        w = self.window
        self._before_retrain = before
        w.samples.set_undo_retrain_available(True)
        self._say("Retrained: measuring it on your samples and on MNIST's test set...", 0)
        self._report = w.in_background(evaluate_before_after, before, w.network.copy(), x, y, w.mnist(), ids)
        self.report_timer.start()

    @Slot()
    def _on_report_ready(self) -> None:
        report = self._report
        if report is None or not report.done():
            return
        self._report = None
        self.report_timer.stop()
        if report.exception() is not None:
            self.window._error("Could not measure the retraining", str(report.exception()))
            return
        self.window.samples.show_report(report.result())
        self._say("Retrained: the report is in Your samples")
