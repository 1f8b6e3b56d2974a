"""The "Your samples" panel: the user's labelled drawings, what the network reads now, retraining.

Every sample of a ``model.samples.SampleStore`` is a thumbnail with its label underneath and, when
the current network reads it as another digit, a vermillion frame and "reads as 5". The cards,
their list model and view are in ``gui.samples_gallery``; this panel filters the store into them
and gets the predictions from one batched call of the ``predict`` function it was given
(``refresh``).

Relabel: select and press a digit key, or right-click > Label as. Delete: the Delete key, the
button or the context menu; "Undo delete" (or Ctrl+Z in the panel) puts the last deletion back.
Filters: one digit, and "wrong now". Export and import go through file dialogs (``.npz``, IDX).

Retraining is the window's business: the buttons only emit ``retrain_requested`` (with a
``RetrainConfig`` built from the mix controls), ``undo_retrain_requested`` and
``train_from_scratch_requested``; afterwards the window calls ``show_report``, which fills the
before-and-after frame of ``gui.retrain_report``.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtGui import QFont, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from digitlab.gui.appearance.flow_layout import FlowLayout
from digitlab.gui.teaching.gallery import EMPTY_TEXT, FILTERED_TEXT, WRONG, Gallery, SampleListModel, SampleRole
from digitlab.gui.teaching.retrain_report import RetrainReportFrame
from digitlab.model.retrain import RetrainConfig, RetrainReport
from digitlab.model.samples import Sample, SampleFileError, SampleStore

Predict = Callable[[np.ndarray], np.ndarray]  # (n, 784) float32 -> (n,) digits

IDX_IMAGES, IDX_LABELS = "-images-idx3-ubyte", "-labels-idx1-ubyte"
NPZ_FILTER = "Digit Lab samples (*.npz)"
IDX_FILTER = "MNIST IDX files (*idx3-ubyte *idx3-ubyte.gz)"


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
        for s in self.selected_samples():
            if s.label != label:
                self.store.relabel(s.id, label)
        self._rebuild()
        self.samples_changed.emit()

    @Slot()
    def delete_selected(self) -> None:
        chosen = self.selected_samples()
        if not chosen:
            return
        self._undo.append([self.store.delete(s.id) for s in chosen])
        self._rebuild()
        self.samples_changed.emit()

    @Slot()
    def undo_delete(self) -> None:
        if not self._undo:
            return
        batch = self._undo.pop()
        for s in batch:
            self.store.restore(s)
        self.refresh()  # restored samples need a prediction
        self._select([s.id for s in batch])
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
            QMessageBox.warning(self, "Cannot export", f"The samples could not be saved to {path}:\n\n{e}")
            return
        self.count.setText(f"Exported {n} samples to {where}")

    @Slot()
    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import samples", "", f"{NPZ_FILTER};;{IDX_FILTER};;All files (*)")
        if not path:
            return
        try:
            if path.endswith(".npz"):
                n = self.store.import_npz(path)
            else:
                labels = self._labels_file_for(path)
                if not labels:
                    return
                n = self.store.import_idx(path, labels)
        except SampleFileError as e:
            QMessageBox.warning(self, "Cannot import", f"{e}\n\nNothing was imported.")
            return
        except OSError as e:
            QMessageBox.warning(self, "Cannot import", f"Saving the imported samples failed:\n\n{e}")
            self.refresh()
            return
        self.refresh()
        self.samples_changed.emit()
        self.count.setText(f"Imported {n} new samples" + ("" if n else " (all were here already)"))

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
        self.retrain_button.setEnabled(has and not self._training)
        self.scratch_button.setEnabled(has and not self._training)

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
