"""What a neuron looks for: the test images that excite it most, beside its incoming weights.

For a neuron of the first hidden layer its 784 incoming weights are a picture (the 3Blue1Brown
lesson's): blue where ink lowers its weighted input, red where ink raises it, on the same
colour-blind-safe diverging palette as the network view's tiles. Beside it, the images of the set
that give the neuron its largest activation, most excited first, each with that activation: the
pattern the weights draw is usually easy to find in them. A deeper neuron's inputs are neurons, not
pixels: it shows its images alone.

One painted widget; it is handed the images and numbers (``show_neuron``), which
``model.evaluation.neuron_top_images`` computes off the GUI thread.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFont, QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitlab.gui.images import diverging_rgb, gray_image, rgb_image

SIDE = 28
PROMPT = "Click a hidden neuron in the network view (a tile or a disc) to see the test images that excite it most."
GAP = 6


class NeuronImages(QWidget):
    """A neuron's weight tile (first layer) and the images that excite it most."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("neuronImages")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._neuron: tuple[int, int] | None = None
        self._indices = np.zeros(0, dtype=np.intp)
        self._activations = np.zeros(0, dtype=np.float32)
        self._images: list[QImage] = []
        self._tile: QImage | None = None
        self._limit = 0.0
        self._title = ""
        self._message = PROMPT

    # ------------------------------------------------------------------ data in
    def show_neuron(self, layer: int, neuron: int, images: np.ndarray, indices: np.ndarray, activations: np.ndarray,
                    weights: np.ndarray | None, title: str) -> None:
        """Show ``images`` (k, 784), rows ``indices`` of the set, and (first layer) ``weights`` (784,)."""
        self._neuron = (int(layer), int(neuron))
        self._indices = np.asarray(indices, dtype=np.intp).copy()
        self._activations = np.asarray(activations, dtype=np.float32).copy()
        self._images = [gray_image(np.asarray(im, dtype=np.float32).reshape(SIDE, SIDE)) for im in images]
        if weights is not None:
            w = np.asarray(weights, dtype=np.float32).reshape(SIDE, SIDE)
            self._limit = float(np.abs(w).max())
            self._tile = rgb_image(diverging_rgb(w, self._limit))
        else:
            self._tile, self._limit = None, 0.0
        self._title = title
        self._message = ""
        self.update()

    def show_message(self, text: str) -> None:
        """No images, ``text`` instead (a prompt, "computing...", or why not)."""
        self._message = text
        self._images = []
        self._indices = np.zeros(0, dtype=np.intp)
        self.update()

    # ------------------------------------------------------------------ read-outs
    @property
    def neuron(self) -> tuple[int, int] | None:
        """(layer, j) of the neuron shown (layer indexes ``net.weights``), or None."""
        return self._neuron if self._images else None

    def indices(self) -> np.ndarray:
        """The rows of the set shown, most excited first."""
        return self._indices.copy()

    @property
    def message(self) -> str:
        return self._message

    @property
    def shows_weights(self) -> bool:
        return self._tile is not None and bool(self._images)

    def sizeHint(self) -> QSize:
        return QSize(380, 300)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 140)

    # ------------------------------------------------------------------ paint
    def paintEvent(self, event: QPaintEvent) -> None:
        with QPainter(self) as p:
            p.setClipRect(event.rect())
            pal = self.palette()
            grey = pal.color(QPalette.ColorRole.PlaceholderText)
            fm = self.fontMetrics()
            line = fm.height()
            if not self._images:
                p.setPen(grey)
                p.drawText(self.rect().adjusted(12, 12, -12, -12),
                           Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message)
                return
            bold = QFont(self.font())
            bold.setBold(True)
            p.setFont(bold)
            p.setPen(pal.color(QPalette.ColorRole.Text))
            flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
            title_rect = p.fontMetrics().boundingRect(QRect(0, 0, self.width(), 10 * line), flags, self._title)
            p.drawText(title_rect, flags, self._title)
            top = title_rect.bottom() + 4
            height = self.height() - top
            x0 = 0
            if self._tile is not None:  # the weight tile, as large as the images' column allows
                side = int(max(SIDE * 2, min(SIDE * 5, height - 3 * line - 4, self.width() * 0.36)))
                p.drawImage(QRect(0, top, side, side), self._tile)
                p.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRect(0, top, side, side).adjusted(0, 0, -1, -1))
                p.setFont(self.font())
                p.setPen(grey)
                p.drawText(QRect(0, top + side + 2, side, 3 * line),
                           Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                           f"its weights, \u00b1{self._limit:.2g}\nblue \u2212, red +")
                x0 = side + 2 * GAP
            # the images: as many columns as keep them largest in the space left
            k = len(self._images)
            width = self.width() - x0
            best = (1, 0)
            for cols in range(1, k + 1):
                rows = math.ceil(k / cols)
                s = min((width - (cols - 1) * GAP) // cols, (height - rows * (line + GAP)) // rows)
                if s > best[1]:
                    best = (cols, s)
            cols, s = best
            s = max(s, SIDE)
            small = QFont(self.font())
            small.setPointSizeF(small.pointSizeF() * 0.85)
            p.setFont(small)
            for i, image in enumerate(self._images):
                r, c = divmod(i, cols)
                rect = QRect(x0 + c * (s + GAP), top + r * (s + line + GAP), s, s)
                p.drawImage(rect, image)
                p.setPen(grey)
                p.drawText(QRect(rect.left() - GAP // 2, rect.bottom() + 1, s + GAP, line),
                           Qt.AlignmentFlag.AlignCenter, f"{self._activations[i]:.3g}")
