"""The network view's input: the 28x28 example, 3x, with its label and the network's answer beside it.

It sits above the tile grid, its title in a header as tall as the grid's. It reads the example
(what the first layer reads, ``NetworkViewState.network_input``: deskewed, for a network that
deskews its input) and the network's output from the view's ``NetworkViewState``: the image is scaled once when the
state signals a new input, not at every paint, and the answer is rewritten on each new forward
pass; when the panel is narrow the answer is elided (its tooltip tells it whole).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from digitlab.gui.images import gray_image
from digitlab.gui.network_view.palette import colours_of
from digitlab.gui.network_view.state import SIDE, NetworkViewState
from digitlab.gui.network_view.tiles import grid_header


class InputImage(QWidget):
    """The 28x28 input, 3x, with the label and the network's answer beside it (above the tiles)."""

    SCALE = 3

    def __init__(self, state: NetworkViewState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._image: QImage | None = None
        self._answer = ""
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # paintEvent covers every pixel
        self._fit_font()
        state.input_changed.connect(self._input_changed)
        state.outputs_changed.connect(self._outputs_changed)

    def _fit_font(self) -> None:
        """Room for the title and the answer in the font in use (presentation mode zooms it)."""
        self.setFixedHeight(grid_header(self.fontMetrics()) + SIDE * self.SCALE + 4)
        self.setMinimumWidth(SIDE * self.SCALE + 10 + self.fontMetrics().horizontalAdvance("answer 8 (0.99)"))  # never elided

    def changeEvent(self, e: QEvent) -> None:
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:
            self._fit_font()

    def _input_changed(self) -> None:
        x = self._state.network_input  # what layer 1 reads: deskewed when the network deskews
        side = SIDE * self.SCALE  # scaled once here, not at every paint
        self._image = None if x is None else gray_image(x.reshape(SIDE, SIDE)).scaled(
            side, side, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation)
        self.update()

    def _outputs_changed(self) -> None:
        acts, label = self._state.activations, self._state.label
        output = acts[-1] if acts else None
        lines = [f"label {label}" if label is not None else "no label"]
        if output is not None:
            guess = int(output.argmax())
            lines.append(f"answer {guess} ({output[guess]:.2f})")
        answer = "\n".join(lines)
        if answer == self._answer:
            return  # a training frame's new weights, most often the same answer: no repaint
        self._answer = answer
        self.setToolTip(answer)  # the whole text, should the panel be too narrow for it
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        side = SIDE * self.SCALE
        with QPainter(self) as p:
            p.setClipRect(event.rect())
            p.fillRect(event.rect(), self.palette().window())
            text = colours_of(self).text
            p.setPen(text)
            header = grid_header(p.fontMetrics())
            p.drawText(QRect(0, 0, self.width(), header), Qt.AlignmentFlag.AlignLeft, "input 28×28")
            box = QRect(0, header, side, side)
            if self._image is None:
                p.fillRect(box, QColor(30, 30, 30))
                p.setPen(QColor(200, 200, 200))
                p.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, "draw a digit")
            else:
                p.drawImage(box.topLeft(), self._image)
            p.setPen(text)
            x = side + 8
            metrics = p.fontMetrics()
            for i, line in enumerate(self._answer.split("\n")):
                text = metrics.elidedText(line, Qt.TextElideMode.ElideRight, self.width() - x)
                p.drawText(QRect(x, header + i * (metrics.height() + 2), self.width() - x, metrics.height()),
                           Qt.AlignmentFlag.AlignLeft, text)
