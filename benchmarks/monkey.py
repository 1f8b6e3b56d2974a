"""A monkey: a seeded run of random user actions on the real window, looking for what a user must never meet.

Each action is one of: a stroke on the canvas (pen or eraser), a key press (digit keys label the
drawing; Esc, Delete, E, Ctrl+Z and the training shortcuts), a click on a random visible, enabled
button, a random enabled menu action, a field set to an odd value (layers such as ``784-0-10`` or
``784-5000-10``, spin boxes at their extremes, combo boxes, sliders, check boxes), a selection in
"Your samples" followed by a digit key, Delete or Ctrl+Z, a restart of the app (the window closed
and a new one opened on the same data folder: the autosaved network, the saved settings and every
sample must come back), a file dialog answered with a good or a
bad file (a garbage model, a model of a 250,000-neuron layer, a model trained with seed 3e9, a
folder, a missing or unwritable path, samples as ``.npz`` and IDX), or a pause that lets training
frames arrive. Open message boxes are closed as a user would.

What it finds (``Finding``): an uncaught exception (``sys.excepthook``, which PySide6 calls for
an exception escaping a slot), a generic "something went wrong" box, and any sample lost: after
every action, when no import is running, the sample files on disk must be the samples the store
holds, the gallery must show exactly those (filtered as the panel says), and samples may only
disappear in a delete of selected samples.

Run long ones from the repository::

    python -m benchmarks.monkey --actions 20000 --seed 3

which prints actions per second and the findings (exit code 1 if any). ``tests/gui/test_monkey.py``
runs a short one.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import struct
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.fresh_home import use_fresh_home

ID_FILE = re.compile(r"([0-9a-f]{32})\.npz")
LAYERS = ["784-16-16-10", "784-10", "784-30-10", "784-0-10", "784-5000-10", "784-4096-10", "10-784", "784-16-10-",
          "", "abc", "784--10", "784-16.5-10", "784-" + "-".join(["8"] * 40) + "-10", "784-99999999999999999999-10",
          "784,32,10", " 784 - 20 - 10 ", "784-3-3-3-3-3-3-10", "-1"]
KEYS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "Esc", "Delete", "E", "Ctrl+Z", "Ctrl+T", "Ctrl+.",
        "Ctrl+1", "Ctrl+N", "Ctrl+S", "Ctrl+O", "X", "Space", "Return", "Backspace", "Tab"]
EXCLUDED_ACTIONS = {"quit"}  # the monkey stays in the window


@dataclass
class Finding:
    action: int
    what: str
    detail: str


@dataclass
class Report:
    seed: int
    actions: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    boxes: dict[str, int] = field(default_factory=dict)  # message boxes met, by title
    runs: int = 0  # training runs started
    most_samples: int = 0

    @property
    def per_second(self) -> float:
        return self.actions / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lines = [f"seed {self.seed}: {self.actions} actions in {self.seconds:.1f} s ({self.per_second:.1f}/s), "
                 f"{len(self.findings)} finding(s)"]
        lines.append(f"  training runs started: {self.runs}; most samples at once: {self.most_samples}; "
                     f"restarts: {self.counts.get('restart', 0)}")
        lines.append("  actions: " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())))
        lines.append("  boxes: " + (", ".join(f"{k!r} {v}" for k, v in sorted(self.boxes.items())) or "none"))
        for f in self.findings[:20]:
            lines.append(f"  #{f.action} {f.what}: {f.detail[-1500:]}")
        return "\n".join(lines)


def make_files(folder: Path) -> dict[str, list[str]]:
    """The files the monkey's file dialogs answer with: good ones, bad ones, odd paths."""
    from digitlab.model.config import PRESETS
    from digitlab.model.network import Network
    from digitlab.model.samples import SampleStore
    from digitlab.model.store import save

    folder.mkdir(parents=True, exist_ok=True)
    good = folder / "good.npz"
    save(Network([784, 24, 10], seed=1), good, hyperparameters=PRESETS["3b1b"].to_dict())
    seed = folder / "seed3e9.npz"
    save(Network([784, 12, 10], seed=2), seed, hyperparameters=PRESETS["3b1b"].to_dict() | {"seed": 3_000_000_000})
    garbage = folder / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 not a model at all")
    huge = folder / "huge.npz"
    _huge_model(huge)
    samples = SampleStore(folder / "exchange-source")
    rng = np.random.default_rng(0)
    for i in range(30):
        samples.add(i % 10, rng.random((28, 28), dtype=np.float32), [])
    good_samples = folder / "samples.npz"
    samples.export_npz(good_samples)
    idx = folder / "digits-images-idx3-ubyte"
    samples.export_idx(idx, folder / "digits-labels-idx1-ubyte")
    (folder / "a-folder.npz").mkdir(exist_ok=True)
    missing = str(folder / "no-such-folder" / "x.npz")
    return {
        "open_model": [str(good), str(seed), str(garbage), str(huge), missing, str(folder / "a-folder.npz"), ""],
        "save_model": [str(folder / "saved.npz"), missing, str(folder / "a-folder.npz"), "/proc/x.npz", ""],
        "open_samples": [str(good_samples), str(idx), str(garbage), missing, str(folder / "a-folder.npz"), ""],
        "save_samples": [str(folder / "export.npz"), str(folder / "export-idx"), missing, "/proc/x.npz", ""],
    }


