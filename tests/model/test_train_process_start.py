"""A trainer process that cannot be started is said, not raised, and never breaks a later shutdown."""

from __future__ import annotations

import multiprocessing.context

from digitlab.model.train_process import TrainerProcess


def test_a_failed_start_marks_the_process_dead_and_shutdown_still_works(monkeypatch) -> None:
    def refuse(self):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", refuse)
    process = TrainerProcess()
    process.ensure_started()  # no exception: the caller learns it from `died`
    assert process.died and not process.alive and isinstance(process.start_error, OSError)
    assert process.shutdown(timeout=0.2) is None  # a window closing after it must not raise
