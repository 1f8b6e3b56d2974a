"""Recognition: the canvas's drawing through preprocessing to the network, and to the views.

``Recognition`` preprocesses the canvas once per event-loop pass however many pen moves arrive,
shows what the network sees (the preview) and its answer (the bars) at once, and hands the input
on to the slower views (network view, step-through) through ``input_changed`` at most ten times
a second, in a pass of its own after the bars. It takes the widgets it feeds and a function that
returns the current network. A network that deskews its input (``Network.deskew``) does so
itself; the preview's network-input picture then shows what it read (``Network.inputs``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from digitlab.gui.drawing.canvas import Canvas
from digitlab.gui.drawing.prediction_view import PredictionView
from digitlab.gui.drawing.preview import PreprocessView
from digitlab.model.network import Network
from digitlab.model.preprocess import Preprocessed, as_input, preprocess, with_network_input

VIEW_INPUT_MS = 100  # the slower views follow the pen at most this often


class Recognition(QObject):
    """Canvas -> preprocess -> network -> preview and bars; the input on to the slower views."""

    input_changed = Signal(object, object)  # the (784,) input or None (empty canvas), its label or None

    def __init__(self, canvas: Canvas, preview: PreprocessView, prediction: PredictionView,
                 network: Callable[[], Network], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._canvas, self._preview, self._prediction = canvas, preview, prediction
        self._network = network
        self._last: Preprocessed | None = None
        self._predict_timer = QTimer(self, singleShot=True, interval=0)
        self._predict_timer.timeout.connect(self.update)
        self._view_timer = QTimer(self, singleShot=True, interval=VIEW_INPUT_MS)
        self._view_timer.timeout.connect(self._on_view_timer)
        self._view_pending = False
        # a learning network's new weights reach the bars in a pass of their own, not inside the
        # frame that brought them (with the curves' new steps): no pass grows by a forward pass
        self._refresh_timer = QTimer(self, singleShot=True, interval=0)
        self._refresh_timer.timeout.connect(self.refresh_outputs)
        self._label: int | None = None  # the true label of an input shown as if drawn (MNIST's)
        canvas.drawing_changed.connect(self._predict_timer.start)  # coalesced: once per pass

    @property
    def last_result(self) -> Preprocessed | None:
        """The last preprocessing of the canvas (a new object each time the drawing is read)."""
        return self._last

    @property
    def input(self) -> np.ndarray | None:
        """The network's input for the drawing now, or None when the canvas is empty."""
        return None if self._last is None or self._last.empty else self._last.vector

    @Slot()
    def update(self) -> None:
        """Preprocess the canvas and show what the network sees and answers."""
        self._last = preprocess(self._canvas.to_array())
        self._label = None
        self._view_pending = True
        if not self._view_timer.isActive():
            self._view_timer.start(0)  # right after the bars have been painted
        self._show(new_input=True)
        self._prediction.paint_now()  # the pen's answer first: not after whatever else waits to be painted

    def show_input(self, x: np.ndarray, label: int | None = None) -> None:
        """Make ``x`` (784 values in MNIST's form, e.g. an MNIST image) the input, as if drawn: the
        canvas clears; the preview, the bars and the slower views show ``x`` itself (with
        ``label``, the nudges too) until the next drawing."""
        self._canvas.clear()
        self._predict_timer.stop()  # the cleared canvas must not replace it
        self._last, self._label = as_input(x), label
        self._show(new_input=True)
        self._view_pending = False
        self.input_changed.emit(self._last.vector, label)

    @Slot()
    def refresh_outputs(self) -> None:
        """The bars again, for a network that changed (e.g. while it learns): no preprocessing."""
        self._refresh_timer.stop()
        if self.input is not None:
            self._show(new_input=False)

    def refresh_outputs_soon(self) -> None:
        """``refresh_outputs`` in the next event-loop pass (once, however often asked before it)."""
        if self.input is not None:
            self._refresh_timer.start()

    def _show(self, new_input: bool) -> None:
        """The preview (when the input, or how the network reads it, changed) and the bars."""
        result = self._last
        if result.empty:
            self._preview.show_result(result)  # blank panels
            self._prediction.clear()
            return
        net = self._network()
        # one forward pass gives both what the network read (a^0, deskewed when it deskews) and
        # its answer: the input is deskewed once per reading
        f = net.forward(result.vector)
        if new_input or net.deskew != (result.deskewed is not None):  # another network: another input
            seen = f.activations[0][0] if net.deskew else None
            self._last = result = with_network_input(result, seen)
            self._preview.show_result(result)
        self._prediction.show_outputs(f.activations[-1][0], normalised=net.cost_name == "cross_entropy")

    @Slot()
    def _on_view_timer(self) -> None:
        if self._view_pending:
            self._view_pending = False
            self.input_changed.emit(self.input, self._label)
            self._view_timer.start(VIEW_INPUT_MS)
