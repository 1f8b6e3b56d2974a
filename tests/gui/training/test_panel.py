"""The training panel shows only what its fields can hold, and is never left half-updated (issue #10, case 3)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction

from digitlab.gui.training.panel import TrainingPanel
from digitlab.model.config import PRESETS, TrainConfig


@pytest.fixture
def panel(qtbot) -> TrainingPanel:
    actions = {k: QAction(k) for k in ("train", "stop", "step", "new_network", "open", "save")}
    p = TrainingPanel(actions)
    p._test_actions = actions  # keep them alive
    qtbot.addWidget(p)
    return p


@pytest.mark.parametrize(("field", "value"), [
    ("seed", 3_000_000_000), ("seed", -1), ("batch_size", 2**31), ("epochs", 2**31), ("epochs", 200_000),
    ("learning_rate", 1e-7), ("learning_rate", 1e9), ("l2", 5.0),
])
def test_out_of_range_values_are_refused_and_nothing_changes(panel: TrainingPanel, field: str, value) -> None:
    # case 3: a file trained with --seed 3000000000 raised OverflowError in setValue, the panel half-updated
    accurate = PRESETS["accurate"]
    before = panel.config()
    config = accurate.replace(**{field: value})
    with pytest.raises(ValueError, match=field):
        panel.set_config(config)
    assert panel.config() == before
    assert panel.preset.currentText() == "3b1b"


def test_the_limits_of_every_field_are_shown(panel: TrainingPanel) -> None:
    config = TrainConfig(seed=2**31 - 1, batch_size=60_000, epochs=1000, learning_rate=100.0, l2=1.0)
    panel.set_config(config)
    assert panel.config() == config


def test_the_panel_keeps_the_deskew_of_the_config_it_shows(panel: TrainingPanel) -> None:
    panel.set_config(PRESETS["accurate"], preset="accurate")
    assert panel.config().deskew is True and panel.deskew.isChecked()
    panel.epochs.setValue(3)
    assert panel.config() == PRESETS["accurate"].replace(epochs=3)
    panel.set_config(PRESETS["3b1b"], preset="3b1b")
    assert panel.config().deskew is False and not panel.deskew.isChecked()


def test_the_deskew_box_is_a_setting_of_its_own(qtbot, panel: TrainingPanel) -> None:
    from PySide6.QtCore import QPoint, Qt

    with qtbot.waitExposed(panel):
        panel.show()
    panel.set_config(PRESETS["3b1b"], preset="3b1b")
    assert "slant" in panel.deskew.toolTip()
    box = panel.deskew
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on its tick box
    assert panel.config() == PRESETS["3b1b"].replace(deskew=True)
    assert panel.preset.currentText() == "custom"  # no longer the preset as it is
