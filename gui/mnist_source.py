"""MNIST for the window: loaded in the background just after the first paint, there for whoever asks.

``MnistSource`` starts loading a short while after it is made (loading beside the window's
construction slowed the first paint), hands the data on through ``loaded`` (a queued signal from
the background thread) and lets a caller that needs it sooner wait for it (``get``). ``shipped``
says whether it is the shipped MNIST, which the trainer process can load on its own instead of
being sent 200 MB; tests and scripts give the window a smaller set.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from PySide6.QtCore import QObject, QTimer, Signal

from digitlab.gui.background import BackgroundJobs
from digitlab.model.data import MNIST, load_mnist

DELAY_MS = 300  # loading starts this long after the window is built (first paint first)


class MnistSource(QObject):
    """The data set, loaded once off the GUI thread."""

    loaded = Signal(object)  # the MNIST, on the GUI thread
    failed = Signal(str)  # why it could not be loaded, in words

    def __init__(self, background: BackgroundJobs, loader: Callable[[], MNIST] = load_mnist,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._background = background
        self._loader = loader
        self._future: Future[MNIST] | None = None
        self.shipped = loader is load_mnist
        QTimer.singleShot(DELAY_MS, self, self.start)

    @property
    def started(self) -> bool:
        return self._future is not None

    @property
    def ready(self) -> bool:
        return self._future is not None and self._future.done()

    def start(self) -> Future[MNIST]:
        """Begin loading in the background (once); the future of the data."""
        if self._future is None:
            self._future = self._background.submit(
                self._loader, on_result=self.loaded.emit,
                on_error=lambda e: self.failed.emit(f"Could not load MNIST: {e}"))
        return self._future

    def get(self) -> MNIST:
        """The data, waiting for the background load if it has not finished."""
        return self.start().result()
