"""The "Your samples" gallery: the user's labelled drawings, what the network reads now, retraining.

Every sample of a ``model.samples.SampleStore`` is a thumbnail with its label underneath and, when
the current network reads it as another digit, a vermillion frame and "reads as 5". The gallery is
a ``QListView`` in icon mode over a small list model (one row per visible sample) and a delegate
that paints each card, so a few thousand samples scroll smoothly; predictions come from one
batched call of the ``predict`` function the panel was given (``refresh``).

Relabel: select and press a digit key, or right-click > Label as. Delete: the Delete key, the
button or the context menu; "Undo delete" (or Ctrl+Z in the panel) puts the last deletion back.
Filters: one digit, and "wrong now". Export and import go through file dialogs (``.npz``, IDX).

Retraining is the window's business: the buttons only emit ``retrain_requested`` (with a
``RetrainConfig`` built from the mix controls), ``undo_retrain_requested`` and
``train_from_scratch_requested``; afterwards the window calls ``show_report``.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QKeyEvent, QKeySequence, QPaintEvent, QPainter, QPalette, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from gui.images import gray_image, scaled_pixmap
from model.retrain import RetrainConfig, RetrainReport
from model.samples import Sample, SampleFileError, SampleStore

Predict = Callable[[np.ndarray], np.ndarray]  # (n, 784) float32 -> (n,) digits

THUMB = 56  # px: each MNIST pixel a 2x2 square
CELL = QSize(84, 104)
WRONG = QColor(213, 94, 0)  # Okabe-Ito vermillion: read wrong now
RIGHT = QColor(0, 158, 115)  # Okabe-Ito bluish green, as the prediction view's guess
EMPTY_TEXT = ("No samples yet.\n\nDraw a digit, then press its key (0\u20139) or click it under the "
              "output bars: the drawing is kept here with its label.")
FILTERED_TEXT = "No sample matches the filter."
MAX_STRIP = 12  # flipped samples shown in the report
IDX_IMAGES, IDX_LABELS = "-images-idx3-ubyte", "-labels-idx1-ubyte"
NPZ_FILTER = "Digit Lab samples (*.npz)"
IDX_FILTER = "MNIST IDX files (*idx3-ubyte *idx3-ubyte.gz)"

SampleRole = Qt.ItemDataRole.UserRole + 1  # the Sample
PredictedRole = Qt.ItemDataRole.UserRole + 2  # int, or None without a network
WrongRole = Qt.ItemDataRole.UserRole + 3  # bool: the network reads it as another digit now


class SampleListModel(QAbstractListModel):
    """The visible samples, each with the current network's answer; thumbnails cached by id."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Sample] = []
        self.predicted: dict[str, int] = {}
        self._thumbs: dict[str, QPixmap] = {}

    def set_rows(self, rows: list[Sample]) -> None:
        if [s.id for s in rows] == [s.id for s in self.rows]:
            self.rows = rows  # same samples (a relabel, new predictions): keep selection and scroll
            if rows:
                self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def thumbnail(self, sample: Sample) -> QPixmap:
        pixmap = self._thumbs.get(sample.id)
        if pixmap is None:  # the image of an id never changes
            pixmap = self._thumbs[sample.id] = scaled_pixmap(gray_image(sample.image), THUMB)
        return pixmap

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        s = self.rows[index.row()]
        predicted = self.predicted.get(s.id)
        if role == Qt.ItemDataRole.DisplayRole:
            return str(s.label)
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnail(s)
        if role == Qt.ItemDataRole.ToolTipRole:
            now = "no network" if predicted is None else f"the network reads it as {predicted}"
            then = "" if s.predicted is None else f"; read as {s.predicted} when it was labelled"
            return f"labelled {s.label}: {now}{then}\n{s.created[:19].replace('T', ' ')} UTC"
        if role == SampleRole:
            return s
        if role == PredictedRole:
            return predicted
        if role == WrongRole:
            return predicted is not None and predicted != s.label
        return None


