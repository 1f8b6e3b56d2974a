"""Model files in the window: the network to start with, Open, Save.

``ModelFiles`` reads and writes ``model.store``'s files for the window: which network to start with
(an explicit file, else the one left at the last exit, else the shipped one), the file dialogs, and
how a loaded network was trained (its hyper-parameters, shown in the training panel so Train goes on
in the same way). A bad file never replaces the current network: it is said in words (``error``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from digitlab.assets import DEFAULT_MODEL
from digitlab.gui.training.panel import TrainingPanel
from digitlab.model.config import PRESETS, TrainConfig
from digitlab.model.network import Network
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
        candidates = [Path(model_path)] if model_path else [last_model, DEFAULT_MODEL]
        for path in candidates:
            if not path.exists():
                continue
            try:
                net, info = load_with_info(path)
            except ModelFileError as e:
                self.message.emit(f"Could not load {path.name}: {e}", 10_000)
                continue
            self._show_hyperparameters(info.hyperparameters)
            return net, path
        self.message.emit("No trained model found: starting with a fresh network", 10_000)
        return PRESETS["3b1b"].build_network(), None

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
        self._show_hyperparameters(info.hyperparameters)
        self.opened.emit(net, Path(path))
        self.message.emit(f"Opened {Path(path).name}: {net!r}", 5000)
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

    def _show_hyperparameters(self, hyperparameters: dict) -> None:
        try:
            config = TrainConfig.from_dict(hyperparameters).validate()
        except (ValueError, TypeError):
            return
        preset = next((name for name, p in PRESETS.items() if p == config), None)
        self._training.set_config(config, preset=preset)
