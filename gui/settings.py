"""What the main window keeps between sessions, and where.

``WindowSettings`` keeps the window's geometry and dock layout, the training panel's settings and
the pen width in ``QSettings``, and the current network as ``last_model.npz`` in the user's data
folder (``default_data_dir``), where ``open_sample_store`` also finds the user's samples. It holds
no widgets: it reads and sets the panels it is given. Reading the last network back is the
window's business; the model file format is ``model.store``'s.

Settings that cannot be used never stop the app from starting: a value that does not fit (a
stored seed beyond what the panel holds, a damaged geometry) is skipped, and a settings file that
cannot be read, or whose values make restoring fail in any way, is copied aside
(``<file>.unusable-<time>``, kept) and cleared; ``problem`` then says what was set aside.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from platformdirs import user_data_path
from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QStatusBar

from digitlab.gui.drawing.draw_panel import DrawPanel
from digitlab.gui.training.panel import TrainingPanel
from digitlab.gui.window_layout import fit_to_screen
from digitlab.model.config import TrainConfig
from digitlab.model.network import Network
from digitlab.model.samples import SampleStore
from digitlab.model.store import save

LAST_MODEL_FILE = "last_model.npz"  # in the data folder: the network left at the last exit


def app_settings() -> QSettings:
    """Digit Lab's ``QSettings`` (the layout, the zoom level, the theme, whether the tour was seen)."""
    return QSettings("DigitLab", "Digit Lab")


def default_data_dir() -> Path:
    return user_data_path("digitlab", appauthor=False)


def open_sample_store(folder: Path, status: QStatusBar) -> SampleStore:
    """The user's samples; damaged files are skipped and said, an unusable folder is said too."""
    try:
        store = SampleStore(folder)
    except OSError as e:
        fallback = Path(tempfile.mkdtemp(prefix="digitlab-samples-"))
        status.showMessage(f"Cannot use {folder} ({e.strerror or e}): samples go to {fallback} "
                           "for this session only", 30_000)
        return SampleStore(fallback)
    if store.problems:
        status.showMessage(f"Skipped {len(store.problems)} unreadable sample file(s): {store.problems[0]}", 15_000)
    return store


class WindowSettings:
    """A window's layout, training settings, pen width and last network, kept between runs.

    It takes what it reads and sets: the ``QMainWindow`` (geometry and dock layout only), the
    training panel, the drawing panel and the data folder; it knows nothing else of the window.
    """

    def __init__(self, window: QMainWindow, training: TrainingPanel, draw: DrawPanel, data_dir: Path) -> None:
        self._window = window
        self._training = training
        self._draw = draw
        self.data_dir = data_dir
        self.qsettings = app_settings()
        self.problem: str | None = None  # what restore() set aside or skipped, in words

    @property
    def last_model_path(self) -> Path:
        return self.data_dir / LAST_MODEL_FILE

    def restore(self) -> bool:
        """Put back what ``save`` kept; True when the docks' layout was restored. Never raises:
        unusable settings are set aside and said in ``problem``."""
        if self.qsettings.status() != QSettings.Status.NoError:
            self._set_aside("it cannot be read")
            return False
        try:
            return self._restore()
        except Exception as e:  # whatever a damaged file holds, the app must start
            self._set_aside(f"{type(e).__name__}: {e}")
            return False

    def _set_aside(self, reason: str) -> None:
        s = self.qsettings
        path = Path(s.fileName())
        aside = path.with_name(f"{path.name}.unusable-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            if path.is_file():
                shutil.copyfile(path, aside)
            kept = f"it is kept as {aside}"
        except OSError as e:
            kept = f"it could not be copied aside ({e.strerror or e})"
        s.clear()
        s.sync()
        self.problem = f"The saved settings could not be used ({reason}): {kept}; starting with the defaults."
        self._window.resize(1600, 1000)

    def _restore(self) -> bool:
        w, s = self._window, self.qsettings
        geometry = s.value("geometry")
        if isinstance(geometry, QByteArray):
            w.restoreGeometry(geometry)
        else:
            fit_to_screen(w)
        state = s.value("windowState")
        layout_restored = isinstance(state, QByteArray) and w.restoreState(state)
        raw = s.value("config")
        if isinstance(raw, str):
            try:
                self._training.set_config(TrainConfig.from_dict(json.loads(raw)).validate(),
                                          preset=s.value("preset", "custom"))
            except (ValueError, TypeError) as e:  # another version's, or a value the panel cannot show
                self.problem = f"The saved training settings are not used ({e}); the panel shows the defaults."
        width = s.value("penWidth")
        if width is not None:
            try:
                self._draw.pen_width.setValue(int(float(width)))
            except (ValueError, TypeError, OverflowError):
                pass  # a damaged value: keep the default width
        return layout_restored

    def save(self) -> None:
        w, s = self._window, self.qsettings
        s.setValue("geometry", w.saveGeometry())
        s.setValue("windowState", w.saveState())
        try:
            s.setValue("config", json.dumps(self._training.config().to_dict()))
            s.setValue("preset", self._training.preset.currentText())
        except ValueError:
            pass
        s.setValue("penWidth", self._draw.canvas.pen_width)
        s.sync()

    def hyperparameters(self) -> dict | None:
        """The training panel's settings, as saved with a model; None while they are invalid."""
        try:
            return self._training.config().to_dict()
        except ValueError:
            return None

    def autosave_network(self, network: Network) -> str | None:
        """Keep ``network`` for the next start; a failure (said in the returned text) must not block closing."""
        try:
            save(network, self.last_model_path, hyperparameters=self.hyperparameters())
        except (OSError, ValueError, TypeError) as e:
            return f"Could not keep the network: {e}"
        return None
