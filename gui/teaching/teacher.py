"""Teaching the network your handwriting: keep labelled drawings, retrain, undo.

The ``Teacher`` holds no widgets of its own; it turns the user's commands (a digit key, Retrain,
Undo retrain, Train from scratch with my samples) into calls on what it is given: the canvas, the
samples panel and its store, the current network and MNIST (as functions that return them), a way
to start a training run, and a background thread for the before/after report. It reports through
signals (``message``, ``error``, ``network_replaced``). The maths is in ``model.retrain``; the
files are ``model.samples``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from digitlab.gui.background import BackgroundJobs
from digitlab.gui.drawing.canvas import Canvas
from digitlab.gui.teaching.samples_panel import SamplesPanel
from digitlab.model.data import MNIST
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
from digitlab.model.train_process import RunRecipe


class Teacher(QObject):
    """The "Teach it" commands."""

    message = Signal(str, int)  # a status line and how long to show it (ms; 0: until replaced)
    error = Signal(str, str)  # title, text: something the user must read
    network_replaced = Signal(object)  # a Network: undo retrain brought the previous one back
    input_requested = Signal(object, int)  # (784,) and its label: a sample kept from MNIST, shown as input

    def __init__(self, canvas: Canvas, samples: SamplesPanel, network: Callable[[], Network],
                 mnist: Callable[[], MNIST], start_training: Callable[..., bool],
                 is_busy: Callable[[str], bool], background: BackgroundJobs, config: Callable[[], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._canvas = canvas
        self._samples = samples
        self._network = network
        self._mnist = mnist
        self._start_training = start_training
        self._is_busy = is_busy  # says why and returns True while a run is under way
        self._background = background
        self._config = config  # the training panel's TrainConfig (raises ValueError when invalid)
        self._retraining: tuple[Network, np.ndarray, np.ndarray, list[str]] | None = None
        self._before_retrain: Network | None = None
        self._report: Future[RetrainReport] | None = None  # the one being measured, if any

    @property
    def report_pending(self) -> bool:
        """A retraining's before/after report is being measured."""
        return self._report is not None

    def _say(self, text: str, ms: int = 5000) -> None:
        self.message.emit(text, ms)

    @Slot(int)
    def label_drawing(self, digit: int) -> None:
        """Keep the drawing as a sample of ``digit`` (with what the network read), then clear."""
        result = preprocess(self._canvas.to_array())
        if result.empty:
            self._say("Draw a digit first, then press its key to keep it")
            return
        predicted = int(self._network().predict(result.vector)[0])
        try:
            self._samples.add_sample(digit, result.image, self._canvas.strokes(), predicted)
        except (OSError, ValueError) as e:  # an unwritable or full samples folder; the drawing stays
            reason = f"{e.strerror}: {e.filename}" if isinstance(e, OSError) and e.strerror else str(e)
            self.error.emit("Could not keep the sample", f"The drawing stays on the canvas.\n\n{reason}")
            return
        verdict = "right" if predicted == digit else f"it read {predicted}"
        self._say(f"Kept as your sample of {digit} ({verdict}); {len(self._samples.store.all())} samples in all")
        self._canvas.clear()

    @Slot(object)
    def show_sample(self, sample: Sample) -> None:
        if not sample.strokes:  # kept from MNIST's errors: an image, not a drawing
            self.input_requested.emit(sample.vector, sample.label)
            return
        self._canvas.set_strokes(sample.strokes)

    @Slot(object, int)
    def keep_image(self, image: np.ndarray, label: int) -> None:
        """Keep an image that was not drawn (an MNIST example) as a sample of ``label``."""
        predicted = int(self._network().predict(image.reshape(-1))[0])
        try:
            self._samples.add_sample(label, image, (), predicted)
        except OSError as e:
            self.error.emit("Could not keep the sample", str(e))
            return
        verdict = "read right" if predicted == label else f"it reads {predicted}"
        self._say(f"Kept as your sample of {label} ({verdict}); {len(self._samples.store.all())} samples")

    def sample_arrays(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Your samples' images (n, 784) and labels (n,), or None when there are none (said by no one)."""
        samples = self._samples.store.all()
        return self._samples.store.arrays(samples) if samples else None

    def _sample_arrays(self) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
        samples = self._samples.store.all()
        if not samples:
            self._say("No samples yet: draw a digit and press its key to keep it", 8000)
            return None
        x, y = self._samples.store.arrays(samples)
        return x, y, [s.id for s in samples]

    @Slot(object)
    def retrain(self, config: RetrainConfig) -> None:
        """Fine-tune the current network on your samples mixed with replayed MNIST, live."""
        if self._is_busy("retrain") or (arrays := self._sample_arrays()) is None:
            return
        x, y, ids = arrays
        before = self._network().copy()
        try:
            config = config.validate()
        except ValueError as e:
            self.error.emit("Cannot retrain", str(e))
            return
        self._retraining = (before, x, y, ids)
        # the trainer process mixes the samples with replayed MNIST and fine-tunes a copy
        recipe = RunRecipe(make_retrainer, before, {"net": before, "samples_x": x, "samples_y": y, "config": config})
        if not self._start_training(recipe, how=f"retrained on {len(x)} of your samples"):
            self._retraining = None

    @Slot()
    def undo_retrain(self) -> None:
        if self._is_busy("undo the retraining") or self._before_retrain is None:
            return
        self.network_replaced.emit(self._before_retrain)
        self._before_retrain = None
        self._report = None  # a report still being measured no longer describes the network
        self._samples.set_undo_retrain_available(False)
        self._samples.clear_report()
        self._say("Retraining undone: the network is as it was before")

    @Slot()
    def train_from_scratch(self) -> None:
        """A full training on MNIST plus your samples, with the training panel's settings."""
        if self._is_busy("train") or (arrays := self._sample_arrays()) is None:
            return
        x, y, _ = arrays
        try:
            config = self._config()
        except ValueError as e:
            self.error.emit("Cannot train with these settings", str(e))
            return
        self._start_training(RunRecipe(make_scratch_trainer, config.build_network(),
                                       {"config": config, "samples_x": x, "samples_y": y}),
                             how=f"trained from scratch on MNIST and your {len(x)} samples")

    def run_ended(self) -> None:
        """After any run: when it was a retraining, show what it changed and offer to undo it."""
        if self._retraining is None:
            return
        before, x, y, ids = self._retraining
        self._retraining = None
        self._before_retrain = before
        self._samples.set_undo_retrain_available(True)
        self._say("Retrained: measuring it on your samples and on MNIST's test set...", 0)
        report: Future[RetrainReport] = self._background.submit(
            evaluate_before_after, before, self._network().copy(), x, y, self._mnist(), ids,
            on_result=lambda r: self._on_report(report, r),
            on_error=lambda e: self._on_report_error(report, e))
        self._report = report

    def _on_report(self, future: Future[RetrainReport], report: RetrainReport) -> None:
        if future is not self._report:
            return  # undone (or retrained again) while it was measured
        self._report = None
        self._samples.show_report(report)
        self._say("Retrained: the report is in Your samples")

    def _on_report_error(self, future: Future[RetrainReport], error: BaseException) -> None:
        if future is self._report:
            self._report = None
            self.error.emit("Could not measure the retraining", str(error))
