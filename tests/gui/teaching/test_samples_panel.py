"""The samples gallery driven as a user drives it: keys, clicks, menus and file dialogs, on real stores."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QFileDialog, QMessageBox

from digitlab.gui.drawing.canvas import Canvas
from digitlab.gui.teaching.gallery import RIGHT
from digitlab.gui.teaching.samples_panel import IDX_FILTER, NPZ_FILTER, WRONG, SamplesPanel
from digitlab.model.preprocess import preprocess
from digitlab.model.retrain import RetrainConfig, RetrainReport
from digitlab.model.samples import SampleStore

# (label, what the stand-in network reads): samples 1 and 4 are read wrong
SAMPLES = [(0, 0), (1, 7), (2, 2), (1, 1), (4, 9), (7, 7)]


def picture(reads_as: int) -> np.ndarray:
    """An image the stand-in network reads as ``reads_as``: a bar whose length encodes it."""
    a = np.zeros((28, 28), dtype=np.float32)
    a[4:24, 12:16] = 0.5
    a[0, : reads_as + 1] = 1.0
    return a


class Reader:
    """A stand-in network: reads the length of the top row's bar; counts its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, ...]] = []

    def __call__(self, x: np.ndarray) -> np.ndarray:
        self.calls.append(x.shape)
        return (x[:, :28] > 0.9).sum(axis=1) - 1


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    store = SampleStore(tmp_path / "samples")
    for label, reads_as in SAMPLES:
        store.add(label, picture(reads_as), predicted=reads_as)
    return tmp_path / "samples"


def make_panel(qtbot, folder: Path, reader: Reader | None = None) -> SamplesPanel:
    panel = SamplesPanel(SampleStore(folder), reader if reader is not None else Reader())
    qtbot.addWidget(panel)
    panel.resize(640, 640)
    with qtbot.waitExposed(panel):
        panel.show()
    return panel


