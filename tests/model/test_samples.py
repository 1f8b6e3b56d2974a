"""The sample store: round trips, persistence, damaged files, imports under fuzzing, and kill -9."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digitlab.model import samples as samples_module
from digitlab.model.data import read_idx
from digitlab.model.samples import Sample, SampleFileError, SampleStore, read_sample_file

ROOT = Path(__file__).resolve().parents[2]
STROKES = [
    {"tool": "pen", "width": 18.0, "points": [[40.0, 30.5], [60.25, 200.0], [61.0, 250.0]]},
    {"tool": "eraser", "width": 30.0, "points": [[50.0, 100.0]]},
]


def image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((28, 28), dtype=np.float32)


def fill(store: SampleStore, n: int) -> list[Sample]:
    return [store.add(i % 10, image(i), STROKES, (i + 3) % 10 if i % 2 else None) for i in range(n)]


def same(a: Sample, b: Sample) -> bool:
    return (a.id, a.label, a.strokes, a.predicted, a.created) == (b.id, b.label, b.strokes, b.predicted, b.created) \
        and np.array_equal(a.image, b.image)


# ------------------------------------------------------------------------------------- round trips


def test_samples_survive_a_restart_exactly_and_oldest_first(tmp_path):
    store = SampleStore(tmp_path)
    added = fill(store, 5)
    assert [s.id for s in store.all()] == [s.id for s in added]
    again = SampleStore(tmp_path)
    assert again.problems == []
    assert len(again) == 5
    assert all(same(a, b) for a, b in zip(added, again.all()))
    s = again.all()[1]
    assert s.image.dtype == np.float32 and s.image.shape == (28, 28) and not s.image.flags.writeable
    assert s.strokes == STROKES and s.predicted == 4 and s.was_wrong
    assert len(s.id) == 32 and int(s.id, 16) >= 0


def test_add_takes_canvas_and_mnist_shaped_input(tmp_path):
    store = SampleStore(tmp_path)
    u8 = (image(1) * 255).astype(np.uint8)
    a = store.add(3, u8)
    b = store.add(4, image(2).ravel(), predicted=4)
    assert np.allclose(a.image, u8 / 255) and b.image.shape == (28, 28) and not b.was_wrong
    for bad in (dict(label=10), dict(label=-1), dict(label=True), dict(predicted=12)):
        with pytest.raises(ValueError):
            store.add(**{"label": 1, "image": image(0), **bad})
    with pytest.raises(ValueError):
        store.add(1, np.zeros((27, 28)))
    with pytest.raises(ValueError):
        store.add(1, np.full((28, 28), 2.0))
    with pytest.raises(ValueError):
        store.add(1, image(0), [{"tool": "brush", "width": 3, "points": []}])
    assert len(SampleStore(tmp_path)) == 2  # refused samples were never written


def test_file_format_is_plain_npz_with_json_meta(tmp_path):
    s = SampleStore(tmp_path).add(7, image(0), STROKES, 1)
    with np.load(tmp_path / f"{s.id}.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["image", "meta"]
        assert np.array_equal(npz["image"], s.image)
        meta = json.loads(str(npz["meta"]))
    assert meta == {"format": "digitlab-sample", "version": 1, "label": 7, "predicted": 1,
                    "created": s.created, "strokes": STROKES}


def test_relabel_delete_and_restore_persist(tmp_path):
    store = SampleStore(tmp_path)
    a, b, c = fill(store, 3)
    assert store.relabel(b.id, 8).label == 8
    gone = store.delete(a.id)
    assert [s.id for s in SampleStore(tmp_path).all()] == [b.id, c.id]
    assert SampleStore(tmp_path).get(b.id).label == 8
    store.restore(gone)
    reloaded = SampleStore(tmp_path)
    assert [s.id for s in reloaded.all()] == [a.id, b.id, c.id]  # back in its place
    assert same(reloaded.get(a.id), a)
    assert sorted(os.listdir(tmp_path)) == sorted(f"{s.id}.npz" for s in (a, b, c))  # no temp files


def test_arrays_are_training_data(tmp_path):
    store = SampleStore(tmp_path)
    added = fill(store, 4)
    x, y = store.arrays()
    assert x.shape == (4, 784) and x.dtype == np.float32 and y.dtype == np.uint8
    assert np.array_equal(x[2], added[2].image.ravel()) and list(y) == [0, 1, 2, 3]
    x0, y0 = SampleStore(tmp_path / "empty").arrays()
    assert x0.shape == (0, 784) and y0.shape == (0,)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    store = SampleStore(tmp_path)
    s = store.add(2, image(0))

    def broken(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(OSError):
        store.relabel(s.id, 5)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == [f"{s.id}.npz"]
    assert SampleStore(tmp_path).get(s.id).label == 2


def test_default_folder_is_the_user_data_folder():
    folder = samples_module.default_folder()
    assert folder.name == "samples" and "digitlab" in str(folder).lower()


# ------------------------------------------------------------------------------ damaged folders


def test_damaged_and_foreign_files_are_reported_and_skipped(tmp_path):
    store = SampleStore(tmp_path)
    good = fill(store, 3)
    victim = tmp_path / f"{good[0].id}.npz"
    victim.write_bytes(victim.read_bytes()[:300])  # truncated
    (tmp_path / f"{'ab' * 16}.npz").write_bytes(os.urandom(500))  # garbage under a sample's name
    (tmp_path / "notes.txt").write_text("my notes")  # foreign
    np.savez(tmp_path / f"{'cd' * 16}.npz", image=np.zeros((28, 28)), meta=np.array("{}"))  # not ours
    np.savez(tmp_path / f"{'ef' * 16}.npz", image=np.zeros((28, 28), np.float32),
             meta=np.array(json.dumps({"format": "digitlab-sample", "version": 9})))  # from the future
    (tmp_path / "subfolder").mkdir()
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    reloaded = SampleStore(tmp_path)
    assert [s.id for s in reloaded.all()] == [good[1].id, good[2].id]
    text = "\n".join(reloaded.problems)
    assert len(reloaded.problems) == 5, text
    assert good[0].id in text and "notes.txt" in text and "version 9" in text
    assert all(": " in p and "Traceback" not in p for p in reloaded.problems)


def test_stale_temp_files_are_cleaned_young_ones_ignored(tmp_path):
    store = SampleStore(tmp_path)
    fill(store, 1)
    stale = tmp_path / f".{'a' * 32}.{'b' * 12}.tmp"
    young = tmp_path / f".{'c' * 32}.{'d' * 12}.tmp"
    for t in (stale, young):
        t.write_bytes(b"PK\x03\x04 interrupted")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    reloaded = SampleStore(tmp_path)
    assert reloaded.problems == [] and len(reloaded) == 1
    assert not stale.exists() and young.exists()


def _valid_sample_file() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        s = SampleStore(d).add(4, image(0), STROKES, 9)
        return (Path(d) / f"{s.id}.npz").read_bytes()


VALID_SAMPLE = _valid_sample_file()


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_a_mutated_sample_file_loads_or_is_refused_cleanly(data):
    raw = bytearray(VALID_SAMPLE)
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    raw = raw[: data.draw(st.integers(0, len(raw)))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{'ab' * 16}.npz"
        path.write_bytes(bytes(raw))
        try:
            loaded = read_sample_file(path)
        except SampleFileError as e:
            assert str(e).startswith(str(path))
            return
        assert loaded.image.shape == (28, 28) and 0 <= loaded.label <= 9


# ---------------------------------------------------------------------------------- exchange


def test_npz_export_import_round_trip_skips_known_ids(tmp_path):
    store = SampleStore(tmp_path / "a")
    added = fill(store, 4)
    assert store.export_npz(tmp_path / "mine.npz") == 4
    other = SampleStore(tmp_path / "b")
    assert other.import_npz(tmp_path / "mine.npz") == 4
    assert all(same(a, b) for a, b in zip(added, SampleStore(tmp_path / "b").all()))
    assert other.import_npz(tmp_path / "mine.npz") == 0  # the same samples again: nothing new


def test_import_npz_from_another_tool(tmp_path):
    np.savez(tmp_path / "digits.npz", images=np.full((3, 784), 200, np.uint8), labels=np.array([1, 2, 3]))
    store = SampleStore(tmp_path / "s")
    assert store.import_npz(tmp_path / "digits.npz") == 3
    got = SampleStore(tmp_path / "s").all()
    assert [s.label for s in got] == [1, 2, 3] and np.allclose(got[0].image, 200 / 255)
    assert all(s.strokes == [] and s.predicted is None for s in got)


@pytest.mark.parametrize("arrays, message", [
    (dict(images=np.zeros((2, 28, 28)), labels=np.array([1, 12])), "digits"),
    (dict(images=np.zeros((2, 28, 28)), labels=np.array([1])), "labels for 2 images"),
    (dict(images=np.zeros((2, 27, 27)), labels=np.array([1, 2])), "(n, 28, 28)"),
    (dict(images=np.full((1, 28, 28), np.nan), labels=np.array([1])), "[0, 1]"),
    (dict(pictures=np.zeros((1, 28, 28)), labels=np.array([1])), "no images"),
    (dict(images=np.array([object()] * 2), labels=np.array([1, 2])), "dtype"),
])
def test_import_npz_refuses_bad_contents_clearly(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", allow_pickle=True, **arrays)
    store = SampleStore(tmp_path / "s")
    with pytest.raises(SampleFileError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        store.import_npz(tmp_path / "bad.npz")
    assert len(SampleStore(tmp_path / "s")) == 0  # nothing half-imported


def test_import_of_missing_or_empty_files(tmp_path):
    store = SampleStore(tmp_path / "s")
    (tmp_path / "empty").write_bytes(b"")
    for call in (lambda p: store.import_npz(p), lambda p: store.import_idx(p, p)):
        for p in (tmp_path / "nope.npz", tmp_path / "empty", tmp_path):
            with pytest.raises(SampleFileError):
                call(p)


def test_idx_export_is_readable_by_read_idx_and_imports_back(tmp_path):
    store = SampleStore(tmp_path / "a")
    added = fill(store, 3)
    for suffix in ("", ".gz"):
        images, labels = tmp_path / f"i-idx3-ubyte{suffix}", tmp_path / f"l-idx1-ubyte{suffix}"
        assert store.export_idx(images, labels) == 3
        x, y = read_idx(images), read_idx(labels)
        assert x.shape == (3, 28, 28) and x.dtype == np.uint8 and list(y) == [0, 1, 2]
        assert np.array_equal(x[1], np.rint(added[1].image * 255).astype(np.uint8))
        other = SampleStore(tmp_path / f"b{suffix}")
        assert other.import_idx(images, labels) == 3
        got = other.all()
        assert [s.label for s in got] == [0, 1, 2]  # the file's order is kept
        assert np.abs(got[2].image - added[2].image).max() <= 0.5 / 255 + 1e-6


def _valid_exports() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as d:
        store = SampleStore(Path(d) / "s")
        fill(store, 3)
        store.export_npz(Path(d) / "x.npz")
        store.export_idx(Path(d) / "i", Path(d) / "l")
        return {name: (Path(d) / name).read_bytes() for name in ("x.npz", "i", "l")}


VALID = _valid_exports()


def mutated(data: st.DataObject, raw: bytes) -> bytes:
    """``raw`` with a few bytes changed, then maybe cut short, or entirely random bytes."""
    if data.draw(st.booleans()):
        return data.draw(st.binary(max_size=300))
    b = bytearray(raw)
    for _ in range(data.draw(st.integers(0, 8))):
        b[data.draw(st.integers(0, len(b) - 1))] = data.draw(st.integers(0, 255))
    return bytes(b[: data.draw(st.integers(0, len(b)))])


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(data=st.data())
def test_import_npz_of_damaged_files_gives_sample_file_error_or_a_valid_import(data):
    raw = mutated(data, VALID["x.npz"])
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "in.npz"
        path.write_bytes(raw)
        store = SampleStore(Path(d) / "s")
        try:
            n = store.import_npz(path)
        except SampleFileError as e:
            assert str(e).startswith(str(path))
            assert len(SampleStore(Path(d) / "s")) == 0
            return
        assert n == len(store) == len(SampleStore(Path(d) / "s").all()) <= 3


@FUZZ
@given(data=st.data())
def test_import_idx_of_damaged_files_gives_sample_file_error_or_a_valid_import(data):
    images, labels = VALID["i"], VALID["l"]
    if data.draw(st.booleans()):
        images = mutated(data, images)
    else:
        labels = mutated(data, labels)
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "i").write_bytes(images)
        (Path(d) / "l").write_bytes(labels)
        store = SampleStore(Path(d) / "s")
        try:
            n = store.import_idx(Path(d) / "i", Path(d) / "l")
        except SampleFileError:
            assert len(SampleStore(Path(d) / "s")) == 0
            return
        assert n == len(SampleStore(Path(d) / "s")) <= 3


# ------------------------------------------------------------------------------------- kill -9

# a fork server: imports once, then forks a writer per round (a fresh interpreter per round would
# spend ~0.3 s starting); each writer adds samples with long strokes (bigger files, longer
# writes) and relabels them in a loop, reporting each finished save on stdout
_WRITER = r"""
import os, sys
import numpy as np
from digitlab.model.samples import SampleStore
folder = sys.argv[1]
strokes = [{"tool": "pen", "width": 18.0,
            "points": np.random.default_rng(0).uniform(0, 280, (3000, 2)).round(2).tolist()}]
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        seed = int(line)
        rng = np.random.default_rng(seed)
        store = SampleStore(folder)
        mine = []
        os.write(1, f"ready {os.getpid()}\n".encode())
        while True:
            s = store.add(int(rng.integers(10)), rng.random((28, 28), dtype=np.float32), strokes)
            mine.append(s.id)
            os.write(1, f"add {s.id} {s.label}\n".encode())
            victim = mine[int(rng.integers(len(mine)))]
            label = (store.get(victim).label + 1) % 10
            store.relabel(victim, label)
            os.write(1, f"relabel {victim} {label}\n".encode())
    os.waitpid(pid, 0)
    os.write(1, b"done\n")
