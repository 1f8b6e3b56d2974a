"""The training session through its public interface: start, pause, one step, stop, frames, the end."""

from __future__ import annotations

import gc
import os
import signal
import time

import numpy as np
import pytest

from digitlab.gui.training.session import STATUS_MS, TrainingSession, duration
from digitlab.model.config import TrainConfig
from digitlab.model.data import MNIST
from digitlab.model.train_process import RunRecipe, mnist_trainer
from tests.slow_trainers import slow_trainer


@pytest.fixture(scope="module")
def small(mnist) -> MNIST:
    return MNIST(mnist.train_x[:1000], mnist.train_y[:1000], mnist.test_x[:200], mnist.test_y[:200])


@pytest.fixture
def session(qtbot):
    s = TrainingSession()
    yield s
    s.shutdown()


def _recipe(small: MNIST, epochs: int = 1) -> RunRecipe:
    config = TrainConfig(layer_sizes=(784, 16, 10), batch_size=10, epochs=epochs, augment=False)
    net = config.build_network()
    return RunRecipe(mnist_trainer, net, {"net": net, "config": config}, data=small)


def _frames_until(qtbot, session: TrainingSession, condition, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: (session.show_frame_now(), condition())[1], timeout=timeout)


def test_a_run_hands_out_every_step_and_ends_with_its_network(qtbot, session, small) -> None:
    costs: list[np.ndarray] = []
    epochs: list = []
    session.steps_arrived.connect(lambda frame: costs.append(frame.step_costs))
    session.epochs_arrived.connect(epochs.extend)
    recipe = _recipe(small, epochs=2)
    with qtbot.waitSignal(session.ended, timeout=30_000) as ended:
        assert session.start(recipe)
        assert session.active and not session.start(_recipe(small))  # one run at a time
    network, outcome, message = ended.args
    assert outcome == "finished" and message.startswith("Training finished after")
    assert not session.active
    assert sum(len(c) for c in costs) == 200  # 2 epochs of 100 steps: none lost between frames
    assert len(epochs) == 2 and session.steps_done == 200
    assert not np.array_equal(network.weights[0], recipe.network.weights[0])  # it learnt


def test_the_status_line_changes_at_a_readable_pace_and_ends_on_the_last_step(qtbot, session, small) -> None:
    frames, statuses = [], []
    session.steps_arrived.connect(lambda frame: frames.append(frame.step))
    session.progress.connect(lambda fraction, status: statuses.append((time.perf_counter(), fraction, status)))
    with qtbot.waitSignal(session.ended, timeout=60_000):
        assert session.start(_recipe(small, epochs=100))  # 10,000 steps: a few seconds at full speed
    running = [t for t, fraction, _ in statuses if fraction < 1]
    assert len(frames) > 2 * len(statuses)  # frames at display rate, the status a few times a second
    assert min(np.diff(running)) >= STATUS_MS / 1000 - 0.002
    _, fraction, status = statuses[-1]  # the last frame's, whenever it came
    assert fraction == 1 and "step 10,000 of 10,000" in status


