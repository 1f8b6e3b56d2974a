"""The networks the app has had, kept on disk so that nothing is replaced without a way back.

A ``NetworkHistory`` is a folder of model files (``model.store.save``, atomic), one per network, and
an ``index.json`` (written atomically too) that lists them with what a person needs to choose one:
a name, when it was made, its MNIST test accuracy when known, and how it was made ("new network,
random weights", "opened my.npz", "trained 3b1b: 10 epochs", "retrained on 5 of your samples").

- ``record(net, how)`` makes ``net`` the current network. A network identical, bit for bit, to one
  already kept (an undo, going back, the shipped model restored again) is not written twice: that
  entry becomes current again.
- ``trail`` is the order in which entries became current; ``undo()`` goes back one step along it
  (the network before the last replacement) and ``go_back(id)`` to any entry.
- The folder is bounded by ``max_entries`` and ``max_bytes``: the oldest entries go first (oldest by
  when they were last current, so one the user went back to counts as recent), never the current one.

Each model file also carries its entry in its metadata (``"history_entry"``), so a lost or damaged
index is rebuilt from the files. Left out: thumbnails, names the user types, sharing a history
between two windows running at once (the last to write the index wins).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from digitlab.model.network import Network
from digitlab.model.npz_io import write_atomically
from digitlab.model.store import ModelFileError, load, load_with_info, save

INDEX_FILE = "index.json"
DEFAULT_MAX_ENTRIES = 40
DEFAULT_MAX_BYTES = 256 * 2**20  # ~120 entries of the 784-512-256-10 network, thousands of 3b1b ones
MAX_TRAIL = 200  # steps of undo kept


@dataclass(frozen=True)
class HistoryEntry:
    """One kept network: its file is ``<folder>/<id>.npz``."""

    id: str
    name: str  # e.g. "784-16-16-10 sigmoid"
    created: float  # seconds since the epoch
    how: str  # how it was made, in words
    accuracy: float | None  # MNIST test accuracy in [0, 1], when known
    digest: str  # of the shape, names and every parameter: identical networks, identical digests
    size: int  # bytes on disk

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> HistoryEntry:
        accuracy = d.get("accuracy")
        return cls(id=str(d["id"]), name=str(d["name"]), created=float(d["created"]), how=str(d["how"]),
                   accuracy=None if accuracy is None else float(accuracy), digest=str(d["digest"]),
                   size=int(d["size"]))


def network_digest(net: Network) -> str:
    """A digest of everything that makes the network what it is (shape, names, parameters)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(json.dumps([list(net.layer_sizes), net.activation_name, net.cost_name]).encode())
    for a in (*net.weights, *net.biases):
        h.update(np.ascontiguousarray(a, dtype=np.float32).tobytes())
    return h.hexdigest()


def describe(net: Network) -> str:
    """The default name of an entry: its layers and hidden activation."""
    return f"{'-'.join(map(str, net.layer_sizes))} {net.activation_name}"