"""


def _read_line(proc: subprocess.Popen, timeout: float = 10.0) -> str:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "the writer stopped answering"
    return proc.stdout.readline().decode().strip()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")
def test_kill_9_while_saving_never_corrupts_the_collection(tmp_path):
    folder = tmp_path / "samples"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    server = subprocess.Popen([sys.executable, "-c", _WRITER, str(folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=env, cwd=ROOT, bufsize=0)
    rng = random.Random(1234)
    labels: dict[str, int] = {}  # the last label each sample was reported saved with
    pid = None
    try:
        for round_ in range(30):
            server.stdin.write(f"{round_}\n".encode())
            word, pid = _read_line(server).split()
            assert word == "ready"
            pid = int(pid)
            # kill at a random moment; while no save has finished yet (a busy machine), a later one
            time.sleep(rng.uniform(0.005, 0.050) * (1 if labels else 1 + round_))
            os.kill(pid, signal.SIGKILL)
            pid = None
            while (line := _read_line(server)) != "done":
                _, sample_id, label = line.split()
                labels[sample_id] = int(label)
    finally:
        if pid is not None:  # the test failed mid-round: end the writer it started
            os.kill(pid, signal.SIGKILL)
        server.stdin.close()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
        finally:
            server.stdout.close()
    interrupted = sum(name.endswith(".tmp") for name in os.listdir(folder))  # saves cut short
    store = SampleStore(folder, stale_temp_seconds=0)
    assert store.problems == []  # every file complete: no damaged sample, whatever the timing
    assert not any(name.endswith(".tmp") for name in os.listdir(folder))  # leftovers cleaned
    ids = {s.id for s in store.all()}
    assert set(labels) <= ids  # every save reported finished is there
    assert len(ids) <= len(labels) + 30  # plus at most one unreported save per kill
    # each sample has its last reported label, or the next one from a relabel the kill cut short
    unreported = [i for i, label in labels.items() if store.get(i).label != label]
    assert all(store.get(i).label == (labels[i] + 1) % 10 for i in unreported)
    assert len(unreported) <= 30
    assert labels and interrupted >= 1, (len(labels), interrupted)  # saves happened; kills hit some
