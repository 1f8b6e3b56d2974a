"""Presentation mode (zoom), the dark theme, and text contrast: what a classroom sees."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from digitlab.gui.app import create_window
from digitlab.gui.appearance.contrast import AA, contrast_ratio, quiet_text, readable
from digitlab.gui.appearance.theme import palette_for
from digitlab.gui.drawing.canvas import MIN_WIDGET_SIDE
from digitlab.gui.drawing.prediction_view import WINNER
from digitlab.gui.network_view.palette import colours_for
from tools.layout_check import low_contrast_texts

MNIST_SUBSET = (200, 100)  # training and test images (tests/gui/conftest.py)


@pytest.fixture
def make_window(qtbot, tmp_path, small_mnist):
    def make():
        w = create_window(data_dir=tmp_path, mnist_loader=lambda: small_mnist)
        qtbot.addWidget(w)
        with qtbot.waitExposed(w):
            w.show()
        w.resize(1366, 768)
        return w
    yield make
    app = QApplication.instance()  # the next test starts at 100%, in the light theme
    for w in app.topLevelWidgets():
        if hasattr(w, "appearance"):
            w.appearance.set_level(1.0)
            w.appearance.set_theme("light")
            break


def tick_size(w) -> float:
    return w.plots.cost_plot.getAxis("left").style["tickFont"].pointSizeF()


def test_zoom_keys_scale_text_canvas_and_curves_together_and_are_remembered(qtbot, make_window) -> None:
    w = make_window()
    app = QApplication.instance()
    text, guess = app.font().pointSizeF(), w.findChild(QLabel, "prediction").font().pointSizeF()
    ticks = tick_size(w)
    w.activateWindow()
    qtbot.wait(10)
    qtbot.keyClick(w.canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(w.canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    level = w.appearance.level
    assert level == pytest.approx(1.25)
    assert app.font().pointSizeF() == pytest.approx(text * level)
    assert w.findChild(QLabel, "prediction").font().pointSizeF() == pytest.approx(guess * level)
    assert w.canvas.minimumWidth() == round(MIN_WIDGET_SIDE * level)
    assert tick_size(w) > ticks
    w.close()

    again = make_window()  # the next session starts at the same zoom
    assert again.appearance.level == pytest.approx(level)
    assert QApplication.instance().font().pointSizeF() == pytest.approx(text * level)
    again.activateWindow()
    qtbot.keyClick(again.canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert again.appearance.level == 1.0 and app.font().pointSizeF() == pytest.approx(text)
    assert len(again.store) == 0  # Ctrl+0 is not the digit key 0


def test_the_dark_theme_darkens_the_window_and_the_curves_and_is_remembered(qtbot, make_window) -> None:
    w = make_window()
    w.findChild(QAction, "theme_dark").trigger()  # View > Theme > Dark
    qtbot.wait(10)  # palettes reach the widgets through events
    assert w.palette().color(QPalette.ColorRole.Window).lightness() < 80
    assert w.plots.views[0].backgroundBrush().color().lightness() < 80
    image = w.prediction.bars.grab().toImage()  # painted from the palette: a dark ground
    assert image.pixelColor(2, 2).lightness() < 80
    w.close()
    again = make_window()
    assert again.appearance.theme == "dark" and again.palette().color(QPalette.ColorRole.Window).lightness() < 80


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_label_and_button_reads_at_4_5_to_1(qtbot, make_window, theme) -> None:
    w = make_window()
    w.appearance.set_theme(theme)
    qtbot.wait(10)
    for name in ("training", "samples", "curves", "stepThrough"):
        w.docks[name].raise_()
        qtbot.wait(20)
        assert low_contrast_texts(w) == [], name
    w.help.tour.start()  # the tour's callout too
    assert low_contrast_texts(w) == []


@pytest.mark.parametrize("dark", [False, True])
def test_hints_captions_and_the_winning_digit_keep_aa_contrast(dark) -> None:
    palette = palette_for(dark)
    window, base = palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.Base)
    placeholder = palette.color(QPalette.ColorRole.PlaceholderText)
    assert contrast_ratio(placeholder, window) >= AA and contrast_ratio(placeholder, base) >= AA
    assert contrast_ratio(quiet_text(palette), window) >= AA
    assert contrast_ratio(readable(WINNER, window), window) >= AA
    assert contrast_ratio(palette.color(QPalette.ColorRole.ToolTipText), palette.color(QPalette.ColorRole.ToolTipBase)) >= AA


def test_the_check_sees_grey_on_grey(qtbot) -> None:
    label = QLabel("light grey on light grey")
    label.setStyleSheet("color: #c8c8c8;")  # the old hint: about 1.6:1
    top = QWidget()
    qtbot.addWidget(top)
    QVBoxLayout(top).addWidget(label)
    with qtbot.waitExposed(top):
        top.show()
    assert len(low_contrast_texts(top)) == 1


def test_the_network_view_follows_the_dark_theme(qtbot, make_window) -> None:
    w = make_window()
    w.new_network()
    diagram = w.network_view.diagram
    light = diagram.grab().toImage()
    assert light.pixelColor(3, diagram.height() // 2).lightness() > 200
    w.findChild(QAction, "theme_dark").trigger()
    qtbot.wait(10)
    dark = diagram.grab().toImage()
    assert dark.pixelColor(3, diagram.height() // 2).lightness() < 60  # its ground is the theme's
    header = [dark.pixelColor(x, y).lightness() for x in range(diagram.width()) for y in range(2, diagram.header_height, 2)]
    assert max(header) > 200  # its texts are light on it
    for name, colours in (("light", colours_for(False)), ("dark", colours_for(True))):
        assert contrast_ratio(colours.muted, colours.background) >= AA, name
        assert contrast_ratio(colours.text, colours.background) >= AA, name
    tiles = w.network_view.tile_scroll.viewport()
    assert tiles.grab().toImage().pixelColor(tiles.width() - 2, tiles.height() - 2).lightness() < 60


def test_presentation_mode_zooms_the_network_views_text_and_its_room(qtbot, make_window) -> None:
    w = make_window()
    w.new_network()
    diagram, image = w.network_view.diagram, w.network_view.input_image
    header, image_h, tiles_top = diagram.header_height, image.height(), w.network_view.tile_grid.header
    size = diagram.font().pointSizeF()
    w.appearance.set_level(1.5)
    qtbot.wait(10)
    assert diagram.font().pointSizeF() == pytest.approx(size * 1.5)
    assert diagram.header_height >= header * 1.35  # its rows grow with the text in them
    assert w.network_view.tile_grid.header >= tiles_top * 1.3
    assert image.height() > image_h
