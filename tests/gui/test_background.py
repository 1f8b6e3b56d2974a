"""Background jobs: results and errors come back on the GUI thread as queued signals."""

from __future__ import annotations

import threading

import pytest

from digitlab.gui.background import BackgroundJobs


def test_the_result_arrives_on_the_gui_thread(qtbot) -> None:
    jobs = BackgroundJobs()
    seen: list[tuple[int, threading.Thread, threading.Thread]] = []
    worker_thread: list[threading.Thread] = []

    def work(x: int) -> int:
        worker_thread.append(threading.current_thread())
        return x * 2

    future = jobs.submit(work, 21, on_result=lambda r: seen.append((r, threading.current_thread(), None)))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert future.result() == 42 and seen[0][0] == 42
    assert seen[0][1] is threading.main_thread() and worker_thread[0] is not threading.main_thread()
    jobs.shutdown()


def test_an_error_reaches_on_error_not_the_void(qtbot) -> None:
    jobs = BackgroundJobs()
    errors: list[BaseException] = []

    def fail() -> None:
        raise ValueError("bad data")

    jobs.submit(fail, on_result=lambda r: pytest.fail("no result expected"), on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError) and "bad data" in str(errors[0])
    jobs.shutdown()


def test_after_shutdown_nothing_is_delivered_and_work_runs_in_place(qtbot) -> None:
    jobs = BackgroundJobs()
    jobs.shutdown()
    delivered: list[int] = []
    future = jobs.submit(lambda: 7, on_result=delivered.append)
    assert future.result() == 7  # ran here and now
    qtbot.wait(100)
    assert delivered == []
