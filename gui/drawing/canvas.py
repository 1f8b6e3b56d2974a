"""The drawing canvas: a square you write a digit on, in Qt's Scribble pattern.

A ``QImage`` backing store (8-bit grey: black ground, white ink, as MNIST), a last point and the
stroke in progress; each input handler (mouse, tablet, touch) is a few lines that call
``_begin_stroke`` / ``_extend_stroke`` / ``_end_stroke``, and every pixel is painted by one
``draw_line_to`` with a round-cap, round-join, anti-aliased pen, which repaints only its dirty
rectangle. The image has a fixed logical size (280 x 280, ten image pixels per MNIST pixel), scaled
to the widget as a centred square, so what the network sees does not depend on the window size.

Strokes are also kept as plain data (points in image coordinates, with width and tool), so Undo
replays the remaining strokes onto a cleared image and a drawing can be saved and redrawn later.

Left out: the network. The canvas emits ``drawing_changed`` and exposes ``to_array()``; turning the
image into a 28x28 input is ``model.preprocess``'s job, and prediction is coalesced by the window.
Digit keys are not handled here (they label samples at window level) and propagate to the parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPointingDevice,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

IMAGE_SIZE = 280  # logical image side, px: 10 image px per MNIST px (28 x 10)
INK = QColor(255, 255, 255)  # bright ink on a dark ground, as in MNIST
BACKGROUND = QColor(0, 0, 0)
TOOLS = ("pen", "eraser")

# MNIST digits are scaled into a 20 px box, where strokes are ~2-2.5 px thick (~11% of the box).
# A digit written across ~200 px of this 280 px canvas maps to that 20 px box at 10 image px per
# MNIST px, so a 22 px pen gives ~2.2 px strokes after preprocessing: MNIST's own thickness.
DEFAULT_PEN_WIDTH = 22.0
MIN_WIDGET_SIDE = 200  # px on screen; below this a digit is hard to write

# a tablet's pressure (0..1) scales the stroke's width by 0.8..1.2: enough to feel, not enough to
# make strokes unlike MNIST's
PRESSURE_SPAN = 0.4

_TOUCH_EVENTS = (
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.TouchEnd,
    QEvent.Type.TouchCancel,
)


@dataclass
class _Stroke:
    """One pen-down-to-pen-up path: its tool, its pen width (image px) and its points (image px)."""

    tool: str
    width: float
    points: list[QPointF] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "tool": self.tool,
            "width": self.width,
            "points": [[p.x(), p.y()] for p in self.points],
        }


def _pen(tool: str, width: float) -> QPen:
    """The round pen a stroke draws with; the eraser draws in the background colour."""
    colour = INK if tool == "pen" else BACKGROUND
    return QPen(
        colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
    )


class Canvas(QWidget):
    """Square canvas: left-drag draws, right-drag erases, Esc/Delete clears, Ctrl+Z undoes."""

    drawing_changed = Signal()  # the image changed (stroke segment, clear, undo, set_strokes)
    stroke_started = Signal()  # the pen went down (mouse press, stylus or finger down)
    stroke_finished = Signal()  # the pen was lifted (mouse release, stylus or finger up, touch cancelled)

    def __init__(self, parent: QWidget | None = None, *, image_size: int = IMAGE_SIZE) -> None:
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setToolTip(
            "Left-drag to draw, right-drag to erase; Esc/Delete clears; "
            "Ctrl+Z undoes the last stroke"
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # paintEvent covers every pixel
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(MIN_WIDGET_SIDE, MIN_WIDGET_SIDE)

        self._image = QImage(image_size, image_size, QImage.Format.Format_Grayscale8)
        self._image.fill(BACKGROUND)
        self._strokes: list[_Stroke] = []  # finished strokes, then the one in progress
        self._drawing = False  # a stroke is in progress (pen, button or finger down)
        self._last_point = QPointF()  # image px: where the next segment starts
        self._stroke_pen = _pen("pen", DEFAULT_PEN_WIDTH)  # the pen draw_line_to uses
        self._pen_width = DEFAULT_PEN_WIDTH  # image px, for new strokes
        self._tool = "pen"  # what a left-drag does

    # --- public API ---------------------------------------------------------------------------

    @property
    def pen_width(self) -> float:
        """Width of new strokes, in image pixels."""
        return self._pen_width

    @Slot(float)
    def set_pen_width(self, width: float) -> None:
        if not width > 0:
            raise ValueError(f"pen width must be positive, got {width!r}")
        self._pen_width = float(width)

    @property
    def tool(self) -> str:
        """What a left-drag does: "pen" or "eraser" (right-drag always erases)."""
        return self._tool

    @Slot(str)
    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"tool must be one of {TOOLS}, got {tool!r}")
        self._tool = tool

    @property
    def image_size(self) -> QSize:
        """The logical image size, independent of the widget's size."""
        return self._image.size()

    def to_array(self) -> np.ndarray:
        """The image as a (H, W) uint8 copy: 0 is background, 255 is full ink."""
        h, w, stride = self._image.height(), self._image.width(), self._image.bytesPerLine()
        rows = np.frombuffer(self._image.constBits(), dtype=np.uint8, count=h * stride)
        return rows.reshape(h, stride)[:, :w].copy()  # drop each row's alignment padding

    def is_empty(self) -> bool:
        """True when no ink is visible (nothing drawn, or everything erased)."""
        return not self.to_array().any()

    def strokes(self) -> list[dict]:
        """The drawing as plain data: [{"tool": str, "width": float, "points": [[x, y], ...]}]."""
        return [stroke.to_dict() for stroke in self._strokes]

    def set_strokes(self, strokes: list[dict]) -> None:
        """Replace the drawing with `strokes` (as returned by `strokes()`) and redraw it."""
        parsed = []
        for s in strokes:
            if s["tool"] not in TOOLS or not float(s["width"]) > 0:
                raise ValueError(f"bad stroke: tool={s['tool']!r}, width={s['width']!r}")
            points = [QPointF(float(x), float(y)) for x, y in s["points"]]
            if points:
                parsed.append(_Stroke(s["tool"], float(s["width"]), points))
        self._drawing = False
        self._strokes = parsed
        self._replay()

    @Slot()
    def clear(self) -> None:
        self._drawing = False
        self._strokes.clear()
        self._replay()

    @Slot()
    def undo(self) -> None:
        """Remove the last stroke (or the one in progress) and redraw the rest."""
        if not self._strokes:
            return
        self._drawing = False
        self._strokes.pop()
        self._replay()

    # --- drawing --------------------------------------------------------------------------------

    def draw_line_to(self, end: QPointF) -> None:
        """Paint from the last point to `end` with the stroke's pen; repaint just that strip."""
        painter = QPainter(self._image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(self._stroke_pen)
            if end == self._last_point:
                painter.drawPoint(end)  # a zero-length line paints nothing; a round point is a dot
            else:
                painter.drawLine(self._last_point, end)
        finally:
            painter.end()
        dirty = QRectF(self._last_point, end).normalized()
        self.update(self._to_widget_rect(dirty, margin=self._stroke_pen.widthF() / 2))
        self._last_point = end

    def _begin_stroke(self, point: QPointF, tool: str, width: float) -> None:
        self._strokes.append(_Stroke(tool, width, [point]))
        self._drawing = True
        self._stroke_pen = _pen(tool, width)
        self._last_point = point
        self.draw_line_to(point)  # a click without a move leaves a dot
        self.stroke_started.emit()
        self.drawing_changed.emit()

    def _extend_stroke(self, point: QPointF) -> None:
        if point == self._last_point:
            return
        self._strokes[-1].points.append(point)
        self.draw_line_to(point)
        self.drawing_changed.emit()

    def _end_stroke(self, point: QPointF) -> None:
        self._extend_stroke(point)
        self._drawing = False
        self.stroke_finished.emit()

    def _replay(self) -> None:
        """Redraw every stroke onto a cleared image, through the same draw_line_to as live input."""
        self._image.fill(BACKGROUND)
        for stroke in self._strokes:
            self._stroke_pen = _pen(stroke.tool, stroke.width)
            self._last_point = stroke.points[0]
            for point in stroke.points:
                self.draw_line_to(point)
        self.update()
        self.drawing_changed.emit()

    # --- geometry: the image is a centred square scaled to the widget ---------------------------

    def _target_rect(self) -> QRectF:
        """Where the image is shown, in widget coordinates."""
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_image(self, pos: QPointF) -> QPointF:
        target = self._target_rect()
        scale = self._image.width() / target.width()
        return (pos - target.topLeft()) * scale

    def _to_widget_rect(self, rect: QRectF, margin: float) -> QRect:
        target = self._target_rect()
        scale = target.width() / self._image.width()
        grown = rect.adjusted(-margin, -margin, margin, margin)
        on_screen = QRectF(grown.topLeft() * scale, grown.size() * scale)
        on_screen.translate(target.topLeft())
        return on_screen.toAlignedRect().adjusted(-2, -2, 2, 2)  # room for anti-aliasing

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def sizeHint(self) -> QSize:
        return QSize(IMAGE_SIZE, IMAGE_SIZE)

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDGET_SIDE, MIN_WIDGET_SIDE)

    # --- events -----------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setClipRect(event.rect())  # one clip rectangle keeps the raster fast path
            painter.fillRect(event.rect(), self.palette().window())  # margins beside the square
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self._target_rect(), self._image)
        finally:
            painter.end()

    def _tool_for(self, button: Qt.MouseButton) -> str | None:
        if button == Qt.MouseButton.LeftButton:
            return self._tool
        if button == Qt.MouseButton.RightButton:
            return "eraser"
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        tool = self._tool_for(event.button())
        if tool is not None and not self._drawing:
            self._begin_stroke(self._to_image(event.position()), tool, self._pen_width)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        held = Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton
        if self._drawing and event.buttons() & held:
            self._extend_stroke(self._to_image(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drawing and self._tool_for(event.button()) is not None:
            self._end_stroke(self._to_image(event.position()))

    def tabletEvent(self, event: QTabletEvent) -> None:
        point = self._to_image(event.position())
        kind = event.type()
        if kind == QEvent.Type.TabletPress and not self._drawing:
            eraser = event.pointerType() == QPointingDevice.PointerType.Eraser
            width = self._pen_width * (1 + PRESSURE_SPAN * (event.pressure() - 0.5))
            self._begin_stroke(point, "eraser" if eraser else self._tool, width)
        elif kind == QEvent.Type.TabletMove and self._drawing:
            self._extend_stroke(point)
        elif kind == QEvent.Type.TabletRelease and self._drawing:
            self._end_stroke(point)
        event.accept()  # no synthesized mouse events: the stroke is already drawn

    def event(self, event: QEvent) -> bool:
        if event.type() in _TOUCH_EVENTS:
            self._touch(event)
            return True
        return super().event(event)

    def _touch(self, event: QTouchEvent) -> None:
        """The first finger draws like a left-drag; other fingers are ignored."""
        kind = event.type()
        if kind == QEvent.Type.TouchCancel or not event.points():
            if self._drawing:
                self._drawing = False
                self.stroke_finished.emit()
            return
        point = self._to_image(event.points()[0].position())
        if kind == QEvent.Type.TouchBegin and not self._drawing:
            self._begin_stroke(point, self._tool, self._pen_width)
        elif kind == QEvent.Type.TouchUpdate and self._drawing:
            self._extend_stroke(point)
        elif kind == QEvent.Type.TouchEnd and self._drawing:
            self._end_stroke(point)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
        elif event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Delete):
            self.clear()
        else:
            event.ignore()  # digit keys and the rest go on to the parent (the window labels)
