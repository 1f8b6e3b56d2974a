"""The preprocessing preview: it shows the 28x28 it is given, and blank panels for nothing drawn."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint

from gui.preview import PLACEHOLDER, PreprocessView
from model.preprocess import preprocess


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
