"""The preprocessing preview: it shows the 28x28 it is given, and blank panels for nothing drawn."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QFontMetrics, QHelpEvent
from PySide6.QtWidgets import QToolTip

from digitlab.gui.drawing.preview import CAPTION_FLAGS, PLACEHOLDER, TITLE_FLAGS, TITLES, PreprocessView
from digitlab.model.preprocess import preprocess


@pytest.fixture
def view(qtbot) -> PreprocessView:
    v = PreprocessView()
    qtbot.addWidget(v)
    v.resize(480, 220)
    return v


def bar_drawing() -> np.ndarray:
    canvas = np.zeros((280, 280), dtype=np.uint8)
    canvas[60:220, 120:150] = 255  # a thick vertical stroke: a "1"
    return canvas


def test_shows_the_network_input_it_was_given(view):
    result = preprocess(bar_drawing())
    view.show_result(result)
    assert view.objectName() == "preview"
    np.testing.assert_array_equal(view.shown_input, result.image)
    # and it is on screen: the middle of the 28x28 panel is ink (white), its corner is not
    image = view.grab().toImage()
    panel = view.panel_rects()[2]
    assert image.pixelColor(panel.center()).lightness() > 200
    assert image.pixelColor(panel.topLeft() + QPoint(3, 3)).lightness() < 60


def test_an_empty_result_clears_the_panels(view):
    view.show_result(preprocess(bar_drawing()))
    view.show_result(preprocess(np.zeros((280, 280), dtype=np.uint8)))
    assert view.shown_input is None
    image = view.grab().toImage()
    centre = view.panel_rects()[2].center()
    assert image.pixelColor(centre).lightness() < 200  # no ink; only the grey prompt text
    assert PLACEHOLDER == "Draw a digit"


def test_panels_stack_when_the_view_is_tall_and_narrow(view):
    view.resize(180, 600)
    rects = view.panel_rects()
    assert rects[0].bottom() < rects[1].top() < rects[2].top()
    assert all(r.width() == r.height() > 100 for r in rects)
    view.resize(600, 200)
    rects = view.panel_rects()
    assert rects[0].right() < rects[1].left() < rects[2].left()


def seven_drawing() -> np.ndarray:
    canvas = np.zeros((280, 280), dtype=np.uint8)
    canvas[40:60, 70:205] = 255  # a wide bar and a long stroke: a 135 x 190 px box, as the window's 7
    for y in range(60, 230):
        x = 205 - (y - 60) * 100 // 170
        canvas[y, max(0, x - 12) : x + 8] = 255
    return canvas


@pytest.mark.parametrize("size", [(219, 220), (278, 182), (160, 120), (600, 200), (180, 600)])
def test_titles_and_captions_fit_their_panels(view, qtbot, size):
    result = preprocess(seven_drawing())
    view.show_result(result)
    view.resize(*size)
    h, w = result.crop.shape
    assert view.captions()[0] == f"{w} x {h} px of canvas"
    panels = view.panels()
    for panel in panels:
        assert panel.title and panel.caption
        for rect, font, text, flags in ((panel.title_rect, panel.title_font, panel.title, TITLE_FLAGS),
                                        (panel.caption_rect, panel.caption_font, panel.caption, CAPTION_FLAGS)):
            drawn = QFontMetrics(font).boundingRect(rect, flags, text)
            assert rect.contains(drawn), (size, text)  # not a letter outside its room
        assert panel.title_rect.bottom() < panel.picture.top() and panel.caption_rect.top() > panel.picture.bottom()
    for a, b in zip(panels, panels[1:]):  # neighbours' texts never overlap
        assert not a.title_rect.intersects(b.title_rect) and not a.caption_rect.intersects(b.caption_rect)
    if size[0] >= 600 or size[1] >= 600:  # room enough: the full texts
        assert tuple(p.title for p in panels) == TITLES and tuple(p.caption for p in panels) == view.captions()
    # a shortened text is whole in its panel's tooltip
    QToolTip.hideText()
    centre = panels[0].caption_rect.center()
    view.event(QHelpEvent(QEvent.Type.ToolTip, centre, view.mapToGlobal(centre)))
    assert f"{TITLES[0]}: {w} x {h} px of canvas" in QToolTip.text()
