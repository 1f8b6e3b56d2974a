"""The learning curves as the plot tests open them: shown, 900 x 600."""

from __future__ import annotations

import pytest

from digitlab.gui.training.plots import TrainingPlots


@pytest.fixture
def make_plots(qtbot):
    """``make_plots(max_points)``: a shown ``TrainingPlots`` keeping at most that many step points."""

    def make(max_points: int) -> TrainingPlots:
        p = TrainingPlots(max_points=max_points)
        qtbot.addWidget(p)
        p.resize(900, 600)
        with qtbot.waitExposed(p):
            p.show()
        return p

    return make
