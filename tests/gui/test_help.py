"""Help for a first-time learner: the Help menu's windows and the guided tour, walked end to end."""

from __future__ import annotations

import contextlib

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication

from digitlab.gui.help.glossary import GLOSSARY
from digitlab.gui.help.tour import tour_seen
from tools.layout_check import clipped_texts

MNIST_SUBSET = (200, 100)  # training and test images (tests/gui/conftest.py)


@pytest.fixture
def window(qtbot, open_window):
    w = open_window()
    w.resize(1280, 720)
    qtbot.wait(30)
    return w


def menu_titles(w) -> list[str]:
    return [a.text().replace("&", "") for a in w.menuBar().actions()]


def test_the_help_menu_has_shortcuts_glossary_tour_and_about(qtbot, window) -> None:
    assert menu_titles(window)[-1] == "Help"
    assert list(window.help.menu_actions) == ["shortcuts", "glossary", "tour", "about"]
    shortcuts = window.help.show_shortcuts().text.toPlainText()
    for keys in ("Esc", "Ctrl+Z", "Ctrl+T", "Ctrl+1", "Ctrl+=", "Ctrl+-", "Ctrl+0", "0 – 9", "F1"):
        assert keys in shortcuts, keys
    glossary = window.help.show_glossary().text.toPlainText()
    for symbol in ("δ", "η", "∂C/∂w", "BP1", "BP2", "BP3", "BP4", "σ(z)", "softmax", "‖∂C/∂w‖", "y − a"):
        assert symbol in glossary, symbol
    about = window.help.show_about().text.toPlainText()
    assert "Digit Lab 0." in about and "CC BY-SA 3.0" in about and "LeCun" in about and "MIT" in about
    for dialog in window.help.dialogs.values():
        assert dialog.isVisible()
        dialog.close()


def test_the_glossary_explains_every_symbol_the_network_view_and_step_through_use() -> None:
    symbols = {s for s, _, _ in GLOSSARY}
    assert {"a", "w", "b", "z", "C", "y", "δ", "η", "BP1", "BP2", "BP3", "BP4"} <= symbols
    assert all(len(meaning) > 30 for _, _, meaning in GLOSSARY)


def test_the_tour_runs_from_start_to_end_beside_each_part_it_explains(qtbot, window) -> None:
    tour = window.help.tour
    assert not tour_seen()
    assert window.help.first_run()  # a first run starts it
    seen = []
    while tour.active:
        step = tour.steps[tour.index]
        seen.append(step.title)
        QApplication.processEvents()
        callout = QRect(tour.callout.pos(), tour.callout.size())
        assert tour.callout.isVisible() and window.rect().contains(callout), step.title
        target = step.target()
        assert target.isVisible(), step.title  # a tabbed dock is brought to the front
        where = QRect(target.mapTo(window, QPoint(0, 0)), target.size()).intersected(window.rect())
        assert tour.frame.isVisible() and tour.frame.geometry().contains(where), step.title
        # every text fits once the window has laid itself out (a combo box given its items as the
        # step shows it may take a pass or two to grow)
        with contextlib.suppress(qtbot.TimeoutError):
            qtbot.waitUntil(lambda: not clipped_texts(window), timeout=1000)
        assert clipped_texts(window) == [], step.title
        if tour.index == 2:  # Back goes back, then on again
            qtbot.mouseClick(tour.back_button, Qt.MouseButton.LeftButton)
            assert tour.index == 1
            qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
    assert len(seen) == 6 and seen[0] == "Draw a digit here" and seen[-1] == "Teach it your handwriting"
    assert not tour.callout.isVisible() and not tour.frame.isVisible()
    assert tour_seen() and not window.help.first_run()  # once per user
    window.help.menu_actions["tour"].trigger()  # Help > Guided tour: again
    assert tour.active and tour.index == 0


def test_the_tour_can_be_skipped(qtbot, window) -> None:
    window.help.first_run()
    qtbot.mouseClick(window.help.tour.skip_button, Qt.MouseButton.LeftButton)
    assert not window.help.tour.active and tour_seen()
    assert "Help > Guided tour" in window.statusBar().currentMessage()

