"""A network that deskews its input reads the drawing deskewed, and the preview shows it so."""

from __future__ import annotations

import numpy as np

from digitlab.model.deskew import deskew, slant
from digitlab.model.store import load_default
from tests.gui.test_main_window import draw

MNIST_SUBSET = (500, 200)  # training and test images (tests/gui/conftest.py)


def test_a_deskewing_network_sees_and_shows_the_drawing_upright(qtbot, window, monkeypatch) -> None:
    plain = load_default()
    plain.deskew = False
    flagged = plain.copy()
    flagged.deskew = True
    window.replace_network(flagged, "deskewing")
    draw(qtbot, window.canvas, [(0.65, 0.15), (0.35, 0.85)])  # a "1" slanted forwards
    qtbot.waitUntil(lambda: window.recognition.input is not None)
    x = window.recognition.input  # preprocessing's output: the slant still in it
    assert slant(x[None])[0] < -0.2
    shown = window.preview.shown_input
    np.testing.assert_array_equal(shown.reshape(-1), deskew(x))  # upright, as the network reads it
    assert abs(slant(shown.reshape(1, -1))[0]) < 0.01
    assert "deskewed" in window.preview.captions()[2]
    # the bars are the network's answer for the deskewed input
    np.testing.assert_allclose(window.prediction.shown_outputs, flagged.predict_proba(deskew(x))[0], atol=1e-6)

    # one reading of the drawing deskews it once: the preview shows the forward pass's own a^0
    # (counted on this thread: the Mistakes panel may be scoring the new network in the background)
    import threading

    from digitlab.model import network

    calls = []
    monkeypatch.setattr(network, "deskew_images",
                        lambda a: calls.append(threading.current_thread() is threading.main_thread()) or deskew(a))
    window.recognition.update()
    assert calls.count(True) == 1
    np.testing.assert_array_equal(window.preview.shown_input.reshape(-1), deskew(x))

    # the same drawing for a network that does not deskew: the preview shows preprocessing's output
    window.replace_network(plain, "plain")
    np.testing.assert_array_equal(window.preview.shown_input.reshape(-1), x)
    assert "deskewed" not in window.preview.captions()[2]
