"""The prediction view: guess and confidence in words, the winner's bar highlighted, label buttons."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from digitlab.gui.drawing.prediction_view import WINNER, PredictionView

SEVEN = np.array([0.01, 0.02, 0.01, 0.01, 0.0, 0.01, 0.0, 0.93, 0.005, 0.005])


@pytest.fixture
def view(qtbot) -> PredictionView:
    v = PredictionView()
    qtbot.addWidget(v)
    v.resize(380, 280)
    with qtbot.waitExposed(v):
        v.show()
    return v


def label(view: PredictionView) -> QLabel:
    return view.findChild(QLabel, "prediction")


def button(view: PredictionView, digit: int) -> QPushButton:
    return view.findChild(QPushButton, f"label{digit}")


def test_the_guess_reads_digit_and_confidence(view):
    view.show_outputs(SEVEN, normalised=True)
    assert label(view).text() == "7, 93%"
    assert view.predicted_digit == 7
    np.testing.assert_array_equal(view.shown_outputs, SEVEN)
    assert "probability" in label(view).toolTip()


def test_sigmoid_outputs_are_called_activations_not_probabilities(view):
    outputs = np.full(10, 0.3)
    outputs[4] = 0.61  # the ten do not sum to 1
    view.show_outputs(outputs, normalised=False)
    assert label(view).text() == "4 (0.61)"  # not "61%": the ten do not sum to 100%
    assert view.detail.text() == "activation, not a probability; next: 0 (0.30)"
    tip = label(view).toolTip()
    assert "activation" in tip and "Not a probability" in tip


def test_the_winning_bar_is_highlighted_and_others_are_not(view):
    view.show_outputs(SEVEN, normalised=True)
    image = view.grab().toImage()
    colour = lambda d: image.pixelColor(view.bar_rect(d).center().toPoint())  # noqa: E731
    assert colour(7) == WINNER
    assert view.bar_rect(1).height() > 2  # a short bar, but drawn
    assert colour(1) != WINNER
    assert view.bar_rect(7).height() > 20 * view.bar_rect(1).height()  # bars scale with the values


def test_clear_removes_guess_bars_and_disables_labels(view):
    view.show_outputs(SEVEN, normalised=True)
    assert all(button(view, d).isEnabled() for d in range(10))
    view.clear()
    assert label(view).text() == ""
    assert view.predicted_digit is None and view.shown_outputs is None
    assert view.bar_rect(7).isEmpty()
    assert not any(button(view, d).isEnabled() for d in range(10))


def test_clicking_a_digit_button_emits_its_digit(qtbot, view):
    view.show_outputs(SEVEN, normalised=True)
    b = button(view, 3)
    assert b.toolTip() == "This drawing is a 3: keep it as your sample (key 3)"
    with qtbot.waitSignal(view.label_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(b, Qt.MouseButton.LeftButton)
    assert blocker.args == [3]


def test_disabled_buttons_emit_nothing(qtbot, view):
    with qtbot.assertNotEmitted(view.label_clicked, wait=50):
        qtbot.mouseClick(button(view, 5), Qt.MouseButton.LeftButton)


def test_buttons_sit_under_their_bars(view):
    view.show_outputs(SEVEN, normalised=True)
    for d in (0, 7, 9):
        b = button(view, d)
        centre = b.mapTo(view, b.rect().center()).x()
        assert abs(centre - view.bar_rect(d).center().x()) <= 2


def test_nudges_draw_arrows_beside_the_bars(view):
    view.show_outputs(SEVEN, normalised=True)
    before = view.grab().toImage()
    target = np.zeros(10)
    target[3] = 1.0
    view.show_nudges(target - SEVEN)  # a 3 was drawn: 3 should go up, 7 down
    after = view.grab().toImage()
    assert before != after
    view.show_nudges(None)
    assert view.grab().toImage() == before
    with pytest.raises(ValueError):
        view.show_nudges(np.zeros(3))


def test_wrong_shapes_are_refused(view):
    with pytest.raises(ValueError):
        view.show_outputs(np.zeros(9), normalised=True)


def test_a_new_guess_of_the_same_width_asks_for_no_new_layout(qtbot):
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    window = QWidget()
    qtbot.addWidget(window)
    QVBoxLayout(window).addWidget(view := PredictionView())
    window.resize(380, 280)
    with qtbot.waitExposed(window):
        window.show()
    view.show_outputs(SEVEN, normalised=True)
    qtbot.wait(20)
    requests = []

    class Count(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.LayoutRequest:
                requests.append(obj)
            return False

    counter = Count()
    window.installEventFilter(counter)
    view.installEventFilter(counter)
    for k in range(10):  # the pen moves: the guess and the runner-up change, their widths do not
        a = np.roll(SEVEN, k % 3)
        view.show_outputs(a, normalised=True)
        qtbot.wait(5)
    assert label(view).text() == f"{int(np.argmax(a))}, 93%"
    assert requests == []  # a relayout of the window costs ~0.5 ms per pen move


def test_the_runner_up_line_shortens_to_fit(view):
    view.show_outputs(SEVEN, normalised=True)
    detail = view.detail
    assert detail.text() == "probability; next: 1, 2%"
    detail.setFixedWidth(detail.fontMetrics().horizontalAdvance("next: 1, 2%") + 2)
    assert detail.shown_text() == "next: 1, 2%"
    detail.setFixedWidth(detail.fontMetrics().horizontalAdvance("1, 2%") + 2)
    assert detail.shown_text() == "1, 2%"


@pytest.mark.parametrize(("top", "shown"), [(0.9996, "7, > 99.9%"), (0.997, "7, 99.7%"), (1.0, "7, 100%"),
                                            (0.93, "7, 93%")])
def test_a_sure_answer_says_100_percent_only_when_it_is(view, top, shown):
    outputs = np.full(10, (1 - top) / 9)
    outputs[7] = top
    view.show_outputs(outputs, normalised=True)
    assert label(view).text() == shown


def test_a_tiny_runner_up_is_not_rounded_to_zero(view):
    outputs = np.full(10, 1e-5)
    outputs[3] = 1 - 9e-5
    view.show_outputs(outputs, normalised=True)
    assert view.detail.text().endswith("next: 0, < 0.1%")
    sigmoid = np.full(10, 0.001)
    sigmoid[3] = 0.9991
    view.show_outputs(sigmoid, normalised=False)
    assert label(view).text() == "3 (> 0.99)"
    assert view.detail.text().endswith("next: 0 (< 0.01)")


def test_the_value_over_the_first_and_last_bar_is_not_cut(view):
    outputs = np.zeros(10)
    outputs[0] = outputs[9] = 1.0
    view.resize(170, 200)  # columns narrower than "1.00"
    view.show_outputs(outputs, normalised=False)
    image = view.bars.grab().toImage()
    ground = view.bars.palette().window().color()
    top = round(view.bars.bar_rect(0).top())  # the values are written above the bars
    ink = [x for x in range(image.width()) for y in range(top) if image.pixelColor(x, y) != ground]
    assert ink and min(ink) >= 1 and max(ink) <= image.width() - 2  # "1.00" drawn whole inside the widget


def test_each_bar_says_what_its_number_is(view):
    view.resize(300, 200)
    view.show_outputs(SEVEN, normalised=True)
    x = view.bars.bar_rect(7).center().x()
    assert view.bars.tooltip_for(x).startswith(f"Output 7: {SEVEN[7]:.4f}, the probability")
    view.show_outputs(SEVEN, normalised=False)
    assert "not a probability" in view.bars.tooltip_for(x)


def test_values_over_narrow_bars_never_overlap_and_the_winners_is_shown(view, qtbot):
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 1.6)  # presentation mode on a small screen
    view.setFont(font)
    view.resize(220, 280)
    view.show_outputs(np.array([0.004, 0.03, 0.02, 0.81, 0.03, 0.06, 0.01, 0.01, 0.02, 0.01]), normalised=True)
    view.bars.repaint()
    drawn = view.bars.values_drawn
    assert ".81" in [text for _, text in drawn]
    assert 1 < len(drawn) < 10  # some left out: all ten cannot fit
    for i, (a, _) in enumerate(drawn):
        assert not any(a.intersects(b) for b, _ in drawn[i + 1:])
    view.resize(600, 280)  # room for every one
    view.bars.repaint()
    assert len(view.bars.values_drawn) == 10
