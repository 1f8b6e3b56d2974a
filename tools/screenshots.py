"""``python -m tools.screenshots``: render the README's screenshots offscreen, the way a user sees them.

Builds the real window (a throwaway settings and data folder), draws digits with real mouse
events, trains for real in the trainer process, and saves grabs to ``assets/screenshots/``:

- ``main.png``: the 3Blue1Brown network after a short training, a drawn 3 being read, the
  learning curves and the network view of its weights;
- ``step_through.png``: the backprop step-through on the drawing, at the gradient stage;
- ``samples.png``: your samples after a retraining, with the before/after report: hurried curled
  sixes (``benchmarks.drawn_shapes``) drawn until five are misread (at most 80 drawn; the shipped
  model reads ~95% of them), each misread one kept as a 6, and a 3;
- ``evaluation.png``: "Mistakes" (where it goes wrong) at 1280x720 (the training docks closed to make room):
  the shipped model's confusion matrix on MNIST test, its most frequent mistake's images with one
  of them as the window's input, and the first-layer neuron it excites most with its top images.
- ``main-1280x720.png``, ``main-1366x768.png``: the lesson's window on small laptop screens;
- ``main-1920x1080@150.png``: a 1920 x 1080 screen at 150% scaling (a child process with
  ``QT_SCALE_FACTOR=1.5``: 1280 x 720 logical pixels);
- ``presentation.png``: presentation mode (zoom 150%) on a 1920 x 1080 projector, and
  ``presentation-1366x768@125.png``: zoom 125% on a 1366 x 768 one;
- ``dark.png``: the dark theme at 1366 x 768; ``tour.png``: the guided tour's first step at 1280 x 720.

Every shot is checked with ``tools.layout_check`` (text cut off, contrast under 4.5:1) and what it
finds is printed. ``--only-layout`` makes just the layout shots (one training epoch, no retraining).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.fresh_home import use_fresh_home

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_home = use_fresh_home("digitlab-shots-")  # the default layout; the user's settings left alone

import numpy as np  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from digitlab.assets import DEFAULT_MODEL  # noqa: E402
from tools.layout_check import clipped_texts, low_contrast_texts  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "assets" / "screenshots"
THREE = [(0.3, 0.2), (0.6, 0.15), (0.7, 0.3), (0.45, 0.48), (0.72, 0.65), (0.6, 0.85), (0.3, 0.8)]


def pump(app: QApplication, seconds: float = 0.05) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def draw(app: QApplication, canvas, points: list[tuple[float, float]]) -> None:
    side = min(canvas.width(), canvas.height())
    x0, y0 = (canvas.width() - side) / 2, (canvas.height() - side) / 2
    pts = [QPoint(int(x0 + fx * side), int(y0 + fy * side)) for fx, fy in points]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    for a, b in zip(pts, pts[1:]):
        for t in np.linspace(0, 1, 10)[1:]:
            QTest.mouseMove(canvas, QPoint(int(a.x() + (b.x() - a.x()) * t), int(a.y() + (b.y() - a.y()) * t)))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
    pump(app)


def keep_misread_sixes(app: QApplication, window, want: int = 5, tries: int = 80) -> int:
    """Draw hurried curled sixes (``benchmarks.drawn_shapes``, the drawn benchmark's hurried style)
    until ``want`` are misread; keep each misread one as a 6 (as a user corrects it). How many kept."""
    from benchmarks.drawn import SHAPE_STYLES
    from benchmarks.drawn_shapes import FORMS
    from benchmarks.drawn_shapes import draw as shape_strokes

    rng, kept, side = np.random.default_rng(7), 0, window.canvas.to_array().shape[0]
    for _ in range(tries):
        window.canvas.clear()
        for stroke in shape_strokes(FORMS[6]["curled"], rng, **SHAPE_STYLES["hurried"][1]):
            draw(app, window.canvas, [tuple(p) for p in np.asarray(stroke["points"])[::3] / side])
        if int(window.network.predict(window.recognition.input)[0]) != 6:
            window.teacher.label_drawing(6)
            kept += 1
            if kept == want:
                break
    window.canvas.clear()
    return kept


def wait_for_run(app: QApplication, window, timeout: float = 300) -> None:
    end = time.perf_counter() + timeout
    while window.session.active and time.perf_counter() < end:
        pump(app, 0.05)


def wait_until(app: QApplication, ready, what: str, timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while not ready():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{what} did not come")
        pump(app, 0.05)


def shoot_evaluation(app: QApplication, window) -> None:
    """The shipped model's mistakes at 1280x720: matrix, a cell's images, one as input, a neuron's images."""
    window.open_model_file(DEFAULT_MODEL)
    for name in ("training", "samples"):  # the View menu's way to make room at 1280 px
        window.docks[name].hide()
    window.docks["evaluation"].raise_()
    pump(app, 0.3)
    window.resize(1280, 720)  # once the hidden docks have left the layout
    pump(app, 0.3)
    if window.width() > 1280:
        print(f"evaluation.png: the window is {window.width()} px wide, its minimum", file=sys.stderr)
    window.resizeDocks([window.docks["network"]], [520], Qt.Orientation.Horizontal)
    panel = window.evaluation
    wait_until(app, panel.matrix.has_counts, "the confusion matrix")
    counts = panel.matrix.counts()
    off = counts - np.diag(np.diag(counts))
    true, answer = (int(v) for v in np.unravel_index(np.argmax(off), off.shape))  # the most frequent mistake
    matrix = panel.matrix
    QTest.mouseClick(matrix.grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     matrix.cell_rect(true, answer).center())
    browser = panel.browser
    QTest.mouseClick(browser.thumbs.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     browser.item_rect(0).center())
    pump(app, 0.2)
    # the first-layer neuron the chosen image excites most, clicked in the network view's tiles
    view = window.network_view
    j = int(np.argmax(view.activations[0]))
    view.tile_scroll.ensureVisible(view.tile_grid.pixel_center(j, 0).x(), view.tile_grid.pixel_center(j, 0).y())
    QTest.mouseClick(view.tile_grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.tile_grid.pixel_center(j, 14 * 28 + 14))
    wait_until(app, lambda: panel.neuron_images.neuron == (0, j), "the neuron's images")
    pump(app, 0.3)
    shoot(app, window, "evaluation")


def lesson(app: QApplication, window, epochs: int) -> None:
    """The lesson's state: a 3b1b network trained for ``epochs``, paused there after one more step
    (the curves show the run, the network view that step's changes), a drawn 3. The run is left
    paused: ``end_lesson`` stops it. (A "1 step" after a finished run would start a new run, and
    the curves would show only that step.)"""
    from digitlab.model.config import PRESETS

    window.training.set_config(PRESETS["3b1b"].replace(epochs=epochs + 1), preset="3b1b")
    window.new_network()
    window.toggle_training()
    wait_until(app, lambda: (e := window.plots.last_epoch) is not None and e.epoch >= epochs,
               f"epoch {epochs} of the lesson's run", timeout=300)
    window.toggle_training()  # pause
    wait_until(app, lambda: window.session.paused, "the pause")
    draw(app, window.canvas, THREE)
    window.step_once()
    pump(app, 0.5)
    window.recognition.update()
    pump(app, 0.3)


def end_lesson(app: QApplication, window) -> None:
    window.session.stop()
    wait_for_run(app, window)
    pump(app, 0.3)


def shoot(app: QApplication, window, name: str, size: tuple[int, int] | None = None) -> Path:
    """Resize (logical px), lay the docks out for that size, check and save ``name``.png."""
    if size is not None:
        for _ in range(2):  # twice: a minimum size left from a larger zoom level is lifted by the first pass
            window.resize(*size)
            pump(app, 0.2)
        window.window_layout.share_space()
    if size is not None and (window.width(), window.height()) != size:
        print(f"{name}: the window is {window.width()}x{window.height()}, not {size[0]}x{size[1]}")
    pump(app, 0.4)
    for problem in clipped_texts(window) + low_contrast_texts(window):
        print(f"{name}: {problem}")
    path = OUT / f"{name}.png"
    window.grab().save(str(path))
    return path


def scaled_shot() -> int:
    """In a child process with QT_SCALE_FACTOR=1.5: the lesson at 1280 x 720 logical pixels."""
    from digitlab.gui.app import create_window

    app = QApplication.instance() or QApplication(sys.argv)
    window = create_window(data_dir=_home / "data" / "digitlab")
    window.show()
    lesson(app, window, epochs=1)
    path = shoot(app, window, "main-1920x1080@150", (1280, 720))
    window.close()
    print(path)
    return 0


def layout_shots(app: QApplication, window) -> list[Path]:
    """The window on small screens, scaled, in presentation mode, dark, and with the tour."""
    paths = [shoot(app, window, "main-1280x720", (1280, 720)), shoot(app, window, "main-1366x768", (1366, 768))]
    env = dict(os.environ, QT_SCALE_FACTOR="1.5")
    child = subprocess.run([sys.executable, "-m", "tools.screenshots", "--scaled"], env=env, check=False,
                           cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    print(child.stdout.strip() or child.stderr[-2000:])
    paths.append(OUT / "main-1920x1080@150.png")
    window.appearance.set_level(1.5)
    paths.append(shoot(app, window, "presentation", (1920, 1080)))
    window.appearance.set_level(1.25)
    paths.append(shoot(app, window, "presentation-1366x768@125", (1366, 768)))
    window.appearance.set_level(1.0)
    window.appearance.set_theme("dark")
    paths.append(shoot(app, window, "dark", (1366, 768)))
    window.appearance.set_theme("light")
    window.help.tour.start()
    paths.append(shoot(app, window, "tour", (1280, 720)))
    window.help.tour.skip()
    return paths


def main() -> int:
    from digitlab.gui.app import create_window
    from digitlab.model.blas import limit_blas_threads

    limit_blas_threads(1)
    if "--scaled" in sys.argv:
        return scaled_shot()
    only_layout = "--only-layout" in sys.argv
    app = QApplication.instance() or QApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    window = create_window(data_dir=_home / "data" / "digitlab")
    window.resize(1600, 1000)
    window.show()
    pump(app, 0.3)

    # main: a 3b1b network trained for two epochs, paused there after one more step (the view shows its changes)
    lesson(app, window, epochs=1 if only_layout else 2)
    paths = layout_shots(app, window)
    if only_layout:
        end_lesson(app, window)
        window.close()
        print(*paths, sep="\n")
        return 0
    shoot(app, window, "main", (1600, 1000))
    end_lesson(app, window)

    # step through one backprop step on the drawing, at the gradient stage
    panel = window.step_through
    window.docks["stepThrough"].raise_()
    panel.set_example(window.recognition.input, 3)
    panel.start()
    for _ in range(3):
        panel.next_stage()
    panel.check_maths()
    pump(app, 0.3)
    shoot(app, window, "step_through")
    panel.finish()

    # your samples: the shipped model, the curled sixes it misread corrected, retrained
    window.open_model_file(DEFAULT_MODEL)
    window.canvas.clear()
    window.docks["curves"].raise_()
    if keep_misread_sixes(app, window) == 0:
        print("note: the shipped model read every curled six drawn: the samples shot has nothing to correct")
    draw(app, window.canvas, THREE)
    window.teacher.label_drawing(3)
    window.docks["samples"].raise_()
    window.samples.retrain_requested.emit(window.samples.retrain_config())
    wait_for_run(app, window)
    report, deadline = window.samples.report, time.perf_counter() + 60
    while report.isHidden():  # the before/after report is measured off the GUI thread
        if time.perf_counter() > deadline:
            raise RuntimeError("the before/after report did not come")
        pump(app, 0.05)
    pump(app, 0.3)
    shoot(app, window, "samples")

    shoot_evaluation(app, window)
    window.close()
    for name in ("main", "step_through", "samples", "evaluation"):
        print(OUT / f"{name}.png")
    print(*paths, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