def _huge_model(path: Path) -> None:
    """A small file declaring a 784-250000-10 network (headers only: refused before reading data)."""
    import json
    import zipfile

    def npy(a: np.ndarray) -> bytes:
        import io

        b = io.BytesIO()
        np.lib.format.write_array(b, a)
        return b.getvalue()

    def header(shape: tuple[int, ...]) -> bytes:
        h = repr({"descr": "<f4", "fortran_order": False, "shape": shape}).encode()
        h += b" " * (63 - (10 + len(h)) % 64) + b"\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h

    info = json.dumps({"hyperparameters": {}, "history": [], "metadata": {}}).encode()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("format_version.npy", npy(np.array(1, np.int64)))
        zf.writestr("layer_sizes.npy", npy(np.array([784, 250_000, 10], np.int64)))
        zf.writestr("activation.npy", npy(np.array("relu")))
        zf.writestr("cost.npy", npy(np.array("cross_entropy")))
        zf.writestr("info.npy", npy(np.frombuffer(info, np.uint8)))
        for i, shape in enumerate([(250_000, 784), (10, 250_000)]):
            zf.writestr(f"weights_{i}.npy", header(shape))
            zf.writestr(f"biases_{i}.npy", header(shape[:1]))


class Monkey:
    """Random user actions on ``window`` (a shown ``MainWindow``), seeded; ``run`` returns a ``Report``."""

    def __init__(self, window, files: dict[str, list[str]], seed: int, make_window: Callable | None = None) -> None:
        from PySide6.QtWidgets import QApplication

        self.w = window
        self._make_window = make_window  # restarts the app when given (a new window on the same data)
        self.app = QApplication.instance()
        self.files = files
        self.rng = random.Random(seed)
        self.report = Report(seed)
        self.samples_folder = Path(window.store.folder)
        self._i = 0
        self._asked_to_delete: set[str] = set()  # ids the user's selection asked the store to delete
        self._watch_deletes()
        self._actions: list[tuple[str, int, Callable[[], None]]] = [
            ("draw", 14, self.draw), ("key", 16, self.key), ("click", 24, self.click), ("action", 8, self.action),
            ("field", 14, self.field), ("samples", 12, self.samples), ("wait", 6, self.wait),
            ("dock", 2, self.dock), ("context", 2, self.context_menu), ("drawing_sample", 4, self.show_sample),
            ("tab", 6, self.tab), ("file", 6, self.file), ("run", 6, self.training_command),
            ("fault", 3, self.toggle_fault),
            ("restart", 0.5 if make_window and os.environ.get("MONKEY_RESTARTS", "1") != "0" else 0, self.restart),
        ]
        self._fault: OSError | None = None  # while set, writes under the data folder fail with it
        self._data = str(Path(window.data_dir).resolve())

    # ------------------------------------------------------------------ the run
    def run(self, n: int, progress: Callable[[Report], None] | None = None) -> Report:
        from PySide6.QtWidgets import QFileDialog

        real_hook = sys.excepthook
        saved = {name: getattr(QFileDialog, name) for name in ("getOpenFileName", "getSaveFileName")}
        sys.excepthook = self._on_exception
        real_os = {name: getattr(os, name) for name in ("open", "replace", "unlink")}
        self._patch_os(real_os)
        QFileDialog.getOpenFileName = staticmethod(self._open_dialog)
        QFileDialog.getSaveFileName = staticmethod(self._save_dialog)
        started = time.perf_counter()
        names = [a[0] for a in self._actions]
        weights = [a[1] for a in self._actions]
        try:
            for self._i in range(n):
                name = self.rng.choices(names, weights)[0]
                self.report.counts[name] = self.report.counts.get(name, 0) + 1
                before = self._ids()
                was_active = self.w.session.active
                self._asked_to_delete.clear()
                try:
                    dict(zip(names, [a[2] for a in self._actions]))[name]()
                except Exception as e:  # raised through the app's code (a virtual method), or the monkey's own
                    frames = traceback.extract_tb(e.__traceback__)
                    in_app = any("monkey.py" not in f.filename and "PySide6" not in f.filename for f in frames[1:])
                    self._find("uncaught exception" if in_app or "Python override" in str(e) else "monkey action failed",
                               traceback.format_exc())
                self.app.processEvents()
                self._close_boxes()
                self._check(name, before)
                self.report.runs += self.w.session.active and not was_active
                self.report.most_samples = max(self.report.most_samples, len(self.w.store))
                self.report.actions = self._i + 1
                if progress is not None and (self._i + 1) % int(os.environ.get("MONKEY_PROGRESS", "500")) == 0:
                    self.report.seconds = time.perf_counter() - started
                    progress(self.report)
            self._settle()
            self._check("end", self._ids())
        finally:
            self.report.seconds = time.perf_counter() - started
            sys.excepthook = real_hook
            for name, fn in real_os.items():
                setattr(os, name, fn)
            for name, fn in saved.items():
                setattr(QFileDialog, name, fn)
        return self.report

    def _on_exception(self, kind, error, tb) -> None:
        self._find("uncaught exception", "".join(traceback.format_exception(kind, error, tb)))

    def _find(self, what: str, detail: str) -> None:
        self.report.findings.append(Finding(self._i, what, detail))

    def _settle(self) -> None:
        """Let an import end and a run stop, so the final check sees a quiet window."""
        self._fault = None
        deadline = time.monotonic() + 60
        if self.w.session.active:
            self.w.session.stop()
        while (self.w.samples.importing or self.w.session.active) and time.monotonic() < deadline:
            self.app.processEvents()
            time.sleep(0.01)
        self._close_boxes()

    def _watch_deletes(self) -> None:
        store = self.w.store
        real_delete_many = store.delete_many

        def delete_many(ids):
            ids = list(ids)
            self._asked_to_delete.update(ids)
            return real_delete_many(ids)

        store.delete_many = delete_many

    def restart(self) -> None:
        """Close the window (it autosaves) and open a new one on the same data: nothing may be lost."""
        self._settle()
        kept = self._ids()
        self.w.close()
        self.w.deleteLater()
        # a closed window is freed by its deferred delete, which processEvents() alone never runs
        # outside an event loop: 19 GB of closed windows after 15,000 actions otherwise
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        self.w = self._make_window()
        self.w.show()
        self.app.processEvents()
        self._watch_deletes()
        if self._ids() != kept:
            self._find("sample lost", f"across a restart: {len(kept)} samples before, {len(self._ids())} after")

    def _patch_os(self, real: dict[str, Callable]) -> None:
        def failing(path) -> None:
            if self._fault is not None and os.path.abspath(os.fspath(path)).startswith(self._data):
                e = self._fault
                raise type(e)(e.errno, e.strerror, os.fspath(path))

        def open_(path, flags, *args, **kwargs):
            if flags & (os.O_CREAT | os.O_WRONLY):
                failing(path)
            return real["open"](path, flags, *args, **kwargs)

        def replace(src, dst, *args, **kwargs):
            failing(dst)
            return real["replace"](src, dst, *args, **kwargs)

        def unlink(path, *args, **kwargs):
            failing(path)
            return real["unlink"](path, *args, **kwargs)

        os.open, os.replace, os.unlink = open_, replace, unlink

    def toggle_fault(self) -> None:
        import errno

        if self._fault is not None or self.rng.random() < 0.3:
            self._fault = None
        else:
            self._fault = self.rng.choice([PermissionError(errno.EACCES, "Permission denied"),
                                           OSError(errno.ENOSPC, "No space left on device")])

    # ------------------------------------------------------------------ checks
    def _ids(self) -> set[str]:
        return {s.id for s in self.w.store.all()}

    def _check(self, name: str, before: set[str]) -> None:
        panel = self.w.samples
        if panel.importing:
            return  # the files of an import under way are not the store's yet
        now = self._ids()
        gone = before - now
        if gone - self._asked_to_delete:
            lost = gone - self._asked_to_delete
            self._find("sample lost", f"{len(lost)} sample(s) not asked to be deleted disappeared in a {name!r} action: "
                                      f"{sorted(lost)[:3]}")
        try:
            disk = {m.group(1) for n in os.listdir(self.samples_folder) if (m := ID_FILE.fullmatch(n))}
        except OSError as e:
            disk = set()
            self._find("samples folder unreadable", str(e))
        if disk != now:
            self._find("disk and memory disagree", f"only on disk: {sorted(disk - now)[:3]}, "
                                                   f"only in memory: {sorted(now - disk)[:3]}")
        shown = {s.id for s in panel.visible_samples()}
        digit = panel.digit_filter.currentData()
        wrong_only = panel.wrong_only.isChecked()
        predicted = panel.model.predicted
        expected = {s.id for s in self.w.store.all() if (digit is None or s.label == digit)
                    and (not wrong_only or (s.id in predicted and predicted[s.id] != s.label))}
        if shown != expected:
            self._find("gallery and store disagree", f"shown {len(shown)}, expected {len(expected)}")

    def _close_boxes(self) -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        for box in QApplication.topLevelWidgets() + self.w.findChildren(QMessageBox):
            if isinstance(box, QMessageBox) and box.isVisible():
                title = box.windowTitle()
                self.report.boxes[title] = self.report.boxes.get(title, 0) + 1
                if box.objectName() == "unexpectedErrorBox" or "something went wrong" in title:
                    self._find("generic error box", f"{title}: {box.text()}")
                box.close()

    # ------------------------------------------------------------------ dialogs
    def _open_dialog(self, parent=None, caption: str = "", *args, **kwargs) -> tuple[str, str]:
        kind = "open_samples" if "sample" in caption.lower() or "labels" in caption.lower() else "open_model"
        return self.rng.choice(self.files[kind]), ""

    def _save_dialog(self, parent=None, caption: str = "", *args, **kwargs) -> tuple[str, str]:
        kind = "save_samples" if "sample" in caption.lower() else "save_model"
        return self.rng.choice(self.files[kind]), ""

    # ------------------------------------------------------------------ actions
    def _visible(self, widget) -> bool:
        return widget.isVisible() and widget.isEnabled() and widget.window() is self.w

    def draw(self) -> None:
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        canvas = self.w.canvas
        if not canvas.isVisible():
            return
        button = Qt.MouseButton.RightButton if self.rng.random() < 0.15 else Qt.MouseButton.LeftButton
        w, h = max(canvas.width(), 2), max(canvas.height(), 2)
        pts = [QPoint(self.rng.randrange(-10, w + 10), self.rng.randrange(-10, h + 10))
               for _ in range(self.rng.randint(1, 8))]
        QTest.mousePress(canvas, button, Qt.KeyboardModifier.NoModifier, pts[0])
        for p in pts[1:]:
            QTest.mouseMove(canvas, p)
        QTest.mouseRelease(canvas, button, Qt.KeyboardModifier.NoModifier, pts[-1])

    def key(self) -> None:
        from PySide6.QtGui import QKeySequence
        from PySide6.QtTest import QTest

        seq = QKeySequence(self.rng.choice(KEYS))
        combo = seq[0]
        target = self.rng.choice([self.w.canvas, self.w.canvas, self.w, self.w.samples.gallery])
        if not target.isVisible():
            target = self.w
        QTest.keyClick(target, combo.key(), combo.keyboardModifiers())

    def click(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QAbstractButton, QMessageBox

        buttons = [b for b in self.w.findChildren(QAbstractButton)
                   if self._visible(b) and not isinstance(b.window(), QMessageBox) and b.objectName() != "quit"]
        if buttons:
            b = self.rng.choice(buttons)
            QTest.mouseClick(b, Qt.MouseButton.LeftButton)

    def action(self) -> None:
        actions = [a for a in self.w.actions.values() if a.isEnabled() and a.objectName() not in EXCLUDED_ACTIONS]
        if actions:
            self.rng.choice(actions).trigger()

    def dock(self) -> None:
        dock = self.rng.choice(list(self.w.docks.values()))
        dock.toggleViewAction().trigger()
        if self.rng.random() < 0.7:  # mostly shown again: hidden panels are not exercised
            for d in self.w.docks.values():
                if not d.isVisible():
                    d.show()

    def tab(self) -> None:
        """Bring a random dock to the front (tabbed docks hide each other's buttons)."""
        self.rng.choice(list(self.w.docks.values())).raise_()

    def file(self) -> None:
        panel = self.w.samples
        choices = [self.w.actions["open"], self.w.actions["save"], panel.import_button, panel.export_button]
        target = self.rng.choice(choices)
        if target.isEnabled():
            target.trigger() if hasattr(target, "trigger") else target.click()

    def training_command(self) -> None:
        panel = self.w.samples
        choices = [self.w.actions[k] for k in ("train", "stop", "step", "new_network")]
        choices += [panel.retrain_button, panel.undo_retrain_button, panel.scratch_button]
        target = self.rng.choice(choices)
        if target.isEnabled():
            target.trigger() if hasattr(target, "trigger") else target.click()

    def field(self) -> None:
        from PySide6.QtWidgets import (
            QAbstractSpinBox,
            QCheckBox,
            QComboBox,
            QDoubleSpinBox,
            QLineEdit,
            QSlider,
            QSpinBox,
            QWidget,
        )

        kinds = (QLineEdit, QDoubleSpinBox, QSpinBox, QComboBox, QSlider, QCheckBox)
        widgets = [x for x in self.w.findChildren(QWidget) if isinstance(x, kinds) and self._visible(x)]
        widgets = [x for x in widgets if not (isinstance(x, QLineEdit) and isinstance(x.parent(), QAbstractSpinBox))]
        if not widgets:
            return
        x = self.rng.choice(widgets)
        r = self.rng
        if isinstance(x, QLineEdit):
            x.setText(r.choice(LAYERS))
            x.textEdited.emit(x.text())
        elif isinstance(x, QDoubleSpinBox):
            x.setValue(r.choice([x.minimum(), x.maximum(), r.uniform(x.minimum(), x.maximum()), 1e-3, 3.0, 0.1]))
        elif isinstance(x, QSpinBox):
            x.setValue(r.choice([x.minimum(), x.maximum(), r.randint(x.minimum(), x.maximum()), 1, 10, 100]))
        elif isinstance(x, QComboBox) and x.count():
            x.setCurrentIndex(r.randrange(x.count()))
            x.activated.emit(x.currentIndex())
        elif isinstance(x, QSlider):
            x.setValue(r.randint(x.minimum(), x.maximum()))
        elif isinstance(x, QCheckBox):
            x.toggle()

    def samples(self) -> None:
        from PySide6.QtCore import QItemSelectionModel, Qt
        from PySide6.QtTest import QTest

        panel = self.w.samples
        rows = panel.model.rowCount()
        selection = panel.gallery.selectionModel()
        selection.clearSelection()
        if rows:
            for row in self.rng.sample(range(rows), min(rows, self.rng.randint(1, 4))):
                selection.select(panel.model.index(row), QItemSelectionModel.SelectionFlag.Select)
        what = self.rng.choice(["digit", "digit", "delete", "undo", "delete-button", "undo-button"])
        if what == "digit":
            QTest.keyClick(panel.gallery, Qt.Key(Qt.Key.Key_0 + self.rng.randrange(10)))
        elif what == "delete":
            QTest.keyClick(panel.gallery, Qt.Key.Key_Delete)
        elif what == "undo":
            panel.undo_delete()
        elif what == "delete-button" and panel.delete_button.isEnabled():
            panel.delete_button.click()
        elif what == "undo-button" and panel.undo_delete_button.isEnabled():
            panel.undo_delete_button.click()

    def context_menu(self) -> None:
        menu = self.w.samples.context_menu()
        if menu is None:
            return
        actions = [a for a in menu.findChildren(type(menu.menuAction())) if a.objectName()]
        if actions:
            self.rng.choice(actions).trigger()
        menu.deleteLater()

    def show_sample(self) -> None:
        rows = self.w.samples.visible_samples()
        if rows:
            self.w.samples.sample_activated.emit(self.rng.choice(rows))

    def wait(self) -> None:
        end = time.monotonic() + self.rng.uniform(0.01, 0.15)
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.005)


