"""Python's full garbage collections wait while a run trains; the run's end makes one.

A full (generation 2) collection walks every object the window holds: 45-60 ms here with a
network view and curves built, the worst pause of the event loop while a network trains
(``benchmarks.gui``'s maximum lateness was that collection, ~60 ms against a goal of 30). A run
makes no cyclic garbage (a scratch probe: none in 20 s of either preset, with the collections
held), so nothing piles up meanwhile; the young generations are still collected as usual.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QTimer

HELD_THRESHOLD = 1 << 30  # generation 2's threshold while held: never reached in a run


class FullCollectionsHeld:
    """``hold()`` puts full collections off until ``release()``, which then makes one in the next pass."""

    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None

    def hold(self) -> None:
        if self._saved is None:
            self._saved = gc.get_threshold()
            gc.set_threshold(self._saved[0], self._saved[1], HELD_THRESHOLD)

    def release(self) -> None:
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        self._saved = None
        QTimer.singleShot(0, self._collect)  # after the pass that ended the run has shown it

    def _collect(self) -> None:
        if self._saved is None:  # not if the next run has started meanwhile
            gc.collect()
