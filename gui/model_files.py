"""Model files in the window: the network to start with, Open, Save.

``ModelFiles`` reads and writes ``model.store``'s files for the window: which network to start with
(an explicit file, else the one left at the last exit, else the shipped one), the file dialogs, and
how a loaded network was trained (its hyper-parameters, shown in the training panel so Train goes on
in the same way). A bad file never replaces the current network: it is said in words (``error``).

A last network that cannot be used (damaged, refused, or one whose loading fails in any way) never
stops the app from starting: it is renamed aside (``last_model.unusable-<time>.npz``, kept, never
deleted), the app starts with the shipped model, and the status bar says what was set aside and
where. Temporary files a killed save left in the data folder are removed at the start.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from digitlab.assets import DEFAULT_MODEL
from digitlab.gui.training.panel import TrainingPanel
from digitlab.model.config import PRESETS, TrainConfig
from digitlab.model.network import Network
from digitlab.model.npz_io import remove_stale_temps
from digitlab.model.store import ModelFileError, load_with_info, save

FILTER = "Digit Lab models (*.npz)"


class ModelFiles(QObject):
    """Open and save the network; ``opened`` hands over a loaded network and its path."""

    opened = Signal(object, object)  # Network, Path
    error = Signal(str, str)  # title, text
    message = Signal(str, int)  # a status line, ms

    def __init__(self, dialog_parent: QWidget, training: TrainingPanel, data_dir: Path,
                 hyperparameters: Callable[[], dict | None]) -> None:
        super().__init__(dialog_parent)
        self._dialog_parent = dialog_parent
        self._training = training
        self._data_dir = data_dir
        self._hyperparameters = hyperparameters  # the panel's settings, saved with a model

    def initial(self, model_path: str | Path | None, last_model: Path) -> tuple[Network, Path | None]:
        """The explicit model, else the one left at the last exit, else the shipped one."""
        remove_stale_temps(last_model.parent)  # a save killed at the last exit
        candidates = [Path(model_path), DEFAULT_MODEL] if model_path else [last_model, DEFAULT_MODEL]
        said: list[str] = []
        for path in candidates:
            try:
                if not path.exists():
                    continue
                net, info = load_with_info(path)
                shown = self._show_hyperparameters(info.hyperparameters)
            except Exception as e:  # whatever is wrong with the file (or a bug it meets), the app must start
                said.append(self._set_aside(path, e) if path == last_model else f"Could not load {path.name}: {e}")
                continue
            if shown:
                said.append(shown)
            if said:
                self.message.emit(" ".join(said), 30_000)
            return net, path
        said.append("No trained model found: starting with a fresh network")
        self.message.emit(" ".join(said), 30_000)
        return PRESETS["3b1b"].build_network(), None

    def _set_aside(self, path: Path, error: Exception) -> str:
        """Rename an unusable last network aside (kept, never deleted); what to say about it."""
        reason = getattr(error, "problem", None) or str(error) or type(error).__name__
        aside = path.with_name(f"{path.stem}.unusable-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
        try:
            os.replace(path, aside)
        except OSError as e:
            return (f"The last network ({path}) cannot be used ({reason}) and could not be set aside "
                    f"({e.strerror or e}): starting with the shipped model.")
        return f"The last network could not be used ({reason}): it is kept as {aside}; starting with the shipped model."

    def ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._dialog_parent, "Open a model", str(self._data_dir), FILTER)
        if path:
            self.open(path)

    def open(self, path: str | Path) -> bool:
        """Load a model file and emit ``opened``; a bad file changes nothing and says why."""
        try:
            net, info = load_with_info(path)
        except ModelFileError as e:
            self.error.emit("Could not open the model", f"{e}\n\nThe current network is unchanged.")
            return False
        unshown = self._show_hyperparameters(info.hyperparameters)
        self.opened.emit(net, Path(path))
        self.message.emit(f"Opened {Path(path).name}: {net!r}" + (f". {unshown}" if unshown else ""), 10_000)
        return True

    def ask_save(self, network: Network) -> None:
        path, _ = QFileDialog.getSaveFileName(self._dialog_parent, "Save the network",
                                              str(self._data_dir / "model.npz"), FILTER)
        if path:
            self.save(network, path)

    def save(self, network: Network, path: str | Path) -> bool:
        try:
            save(network, path, hyperparameters=self._hyperparameters(), metadata={"saved_by": "Digit Lab"})
        except (OSError, ValueError, TypeError) as e:
            self.error.emit("Could not save the network", str(e))
            return False
        self.message.emit(f"Saved {path}", 5000)
        return True

    def _show_hyperparameters(self, hyperparameters: dict) -> str | None:
        """Show how a network was trained; what to say when its settings cannot be shown."""
        if not hyperparameters:
            return None
        try:
            config = TrainConfig.from_dict(hyperparameters)
            preset = next((name for name, p in PRESETS.items() if p == config), None)
            self._training.set_config(config, preset=preset)  # checks every value first
        except ValueError as e:
            return f"Its training settings are not shown ({e}); the panel keeps its own."
        return None
