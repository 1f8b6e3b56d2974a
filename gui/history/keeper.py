"""The window's network history: records every replacement, undoes it, goes back, restores the shipped model.

``HistoryKeeper`` wraps a ``model.history.NetworkHistory`` (a bounded folder of model files) for
the window. The window tells it each network that becomes current and how it was made
(``record``); the user's ways back (Ctrl+Shift+Z, "Go back to this", "Restore the shipped model")
come out as ``network_chosen`` (a Network and how to describe it), which the window makes current
like any other replacement: since every replacement is recorded first, nothing is replaced
without a way back, and no command needs to ask "are you sure?".

A folder that cannot be written is said once (``message``) and the history goes on in a
temporary folder; a file that cannot be read is said and skipped.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence

from digitlab.assets import DEFAULT_MODEL
from digitlab.model.history import HistoryEntry, NetworkHistory
from digitlab.model.network import Network
from digitlab.model.store import ModelFileError, load, load_with_info

SHIPPED = "the shipped model"


def shipped_accuracy() -> float | None:
    """The shipped model's MNIST test accuracy, as its file records it."""
    try:
        accuracy = load_with_info(DEFAULT_MODEL)[1].metadata.get("test_accuracy")
    except ModelFileError:
        return None
    return accuracy if isinstance(accuracy, float) else None


def how_loaded(path: Path | None, last_model: Path) -> str:
    """How the network a window starts with was made, for the history."""
    if path is None:
        return "new network, random weights"
    return "as left at the last exit" if path == last_model else SHIPPED if path == DEFAULT_MODEL \
        else f"opened {path.name}"


class HistoryKeeper(QObject):
    """The history of the current network, and the commands that go back in it."""

    changed = Signal()  # entries or the current one changed: lists follow
    network_chosen = Signal(object, str)  # a Network to make current, and how it came back
    message = Signal(str, int)  # a status line, ms
    error = Signal(str, str)  # title, text: something the user must read

    def __init__(self, folder: Path, is_busy: Callable[[str], bool] = lambda what: False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._is_busy = is_busy  # says why and returns True while a run is under way
        self.problem: str | None = None  # a folder that could not be used, in words
        try:
            self.history = NetworkHistory(folder)
        except OSError as e:
            fallback = Path(tempfile.mkdtemp(prefix="digitlab-history-"))
            self.problem = f"Cannot keep the network history in {folder} ({e}): using {fallback} for this session"
            self.history = NetworkHistory(fallback)
            QTimer.singleShot(0, self, lambda: self.message.emit(self.problem, 30_000))  # once connected
        self.undo_action = QAction("&Undo network change", self)
        self.undo_action.setObjectName("undoNetwork")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        self.undo_action.setToolTip("Bring back the network before the last change (Ctrl+Shift+Z)")
        self.undo_action.triggered.connect(self.undo)
        self.changed.connect(self._update_undo)
        self._update_undo()

    @property
    def entries(self) -> list[HistoryEntry]:
        return self.history.entries

    @property
    def current(self) -> HistoryEntry | None:
        return self.history.current

    def record(self, net: Network, how: str, accuracy: float | None = None) -> HistoryEntry | None:
        """``net`` is current now, made ``how``; kept on disk (a failure is said, not raised)."""
        if how == SHIPPED and accuracy is None:
            accuracy = shipped_accuracy()
        try:
            entry = self.history.record(net, how, accuracy)
        except (OSError, ValueError) as e:
            self.message.emit(f"Could not keep this network in the history: {e}", 10_000)
            return None
        self.changed.emit()
        return entry

    @Slot()
    def undo(self) -> None:
        """Bring back the network that was current before the last replacement."""
        if self._is_busy("go back to an earlier network"):
            return
        try:
            step = self.history.undo()
        except (ModelFileError, OSError) as e:
            self.message.emit(f"Could not read the earlier network: {e}", 10_000)
            return
        if step is None:
            self.message.emit("No earlier network to go back to", 5000)
            return
        entry, net = step
        self.changed.emit()
        self.network_chosen.emit(net, f"Back to the network before: {entry.name}, {entry.how}")

    @Slot(str)
    def go_back(self, entry_id: str) -> None:
        """Make the kept network ``entry_id`` current again."""
        if self._is_busy("go back to an earlier network"):
            return
        try:
            net = self.history.go_back(entry_id)
        except (KeyError, ModelFileError, OSError) as e:
            self.message.emit(f"Could not go back to that network: {e}", 10_000)
            return
        entry = self.history.current
        self.changed.emit()
        self.network_chosen.emit(net, f"Back to {entry.name}, {entry.how}")

    @Slot()
    def restore_shipped(self) -> None:
        """The pretrained network that ships with Digit Lab, recorded like any other."""
        if self._is_busy("restore the shipped model"):
            return
        try:
            net = load(DEFAULT_MODEL)
        except ModelFileError as e:
            self.message.emit(f"Could not read the shipped model: {e}", 10_000)
            return
        self.record(net, SHIPPED)
        self.network_chosen.emit(net, "Restored the shipped model")

    def _update_undo(self) -> None:
        previous = self.history.previous
        self.undo_action.setEnabled(previous is not None)
        self.undo_action.setStatusTip(f"Back to {previous.name}, {previous.how}" if previous else "")