def only_warning(panel: SamplesPanel) -> tuple[str, str]:
    """The one message box the panel shows, (title, text); closed."""
    boxes = [b for b in panel.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1, [b.text() for b in boxes]
    box = boxes[0]
    box.close()
    return box.windowTitle(), box.text()


def click(qtbot, panel: SamplesPanel, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    rect = panel.gallery.visualRect(panel.model.index(row))
    qtbot.mouseClick(panel.gallery.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def labels(panel: SamplesPanel) -> list[int]:
    return [s.label for s in panel.visible_samples()]


def test_gallery_shows_every_sample_with_label_and_what_the_network_reads(qtbot, folder):
    reader = Reader()
    panel = make_panel(qtbot, folder, reader)
    assert panel.objectName() == "samples"
    assert labels(panel) == [label for label, _ in SAMPLES]
    assert reader.calls == [(6, 784)]  # one batched prediction for all samples
    model = panel.model
    assert [model.index(r).data() for r in range(6)] == ["0", "1", "2", "1", "4", "7"]
    assert not model.index(0).data(Qt.ItemDataRole.DecorationRole).isNull()
    assert "reads it as 7" in model.index(1).data(Qt.ItemDataRole.ToolTipRole)
    assert "6 samples" in panel.count.text() and "2 read wrong" in panel.count.text()
    assert not panel.problems.isVisible()

    # the wrong ones are framed in vermillion on screen; the right ones are not
    image = panel.gallery.viewport().grab().toImage()

    def framed(row: int) -> bool:
        rect = panel.gallery.visualRect(model.index(row))
        colours = {image.pixelColor(x, y).rgb() for x in range(rect.left(), rect.right())
                   for y in range(rect.top(), rect.bottom())}
        return WRONG.rgb() in colours

    assert [framed(r) for r in range(6)] == [False, True, False, False, True, False]


def test_digit_key_relabels_the_selection_and_it_persists(qtbot, folder):
    panel = make_panel(qtbot, folder)
    click(qtbot, panel, 1)  # labelled 1, read as 7: the user says it is a 7 after all
    click(qtbot, panel, 4, Qt.KeyboardModifier.ControlModifier)  # and adds another to the selection
    qtbot.keyClick(panel.gallery, Qt.Key.Key_7)
    assert labels(panel) == [0, 7, 2, 1, 7, 7]
    assert "1 read wrong" in panel.count.text()  # 4 -> 7, still read as 9
    assert panel.selected_samples()  # the selection survives the relabel

    again = make_panel(qtbot, folder)  # a restart: new store, new panel, same folder
    assert labels(again) == [0, 7, 2, 1, 7, 7]


def test_context_menu_relabels(qtbot, folder):
    panel = make_panel(qtbot, folder)
    click(qtbot, panel, 0)
    menu = panel.context_menu()
    action = menu.findChild(type(menu.actions()[0]), "labelAs3")
    assert action.isChecked() is False
    action.trigger()
    assert labels(panel)[0] == 3
    assert labels(make_panel(qtbot, folder))[0] == 3
    panel.gallery.clearSelection()
    assert panel.context_menu() is None


def test_delete_key_deletes_and_undo_restores_it_in_place(qtbot, folder):
    panel = make_panel(qtbot, folder)
    first_ids = [s.id for s in panel.visible_samples()]
    click(qtbot, panel, 2)
    qtbot.keyClick(panel.gallery, Qt.Key.Key_Delete)
    assert labels(panel) == [0, 1, 1, 4, 7]
    assert labels(make_panel(qtbot, folder)) == [0, 1, 1, 4, 7]  # gone from disk too
    assert panel.undo_delete_button.isEnabled()
    qtbot.mouseClick(panel.undo_delete_button, Qt.MouseButton.LeftButton)
    assert [s.id for s in panel.visible_samples()] == first_ids
    assert [s.id for s in make_panel(qtbot, folder).visible_samples()] == first_ids
    assert not panel.undo_delete_button.isEnabled()


def test_delete_button_and_ctrl_z(qtbot, folder):
    panel = make_panel(qtbot, folder)
    panel.activateWindow()
    click(qtbot, panel, 0)
    click(qtbot, panel, 5, Qt.KeyboardModifier.ShiftModifier)  # all six
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert labels(panel) == [] and len(SampleStore(folder)) == 0
    assert "No samples yet" in panel.gallery.empty_text
    panel.gallery.setFocus()
    qtbot.keyClick(panel.gallery, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(panel.visible_samples()) == 6, timeout=2000)
    assert len(SampleStore(folder)) == 6


def test_filters_by_digit_and_by_wrong_now(qtbot, folder):
    panel = make_panel(qtbot, folder)
    panel.digit_filter.setCurrentIndex(panel.digit_filter.findData(1))
    assert labels(panel) == [1, 1]
    assert panel.count.text().startswith("showing 2 of 6")
    panel.wrong_only.setChecked(True)
    assert [(s.label, s.predicted) for s in panel.visible_samples()] == [(1, 7)]
    panel.digit_filter.setCurrentIndex(0)  # all digits, wrong now
    assert labels(panel) == [1, 4]
    panel.set_predict(lambda x: np.array([0, 1, 2, 1, 4, 7]))  # a network that reads them all right
    assert labels(panel) == []
    assert panel.gallery.empty_text == "No sample matches the filter."


def test_buttons_emit_their_signals(qtbot, folder):
    panel = make_panel(qtbot, folder)
    panel.replay.setValue(24)
    panel.augment.setChecked(False)
    with qtbot.waitSignal(panel.retrain_requested, timeout=1000) as signal:
        qtbot.mouseClick(panel.findChild(type(panel.retrain_button), "retrain"), Qt.MouseButton.LeftButton)
    config = signal.args[0]
    assert isinstance(config, RetrainConfig) and config.replay_ratio == 24 and config.augment is False

    undo = panel.findChild(type(panel.retrain_button), "undoRetrain")
    assert not undo.isEnabled()
    panel.set_undo_retrain_available(True)
    with qtbot.waitSignal(panel.undo_retrain_requested, timeout=1000):
        qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.train_from_scratch_requested, timeout=1000):
        qtbot.mouseClick(panel.scratch_button, Qt.MouseButton.LeftButton)

    panel.set_training(True)
    assert not panel.retrain_button.isEnabled() and not panel.scratch_button.isEnabled()
    panel.set_training(False)
    assert panel.retrain_button.isEnabled()
    click(qtbot, panel, 4)
    with qtbot.waitSignal(panel.sample_activated, timeout=1000) as activated:
        qtbot.keyClick(panel.gallery, Qt.Key.Key_Return)
    assert activated.args[0].label == 4


def test_retrain_is_disabled_without_samples(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path / "empty")
    assert not panel.retrain_button.isEnabled() and not panel.export_button.isEnabled()


def test_report_shows_before_and_after_and_what_flipped(qtbot, folder):
    panel = make_panel(qtbot, folder)
    ids = tuple(s.id for s in panel.visible_samples())
    report = RetrainReport(
        n_samples=6, samples_accuracy_before=4 / 6, samples_accuracy_after=5 / 6,
        mnist_accuracy_before=0.9871, mnist_accuracy_after=0.9841,
        predicted_before=(0, 7, 2, 1, 9, 7), predicted_after=(0, 1, 2, 1, 9, 1), labels=(0, 1, 2, 1, 4, 7),
        flipped_right=(1,), flipped_wrong=(5,), sample_ids=ids)
    assert not panel.report.isVisible()
    panel.show_report(report)
    assert panel.report.isVisible()
    text = panel.report_text.text()
    for figure in ("66.7%", "83.3%", "98.71%", "98.41%", "-0.30 points", "4 \u2192 5 of 6"):
        assert figure in text
    assert not panel.flipped_right.pixmap().isNull() and not panel.flipped_wrong.pixmap().isNull()
    panel.show_report(RetrainReport(1, 0.0, 1.0, None, None, (7,), (1,), (1,), (0,), ()))
    assert "MNIST" not in panel.report_text.text()
    assert panel.flipped_right.text() == "Now read right: 1" and panel.flipped_wrong.text() == "Now read wrong: none"


def test_report_shows_mnist_accuracy_per_digit(qtbot, folder):
    panel = make_panel(qtbot, folder)
    before = (0.99, 0.995, 0.98, 0.97, 0.985, 0.98, 0.99, 0.975, 0.96, 0.97)
    after = (0.99, 0.995, 0.98, 0.97, 0.985, 0.98, 0.99, 0.95, 0.96, 0.99)  # 7 down, 9 up
    report = RetrainReport(
        n_samples=1, samples_accuracy_before=0.0, samples_accuracy_after=1.0,
        mnist_accuracy_before=0.98, mnist_accuracy_after=0.98, predicted_before=(7,), predicted_after=(1,),
        labels=(1,), flipped_right=(0,), flipped_wrong=(), mnist_per_digit_before=before, mnist_per_digit_after=after)
    panel.show_report(report)
    text = panel.report_text.text()
    assert "% per digit" in text
    assert "97.5" in text and "95.0" in text and "96.0" in text and "99.0" in text
    assert text.count(WRONG.name()) == 1 and text.count(RIGHT.name()) == 1  # 7 fell, 9 rose
    # all ten digits fit a narrow dock's width (ten columns in one row were cut after the 8)
    panel.resize(280, 900)
    with qtbot.waitExposed(panel):
        panel.show()
    label = panel.report_text
    doc = QTextDocument()  # the per-digit table as the label lays it out: words wrap, a table cannot
    doc.setDefaultFont(label.font())
    doc.setHtml(text[text.index("MNIST test, % per digit") - len("<p style='font-size:small'>"):])
    doc.setDocumentMargin(0)
    assert doc.idealWidth() <= label.width(), (doc.idealWidth(), label.width())


def test_export_and_import_through_the_dialogs(qtbot, folder, tmp_path, monkeypatch):
    panel = make_panel(qtbot, folder)
    out = tmp_path / "mine.npz"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), NPZ_FILTER))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert out.exists() and "Exported 6 samples" in panel.count.text()
    base = tmp_path / "digits"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(base), IDX_FILTER))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    images = tmp_path / "digits-images-idx3-ubyte"
    assert images.exists() and (tmp_path / "digits-labels-idx1-ubyte").exists()

    other = make_panel(qtbot, tmp_path / "other")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(out), NPZ_FILTER))
    with qtbot.waitSignal(other.samples_changed, timeout=1000):
        qtbot.mouseClick(other.import_button, Qt.MouseButton.LeftButton)
    assert labels(other) == [label for label, _ in SAMPLES]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(images), IDX_FILTER))
    with qtbot.waitSignal(other.samples_changed, timeout=5000):
        qtbot.mouseClick(other.import_button, Qt.MouseButton.LeftButton)  # finds the labels file beside it
    assert len(other.visible_samples()) == 12 and len(SampleStore(tmp_path / "other")) == 12


