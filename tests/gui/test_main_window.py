"""The main window driven as a person would: draw with the mouse, read the answer, train, close."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QToolButton

from digitlab.gui.app import create_window

MNIST_SUBSET = (2_000, 500)  # training and test images (tests/gui/conftest.py)



def draw(qtbot, canvas, points: list[tuple[float, float]]) -> None:
    """A left-button stroke through points given as fractions of the canvas's side."""
    side = min(canvas.width(), canvas.height())
    x0 = (canvas.width() - side) / 2
    y0 = (canvas.height() - side) / 2
    pts = [QPoint(int(x0 + fx * side), int(y0 + fy * side)) for fx, fy in points]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=pts[0])
    for a, b in zip(pts, pts[1:]):
        for t in np.linspace(0, 1, 6)[1:]:
            qtbot.mouseMove(canvas, QPoint(int(a.x() + (b.x() - a.x()) * t), int(a.y() + (b.y() - a.y()) * t)))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=pts[-1])


def prediction_text(w) -> str:
    return w.findChild(QLabel, "prediction").text()


def test_window_loads_the_shipped_model_and_reads_a_drawn_one(qtbot, window) -> None:
    assert window.network.layer_sizes[0] == 784 and window.network.layer_sizes[-1] == 10
    assert all(w.T.flags.c_contiguous for w in window.network.weights)  # input-major: a reading is quick
    assert prediction_text(window) == ""  # an empty canvas shows no guess
    draw(qtbot, window.canvas, [(0.5, 0.15), (0.5, 0.85)])
    qtbot.waitUntil(lambda: prediction_text(window) != "")
    assert prediction_text(window).startswith("1")
    shown = window.preview.shown_input
    assert shown is not None and shown.shape == (28, 28) and shown.max() > 0.5
    # what it shows is the drawing's own preprocessing
    col_mass = shown.sum(axis=0)
    assert abs(np.argmax(col_mass) - 14) <= 2  # a vertical bar in the middle


def test_a_drawn_seven_is_read_as_seven(qtbot, window) -> None:
    draw(qtbot, window.canvas, [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)])
    qtbot.waitUntil(lambda: prediction_text(window) != "")
    assert prediction_text(window).startswith("7")


def test_while_the_pen_is_down_training_frames_reach_the_network_view_4_and_the_curves_10_times_a_second(qtbot, window) -> None:
    window.training.set_config(window.training.config().replace(epochs=50), preset="custom")
    views, steps = [], []
    window.session.view_frame.connect(lambda f: views.append(time.perf_counter()))
    window.session.steps_arrived.connect(lambda f: steps.append(time.perf_counter()))
    window.toggle_training()
    qtbot.waitUntil(lambda: len(views) > 3, timeout=10_000)
    canvas = window.canvas
    centre = QPoint(canvas.width() // 2, canvas.height() // 2)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=centre)
    assert window.session.view_held
    pressed, n_views, n_steps = time.perf_counter(), len(views), len(steps)
    for i in range(40):  # a second of drawing
        qtbot.mouseMove(canvas, centre + QPoint(i, 2 * i))
        qtbot.wait(25)
    held_s = time.perf_counter() - pressed
    held_views, held_steps = len(views) - n_views, len(steps) - n_steps
    assert 3 <= held_steps <= held_s / 0.1 + 1  # the curves at most 10 a second, merging the frames between
    assert held_views <= held_s / 0.25 + 1  # the network view at most 4 a second
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=centre + QPoint(40, 80))
    assert not window.session.view_held
    released, n_views, n_steps = time.perf_counter(), len(views), len(steps)
    qtbot.waitUntil(lambda: len(views) >= n_views + 5 and len(steps) >= n_steps + 5, timeout=5000)  # every frame
    assert time.perf_counter() - released < 1.0
    window.session.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=5000)


