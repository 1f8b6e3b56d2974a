"""The trainer steps aside while the GUI thread draws a pass, within bounds."""

import threading
import time

import pytest
from PySide6.QtWidgets import QWidget

from digitlab.gui.training.gui_turns import GuiTurns
from digitlab.gui.training.worker import TrainingRun
from digitlab.model.config import TrainConfig
from digitlab.model.train import Trainer


def _yield_in_thread(turns: GuiTurns, step_seconds: float) -> list[float]:
    """Call yield_to_gui from another thread; the list gets how long it blocked."""
    waited: list[float] = []

    def trainer() -> None:
        t0 = time.perf_counter()
        turns.yield_to_gui(step_seconds)
        waited.append(time.perf_counter() - t0)

    thread = threading.Thread(target=trainer)
    thread.start()
    return waited, thread


def test_a_trainer_with_short_steps_waits_for_the_pass_to_end() -> None:
    turns = GuiTurns(max_wait=2.0)
    turns.gui_busy()
    waited, thread = _yield_in_thread(turns, step_seconds=0.0001)
    time.sleep(0.1)
    assert not waited  # still waiting: the pass goes on
    turns.gui_idle()
    thread.join(1.0)
    assert 0.09 < waited[0] < 1.0


@pytest.mark.timing
def test_the_wait_is_bounded_when_a_pass_never_ends() -> None:
    turns = GuiTurns(max_wait=0.05)
    turns.gui_busy()
    waited, thread = _yield_in_thread(turns, step_seconds=0.0001)
    thread.join(10.0)  # generous: a loaded machine may start the thread late, never wait forever
    assert not thread.is_alive()
    assert 0.045 <= waited[0] < 5.0


@pytest.mark.timing
def test_long_steps_and_an_idle_gui_never_wait() -> None:
    turns = GuiTurns(max_wait=2.0)
    t0 = time.perf_counter()
    turns.yield_to_gui(0.0001)  # idle GUI
    turns.gui_busy()
    turns.yield_to_gui(0.01)  # a step of BLAS work: runs beside the GUI
    assert time.perf_counter() - t0 < 1.0  # generous: a wait would be max_wait, 2 s
    assert not turns.steps_aside(0.01) and turns.steps_aside(0.0001)


def test_a_pass_paints_inside_itself_and_ends_even_on_error(qtbot) -> None:
    painted_in_pass = []
    turns = GuiTurns()

    class Probe(QWidget):
        def paintEvent(self, event) -> None:
            painted_in_pass.append(turns.is_gui_busy)

    w = Probe()
    w.resize(50, 50)
    with qtbot.waitExposed(w):
        w.show()
    painted_in_pass.clear()
    with turns.gui_pass():
        w.update()
        with turns.gui_pass():  # nested: ends with the outer one
            pass
        assert turns.is_gui_busy
    assert painted_in_pass == [True]  # the repaint happened inside the pass, once
    assert not turns.is_gui_busy
    with pytest.raises(RuntimeError):
        with turns.gui_pass():
            raise RuntimeError("boom")
    assert not turns.is_gui_busy


def test_the_worker_makes_no_steps_while_the_gui_draws(qtbot, mnist) -> None:
    config = TrainConfig(layer_sizes=(784, 16, 16, 10), batch_size=10, epochs=1000, augment=False)
    trainer = Trainer(config.build_network(), config, mnist.train_x[:2000], mnist.train_y[:2000])
    run = TrainingRun(trainer)
    run.start()
    try:
        qtbot.waitUntil(lambda: trainer.step_count > 50, timeout=10_000)
        assert run.worker.gil_bound  # small steps: this is the case the turns are for
        with run.worker.turns.gui_pass():
            time.sleep(0.005)  # the step in progress ends
            before = trainer.step_count
            time.sleep(0.03)  # GIL released: without the turns, dozens of steps happen here
            during = trainer.step_count - before
        qtbot.waitUntil(lambda: trainer.step_count > before + 20, timeout=10_000)  # and on it goes
    finally:
        assert run.shutdown()
    assert during <= 1