def small_mnist():
    from digitlab.model.data import MNIST, load_mnist

    d = load_mnist()
    return MNIST(d.train_x[:3000], d.train_y[:3000], d.test_x[:500], d.test_y[:500])


def rss_mb() -> int:
    """This process's resident memory in MiB (0 where /proc is not there)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS"))
    except (OSError, StopIteration):
        return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.monkey", description=__doc__.splitlines()[0])
    p.add_argument("--actions", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--full-mnist", action="store_true", help="train on all of MNIST (slower runs)")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
    home = use_fresh_home("digitlab-monkey-")
    from digitlab.model.blas import limit_blas_threads

    limit_blas_threads(1)
    from PySide6.QtWidgets import QApplication

    from digitlab.gui.app import create_window

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Digit Lab")
    files = make_files(home / "files")
    kwargs = {} if args.full_mnist else {"mnist_loader": small_mnist}
    window = create_window(data_dir=home / "data", **kwargs)
    window.show()
    monkey = Monkey(window, files, args.seed, make_window=lambda: create_window(data_dir=home / "data", **kwargs))
    report = monkey.run(args.actions, progress=lambda r: print(f"  {r.actions} actions, {r.per_second:.1f}/s, "
                                                                 f"{len(r.findings)} finding(s), {rss_mb()} MiB, "
                                                                 f"{len(monkey.w.store)} samples", flush=True))
    monkey.w.close()
    print(report.summary())
    print(f"data folder: {home}")
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
