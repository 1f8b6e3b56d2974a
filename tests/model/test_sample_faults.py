"""Fault injection into every path that writes samples (issue #10, cases 4 and 9): a write that
fails (permission denied, disk full) at any point leaves memory and disk agreeing, no temporary
file and nothing lost but what the error reports; a process killed mid-import leaves only
complete sample files."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from digitlab.model.samples import (
    MAX_META_CHARS,
    SampleFileError,
    SampleStore,
    SampleWriteError,
    read_sample_file,
)

STROKES = [{"tool": "pen", "width": 18.0, "points": [[40.0, 30.5], [60.25, 200.0]]}]
FAULTS = {
    "permission": lambda path: PermissionError(errno.EACCES, "Permission denied", path),
    "disk-full": lambda path: OSError(errno.ENOSPC, "No space left on device", path),
}


def image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((28, 28), dtype=np.float32)


class Faults:
    """Make the ``fail_at``-th file-system write (creating a temporary file, a rename, an unlink)
    raise ``error``; count the writes otherwise."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail_at: int, error: Callable[[str], OSError]) -> None:
        self.calls, self.fail_at, self.error, self.hit = 0, fail_at, error, False
        real_open, real_replace, real_unlink = os.open, os.replace, os.unlink

        def check(path) -> None:
            self.calls += 1
            if self.calls - 1 == self.fail_at:
                self.hit = True
                raise self.error(os.fspath(path))

        def open_(path, flags, *args, **kw):
            if flags & os.O_CREAT:
                check(path)
            return real_open(path, flags, *args, **kw)

        def replace(src, dst, **kw):
            check(dst)
            return real_replace(src, dst, **kw)

        def unlink(path, **kw):
            if str(path).endswith(".npz"):
                check(path)
            return real_unlink(path, **kw)

        monkeypatch.setattr(os, "open", open_)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "unlink", unlink)


def on_disk(folder: Path) -> dict[str, int]:
    """Sample id -> label of every sample file, read fresh (as the next start would)."""
    assert not [n for n in os.listdir(folder) if n.endswith(".tmp")], "a temporary file was left"
    fresh = SampleStore(folder)
    assert fresh.problems == []  # no half-written file
    return {s.id: s.label for s in fresh.all()}


def in_memory(store: SampleStore) -> dict[str, int]:
    return {s.id: s.label for s in store.all()}


def exchange_file(tmp_path: Path, n: int) -> Path:
    other = SampleStore(tmp_path / "other")
    for i in range(n):
        other.add(i % 10, image(100 + i), STROKES)
    path = tmp_path / "exchange.npz"
    other.export_npz(path)
    return path


