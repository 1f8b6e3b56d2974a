"""Work off the GUI thread whose results come back as a queued Qt signal, tagged so stale ones can go.

``Jobs.submit(tag, fn, *args)`` runs ``fn(*args)`` on a one-thread ``concurrent.futures`` executor
(jobs run one at a time, in order) and, when it ends, emits ``finished(tag, result, error)`` from
the worker thread through a queued connection: the slot runs on the GUI thread, in its event loop,
with no timer polling for the result. The tag is the caller's: typically the generation of the data
the job was computed from, so that a result computed for a network that has since changed is
recognised and dropped (never shown beside the newer network's numbers).

A job whose ``still_wanted()`` is false when its turn comes is skipped (``finished`` is not
emitted): a burst of requests costs one computation, the last. Left out: cancelling a running job
(NumPy's matrix products cannot be interrupted; the longest here is well under a second).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt, Signal


class _Skipped:
    """What a job returns when it was no longer wanted when its turn came."""


SKIPPED = _Skipped()


class Jobs(QObject):
    """One background thread for a panel's computations; results arrive as ``finished`` on the GUI thread."""

    finished = Signal(object, object, object)  # (tag, result or None, exception or None)
    _done = Signal(object, object, object)  # emitted on the worker thread, delivered queued

    def __init__(self, parent: QObject | None = None, name: str = "digitlab-jobs") -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._closed = False
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def submit(self, tag: object, fn: Callable[..., object], *args: object,
               still_wanted: Callable[[], bool] | None = None) -> bool:
        """Run ``fn(*args)`` in the background; False when the jobs were shut down."""
        if self._closed:
            return False

        def job() -> object:
            if still_wanted is not None and not still_wanted():
                return SKIPPED
            return fn(*args)

        try:
            future = self._executor.submit(job)
        except RuntimeError:  # shut down meanwhile
            return False
        future.add_done_callback(lambda f: self._finish(tag, f))
        return True

    def _finish(self, tag: object, future: Future) -> None:
        # on the worker thread (or on the caller's, if the job was already done): hand over, no more
        if future.cancelled():
            return
        error = future.exception()
        result = None if error is not None else future.result()
        if result is SKIPPED:
            return
        try:
            self._done.emit(tag, result, error)
        except RuntimeError:  # the QObject was deleted while the job ran: nobody to tell
            pass

    def _deliver(self, tag: object, result: object, error: object) -> None:
        if not self._closed:
            self.finished.emit(tag, result, error)

    def shutdown(self) -> None:
        """Drop queued jobs and stop delivering; a running job finishes unseen."""
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