def test_full_garbage_collections_wait_while_a_run_trains_and_follow_its_end(qtbot, session, small) -> None:
    full: list[float] = []

    def on_collection(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(time.perf_counter())

    threshold = gc.get_threshold()
    gc.callbacks.append(on_collection)
    try:
        with qtbot.waitSignal(session.ended, timeout=60_000):
            assert session.start(_recipe(small, epochs=20))
            kept = []
            for _ in range(400_000):  # objects that live on, as a window's do: full collections fall due
                kept.append([None])
                _ = [[], []]  # and garbage, for the young generations
            assert not full  # none while the run trains
        ended = time.perf_counter()
        qtbot.waitUntil(lambda: any(t > ended for t in full), timeout=5_000)  # one once the run is over
    finally:
        gc.callbacks.remove(on_collection)
    assert gc.get_threshold() == threshold


def test_in_slow_motion_the_status_line_shows_every_step(qtbot, session, small) -> None:
    steps = []
    session.progress.connect(lambda fraction, status: steps.append(status.split(",")[1]))
    assert session.start(_recipe(small, epochs=5), steps_per_second=10)
    qtbot.waitUntil(lambda: len(steps) >= 6, timeout=10_000)
    session.stop()
    assert steps[:6] == [f" step {i} of 500" for i in range(1, 7)]





def test_each_frame_is_handed_out_as_it_comes_not_on_a_clock_of_the_window_s(qtbot, session, small) -> None:
    # a 30 Hz poll drifting against the child's uneven frames found nothing at some ticks and two
    # frames (merged: one shown) at others; handed out as they come, every frame is shown alone
    config = TrainConfig(layer_sizes=(784, 16, 10), batch_size=10, epochs=1000, augment=False)
    net = config.build_network()
    steps_per_frame: list[int] = []
    session.steps_arrived.connect(lambda frame: steps_per_frame.append(len(frame.step_costs)))
    assert session.start(RunRecipe(slow_trainer, net, {"net": net, "config": config, "step_s": 0.020}, data=small))
    qtbot.waitUntil(lambda: len(steps_per_frame) > 0, timeout=10_000)
    steps_per_frame.clear()
    qtbot.wait(3000)  # no show_frame_now: the frames come by themselves
    session.stop()
    qtbot.waitSignal(session.ended, timeout=10_000).wait()
    shown = steps_per_frame[:-2]  # the last ones may hold the steps up to the stop
    assert len(shown) >= 60  # ~30 a second
    merged = sum(n >= 3 for n in shown)  # a frame holds 1 or 2 steps; 3 are two frames in one
    assert merged <= 0.03 * len(shown), steps_per_frame



def test_the_status_line_says_when_the_epoch_s_network_is_being_measured(qtbot, session, small) -> None:
    # the curves and the view stand still meanwhile: the line says why
    config = TrainConfig(layer_sizes=(784, 16, 10), batch_size=10, epochs=2, augment=False)
    net = config.build_network()
    statuses: list[str] = []
    session.progress.connect(lambda fraction, status: statuses.append(status))
    with qtbot.waitSignal(session.ended, timeout=30_000):
        assert session.start(RunRecipe(slow_trainer, net, {"net": net, "config": config, "evaluate_s": 0.5},
                                     data=small))
    measuring = [s for s in statuses if "measuring this epoch's cost and accuracy" in s]
    assert [s.split(",")[:2] for s in measuring] == [["epoch 1", " step 100 of 200"], ["epoch 2", " step 200 of 200"]]
    after = statuses[statuses.index(measuring[0]) + 1]
    assert after.startswith("epoch 2,") and "measuring" not in after  # the next epoch's steps

def test_one_step_is_exactly_one_step_then_paused(qtbot, session, small) -> None:
    assert session.start(_recipe(small, epochs=5), start_paused=True)
    assert session.paused
    session.step_once()
    _frames_until(qtbot, session, lambda: session.steps_done == 1)
    qtbot.wait(300)
    session.show_frame_now()
    assert session.steps_done == 1 and session.paused
    session.step_once()
    _frames_until(qtbot, session, lambda: session.steps_done == 2)
    with qtbot.waitSignal(session.ended, timeout=5000) as ended:
        session.stop()
    assert ended.args[1] == "stopped"


def test_pause_resume_and_stop_are_seen_by_the_run(qtbot, session, small) -> None:
    session.start(_recipe(small, epochs=200))
    _frames_until(qtbot, session, lambda: session.steps_done > 0)
    session.pause()
    assert session.paused
    qtbot.wait(200)
    session.show_frame_now()
    at_pause = session.steps_done
    qtbot.wait(300)
    session.show_frame_now()
    assert session.steps_done == at_pause  # nothing happens while paused
    session.resume()
    _frames_until(qtbot, session, lambda: session.steps_done > at_pause)
    with qtbot.waitSignal(session.ended, timeout=5000):
        session.stop()


def test_a_killed_trainer_process_is_said_in_words_and_the_last_frame_s_network_kept(qtbot, session, small) -> None:
    messages: list[str] = []
    session.failed.connect(messages.append)
    recipe = _recipe(small, epochs=500)
    session.start(recipe)
    _frames_until(qtbot, session, lambda: session.steps_done > 50)
    os.kill(session.trainer_pid, signal.SIGKILL)
    with qtbot.waitSignal(session.ended, timeout=10_000) as ended:
        pass
    network, outcome, _ = ended.args
    assert outcome == "failed" and "ended unexpectedly" in messages[0]
    assert network.layer_sizes == (784, 16, 10)
    assert not np.array_equal(network.weights[0], recipe.network.weights[0])  # the last frame's weights
    # a new run starts a new process
    with qtbot.waitSignal(session.ended, timeout=30_000) as ended:
        session.start(_recipe(small, epochs=1))
    assert ended.args[1] == "finished"


def test_start_and_stop_fifty_times_leaves_one_warm_process(qtbot, session, small) -> None:
    session.warm_up()
    pid = session.trainer_pid
    for _ in range(50):
        with qtbot.waitSignal(session.ended, timeout=10_000) as ended:
            session.start(_recipe(small, epochs=100))
            session.stop()
        assert ended.args[1] in ("stopped", "finished")
    assert session.trainer_pid == pid  # kept warm: the same process ran all fifty


def test_shutdown_ends_the_process_and_returns_the_network(qtbot, session, small) -> None:
    session.start(_recipe(small, epochs=100))
    _frames_until(qtbot, session, lambda: session.steps_done > 0)
    pid = session.trainer_pid
    network = session.shutdown()
    assert network is not None and network.layer_sizes == (784, 16, 10)
    assert not session.active and session.trainer_pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_durations_read_at_a_glance() -> None:
    assert [duration(s) for s in (0.4, 42, 185, 3720)] == ["0 s", "42 s", "3 min 05 s", "1 h 02 min"]
