"""The before-and-after report of a retraining, shown under the retrain buttons of "Your samples".

One frame: a small table of accuracies (your samples, and MNIST test when it was measured) before
and after, then the samples that flipped, as strips of thumbnails framed in bluish green ("now
read right") or vermillion ("now read wrong"). The numbers come from ``model.retrain.RetrainReport``;
the thumbnails from the ``SampleStore`` the report's sample ids point into.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QWidget

from digitlab.gui.appearance.contrast import readable
from digitlab.gui.images import gray_image, scaled_pixmap
from digitlab.gui.teaching.gallery import RIGHT, WRONG
from digitlab.model.retrain import RetrainReport
from digitlab.model.samples import Sample, SampleStore

MAX_STRIP = 12  # flipped samples shown in the report


class RetrainReportFrame(QFrame):
    """Accuracy before -> after, and the samples that flipped; hidden until ``show_report``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retrainReport")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel(objectName="retrainReportText")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.flipped_right = QLabel(objectName="flippedRight")
        self.flipped_wrong = QLabel(objectName="flippedWrong")
        self.explanation = QLabel(objectName="retrainExplanation", wordWrap=True)  # why it could not help
        for label in (self.text, self.flipped_right, self.flipped_wrong, self.explanation):  # never widen the panel
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text.setWordWrap(True)  # the table's notes wrap in a narrow dock instead of being cut
        policy = self.text.sizePolicy()
        policy.setHeightForWidth(True)  # and the frame grows to the wrapped height
        self.text.setSizePolicy(policy)
        grid = QGridLayout(self)
        grid.addWidget(self.text, 0, 0, 1, 2)
        grid.addWidget(self.flipped_right, 1, 0, 1, 2)
        grid.addWidget(self.flipped_wrong, 2, 0, 1, 2)
        grid.addWidget(self.explanation, 3, 0, 1, 2)
        self.hide()

    def show_report(self, report: RetrainReport, store: SampleStore) -> None:
        """Fill in ``report``, with thumbnails of the flipped samples still in ``store``, and show it."""
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
            f"<td align='right'><b>{b}</b></td><td>&nbsp;&nbsp;{note}</td></tr>"
            for name, a, b, note in rows)
        digits = _per_digit_table(report.mnist_per_digit_before, report.mnist_per_digit_after)
        self.text.setText(f"<b>Before \u2192 after retraining</b><table>{cells}</table>{digits}")
        _show_flipped(self.flipped_right, "Now read right", report.flipped_right_ids, len(report.flipped_right),
                      RIGHT, store)
        _show_flipped(self.flipped_wrong, "Now read wrong", report.flipped_wrong_ids, len(report.flipped_wrong),
                      WRONG, store)
        self.explanation.setText(report.explanation)
        self.explanation.setVisible(bool(report.explanation))
        self.show()


def _per_digit_table(before: tuple[float, ...] | None, after: tuple[float, ...] | None) -> str:
    """MNIST test accuracy per digit before and after, a change of half a point or more in colour."""
    if before is None or after is None:
        return ""

    def cell(v: float, colour: str = "") -> str:
        text = "\u2014" if v != v else f"{v * 100:.1f}"  # NaN: a digit without test images
        style = f" style='color:{colour}'" if colour else ""
        return f"<td align='right'{style}>&nbsp;{text}</td>"

    def colour(b: float, a: float) -> str:
        return WRONG.name() if a < b - 0.005 else RIGHT.name() if a > b + 0.005 else ""

    # two rows of five digits: ten columns of figures do not fit the samples dock's width
    rows = []
    for first in range(0, len(after), 5):
        digits = range(first, min(first + 5, len(after)))
        head = "".join(f"<td align='right'>&nbsp;<b>{d}</b></td>" for d in digits)
        row_before = "".join(cell(before[d]) for d in digits)
        row_after = "".join(cell(after[d], colour(before[d], after[d])) for d in digits)
        rows.append(f"<tr><td>{'digit' if first else ''}</td>{head}</tr>"
                    f"<tr><td>before</td>{row_before}</tr><tr><td>after</td>{row_after}</tr>")
    return f"<p style='font-size:small'>MNIST test, % per digit</p><table style='font-size:small'>{''.join(rows)}</table>"


def _show_flipped(label: QLabel, title: str, ids: tuple[str, ...], count: int, colour: QColor,
                  store: SampleStore) -> None:
    if not count:
        label.setText(f"{title}: none")
        return
    shown = [store.get(i) for i in ids if i in store]
    if not shown:  # no ids in the report, or those samples are gone
        label.setText(f"{title}: {count}")
        return
    title_colour = readable(colour, label.palette().color(QPalette.ColorRole.Window))  # text at 4.5:1
    label.setPixmap(_strip(shown[:MAX_STRIP], colour, f"{title} ({count})", label.font(), count - MAX_STRIP, title_colour))


def _strip(samples: list[Sample], colour: QColor, title: str, font: QFont, more: int,
           text: QColor | None = None) -> QPixmap:
    """A row of thumbnails under a title, framed in ``colour``; "+N more" when ``more`` > 0."""
    side, gap = 32, 4
    width = max(len(samples) * (side + gap) + 70, 200)
    pixmap = QPixmap(width, side + 22)
    pixmap.fill(Qt.GlobalColor.transparent)
    with QPainter(pixmap) as p:
        p.setFont(font)
        p.setPen(text or colour)
        p.drawText(QRect(0, 0, width, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        for i, s in enumerate(samples):
            rect = QRect(i * (side + gap) + 1, 20, side, side)
            p.drawPixmap(rect, scaled_pixmap(gray_image(s.image), side))
            p.setPen(QPen(colour, 2))
            p.drawRect(rect.adjusted(-1, -1, 0, 0))
        if more > 0:
            p.setPen(text or colour)
            p.drawText(QRect(len(samples) * (side + gap) + 4, 20, 66, side), Qt.AlignmentFlag.AlignVCenter, f"+{more} more")
    return pixmap