def test_a_bad_file_is_explained_and_nothing_is_imported(qtbot, folder, tmp_path, monkeypatch):
    panel = make_panel(qtbot, folder)
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"PK\x03\x04 not really an archive")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), NPZ_FILTER))
    qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.importing, timeout=5000)
    title, text = only_warning(panel)
    assert title == "Cannot import" and "broken.npz" in text and "Nothing was imported" in text
    assert len(panel.visible_samples()) == 6 and len(SampleStore(folder)) == 6


def test_damaged_files_in_the_folder_are_reported(qtbot, folder):
    (folder / f"{'ab' * 16}.npz").write_bytes(b"garbage")
    panel = make_panel(qtbot, folder)
    assert panel.problems.isVisible()
    assert "1 file" in panel.problems.text() and "ab" * 16 in panel.problems.toolTip()
    assert len(panel.visible_samples()) == 6


def test_a_drawing_kept_from_the_canvas_shows_up_and_its_strokes_redraw_it(qtbot, tmp_path):
    """What the window does on a digit key: preprocess the canvas, add the sample, clear."""
    canvas = Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(280, 280)
    with qtbot.waitExposed(canvas):
        canvas.show()
    points = [QPoint(140, 40 + 10 * i) for i in range(21)]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=points[0])
    for p in points[1:]:
        qtbot.mouseMove(canvas, p)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=points[-1])

    panel = make_panel(qtbot, tmp_path / "samples")
    with qtbot.waitSignal(panel.samples_changed, timeout=1000):
        sample = panel.add_sample(1, preprocess(canvas.to_array()).image, canvas.strokes(), predicted=7)
    assert labels(panel) == [1] and panel.selected_samples() == [sample]

    kept = SampleStore(tmp_path / "samples").all()[0]  # after a restart
    redrawn = Canvas()
    qtbot.addWidget(redrawn)
    redrawn.set_strokes(kept.strokes)
    np.testing.assert_array_equal(redrawn.to_array(), canvas.to_array())
    np.testing.assert_array_equal(kept.image, preprocess(canvas.to_array()).image)
    assert kept.was_wrong


