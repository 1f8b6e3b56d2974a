"""Work off the GUI thread whose result comes back to it as a queued signal.

``BackgroundJobs`` runs functions one at a time, in order, on one thread of its own (NumPy's
matrix products release the GIL, so the window stays fluid). ``submit`` returns the
``concurrent.futures.Future``; the ``on_result`` / ``on_error`` callbacks run later on the GUI
thread, delivered by a queued signal: no timer polls the future. A caller that no longer wants a
result (the network it describes was replaced) compares the future with the one it keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

T = TypeVar("T")


class BackgroundJobs(QObject):
    """One background thread; results and errors delivered on the thread that made this object."""

    _done = Signal(object, object, object)  # future, on_result, on_error

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digitlab-background")
        self._closed = False
        # emitted from the executor's thread: queued to this object's (the GUI) thread
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def submit(self, fn: Callable[..., T], *args: Any, on_result: Callable[[T], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None) -> Future[T]:
        """Run ``fn(*args)`` in the background; after ``shutdown`` it runs here and now instead."""
        if self._closed:
            future: Future[T] = Future()
            try:
                future.set_result(fn(*args))
            except Exception as e:
                future.set_exception(e)
            return future
        future = self._executor.submit(fn, *args)
        if on_result is not None or on_error is not None:
            future.add_done_callback(lambda f: self._emit_done(f, on_result, on_error))
        return future

    def _emit_done(self, future: Future, on_result: Callable | None, on_error: Callable | None) -> None:
        try:
            self._done.emit(future, on_result, on_error)
        except RuntimeError:  # the window (and this object) was deleted meanwhile: nobody to deliver to
            pass

    @Slot(object, object, object)
    def _deliver(self, future: Future, on_result: Callable | None, on_error: Callable | None) -> None:
        if self._closed or future.cancelled():
            return
        error = future.exception()
        if error is None:
            if on_result is not None:
                on_result(future.result())
        elif on_error is not None:
            on_error(error)

    def shutdown(self) -> None:
        """No more deliveries; a job under way finishes on its own thread and is dropped."""
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
