"""The canvas driven as a person drives it: real mouse, key, tablet and touch events via qtbot."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from digitlab.gui.drawing.canvas import DEFAULT_PEN_WIDTH, Canvas

LEFT = Qt.MouseButton.LeftButton
RIGHT = Qt.MouseButton.RightButton
INKED = 128  # a pixel at least half-inked


def show(qtbot, widget: QWidget, width: int = 280, height: int = 280) -> QWidget:
    widget.resize(width, height)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


@pytest.fixture
def canvas(qtbot) -> Canvas:
    """A canvas shown at 280 x 280, so widget and image coordinates coincide."""
    c = Canvas()
    qtbot.addWidget(c)
    return show(qtbot, c)


def drag(qtbot, widget: QWidget, points: list[tuple[int, int]], button=LEFT) -> None:
    """Press at the first point, move through the rest with the button held, release at the last."""
    qtbot.mousePress(widget, button, pos=QPoint(*points[0]))
    for p in points[1:]:
        qtbot.mouseMove(widget, QPoint(*p))
    qtbot.mouseRelease(widget, button, pos=QPoint(*points[-1]))


def line(x0: int, y0: int, x1: int, y1: int, steps: int = 12) -> list[tuple[int, int]]:
    return [
        (round(x0 + (x1 - x0) * t), round(y0 + (y1 - y0) * t)) for t in np.linspace(0, 1, steps)
    ]


def test_drag_leaves_ink_along_its_path_and_signals(qtbot, canvas):
    assert canvas.is_empty()
    changes, pen = [], []
    canvas.drawing_changed.connect(lambda: changes.append(1))
    canvas.stroke_started.connect(lambda: pen.append("down"))
    canvas.stroke_finished.connect(lambda: pen.append("up"))
    with qtbot.waitSignal(canvas.stroke_finished, timeout=1000):
        drag(qtbot, canvas, line(40, 140, 240, 140))
    assert pen == ["down", "up"]  # once each, however many moves between
    image = canvas.to_array()
    assert image.shape == (280, 280) and image.dtype == np.uint8
    assert (image[140, 45:235] >= INKED).all()  # ink all along the path
    assert image[140 - 20, :].max() == 0 and image[140 + 20, :].max() == 0  # and only near it
    assert image[140, :15].max() == 0 and image[140, 265:].max() == 0  # round ends, not beyond
    assert len(changes) >= 12  # one per segment: the window coalesces them
    assert not canvas.is_empty()


def test_right_drag_erases(qtbot, canvas):
    drag(qtbot, canvas, line(40, 140, 240, 140))
    drag(qtbot, canvas, line(140, 140, 260, 140), button=RIGHT)
    image = canvas.to_array()
    assert (image[140, 150:250] == 0).all()  # erased where the eraser passed
    assert (image[140, 45:120] >= INKED).all()  # ink elsewhere is untouched
    assert [s["tool"] for s in canvas.strokes()] == ["pen", "eraser"]


def test_eraser_tool_makes_left_drag_erase(qtbot, canvas):
    drag(qtbot, canvas, line(40, 140, 240, 140))
    canvas.set_tool("eraser")
    canvas.set_pen_width(30)  # wider than the ink, so no anti-aliased fringe is left
    drag(qtbot, canvas, line(30, 140, 250, 140))
    assert canvas.is_empty()
    with pytest.raises(ValueError):
        canvas.set_tool("brush")


@pytest.mark.parametrize("key", [Qt.Key.Key_Escape, Qt.Key.Key_Delete])
def test_escape_and_delete_clear(qtbot, canvas, key):
    drag(qtbot, canvas, line(40, 140, 240, 140))
    with qtbot.waitSignal(canvas.drawing_changed, timeout=1000):
        qtbot.keyClick(canvas, key)
    assert canvas.is_empty() and canvas.strokes() == []


def test_ctrl_z_removes_only_the_last_stroke(qtbot, canvas):
    drag(qtbot, canvas, line(40, 60, 240, 60))
    first_only = canvas.to_array()
    drag(qtbot, canvas, line(140, 20, 140, 260))  # crosses the first stroke
    with qtbot.waitSignal(canvas.drawing_changed, timeout=1000):
        qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    image = canvas.to_array()
    assert image[200, 140] == 0  # the second stroke is gone
    assert (image[60, 45:235] >= INKED).all()  # the first remains, even where they crossed
    np.testing.assert_array_equal(image, first_only)
    assert len(canvas.strokes()) == 1


def test_strokes_round_trip_to_an_identical_image(qtbot, canvas):
    canvas.set_pen_width(15)
    drag(qtbot, canvas, [(60, 200), (90, 80), (140, 40), (190, 90), (120, 230)])
    canvas.set_pen_width(DEFAULT_PEN_WIDTH)
    drag(qtbot, canvas, line(30, 150, 250, 150))
    drag(qtbot, canvas, line(100, 150, 160, 150), button=RIGHT)
    saved = json.loads(json.dumps(canvas.strokes()))  # plain data, as stored with a sample

    other = Canvas()
    qtbot.addWidget(other)
    show(qtbot, other, 500, 320)  # a different widget size must not matter
    with qtbot.waitSignal(other.drawing_changed, timeout=1000):
        other.set_strokes(saved)
    np.testing.assert_array_equal(other.to_array(), canvas.to_array())
    assert other.strokes() == saved
    assert saved[0]["width"] == 15 and saved[2]["tool"] == "eraser"


def test_resize_keeps_the_image_size_and_maps_coordinates(qtbot):
    canvas = Canvas()
    qtbot.addWidget(canvas)
    show(qtbot, canvas, 600, 400)  # the image is shown as a centred 400 px square
    qtbot.mouseClick(canvas, LEFT, pos=QPoint(300, 200))  # widget centre
    image = canvas.to_array()
    assert image.shape == (280, 280)
    ys, xs = np.nonzero(image >= INKED)
    assert abs(xs.mean() - 140) <= 1 and abs(ys.mean() - 140) <= 1  # ink at the image centre

    canvas.clear()
    canvas.resize(300, 500)  # now a 300 px square, 100 px down
    qtbot.waitUntil(lambda: canvas.height() == 500)
    qtbot.mouseClick(canvas, LEFT, pos=QPoint(75, 175))  # a quarter of the way across and down
    ys, xs = np.nonzero(canvas.to_array() >= INKED)
    assert abs(xs.mean() - 70) <= 1 and abs(ys.mean() - 70) <= 1
    assert canvas.to_array().shape == (280, 280)


def test_canvas_is_square_and_not_too_small():
    canvas = Canvas()
    assert canvas.hasHeightForWidth() and canvas.heightForWidth(333) == 333
    assert canvas.minimumSizeHint().width() >= 200


def test_digit_keys_reach_the_parent(qtbot):
    class Window(QWidget):
        def __init__(self):
            super().__init__()
            self.keys: list[int] = []

        def keyPressEvent(self, event):
            self.keys.append(event.key())

    window = Window()
    qtbot.addWidget(window)
    canvas = Canvas(window)
    show(qtbot, window, 300, 300)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_7)
    assert window.keys == [Qt.Key.Key_7]
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)  # but keys the canvas uses stop there
    assert window.keys == [Qt.Key.Key_7]


def test_a_click_makes_a_round_dot(qtbot, canvas):
    with qtbot.waitSignal(canvas.stroke_finished, timeout=1000):
        qtbot.mouseClick(canvas, LEFT, pos=QPoint(100, 100))
    image = canvas.to_array()
    r = DEFAULT_PEN_WIDTH / 2
    ys, xs = np.nonzero(image >= INKED)
    assert abs(xs.mean() - 100) <= 1 and abs(ys.mean() - 100) <= 1
    assert abs(len(xs) - np.pi * r**2) < 0.15 * np.pi * r**2  # a disc of the pen's width
    assert canvas.strokes()[0]["points"] == [[100.0, 100.0]]


def test_pen_width_sets_stroke_thickness(qtbot, canvas):
    canvas.set_pen_width(6)
    assert canvas.pen_width == 6
    drag(qtbot, canvas, line(40, 140, 240, 140))
    thickness = (canvas.to_array()[:, 140] >= INKED).sum()
    assert 5 <= thickness <= 7
    with pytest.raises(ValueError):
        canvas.set_pen_width(0)


def test_to_array_handles_row_padding(qtbot):
    canvas = Canvas(image_size=283)  # 283-byte rows are padded to 284 in the QImage
    qtbot.addWidget(canvas)
    show(qtbot, canvas, 283, 283)
    canvas.set_strokes([{"tool": "pen", "width": 4.0, "points": [[10.0, 270.0], [270.0, 270.0]]}])
    image = canvas.to_array()
    assert image.shape == (283, 283)
    assert (image[270, 20:260] >= INKED).all() and image[:260].max() == 0  # no row skew


def test_only_the_dirty_rectangle_repaints(qtbot, canvas):
    class PaintSpy(QObject):
        def __init__(self):
            super().__init__()
            self.rects = []

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                self.rects.append(event.rect())
            return False

    spy = PaintSpy()
    canvas.installEventFilter(spy)
    qtbot.wait(50)  # let any first paint settle
    spy.rects.clear()
    drag(qtbot, canvas, [(100, 100), (110, 104)])
    qtbot.waitUntil(lambda: len(spy.rects) > 0)
    area = sum(r.width() * r.height() for r in spy.rects)
    assert area < 0.1 * canvas.width() * canvas.height()


def test_tablet_draws_and_its_eraser_end_erases(qtbot, canvas):
    def stylus(pointer: QPointingDevice.PointerType) -> QPointingDevice:
        caps = QInputDevice.Capability.Position | QInputDevice.Capability.Pressure
        return QPointingDevice("stylus", 1, QInputDevice.DeviceType.Stylus, pointer, caps, 1, 2)

    def tablet(device, kind, x, y, pressure=0.5):
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else LEFT
        pos = QPointF(x, y)
        event = QTabletEvent(kind, device, pos, canvas.mapToGlobal(pos), pressure, 0.0, 0.0, 0.0,
                             0.0, 0.0, Qt.KeyboardModifier.NoModifier, LEFT, buttons)
        QApplication.sendEvent(canvas, event)
        assert event.isAccepted()

    pen = stylus(QPointingDevice.PointerType.Pen)
    for kind, x in [("TabletPress", 40), ("TabletMove", 140), ("TabletMove", 240),
                    ("TabletRelease", 240)]:
        tablet(pen, getattr(QEvent.Type, kind), x, 140, pressure=0.0)
    assert (canvas.to_array()[140, 45:235] >= INKED).all()
    assert canvas.strokes()[0]["width"] < DEFAULT_PEN_WIDTH  # light pressure, a little thinner

    eraser = stylus(QPointingDevice.PointerType.Eraser)
    for kind, x in [("TabletPress", 30), ("TabletMove", 250), ("TabletRelease", 250)]:
        tablet(eraser, getattr(QEvent.Type, kind), x, 140, pressure=1.0)
    assert canvas.strokes()[1]["width"] > DEFAULT_PEN_WIDTH  # firm pressure, a little wider
    assert canvas.strokes()[1]["tool"] == "eraser"
    assert canvas.is_empty()


def test_touch_draws(qtbot, canvas):
    device = QTest.createTouchDevice()
    QTest.touchEvent(canvas, device).press(0, QPoint(40, 140)).commit()
    for x in (90, 140, 190, 240):
        QTest.touchEvent(canvas, device).move(0, QPoint(x, 140)).commit()
    QTest.touchEvent(canvas, device).release(0, QPoint(240, 140)).commit()
    # offscreen QTest touch points land a frame margin (2 px) off; the 22 px pen covers that
    assert (canvas.to_array()[140, 50:230] >= INKED).all()
    assert len(canvas.strokes()) == 1


def test_undo_and_clear_on_an_empty_canvas_are_harmless(qtbot, canvas):
    canvas.undo()
    canvas.clear()
    assert canvas.is_empty() and canvas.strokes() == []