def test_clear_removes_the_drawing_and_the_guess(qtbot, window) -> None:
    draw(qtbot, window.canvas, [(0.3, 0.3), (0.7, 0.7)])
    qtbot.waitUntil(lambda: prediction_text(window) != "")
    qtbot.mouseClick(window.findChild(QToolButton, "clear"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: prediction_text(window) == "")
    assert window.canvas.is_empty() and window.preview.shown_input is None


def test_training_feeds_the_plots_and_ends_cleanly(qtbot, window) -> None:
    window.training.set_config(window.training.config().replace(
        layer_sizes=(784, 16, 16, 10), activation="sigmoid", cost="quadratic", optimizer="sgd",
        learning_rate=3.0, batch_size=20, epochs=2, augment=False), preset="custom")
    window.training.speed.setValue(window.training.speed.maximum())
    before = window.network.weights[0].copy()
    qtbot.mouseClick(window.findChild(QToolButton, "train"), Qt.MouseButton.LeftButton)
    assert window.session.active
    qtbot.waitUntil(lambda: not window.session.active, timeout=30_000)
    assert window.plots.n_step_points == 2 * 100  # every step's cost reached the plot
    assert window.plots.n_epoch_points == 2
    assert not np.array_equal(window.network.weights[0], before)
    assert all(w.T.flags.c_contiguous for w in window.network.weights)  # the run's network, made quick to read
    assert window.training.progress.value() == window.training.progress.maximum()
    # drawn a part per pass while training: the last drawing finishes and the diagram repaints again
    qtbot.waitUntil(lambda: not window.network_view.diagram.repaint_held, timeout=2000)


def test_one_step_changes_the_weights_exactly_once(qtbot, window) -> None:
    window.training.set_config(window.training.config().replace(
        layer_sizes=(784, 16, 16, 10), activation="sigmoid", cost="quadratic", epochs=1, batch_size=10),
        preset="custom")
    start = [w.copy() for w in window.network.weights]
    qtbot.mouseClick(window.findChild(QToolButton, "step"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.plots.n_step_points == 1, timeout=10_000)
    qtbot.wait(200)  # the trainer is paused: nothing more happens
    window.session.show_frame_now()
    assert window.plots.n_step_points == 1 and window.session.paused
    assert window.session.steps_done == 1
    assert "step 1 of 200" in window.training.status.text()  # 2000 images / batch 10
    changed = [not np.array_equal(a, b) for a, b in zip(start, window.network.weights)]
    assert all(changed)
    qtbot.mouseClick(window.findChild(QToolButton, "step"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.plots.n_step_points == 2, timeout=10_000)
    qtbot.mouseClick(window.findChild(QToolButton, "stop"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.active, timeout=5000)


def test_pause_and_resume(qtbot, window) -> None:
    window.training.set_config(window.training.config().replace(epochs=50), preset="custom")
    window.training.speed.setValue(0)  # one step a second: slow enough to catch
    train = window.findChild(QToolButton, "train")
    qtbot.mouseClick(train, Qt.MouseButton.LeftButton)
    assert train.text() == "Pause"
    qtbot.mouseClick(train, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.paused)
    assert train.text() == "Resume"
    qtbot.mouseClick(train, Qt.MouseButton.LeftButton)
    assert train.text() == "Pause"
    qtbot.mouseClick(window.findChild(QToolButton, "stop"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.active, timeout=5000)
    assert train.text() == "Train"


def _process_exists(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie not yet reaped is gone for our purposes
        return f.read().split(")")[-1].split()[0] != "Z"


def test_closing_the_window_closes_its_floating_panels(qtbot, window) -> None:
    dock = window.docks["network"]
    dock.setFloating(True)
    qtbot.waitUntil(dock.isVisible)
    window.close()
    assert not dock.isVisible()  # no panel of a closed window left on the screen


@pytest.mark.timing
def test_closing_during_training_ends_the_trainer_process_quickly(qtbot, window, capfd) -> None:
    window.training.set_config(window.training.config().replace(epochs=100), preset="custom")
    window.toggle_training()
    qtbot.waitUntil(lambda: window.plots.n_step_points > 0, timeout=10_000)
    pid = window.session.trainer_pid
    assert pid is not None

    t = time.perf_counter()
    window.close()
    assert time.perf_counter() - t < 1.5  # the process is asked, then terminated at 1 s
    assert not _process_exists(pid)
    assert capfd.readouterr().err == ""


def test_a_bad_model_file_keeps_the_current_network(qtbot, window, tmp_path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"this is not a model")
    before = window.network
    assert window.open_model_file(bad) is False
    assert window.network is before
    box = window.findChild(QMessageBox, "errorBox")
    assert box is not None and "bad.npz" in box.text()


def test_save_and_open_round_trip(qtbot, window, tmp_path) -> None:
    path = tmp_path / "mine.npz"
    assert window.save_model_file(path)
    window.new_network()
    assert window.open_model_file(path)
    assert window.network.weights[0].shape[1] == 784


def test_settings_remember_the_hyperparameters(qtbot, tmp_path, small_mnist) -> None:
    w = create_window(data_dir=tmp_path)
    qtbot.addWidget(w)
    w.training.set_config(w.training.config().replace(layer_sizes=(784, 40, 10), learning_rate=0.25),
                          preset="custom")
    w.close()
    again = create_window(data_dir=tmp_path)
    qtbot.addWidget(again)
    config = again.training.config()
    assert config.layer_sizes == (784, 40, 10) and config.learning_rate == 0.25


def test_every_action_shows_its_shortcut_in_its_tooltip(window) -> None:
    for name, action in window.actions.items():
        assert not action.shortcut().isEmpty(), name
        assert action.shortcut().toString() in action.toolTip(), name


def test_a_digit_key_keeps_the_drawing_as_a_sample_that_survives_a_restart(qtbot, window, tmp_path) -> None:
    draw(qtbot, window.canvas, [(0.5, 0.15), (0.5, 0.85)])
    qtbot.waitUntil(lambda: prediction_text(window) != "")
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_4)  # "no, that is a 4"
    assert window.canvas.is_empty()
    samples = window.store.all()
    assert len(samples) == 1 and samples[0].label == 4 and samples[0].predicted == 1
    assert samples[0].strokes  # the strokes it came from are kept
    window.close()
    again = create_window(data_dir=tmp_path)
    qtbot.addWidget(again)
    assert [s.label for s in again.store.all()] == [4]


def test_retrain_on_your_samples_reports_before_and_after_and_can_be_undone(qtbot, window) -> None:
    from PySide6.QtWidgets import QPushButton

    # three drawings of a European 1 (a long flag), which the shipped model reads as 7, kept as 1s
    for dx in (-0.05, 0.0, 0.05):
        draw(qtbot, window.canvas, [(0.3 + dx, 0.35), (0.55 + dx, 0.12), (0.55 + dx, 0.88)])
        qtbot.waitUntil(lambda: prediction_text(window) != "")
        window.teacher.label_drawing(1)
    assert len(window.store.all()) == 3
    before = window.network
    wrong_before = sum(s.predicted != 1 for s in window.store.all())
    qtbot.mouseClick(window.samples.findChild(QPushButton, "retrain"), Qt.MouseButton.LeftButton)
    assert window.session.active
    qtbot.waitUntil(lambda: not window.session.active, timeout=60_000)
    assert window.plots.n_step_points > 0  # the same live plots
    x, y = window.store.arrays()
    assert (window.network.predict(x) == 1).sum() >= max(3 - wrong_before, 2)
    report = window.samples.findChild(QLabel, "retrainReportText")
    qtbot.waitUntil(lambda: "MNIST" in report.text(), timeout=10_000)  # measured off the GUI thread
    undo = window.samples.findChild(QPushButton, "undoRetrain")
    assert undo.isEnabled()
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert window.network is not before and np.array_equal(window.network.weights[0], before.weights[0])


def test_the_last_network_is_remembered_between_runs(qtbot, window, tmp_path) -> None:
    window.training.set_config(window.training.config().replace(layer_sizes=(784, 24, 10)), preset="custom")
    window.new_network()
    trained = window.network.weights[0].copy()
    window.close()
    again = create_window(data_dir=tmp_path)
    qtbot.addWidget(again)
    assert again.network.layer_sizes == (784, 24, 10)
    assert np.array_equal(again.network.weights[0], trained)


def test_an_unexpected_error_is_shown_as_a_message(qtbot, window) -> None:
    from digitlab.gui.app import _report_unexpected

    try:
        raise RuntimeError("boom")
    except RuntimeError as e:
        _report_unexpected(type(e), e, e.__traceback__)
    from PySide6.QtWidgets import QApplication

    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "unexpectedErrorBox"]
    assert boxes and "boom" in boxes[-1].text()
    for b in boxes:
        b.close()


def _pretend_a_retraining_ended(window) -> None:
    """What a retraining leaves behind: the network before it and the samples it used."""
    rng = np.random.default_rng(0)
    x = rng.random((4, 784), dtype=np.float32)
    window.teacher._retraining = (window.network.copy(), x, np.array([1, 2, 3, 4]), ["a", "b", "c", "d"])
    window.teacher.run_ended()


def test_the_before_after_report_is_measured_off_the_gui_thread(qtbot, window) -> None:
    report = window.samples.report
    _pretend_a_retraining_ended(window)
    assert "measuring" in window.statusBar().currentMessage()  # returned at once, report pending
    qtbot.waitUntil(lambda: not report.isHidden(), timeout=10_000)
    assert "MNIST" in window.samples.report_text.text()


def test_undo_while_the_report_is_measured_drops_the_report(qtbot, window) -> None:
    _pretend_a_retraining_ended(window)
    window.teacher.undo_retrain()
    qtbot.wait(500)
    assert window.samples.report.isHidden()


def test_mnist_loads_after_the_first_paint_in_the_background(qtbot, tmp_path) -> None:
    w = create_window(data_dir=tmp_path)
    qtbot.addWidget(w)
    assert not w.data.started  # not beside the window's construction: it slowed the first paint
    with qtbot.waitExposed(w):
        w.show()
    qtbot.waitUntil(lambda: w.data.ready, timeout=10_000)
    assert len(w.mnist().test_x) == 10_000
    w.close()


def test_mnist_is_there_for_whoever_needs_it_before_the_timer(qtbot, tmp_path) -> None:
    w = create_window(data_dir=tmp_path)
    qtbot.addWidget(w)
    assert len(w.mnist().train_x) == 60_000  # loads now and waits for it
    w.close()


def test_mnist_is_there_even_after_the_window_closed(qtbot, tmp_path) -> None:
    w = create_window(data_dir=tmp_path)
    qtbot.addWidget(w)
    w.close()  # before the background load began
    assert len(w.mnist().test_x) == 10_000


def test_a_window_s_saved_settings_stay_in_its_own_test(qtbot, window) -> None:
    from PySide6.QtCore import QSettings

    window.draw.pen_width.setValue(31)
    window.close()  # saves the layout, the pen width, the training settings
    assert QSettings("DigitLab", "Digit Lab").value("penWidth") is not None


def test_the_next_test_starts_from_no_saved_settings(qtbot) -> None:
    from PySide6.QtCore import QSettings

    assert QSettings("DigitLab", "Digit Lab").allKeys() == []  # the previous test's are not here