class SampleDelegate(QStyledItemDelegate):
    """A card: the thumbnail (framed when read wrong), the label, and what the network reads."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return CELL

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        sample: Sample = index.data(SampleRole)
        predicted = index.data(PredictedRole)
        wrong = bool(index.data(WrongRole))
        palette = option.palette
        card = QRect(0, 0, CELL.width() - 6, CELL.height() - 6)
        card.moveCenter(option.rect.center())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = palette.color(QPalette.ColorRole.Highlight) if selected else palette.color(QPalette.ColorRole.AlternateBase)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(card, 6, 6)

        thumb = QRect(card.center().x() - THUMB // 2 + 1, card.top() + 6, THUMB, THUMB)
        painter.drawPixmap(thumb, index.data(Qt.ItemDataRole.DecorationRole))
        if wrong:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(QPen(WRONG, 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(thumb.adjusted(-2, -2, 1, 1))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        text = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        painter.setFont(font)
        painter.setPen(text)
        line = QRect(card.left(), thumb.bottom() + 4, card.width(), 18)
        painter.drawText(line, Qt.AlignmentFlag.AlignCenter, str(sample.label))
        font = QFont(option.font)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        painter.setFont(font)
        line.translate(0, 17)
        if predicted is None:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(line, Qt.AlignmentFlag.AlignCenter, "not read")
        elif wrong:
            painter.setPen(text if selected else WRONG)
            painter.drawText(line, Qt.AlignmentFlag.AlignCenter, f"reads as {predicted}")
        else:
            painter.setPen(text if selected else RIGHT)
            painter.drawText(line, Qt.AlignmentFlag.AlignCenter, "\u2713 read right")
        painter.restore()


class Gallery(QListView):
    """The thumbnails, wrapping left to right; digit keys relabel, Delete deletes."""

    digit_pressed = Signal(int)
    delete_pressed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("gallery")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWrapping(True)
        self.setGridSize(CELL + QSize(4, 4))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setItemDelegate(SampleDelegate(self))
        self.setMinimumHeight(CELL.height() + 12)
        self.empty_text = EMPTY_TEXT

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0:
            with QPainter(self.viewport()) as p:
                p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
                p.drawText(self.viewport().rect().adjusted(20, 20, -20, -20),
                           Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, text = event.key(), event.text()
        # Shift may be how a digit is typed (AZERTY keyboards); Ctrl, Alt and Meta make shortcuts
        chord = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
        if len(text) == 1 and text in "0123456789" and not event.modifiers() & chord:
            self.digit_pressed.emit(int(text))
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
        else:
            super().keyPressEvent(event)


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
        top = QHBoxLayout()
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
        hint = QLabel("Select, then press 0\u20139 to relabel (or right-click)")
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        edit = QHBoxLayout()
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
        mix = QHBoxLayout()
        mix.addWidget(QLabel("Mix"))
        mix.addWidget(self.replay)
        mix.addWidget(self.augment)
        mix.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retrain_button)
        buttons.addWidget(self.undo_retrain_button)
        buttons.addStretch(1)
        buttons.addWidget(self.scratch_button)

        self.report = QFrame(objectName="retrainReport")
        self.report.setFrameShape(QFrame.Shape.StyledPanel)
        self.report_text = QLabel(objectName="retrainReportText")
        self.report_text.setTextFormat(Qt.TextFormat.RichText)
        self.flipped_right = QLabel(objectName="flippedRight")
        self.flipped_wrong = QLabel(objectName="flippedWrong")
        for label in (self.report_text, self.flipped_right, self.flipped_wrong):  # never widen the panel
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        grid = QGridLayout(self.report)
        grid.addWidget(self.report_text, 0, 0, 1, 2)
        grid.addWidget(self.flipped_right, 1, 0, 1, 2)
        grid.addWidget(self.flipped_wrong, 2, 0, 1, 2)
        self.report.hide()

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
        def pct(v: float | None, digits: int = 1) -> str:
            return "\u2014" if v is None else f"{v:.{digits}%}"

        right_before = round(report.samples_accuracy_before * report.n_samples)
        right_after = round(report.samples_accuracy_after * report.n_samples)
        rows = [("Your samples", pct(report.samples_accuracy_before), pct(report.samples_accuracy_after),
                 f"{right_before} \u2192 {right_after} of {report.n_samples} read right")]
        if report.mnist_accuracy_before is not None:
            change = (report.mnist_accuracy_after - report.mnist_accuracy_before) * 100
            rows.append(("MNIST test", pct(report.mnist_accuracy_before, 2), pct(report.mnist_accuracy_after, 2),
                         f"{change:+.2f} points"))
        cells = "".join(
            f"<tr><td>{name}&nbsp;&nbsp;</td><td align='right'>{a}</td><td>&nbsp;\u2192&nbsp;</td>"
            f"<td align='right'><b>{b}</b></td><td>&nbsp;&nbsp;<span style='color:gray'>{note}</span></td></tr>"
            for name, a, b, note in rows)
        self.report_text.setText(f"<b>Before \u2192 after retraining</b><table>{cells}</table>")
        self._show_flipped(self.flipped_right, "Now read right", report.flipped_right_ids, len(report.flipped_right), RIGHT)
        self._show_flipped(self.flipped_wrong, "Now read wrong", report.flipped_wrong_ids, len(report.flipped_wrong), WRONG)
        self.report.show()

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

    def _show_flipped(self, label: QLabel, title: str, ids: tuple[str, ...], count: int, colour: QColor) -> None:
        if not count:
            label.setText(f"{title}: none")
            return
        shown = [self.store.get(i) for i in ids if i in self.store]
        if not shown:  # no ids in the report, or those samples are gone
            label.setText(f"{title}: {count}")
            return
        label.setPixmap(_strip(shown[:MAX_STRIP], colour, f"{title} ({count})", label.font(), count - MAX_STRIP))


def _strip(samples: list[Sample], colour: QColor, title: str, font: QFont, more: int) -> QPixmap:
    """A row of thumbnails under a title, framed in ``colour``; "+N more" when ``more`` > 0."""
    side, gap = 32, 4
    width = max(len(samples) * (side + gap) + 70, 200)
    pixmap = QPixmap(width, side + 22)
    pixmap.fill(Qt.GlobalColor.transparent)
    with QPainter(pixmap) as p:
        p.setFont(font)
        p.setPen(colour)
        p.drawText(QRect(0, 0, width, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        for i, s in enumerate(samples):
            rect = QRect(i * (side + gap) + 1, 20, side, side)
            p.drawPixmap(rect, scaled_pixmap(gray_image(s.image), side))
            p.setPen(QPen(colour, 2))
            p.drawRect(rect.adjusted(-1, -1, 0, 0))
        if more > 0:
            p.drawText(QRect(len(samples) * (side + gap) + 4, 20, 66, side), Qt.AlignmentFlag.AlignVCenter, f"+{more} more")
    return pixmap