class NetworkHistory:
    """A bounded folder of the networks the app has had, and which one is current."""

    def __init__(self, folder: str | os.PathLike[str], max_entries: int = DEFAULT_MAX_ENTRIES,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a history keeps at least one entry")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: dict[str, HistoryEntry] = {}  # oldest first
        self._trail: list[str] = []  # ids in the order they became current; the last is current
        self.index_problem: str | None = None  # why the index on disk is behind, if it is
        self._read_index()

    # ------------------------------------------------------------------------------ reading
    @property
    def entries(self) -> list[HistoryEntry]:
        """Every kept entry, oldest first."""
        return list(self._entries.values())

    @property
    def current(self) -> HistoryEntry | None:
        return self._entries.get(self._trail[-1]) if self._trail else None

    @property
    def previous(self) -> HistoryEntry | None:
        """The entry ``undo`` would go back to, if any."""
        trail = [i for i in self._trail[:-1] if i in self._entries and i != self._trail[-1]]
        return self._entries[trail[-1]] if trail else None

    @property
    def total_bytes(self) -> int:
        return sum(e.size for e in self._entries.values())

    def path(self, entry: HistoryEntry | str) -> Path:
        return self.folder / f"{entry if isinstance(entry, str) else entry.id}.npz"

    def load(self, entry: HistoryEntry | str) -> Network:
        """The entry's network, bit for bit as it was recorded (``ModelFileError`` if its file is bad)."""
        return load(self.path(entry))

    def find(self, net: Network) -> HistoryEntry | None:
        """The entry holding exactly ``net``, if one is kept."""
        digest = network_digest(net)
        return next((e for e in self._entries.values() if e.digest == digest), None)

    # ------------------------------------------------------------------------------ changing
    def record(self, net: Network, how: str, accuracy: float | None = None, name: str | None = None,
               hyperparameters: Mapping[str, Any] | None = None) -> HistoryEntry:
        """Make ``net`` current, keeping it on disk unless an identical network is kept already.

        Raises ``OSError`` when the file cannot be written and ``ValueError`` for a network a model
        file cannot hold; the history is then as it was.
        """
        digest = network_digest(net)
        entry = next((e for e in self._entries.values() if e.digest == digest), None)
        if entry is None:
            created = time.time()
            entry_id = f"{time.strftime('%Y%m%d-%H%M%S', time.localtime(created))}-{digest[:8]}"
            entry = HistoryEntry(id=entry_id, name=name or describe(net), created=created, how=how,
                                 accuracy=accuracy, digest=digest, size=0)
            path = self.path(entry)
            save(net, path, hyperparameters=hyperparameters, metadata={"history_entry": asdict(entry)})
            entry = replace(entry, size=path.stat().st_size)
            self._entries[entry.id] = entry
        elif accuracy is not None and entry.accuracy is None:
            entry = self._entries[entry.id] = replace(entry, accuracy=accuracy)
        self._make_current(entry.id)
        return entry

    def go_back(self, entry: HistoryEntry | str) -> Network:
        """The entry's network, which becomes current (``KeyError`` for an entry not kept)."""
        entry_id = entry if isinstance(entry, str) else entry.id
        if entry_id not in self._entries:
            raise KeyError(f"no entry {entry_id!r} in the history")
        net = self.load(entry_id)
        self._make_current(entry_id)
        return net

    def undo(self) -> tuple[HistoryEntry, Network] | None:
        """Go back to the network before the last replacement; None when there is none."""
        previous = self.previous
        if previous is None:
            return None
        net = self.load(previous)
        while self._trail and self._trail[-1] != previous.id:
            self._trail.pop()
        self._write_index()
        return previous, net

    def set_accuracy(self, entry_id: str, accuracy: float) -> None:
        """Note an entry's MNIST test accuracy, measured after it was recorded."""
        if entry_id in self._entries:
            self._entries[entry_id] = replace(self._entries[entry_id], accuracy=float(accuracy))
            self._write_index()

    def _make_current(self, entry_id: str) -> None:
        if not self._trail or self._trail[-1] != entry_id:
            self._trail.append(entry_id)
        del self._trail[:-MAX_TRAIL]
        self._prune()
        self._write_index()

    def _prune(self) -> None:
        """Drop the least recently current entries (never the current one) until both bounds hold."""
        current = self._trail[-1] if self._trail else None
        last_current = {entry_id: i for i, entry_id in enumerate(self._trail)}
        for entry in sorted(self._entries.values(), key=lambda e: (last_current.get(e.id, -1), e.created)):
            if len(self._entries) <= self.max_entries and self.total_bytes <= self.max_bytes:
                break
            if entry.id == current:
                continue
            del self._entries[entry.id]
            self.path(entry).unlink(missing_ok=True)
        self._trail = [i for i in self._trail if i in self._entries]

    # ------------------------------------------------------------------------------ the index
    def _write_index(self) -> None:
        """Keep the index on disk. A write that fails (a full or read-only disk) leaves the file as it
        was and the history in memory right: the next write catches up, and the entries' own files,
        which the index is rebuilt from, are all there. ``index_problem`` says what went wrong."""
        data = {"version": 1, "entries": [asdict(e) for e in self._entries.values()], "trail": self._trail}
        text = json.dumps(data, indent=1).encode("utf-8")
        try:
            write_atomically(self.folder / INDEX_FILE, lambda f: f.write(text))
        except OSError as e:
            self.index_problem = f"could not write the history's index: {e}"
        else:
            self.index_problem = None

    def _read_index(self) -> None:
        try:
            data = json.loads((self.folder / INDEX_FILE).read_text(encoding="utf-8"))
            entries = [HistoryEntry.from_dict(d) for d in data["entries"]]
            trail = [str(i) for i in data["trail"]]
        except (OSError, ValueError, KeyError, TypeError):
            entries, trail = [], []
        self._entries = {e.id: e for e in entries if self.path(e).is_file()}
        # files the index does not know (a lost index, a crash between file and index): read them
        for path in sorted(self.folder.glob("*.npz")):
            if path.stem not in self._entries:
                self._adopt(path)
        self._entries = dict(sorted(self._entries.items(), key=lambda kv: kv[1].created))
        self._trail = [i for i in trail if i in self._entries]

    def _adopt(self, path: Path) -> None:
        try:
            net, info = load_with_info(path)
            entry = HistoryEntry.from_dict(info.metadata["history_entry"])
        except (ModelFileError, KeyError, ValueError, TypeError):
            return  # not one of ours, or damaged: left alone
        self._entries[path.stem] = replace(entry, id=path.stem, digest=network_digest(net),
                                           size=path.stat().st_size)
