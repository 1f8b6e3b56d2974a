"""The trainer process's frame clock: frames at its rate whatever the step's length, never bunched."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.model.frame_clock import FrameClock


def _send_times(period: float, step: float, seconds: float, pause: tuple[float, float] | None = None) -> np.ndarray:
    """When frames go, for steps of ``step`` s back to back (and no steps during ``pause``)."""
    clock, now, sent = FrameClock(period), 0.0, []
    while now < seconds:
        if pause and pause[0] <= now < pause[1]:
            now = pause[1]
        wanted = clock.wants(now, step)
        now += step
        if wanted:
            clock.sent(now)
            sent.append(now)
    return np.array(sent)


@pytest.mark.parametrize("step", [0.001, 0.007, 0.015, 0.021])
def test_frames_come_at_the_clock_rate_whatever_the_step(step: float) -> None:
    # "a period after the last frame" sent a frame every 3 steps of 15 ms: 22 a second, not 30
    period = 1 / 30
    sent = _send_times(period, step, 10.0)
    assert len(sent) / 10.0 == pytest.approx(30, rel=0.02)
    gaps = np.diff(sent)
    assert gaps.max() <= period + step * 1.01  # never more than a step late...
    assert gaps.min() >= period - step * 1.01  # ...or early


def test_steps_longer_than_the_period_each_send_a_frame() -> None:
    sent = _send_times(1 / 30, 0.05, 5.0)
    np.testing.assert_allclose(np.diff(sent), 0.05)


def test_after_a_pause_frames_resume_at_the_rate_without_a_burst() -> None:
    period = 1 / 30
    sent = _send_times(period, 0.004, 6.0, pause=(2.0, 4.0))
    after = sent[sent > 4.0]
    assert after[0] < 4.0 + 0.01  # the first step after the pause shows
    assert np.diff(after).min() >= period / 2 - 0.004  # then no catching up on the missed ones
    assert len(after) / 2.0 == pytest.approx(30, rel=0.05)
