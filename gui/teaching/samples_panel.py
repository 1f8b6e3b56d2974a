"""The "Your samples" panel: the user's labelled drawings, what the network reads now, retraining.

Every sample of a ``model.samples.SampleStore`` is a thumbnail with its label underneath and, when
the current network reads it as another digit, a vermillion frame and "reads as 5". The cards,
their list model and view are in ``gui.samples_gallery``; this panel filters the store into them
and gets the predictions from one batched call of the ``predict`` function it was given
(``refresh``).

Relabel: select and press a digit key, or right-click > Label as. Delete: the Delete key, the
button or the context menu; "Undo delete" (or Ctrl+Z in the panel) puts the last deletion back.
Filters: one digit, and "wrong now". Export and import go through file dialogs (``.npz``, IDX).

Every file operation reports its failure in words, in a window-modal box that does not block
the event loop, and leaves memory and disk agreeing: a relabel or delete that fails part-way says
how many samples it changed, and deleted ones go on the undo stack all the same; an undo that fails
part-way keeps the rest on the stack. Imports run off the GUI thread (``model.samples.ImportJob``
on a daemon thread) with a progress bar and a Cancel button; the store takes the new samples in
on the GUI thread when the job ends.

Retraining is the window's business: the buttons only emit ``retrain_requested`` (with a
``RetrainConfig`` built from the mix controls), ``undo_retrain_requested`` and
``train_from_scratch_requested``; afterwards the window calls ``show_report``, which fills the
before-and-after frame of ``gui.retrain_report``.
"""

from __future__ import annotations

import html
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from digitlab.gui.appearance.flow_layout import FlowLayout
from digitlab.gui.teaching.gallery import EMPTY_TEXT, FILTERED_TEXT, WRONG, Gallery, SampleListModel, SampleRole
from digitlab.gui.teaching.retrain_report import RetrainReportFrame
from digitlab.model.retrain import RetrainConfig, RetrainReport
from digitlab.model.samples import ImportJob, Sample, SampleFileError, SampleStore, SampleWriteError

Predict = Callable[[np.ndarray], np.ndarray]  # (n, 784) float32 -> (n,) digits

IDX_IMAGES, IDX_LABELS = "-images-idx3-ubyte", "-labels-idx1-ubyte"
NPZ_FILTER = "Digit Lab samples (*.npz)"
IDX_FILTER = "MNIST IDX files (*idx3-ubyte *idx3-ubyte.gz)"
IMPORT_POLL_MS = 100


def _button(text: str, name: str, tip: str) -> QPushButton:
    b = QPushButton(text, objectName=name)
    b.setToolTip(tip)
    return b