# ------------------------------------------------------------------ issue #10: failures in words


def _fail_writes(monkeypatch, after: int, error: OSError) -> None:
    """The file system refuses every sample delete or write after the first ``after``."""
    calls = [0]
    real_unlink, real_open = os.unlink, os.open

    def check(path) -> None:
        calls[0] += 1
        if calls[0] > after:
            raise type(error)(error.errno, error.strerror, os.fspath(path))

    def unlink(path, **kw):
        if str(path).endswith(".npz"):
            check(path)
        return real_unlink(path, **kw)

    def open_(path, flags, *a, **kw):
        if flags & os.O_CREAT:
            check(path)
        return real_open(path, flags, *a, **kw)

    monkeypatch.setattr(os, "unlink", unlink)
    monkeypatch.setattr(os, "open", open_)


def test_a_delete_failing_half_way_is_said_and_what_it_deleted_can_be_undone(qtbot, folder, monkeypatch):
    # case 4: an uncaught PermissionError, and the samples deleted first were lost for good
    panel = make_panel(qtbot, folder)
    panel.gallery.selectAll()
    with monkeypatch.context() as m:
        _fail_writes(m, 2, PermissionError(13, "Permission denied"))
        panel.delete_selected()
    title, text = only_warning(panel)
    assert title == "Cannot delete" and "Deleted 2 of 6" in text and "Permission denied" in text
    assert len(panel.visible_samples()) == len(SampleStore(folder)) == 4
    assert panel.undo_delete_button.isEnabled()
    panel.undo_delete()
    assert len(panel.visible_samples()) == len(SampleStore(folder)) == 6


def test_an_undo_failing_half_way_keeps_the_rest_undoable(qtbot, folder, monkeypatch):
    panel = make_panel(qtbot, folder)
    panel.gallery.selectAll()
    panel.delete_selected()
    with monkeypatch.context() as m:
        _fail_writes(m, 3, OSError(28, "No space left on device"))
        panel.undo_delete()
    title, text = only_warning(panel)
    assert "Brought back 3 of 6" in text and "No space left on device" in text
    assert len(panel.visible_samples()) == len(SampleStore(folder)) == 3
    panel.undo_delete()
    assert len(panel.visible_samples()) == len(SampleStore(folder)) == 6


def test_a_relabel_in_an_unwritable_folder_is_said(qtbot, folder, monkeypatch):
    panel = make_panel(qtbot, folder)
    panel.gallery.selectAll()
    with monkeypatch.context() as m:
        _fail_writes(m, 0, PermissionError(13, "Permission denied"))
        panel.relabel_selected(3)
    title, text = only_warning(panel)
    assert title == "Cannot relabel" and "Relabelled 0 of" in text and "Permission denied" in text
    assert labels(panel) == [label for label, _ in SAMPLES] == [s.label for s in SampleStore(folder).all()]


def test_a_long_import_runs_off_the_gui_thread_with_progress(qtbot, tmp_path, monkeypatch):
    # case 9: importing 10,000 IDX samples blocked the window for 3.7 s
    images = (np.random.default_rng(0).random((1200, 28, 28)) * 255).astype(np.uint8)
    base = tmp_path / "many"
    with open(f"{base}-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">HBBIII", 0, 8, 3, 1200, 28, 28) + images.tobytes())
    with open(f"{base}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">HBBI", 0, 8, 1, 1200) + (np.arange(1200) % 10).astype(np.uint8).tobytes())
    panel = make_panel(qtbot, tmp_path / "mine")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (f"{base}-images-idx3-ubyte", IDX_FILTER))
    qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    assert panel.importing and panel.import_progress.isVisible() and not panel.import_button.isEnabled()
    seen = set()
    while panel.importing:
        qtbot.wait(20)  # the event loop runs while the samples are written
        seen.add(panel.import_progress.value())
    assert len(seen) > 1  # progress moved
    assert len(panel.visible_samples()) == len(SampleStore(tmp_path / "mine")) == 1200
    assert not panel.import_progress.isVisible() and "Imported 1200" in panel.count.text()
