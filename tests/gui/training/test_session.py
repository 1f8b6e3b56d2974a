"""The training session through its public interface: start, pause, one step, stop, frames, the end."""

from __future__ import annotations

import numpy as np

from digitlab.gui.training.session import TrainingSession, duration
from digitlab.model.config import TrainConfig
from digitlab.model.train import Trainer


def _trainer(mnist, epochs: int = 1, n: int = 1000) -> Trainer:
    config = TrainConfig(layer_sizes=(784, 16, 10), batch_size=10, epochs=epochs, augment=False)
    return Trainer(config.build_network(), config, mnist.train_x[:n], mnist.train_y[:n],
                   mnist.test_x[:200], mnist.test_y[:200])


def test_a_run_hands_out_every_step_and_ends_with_its_network(qtbot, mnist) -> None:
    session = TrainingSession()
    costs: list[np.ndarray] = []
    epochs: list = []
    session.steps_arrived.connect(lambda snap: costs.append(snap.step_costs))
    session.epochs_arrived.connect(epochs.extend)
    trainer = _trainer(mnist, epochs=2)
    with qtbot.waitSignal(session.ended, timeout=30_000) as ended:
        assert session.start(trainer)
        assert session.active and not session.start(_trainer(mnist))  # one run at a time
    network, outcome, message = ended.args
    assert outcome == "finished" and message.startswith("Training finished after")
    assert network is trainer.net and not session.active
    assert sum(len(c) for c in costs) == 200  # 2 epochs of 100 steps: none lost between frames
    assert len(epochs) == 2 and session.steps_done == 200


def test_one_step_is_exactly_one_step_then_paused(qtbot, mnist) -> None:
    session = TrainingSession()
    assert session.start(_trainer(mnist, epochs=5), start_paused=True)
    assert session.paused
    session.step_once()
    qtbot.waitUntil(lambda: (session.show_frame_now(), session.steps_done)[1] == 1, timeout=5000)
    qtbot.wait(200)
    session.show_frame_now()
    assert session.steps_done == 1 and session.paused
    with qtbot.waitSignal(session.ended, timeout=5000) as ended:
        session.stop()
    assert ended.args[1] == "stopped"


def test_pause_resume_and_stop_are_seen_by_the_run(qtbot, mnist) -> None:
    session = TrainingSession()
    session.start(_trainer(mnist, epochs=100))
    qtbot.waitUntil(lambda: (session.show_frame_now(), session.steps_done)[1] > 0, timeout=5000)
    session.pause()
    assert session.paused
    qtbot.wait(100)
    session.show_frame_now()
    at_pause = session.steps_done
    qtbot.wait(200)
    session.show_frame_now()
    assert session.steps_done == at_pause  # nothing happens while paused
    session.resume()
    qtbot.waitUntil(lambda: (session.show_frame_now(), session.steps_done)[1] > at_pause, timeout=5000)
    with qtbot.waitSignal(session.ended, timeout=5000):
        session.stop()


def test_shutdown_ends_the_thread_and_returns_the_network(qtbot, mnist) -> None:
    session = TrainingSession()
    trainer = _trainer(mnist, epochs=100)
    session.start(trainer)
    qtbot.waitUntil(lambda: (session.show_frame_now(), session.steps_done)[1] > 0, timeout=5000)
    assert session.shutdown() is trainer.net
    assert not session.active and session.shutdown() is None


def test_durations_read_at_a_glance() -> None:
    assert [duration(s) for s in (0.4, 42, 185, 3720)] == ["0 s", "42 s", "3 min 05 s", "1 h 02 min"]