OPERATIONS: dict[str, Callable[[SampleStore, Path], object]] = {
    "add": lambda store, tmp: store.add(7, image(9), STROKES, 1),
    "relabel_many": lambda store, tmp: store.relabel_many([s.id for s in store.all()], 8),
    "delete_many": lambda store, tmp: store.delete_many([s.id for s in store.all()]),
    "import_npz": lambda store, tmp: store.import_npz(tmp / "exchange.npz"),
    "export_npz": lambda store, tmp: store.export_npz(tmp / "out.npz"),
    "export_idx": lambda store, tmp: store.export_idx(tmp / "out-images", tmp / "out-labels"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_a_write_failing_at_any_point_loses_nothing_and_leaves_memory_and_disk_agreeing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: str, fault: str,
) -> None:
    exchange_file(tmp_path, 5)
    for fail_at in range(40):
        folder = tmp_path / f"samples-{fail_at}"
        store = SampleStore(folder)
        for i in range(4):
            store.add(i, image(i), STROKES)
        before = in_memory(store)
        with monkeypatch.context() as m:
            faults = Faults(m, fail_at, FAULTS[fault])
            try:
                OPERATIONS[operation](store, tmp_path)
            except OSError as e:
                assert faults.hit and isinstance(e, OSError)
                assert ".tmp" not in str(e)  # the error names a file the user knows
                if isinstance(e, SampleWriteError):  # the samples it did change are said
                    assert len(e.done) < e.total
            else:
                assert not faults.hit
        disk = on_disk(folder)
        assert disk == in_memory(store)  # memory and disk agree
        if operation == "delete_many":  # what was deleted is reported (and so can be undone)
            assert set(before) - set(disk) <= set(before)
        if operation in ("relabel_many", "export_npz", "export_idx"):
            assert set(disk) == set(before)  # nothing lost
        if operation == "add":
            assert set(before) <= set(disk) and len(disk) <= len(before) + 1
        if not faults.hit:
            break
    else:
        pytest.fail("the operation never got past the faults")
    assert fail_at > 0  # at least one write was failed on purpose


def test_a_multi_delete_failing_half_way_reports_what_it_deleted_for_undo(tmp_path, monkeypatch) -> None:
    # case 4: the first samples were deleted, were not on the undo stack, and were lost for good
    store = SampleStore(tmp_path)
    samples = [store.add(i, image(i)) for i in range(5)]
    with monkeypatch.context() as m:
        Faults(m, 2, FAULTS["permission"])
        with pytest.raises(SampleWriteError) as caught:
            store.delete_many([s.id for s in samples])
    assert [s.id for s in caught.value.done] == [s.id for s in samples[:2]]
    assert "deleted 2 of 5 samples" in str(caught.value) and "Permission denied" in str(caught.value)
    assert on_disk(tmp_path) == in_memory(store) and len(store) == 3
    store.restore_many(caught.value.done)  # the undo
    assert len(on_disk(tmp_path)) == 5


def test_strokes_too_long_to_keep_are_thinned_not_refused(tmp_path) -> None:
    # case 9: labelling a drawing with too long strokes raised ValueError
    store = SampleStore(tmp_path)
    n = MAX_META_CHARS // 20
    long_stroke = {"tool": "pen", "width": 18.0, "points": [[i * 0.123456789, 50.987654321] for i in range(n)]}
    sample = store.add(3, image(0), [long_stroke, *STROKES], 3)
    kept = read_sample_file(tmp_path / f"{sample.id}.npz")
    assert kept.label == 3 and len(kept.strokes) == 2
    points = kept.strokes[0]["points"]
    assert 2 <= len(points) < n and points[0] == long_stroke["points"][0] and points[-1] == long_stroke["points"][-1]
    assert kept.strokes[1] == STROKES[0]


def test_an_import_job_runs_off_thread_with_progress_and_is_adopted(tmp_path) -> None:
    path = exchange_file(tmp_path, 600)
    store = SampleStore(tmp_path / "mine")
    job = store.npz_import(path)
    seen: list[int] = []
    thread = threading.Thread(target=job.run)
    thread.start()
    while thread.is_alive():
        seen.append(job.done)
        thread.join(0.005)
    assert job.total == job.done == 600 and len(store) == 0  # the store's memory waits for adopt
    store.adopt(job)
    store.adopt(job)  # once only
    assert len(store) == 600 and on_disk(store.folder) == in_memory(store)
    assert store.import_npz(path) == 0  # all known now


def test_a_cancelled_import_keeps_what_it_wrote(tmp_path) -> None:
    path = exchange_file(tmp_path, 600)
    store = SampleStore(tmp_path / "mine")
    job = store.npz_import(path)
    real_write = job._write

    def write_then_cancel(chunk):
        real_write(chunk)
        job.cancel()

    job._write = write_then_cancel
    store.run_import(job)
    assert 0 < len(store) < 600 and on_disk(store.folder) == in_memory(store)


def test_a_bad_file_imports_nothing(tmp_path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really")
    store = SampleStore(tmp_path / "mine")
    with pytest.raises(SampleFileError):
        store.import_npz(bad)
    assert len(store) == 0 and os.listdir(store.folder) == []


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_an_import_killed_mid_write_leaves_only_complete_samples(tmp_path) -> None:
    path = exchange_file(tmp_path, 1000)
    folder = tmp_path / "mine"
    script = (
        "import sys, os\n"
        "from digitlab.model.samples import SampleStore\n"
        "import digitlab.model.samples as m\n"
        "store = SampleStore(sys.argv[1])\n"
        "job = store.npz_import(sys.argv[2])\n"
        "real = job._write\n"
        "def write(chunk):\n"
        "    real(chunk); print(len(job.written), flush=True)\n"
        "job._write = write\n"
        "job.run()\n"
    )
    with subprocess.Popen([sys.executable, "-c", script, str(folder), str(path)], stdout=subprocess.PIPE,
                          text=True) as proc:
        try:
            written = int(proc.stdout.readline())  # a chunk is complete; the next is under way
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            proc.kill()
    store = SampleStore(folder, stale_temp_seconds=0)
    assert store.problems == []  # every sample file complete
    assert written <= len(store) < 1000
    assert not [n for n in os.listdir(folder) if n.endswith(".tmp")]  # leftovers cleaned at the start