class SamplesPanel(QWidget):
    """The gallery of ``store``'s samples, read by ``predict``, with the retraining controls."""

    retrain_requested = Signal(object)  # a RetrainConfig
    undo_retrain_requested = Signal()
    train_from_scratch_requested = Signal()
    sample_activated = Signal(object)  # a Sample, double-clicked or Enter: e.g. show it on the canvas
    samples_changed = Signal()  # added, relabelled, deleted, restored or imported

    def __init__(self, store: SampleStore, predict: Predict | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("samples")
        self.store = store
        self._predict = predict
        self._undo: list[list[Sample]] = []  # deletions, most recent last
        self.model = SampleListModel()

        self.digit_filter = QComboBox(objectName="digitFilter")
        self.digit_filter.addItem("All digits", None)
        for d in range(10):
            self.digit_filter.addItem(f"Only {d}s", d)
        self.wrong_only = QCheckBox("Wrong now", objectName="wrongOnly")
        self.wrong_only.setToolTip("Show only the samples the current network reads as another digit")
        self.count = QLabel(objectName="sampleCount")
        self.count.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.import_button = _button("Import\u2026", "importSamples", "Add samples from a .npz or MNIST IDX file")
        self.export_button = _button("Export\u2026", "exportSamples", "Save all samples to a .npz or to MNIST IDX files")
        top = FlowLayout()  # rows wrap in a narrow dock
        top.addWidget(self.digit_filter)
        top.addWidget(self.wrong_only)
        top.addWidget(self.count, 1)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)

        self.import_progress = QProgressBar(objectName="importProgress")
        self.import_progress.setFormat("Importing %v of %m samples")
        self.cancel_import_button = _button("Cancel", "cancelImport", "Stop the import (the samples saved so far are kept)")
        importing = QHBoxLayout()
        importing.addWidget(self.import_progress, 1)
        importing.addWidget(self.cancel_import_button)
        self.import_progress.hide()
        self.cancel_import_button.hide()
        self._import: tuple[ImportJob, threading.Thread, list[BaseException]] | None = None
        self._import_timer = QTimer(self, interval=IMPORT_POLL_MS)
        self._import_timer.timeout.connect(self._poll_import)

        self.problems = QLabel(objectName="sampleProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color: {WRONG.name()};")

        self.gallery = Gallery()
        self.gallery.setModel(self.model)

        self.delete_button = _button("Delete", "deleteSamples", "Delete the selected samples (Delete key)")
        self.undo_delete_button = _button("Undo delete", "undoDelete", "Bring back the last deleted samples (Ctrl+Z)")
        hint = QLabel("Select, then press 0\u20139 to relabel (or right-click)", wordWrap=True)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        edit = FlowLayout()
        edit.addWidget(self.delete_button)
        edit.addWidget(self.undo_delete_button)
        edit.addWidget(hint, 1)

        self.replay = QSpinBox(objectName="replayRatio")
        self.replay.setRange(0, 64)
        self.replay.setValue(int(RetrainConfig.replay_ratio))
        self.replay.setPrefix("1 yours : ")
        self.replay.setSuffix(" MNIST")
        self.replay.setToolTip("How many MNIST training images are replayed for each of your drawings while "
                               "retraining. More replay: the network forgets less of MNIST, learns your style slower.")
        self.augment = QCheckBox("Vary my drawings", objectName="augmentSamples")
        self.augment.setChecked(RetrainConfig.augment)
        self.augment.setToolTip("Train on slightly shifted, rotated and scaled copies of your drawings, "
                                "so a few of them teach a style rather than those exact images")
        self.retrain_button = _button("Retrain", "retrain", "Fine-tune the current network on your samples, "
                                      "mixed with MNIST so it keeps what it knew")
        self.undo_retrain_button = _button("Undo retrain", "undoRetrain", "Go back to the network before the last retraining")
        self.scratch_button = _button("Train from scratch with my samples", "trainFromScratch",
                                      "A full training of a new network on MNIST plus your samples")
        font = QFont(self.retrain_button.font())
        font.setBold(True)
        self.retrain_button.setFont(font)
        retrain_box = QGroupBox("Teach it your handwriting")
        mix = FlowLayout()
        mix.addWidget(QLabel("Mix"))
        mix.addWidget(self.replay)
        mix.addWidget(self.augment)
        mix.addStretch(1)
        buttons = FlowLayout()
        buttons.addWidget(self.retrain_button)
        buttons.addWidget(self.undo_retrain_button)
        buttons.addStretch(1)
        buttons.addWidget(self.scratch_button)

        self.report = RetrainReportFrame()
        self.report_text = self.report.text
        self.flipped_right = self.report.flipped_right
        self.flipped_wrong = self.report.flipped_wrong

        box = QVBoxLayout(retrain_box)
        box.addLayout(mix)
        box.addLayout(buttons)
        box.addWidget(self.report)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(importing)
        layout.addWidget(self.problems)
        layout.addWidget(self.gallery, 1)
        layout.addLayout(edit)
        layout.addWidget(retrain_box)

        self.digit_filter.currentIndexChanged.connect(self._rebuild)
        self.wrong_only.toggled.connect(self._rebuild)
        self.gallery.digit_pressed.connect(self.relabel_selected)
        self.gallery.delete_pressed.connect(self.delete_selected)
        self.gallery.customContextMenuRequested.connect(self._context_menu)
        self.gallery.activated.connect(lambda index: self.sample_activated.emit(index.data(SampleRole)))
        self.delete_button.clicked.connect(self.delete_selected)
        self.undo_delete_button.clicked.connect(self.undo_delete)
        undo = QShortcut(QKeySequence.StandardKey.Undo, self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.activated.connect(self.undo_delete)
        self.import_button.clicked.connect(self.import_dialog)
        self.cancel_import_button.clicked.connect(self.cancel_import)
        self.export_button.clicked.connect(self.export_dialog)
        self.retrain_button.clicked.connect(lambda: self.retrain_requested.emit(self.retrain_config()))
        self.undo_retrain_button.clicked.connect(self.undo_retrain_requested)
        self.scratch_button.clicked.connect(self.train_from_scratch_requested)
        self.gallery.selectionModel().selectionChanged.connect(self._update_buttons)
        self._training = False
        self.undo_retrain_button.setEnabled(False)
        self.refresh()

    # ------------------------------------------------------------------------------ public API
    def set_predict(self, predict: Predict | None) -> None:
        """Read the samples with another network (e.g. after a retraining), and show its answers."""
        self._predict = predict
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read every sample again with ``predict`` (one batched call) and redraw the gallery."""
        samples = self.store.all()
        predicted: dict[str, int] = {}
        if self._predict is not None and samples:
            x, _ = self.store.arrays(samples)
            answers = np.asarray(self._predict(x)).reshape(-1)
            predicted = {s.id: int(p) for s, p in zip(samples, answers)}
        self.model.predicted = predicted
        self._rebuild()

    def add_sample(self, label: int, image: np.ndarray, strokes: Sequence[dict] = (),
                   predicted: int | None = None) -> Sample:
        """Save a newly labelled drawing, show it and scroll to it."""
        sample = self.store.add(label, image, strokes, predicted)
        self.refresh()
        self._select([sample.id])
        self.samples_changed.emit()
        return sample

    def retrain_config(self) -> RetrainConfig:
        """The retraining settings the controls show."""
        return RetrainConfig(replay_ratio=float(self.replay.value()), augment=self.augment.isChecked())

    def set_training(self, running: bool) -> None:
        """While a training runs, Retrain and Train from scratch are disabled."""
        self._training = running
        self._update_buttons()

    def set_undo_retrain_available(self, available: bool) -> None:
        self.undo_retrain_button.setEnabled(available)

    def visible_samples(self) -> list[Sample]:
        """The samples the gallery shows now, in order (after the filters)."""
        return list(self.model.rows)

    def selected_samples(self) -> list[Sample]:
        rows = sorted(i.row() for i in self.gallery.selectionModel().selectedIndexes())
        return [self.model.rows[r] for r in rows]

    def show_report(self, report: RetrainReport) -> None:
        """Accuracy on the samples and on MNIST test before and after, and the samples that flipped."""
        self.report.show_report(report, self.store)

    def clear_report(self) -> None:
        self.report.hide()

    # ------------------------------------------------------------------------------ edits
    @Slot(int)
    def relabel_selected(self, label: int) -> None:
        chosen = [s.id for s in self.selected_samples() if s.label != label]
        try:
            self.store.relabel_many(chosen, label)
        except SampleWriteError as e:
            self._warn("Cannot relabel", f"Relabelled {len(e.done)} of {e.total} samples as {label}; the others "
                                         f"keep their labels.\n\n{_reason(e.error)}")
        self._rebuild()
        self.samples_changed.emit()

    @Slot()
    def delete_selected(self) -> None:
        chosen = self.selected_samples()
        if not chosen:
            return
        try:
            deleted = self.store.delete_many([s.id for s in chosen])
        except SampleWriteError as e:
            deleted = e.done
            undo = " (Undo delete brings them back)" if deleted else ""
            self._warn("Cannot delete", f"Deleted {len(deleted)} of {e.total} samples{undo}; the others are "
                                        f"kept.\n\n{_reason(e.error)}")
        if deleted:
            self._undo.append(deleted)
        self._rebuild()
        self.samples_changed.emit()

    @Slot()
    def undo_delete(self) -> None:
        if not self._undo:
            return
        batch = self._undo.pop()
        try:
            restored = self.store.restore_many(batch)
        except SampleWriteError as e:
            restored = e.done
            self._undo.append(batch[len(restored):])  # still deleted: still undoable
            self._warn("Cannot undo the delete", f"Brought back {len(restored)} of {e.total} samples; Undo delete "
                                                 f"can try the others again.\n\n{_reason(e.error)}")
        self.refresh()  # restored samples need a prediction
        self._select([s.id for s in restored])
        self.samples_changed.emit()

    # ------------------------------------------------------------------------------ files
    @Slot()
    def export_dialog(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(self, "Export samples", "digitlab-samples.npz",
                                                   f"{NPZ_FILTER};;{IDX_FILTER}")
        if not path:
            return
        try:
            if chosen == IDX_FILTER or not path.endswith(".npz"):
                base = path.removesuffix(".gz")
                for suffix in (IDX_IMAGES, IDX_LABELS, "-idx3-ubyte", "-idx1-ubyte"):
                    base = base.removesuffix(suffix)
                n = self.store.export_idx(base + IDX_IMAGES, base + IDX_LABELS)
                where = f"{Path(base).name}{IDX_IMAGES} and {Path(base).name}{IDX_LABELS}"
            else:
                n = self.store.export_npz(path)
                where = Path(path).name
        except (OSError, ValueError) as e:
            self._warn("Cannot export", f"The samples could not be saved to {path}:\n\n{_reason(e)}")
            return
        self.count.setText(f"Exported {n} samples to {where}")

    @Slot()
    def import_dialog(self) -> None:
        if self.importing:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Import samples", "", f"{NPZ_FILTER};;{IDX_FILTER};;All files (*)")
        if not path:
            return
        if path.endswith(".npz"):
            job = self.store.npz_import(path)
        else:
            labels = self._labels_file_for(path)
            if not labels:
                return
            job = self.store.idx_import(path, labels)
        self.start_import(job)

    @property
    def importing(self) -> bool:
        return self._import is not None

    def start_import(self, job: ImportJob) -> None:
        """Run ``job`` on a thread of its own, showing its progress; the gallery takes the new
        samples in when it ends (``import_finished`` then fires)."""
        errors: list[BaseException] = []

        def run() -> None:
            try:
                job.run()
            except BaseException as e:  # handed to the GUI thread, which says it or raises it
                errors.append(e)

        thread = threading.Thread(target=run, name="samples-import", daemon=True)
        self._import = (job, thread, errors)
        self.import_progress.setRange(0, 0)  # busy until the file is read
        self.import_progress.show()
        self.cancel_import_button.show()
        self._update_buttons()
        thread.start()
        self._import_timer.start()

    @Slot()
    def cancel_import(self, wait_s: float = 0.0) -> None:
        """Stop the import after the chunk being written (what was saved is kept); wait up to
        ``wait_s`` seconds for it to stop (e.g. when the window closes)."""
        if self._import is None:
            return
        job, thread, _ = self._import
        job.cancel()
        if wait_s > 0:
            thread.join(wait_s)
            self._poll_import()

    @Slot()
    def _poll_import(self) -> None:
        if self._import is None:
            return
        job, thread, errors = self._import
        if job.total:
            self.import_progress.setRange(0, job.total)
            self.import_progress.setValue(job.done)
        if thread.is_alive():
            return
        self._import = None
        self._import_timer.stop()
        self.import_progress.hide()
        self.cancel_import_button.hide()
        self.store.adopt(job)
        self.refresh()
        n = job.done
        if errors:
            e = errors[0]
            if isinstance(e, SampleFileError):
                self._warn("Cannot import", f"{e}\n\nNothing was imported.")
            elif isinstance(e, (OSError, ValueError)):
                kept = f"; the {n} saved are kept" if n else ""
                self._warn("Cannot import", f"Saving the imported samples failed after {n} of {job.total}{kept}."
                                            f"\n\n{_reason(e)}")
            else:
                raise e  # a bug: the application's handler reports it
        else:
            cancelled = f" (cancelled after {n} of {job.total})" if job.cancelled and n < job.total else ""
            self.count.setText(f"Imported {n} new samples{cancelled}" + ("" if n or job.cancelled else " (all were here already)"))
        if n:
            self.samples_changed.emit()

    def _labels_file_for(self, images: str) -> str:
        """The IDX labels file beside ``images`` (images -> labels, idx3 -> idx1), or ask for it."""
        folder, name = os.path.split(images)
        guess = os.path.join(folder, name.replace("images", "labels").replace("idx3", "idx1"))
        if guess != images and os.path.isfile(guess):
            return guess
        path, _ = QFileDialog.getOpenFileName(self, f"Choose the labels file for {name}", folder,
                                              "MNIST IDX labels (*idx1-ubyte *idx1-ubyte.gz);;All files (*)")
        return path

    # ------------------------------------------------------------------------------ internals
    def _rebuild(self) -> None:
        digit = self.digit_filter.currentData()
        wrong_only = self.wrong_only.isChecked()
        predicted = self.model.predicted
        every = self.store.all()
        rows = [s for s in every
                if (digit is None or s.label == digit)
                and (not wrong_only or (s.id in predicted and predicted[s.id] != s.label))]
        self.model.set_rows(rows)
        self.gallery.empty_text = EMPTY_TEXT if not every else FILTERED_TEXT
        self.gallery.viewport().update()
        n_wrong = sum(1 for s in every if s.id in predicted and predicted[s.id] != s.label)
        text = f"{len(every)} sample{'s' * (len(every) != 1)}"
        if predicted:
            text += f" \u00b7 {n_wrong} read wrong now"
        if len(rows) != len(every):
            text = f"showing {len(rows)} of {text}"
        self.count.setText(text)
        problems = self.store.problems
        self.problems.setVisible(bool(problems))
        if problems:
            many = len(problems) != 1
            self.problems.setText(f"\u26a0 {len(problems)} file{'s' * many} in the samples folder could not be "
                                  f"read and {'were' if many else 'was'} skipped (hover for details)")
            self.problems.setToolTip(html.escape("\n".join(problems[:20])))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = len(self.store) > 0
        self.delete_button.setEnabled(self.gallery.selectionModel().hasSelection())
        self.undo_delete_button.setEnabled(bool(self._undo))
        self.export_button.setEnabled(has)
        self.import_button.setEnabled(self._import is None)
        self.retrain_button.setEnabled(has and not self._training)
        self.scratch_button.setEnabled(has and not self._training)

    def _warn(self, title: str, text: str) -> None:
        """A window-modal message that does not block the event loop (nor a test driving it)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("samplesWarning")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _select(self, ids: list[str]) -> None:
        wanted = set(ids)
        selection = self.gallery.selectionModel()
        selection.clearSelection()
        last = None
        for row, s in enumerate(self.model.rows):
            if s.id in wanted:
                last = self.model.index(row)
                selection.select(last, selection.SelectionFlag.Select)
        if last is not None:
            self.gallery.setCurrentIndex(last)
            self.gallery.scrollTo(last)
        self._update_buttons()

    @Slot(QPoint)
    def _context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu()
        if menu is not None:
            menu.exec(self.gallery.viewport().mapToGlobal(pos))

    def context_menu(self) -> QMenu | None:
        """The right-click menu for the selection: Label as 0-9, Delete."""
        chosen = self.selected_samples()
        if not chosen:
            return None
        menu = QMenu(self)
        label_as = menu.addMenu("Label as")
        for d in range(10):
            action = label_as.addAction(str(d))
            action.setObjectName(f"labelAs{d}")
            action.setCheckable(True)
            action.setChecked(all(s.label == d for s in chosen))
            action.triggered.connect(lambda _=False, d=d: self.relabel_selected(d))
        menu.addAction("Delete", self.delete_selected).setObjectName("deleteAction")
        return menu


def _reason(error: BaseException) -> str:
    """An error in words: "Permission denied: /path/to/file" rather than "[Errno 13] ..."."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return str(error)
