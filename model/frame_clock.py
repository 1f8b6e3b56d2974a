"""When the trainer process sends a frame: at a steady rate, with the step that ends nearest each due time.

The window takes a frame every ~33 ms. A frame sent "at most every period, counted from the last
one" comes with the first step that ends past the period, so its spacing is the period rounded up
to whole steps: with 15 ms steps, 45 ms (22 frames a second from a 30 Hz schedule). This clock
keeps its due times a fixed period apart (phase-locked) and sends with the step whose end is
nearest the due time, early or late, so the frames come at the period's rate on average whatever
the step's length, and a step longer than the period sends a frame every step.
"""

from __future__ import annotations


class FrameClock:
    """Due times ``period`` seconds apart; ``wants`` a frame from the step ending nearest each."""

    def __init__(self, period: float) -> None:
        self.period = float(period)
        self.due = float("-inf")  # the first step sends one

    def wants(self, step_start: float, step_seconds: float) -> bool:
        """Whether the step starting at ``step_start``, expected to take ``step_seconds`` (the last
        step's time), ends nearer the due time than the step after it would."""
        return step_start + step_seconds >= self.due - step_seconds / 2

    def sent(self, at: float) -> None:
        """A frame went at ``at``: the next is due a period after this one was due. A frame more
        than half a period off its due time (the first, one after a pause or a slow step) starts a
        new phase instead, so that frames never bunch up to catch up."""
        if abs(at - self.due) > self.period / 2:
            self.due = at
        self.due += self.period
