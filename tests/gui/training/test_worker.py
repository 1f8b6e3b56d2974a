"""The training worker's snapshots: plain data, and the changes of a recent step at every frame."""

import time

from digitlab.gui.training.worker import TrainingRun
from digitlab.model.config import TrainConfig
from digitlab.model.train import Trainer


def test_every_snapshot_at_full_speed_brings_a_newer_step_with_its_changes(qtbot, mnist) -> None:
    config = TrainConfig(layer_sizes=(784, 16, 16, 10), batch_size=10, epochs=1000, augment=False)
    trainer = Trainer(config.build_network(), config, mnist.train_x[:2000], mnist.train_y[:2000])
    run = TrainingRun(trainer)
    run.worker.set_record_changes(True)  # the network view is open
    run.start()
    shown = []
    try:
        for _ in range(20):  # frames, 50 ms apart
            time.sleep(0.05)
            snap = run.worker.take_snapshot()
            if snap.changes_step is not None:
                assert snap.changes_step.weight_changes is not None
                shown.append(snap.changes_step.step)
    finally:
        assert run.shutdown()
    # each frame shows a step after the previous frame's (a step already under way when a frame
    # asked does not record: the next one does, and the weights are copied with it)
    assert len(set(shown)) >= 15, shown
    assert shown == sorted(shown)
