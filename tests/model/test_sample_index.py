"""The samples folder's index: a start after a large import reads no sample file one by one
(issue #10, case 9: 10,000 imported samples made the next start take 6 s), and the index is only
ever a cache: stale, damaged or tampered, it gives way to the files."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from digitlab.model import samples as samples_module
from digitlab.model.samples import INDEX_FILE, SampleStore


def _exchange(tmp_path, n: int):
    rng = np.random.default_rng(0)
    images = rng.random((n, 28, 28), dtype=np.float32)
    path = tmp_path / "exchange.npz"
    np.savez(path, images=images, labels=(np.arange(n) % 10).astype(np.uint8))
    return path


@pytest.fixture
def imported(tmp_path):
    store = SampleStore(tmp_path / "mine")
    store.import_npz(_exchange(tmp_path, 600))
    return store


def _count_reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    real = samples_module.read_sample_file

    def counting(path):
        reads.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(samples_module, "read_sample_file", counting)
    return reads


def _as_tuples(store: SampleStore):
    return [(s.id, s.label, s.predicted, s.created, s.strokes, s.image.tobytes()) for s in store.all()]


def test_a_start_after_an_import_reads_the_index_not_each_file(imported, monkeypatch) -> None:
    assert (imported.folder / INDEX_FILE).is_file()
    reads = _count_reads(monkeypatch)
    fresh = SampleStore(imported.folder)
    assert reads == [] and len(fresh) == 600
    assert _as_tuples(fresh) == _as_tuples(imported)


def test_changed_files_are_read_again(imported, monkeypatch) -> None:
    ids = [s.id for s in imported.all()]
    imported.relabel(ids[0], (imported.get(ids[0]).label + 1) % 10)
    imported.delete(ids[1])
    added = imported.add(4, np.zeros((28, 28), np.float32))
    reads = _count_reads(monkeypatch)
    fresh = SampleStore(imported.folder)
    assert sorted(os.path.basename(r) for r in reads) == sorted([f"{ids[0]}.npz", f"{added.id}.npz"])
    assert _as_tuples(fresh) == _as_tuples(imported)


@pytest.mark.parametrize("damage", ["garbage", "tampered"])
def test_a_damaged_or_tampered_index_gives_way_to_the_files(imported, monkeypatch, damage: str) -> None:
    index = imported.folder / INDEX_FILE
    if damage == "garbage":
        index.write_bytes(b"PK\x03\x04 garbage")
    else:  # plausible stats, an impossible label: the whole index is refused
        with np.load(index) as z:
            images, meta = z["images"], str(z["meta"])
        m = json.loads(meta)
        m["entries"][0][4] = 42  # the label
        np.savez(index, images=images, meta=np.array(json.dumps(m)))
        os.utime(index)
    reads = _count_reads(monkeypatch)
    fresh = SampleStore(imported.folder)
    assert len(reads) == 600 and fresh.problems == []
    assert _as_tuples(fresh) == _as_tuples(imported)
    reads.clear()
    SampleStore(imported.folder)  # the index was rebuilt
    assert reads == []
