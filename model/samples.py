"""The user's own labelled drawings ("Your samples"): one file per sample, saved atomically.

A sample is a drawing the user labelled: its 28x28 network input, the canvas strokes it came from
(so it can be preprocessed again later), its label, what the network answered when it was labelled,
and when. ``SampleStore`` keeps them in a folder (by default ``platformdirs.user_data_dir("digitlab")
/ "samples"``) and in memory, oldest first.

File format, version 1: one ordinary NumPy ``.npz`` archive per sample, named ``<id>.npz`` where id
is 32 lowercase hex digits (a uuid4), written with ``np.savez_compressed`` and read with
``allow_pickle=False``, so opening a sample never runs code:

=========  ===============================  ==================================================
key        array                            meaning
=========  ===============================  ==================================================
``image``  float32 (28, 28), or uint8       the network's input, ink 1.0 (or 255) on 0
``meta``   unicode, shape ()                a JSON object (below)
=========  ===============================  ==================================================

``meta`` is ``{"format": "digitlab-sample", "version": 1, "label": 0-9, "predicted": 0-9 or null,
"created": ISO-8601 time with offset, "strokes": [{"tool": "pen" | "eraser", "width": px,
"points": [[x, y], ...]}, ...]}``, strokes exactly as ``gui.canvas.Canvas.strokes()`` gives them.

Every write (add, relabel, restore) goes to a hidden temporary file ``.<id>.<random>.tmp`` in the
same folder, is flushed and fsynced, then renamed over ``<id>.npz`` with ``os.replace`` (atomic on
POSIX and Windows), and the folder is fsynced so the rename itself is durable (``model.npz_io``,
shared with model files). A crash or ``kill -9`` at any moment therefore leaves each file either
complete or absent: at most the sample being saved is lost. Loading ignores temporary files and
deletes those older than a grace period (young ones may belong to another process that is writing
right now).

Loading checks every file before building anything from it (``model.npz_io`` reads each array's
``.npy`` header and checks it before its data, so a crafted header cannot make the loader allocate
gigabytes); a damaged or foreign file is skipped and described in ``SampleStore.problems``. Imports
raise one error type, ``SampleFileError``, for any damaged file.

Changes to several samples at once (``delete_many``, ``relabel_many``, ``restore_many``) go one
sample at a time, memory following disk for each; when one fails (an unwritable folder, a full
disk) they stop and raise ``SampleWriteError``, whose ``done`` lists the samples already changed
(so a caller can put deleted ones on its undo stack): memory and disk agree, and nothing is lost.
A drawing whose strokes are too long to keep (``MAX_META_CHARS``) keeps fewer of their points
(every other one, the ends kept, until they fit), never fails to be labelled.

Imports (``import_npz``, ``import_idx``) are ``ImportJob``s: reading, checking and writing the
new samples' files can run on another thread, counting ``done`` of ``total``, while the store's
memory changes only in ``adopt(job)``, on the thread that owns the store; the synchronous methods
do both in turn.

Start-up: reading thousands of sample files one by one takes seconds (10,000 took 6 s), so the
folder also holds an index, ``.index.npz``: every sample's image and record with its file's name,
size, modification time and inode (every rewrite is a rename: a new inode). ``reload`` takes a
sample from the index only when its file is still there with those same three, reads every other file, and rewrites the index when it had to
read many; an import writes it when it ends. The index is a cache: a missing, stale or damaged one
is ignored (and rebuilt), never trusted over the files, and its values are checked like a file's.

Exchange formats: ``export_npz`` writes the whole collection to one ``.npz`` (``images`` (n, 28,
28) float32, ``labels`` (n,) uint8, ``meta`` a JSON object ``{"format": "digitlab-samples",
"version": 1, "samples": [{"id", "predicted", "created", "strokes"}, ...]}``); ``import_npz`` reads
that, or any ``.npz`` with just ``images`` ((n, 28, 28) or (n, 784), uint8 or floats in [0, 1])
and ``labels`` (integers 0-9). ``export_idx`` writes MNIST's IDX format (uint8 images, so the grey
levels are rounded to 1/255), gzip-compressed when the name ends in ``.gz``; ``import_idx`` reads
it (``model.data.read_idx``). Left out: any index file (the folder listing is the index), sharing
one folder between two running apps (each keeps its own view until it reloads), and undo beyond
``restore``.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import math
import os
import re
import struct
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Union

import numpy as np

from digitlab.model.data import IDXError, read_idx
from digitlab.model.npz_io import (
    NpzArchive,
    NpzFileError,
    fsync_folder,
    naming,
    open_npz,
    remove_quietly,
    remove_stale_temps,
    temp_pattern,
    write_atomically,
    write_temp,
)

PathLike = Union[str, "os.PathLike[str]"]

FORMAT_VERSION = 1
SIDE = 28
TOOLS = ("pen", "eraser")  # as gui.canvas.TOOLS
SUFFIX = ".npz"
STALE_TEMP_SECONDS = 60.0  # temporary files older than this are leftovers of a crash
MAX_META_CHARS = 2_000_000  # one sample's JSON (strokes included)
MAX_IMPORT_SAMPLES = 100_000
MAX_IMPORT_META_CHARS = 200_000_000
MAX_IDX_FILE_BYTES = 256 * 2**20
IMPORT_CHUNK = 250  # samples written (and flushed to disk together) between two progress reports
INDEX_FILE = ".index.npz"
INDEX_MIN_SAMPLES = 200  # smaller folders load fast enough without an index
INDEX_REWRITE_READS = 100  # reload rewrites the index after reading at least this many files

_ID = re.compile(r"[0-9a-f]{32}")
_TEMP = re.compile(r"\.[0-9a-f]{32}\.[0-9a-f]{12}\.tmp")
_OS_JUNK = {"Thumbs.db", "desktop.ini"}  # files operating systems drop into folders


class SampleFileError(ValueError):
    """A sample or exchange file that cannot be read: the message names the file and the problem."""


class SampleWriteError(OSError):
    """A change to several samples stopped by ``error`` after changing ``done`` of ``total``.

    Each sample in ``done`` is changed in memory and on disk alike; the others are untouched.
    """

    def __init__(self, verb: str, done: list, total: int, error: OSError) -> None:
        reason = error.strerror or str(error)
        where = f" ({error.filename})" if error.filename else ""
        super().__init__(error.errno, f"{verb} {len(done)} of {total} sample{'s' * (total != 1)}, "
                                      f"then: {reason}{where}")
        self.verb, self.done, self.total, self.error = verb, done, total, error


def default_folder() -> Path:
    """Where samples live unless told otherwise: the user's data folder for Digit Lab."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("digitlab", appauthor=False)) / "samples"


# ------------------------------------------------------------------------------------ the sample


@dataclass(frozen=True, eq=False)
class Sample:
    """One labelled drawing. ``image`` is read-only; compare samples by ``id``."""

    id: str  # 32 lowercase hex digits (uuid4), also the file name
    label: int  # what the user says it is, 0-9
    image: np.ndarray  # (28, 28) float32 in [0, 1]: the network's input
    strokes: list  # the canvas strokes, plain JSON data (see the module docstring)
    predicted: int | None  # the network's answer when it was labelled
    created: str  # ISO-8601 time stamp

    @property
    def vector(self) -> np.ndarray:
        """The image as one (784,) input row."""
        return self.image.reshape(SIDE * SIDE)

    @property
    def was_wrong(self) -> bool:
        """The network misread it when it was labelled (a correction, not just a new sample)."""
        return self.predicted is not None and self.predicted != self.label


def _created_key(created: str) -> datetime:
    t = datetime.fromisoformat(created)
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _sort_key(s: Sample) -> tuple[datetime, str]:
    return _created_key(s.created), s.id


# ------------------------------------------------------------------------------ value checks
# each returns the checked value or raises ValueError saying what is wrong


def _digit(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= 9:
        raise ValueError(f"{what} must be a digit 0-9, got {value!r}")
    return int(value)


def _image(image: Any) -> np.ndarray:
    a = np.asarray(image)
    if a.shape not in ((SIDE, SIDE), (SIDE * SIDE,)):
        raise ValueError(f"image must be 28x28 (or 784 values), got shape {a.shape}")
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / np.float32(255)
    elif a.dtype.kind in "fiu":
        a = a.astype(np.float32)
        if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise ValueError("image values must be finite and in [0, 1]")
    else:
        raise ValueError(f"image must hold numbers, got {a.dtype}")
    a = np.ascontiguousarray(a.reshape(SIDE, SIDE))
    a.flags.writeable = False
    return a


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _strokes(strokes: Any) -> list:
    """Strokes as plain JSON data: a list of {"tool", "width", "points": [[x, y], ...]}."""
    if not isinstance(strokes, (list, tuple)):
        raise ValueError(f"strokes must be a list, got {type(strokes).__name__}")
    out = []
    for i, s in enumerate(strokes):
        if not isinstance(s, dict) or set(s) != {"tool", "width", "points"}:
            raise ValueError(f"stroke {i} must be an object with tool, width and points")
        if s["tool"] not in TOOLS:
            raise ValueError(f"stroke {i}: tool must be one of {TOOLS}, got {s['tool']!r}")
        if not (_number(s["width"]) and s["width"] > 0):
            raise ValueError(f"stroke {i}: width must be a positive number, got {s['width']!r}")
        points = s["points"]
        if not isinstance(points, (list, tuple)) or not all(
            isinstance(p, (list, tuple)) and len(p) == 2 and _number(p[0]) and _number(p[1])
            for p in points
        ):
            raise ValueError(f"stroke {i}: points must be a list of [x, y] numbers")
        out.append({"tool": s["tool"], "width": float(s["width"]),
                     "points": [[float(x), float(y)] for x, y in points]})
    return out


def fit_strokes(strokes: list, max_chars: int) -> list:
    """``strokes`` with every other point dropped (each stroke's ends kept) until their JSON is at
    most ``max_chars`` long; [] when even two points a stroke are too many."""
    while len(json.dumps(strokes, separators=(",", ":"))) > max_chars:
        if all(len(s["points"]) <= 2 for s in strokes):
            return []
        strokes = [{**s, "points": s["points"][:-1:2] + s["points"][-1:]} if len(s["points"]) > 2 else s
                   for s in strokes]
    return strokes


def _created(created: Any) -> str:
    if not isinstance(created, str) or len(created) > 64:
        raise ValueError(f"created must be an ISO-8601 time stamp, got {created!r}")
    try:
        _created_key(created)
    except ValueError:
        raise ValueError(f"created must be an ISO-8601 time stamp, got {created!r}") from None
    return created


def _sample_from_meta(sample_id: str, image: Any, meta: Any) -> Sample:
    if not isinstance(meta, dict):
        raise ValueError("meta must be a JSON object")
    if meta.get("format") != "digitlab-sample":
        raise ValueError(f"not a Digit Lab sample (format {meta.get('format')!r})")
    if meta.get("version") != FORMAT_VERSION:
        raise ValueError(f"format version {meta.get('version')!r} is not known (this Digit Lab "
                         f"reads version {FORMAT_VERSION})")
    predicted = meta.get("predicted")
    return Sample(
        id=sample_id,
        label=_digit(meta.get("label"), "label"),
        image=_image(image),
        strokes=_strokes(meta.get("strokes", [])),
        predicted=None if predicted is None else _digit(predicted, "predicted"),
        created=_created(meta.get("created")),
    )


# ----------------------------------------------------------------------------- reading archives


@contextmanager
def _open_npz(path: PathLike, kind: str) -> Iterator[NpzArchive]:
    """``model.npz_io.open_npz``, its errors (and the caller's ``archive.fail``) as SampleFileError."""
    try:
        with open_npz(path, kind) as archive:
            yield archive
    except NpzFileError as e:
        raise SampleFileError(str(e)) from e.__cause__


def _json(archive: NpzArchive, key: str, max_chars: int) -> Any:
    """The JSON in ``key``, one string of at most ``max_chars`` characters."""
    raw = archive.array(key, "U", max_items=max_chars)
    if raw.shape != ():
        raise archive.fail(f"{key} must be one string, got shape {raw.shape}")
    try:
        return json.loads(str(raw[()]))
    except (ValueError, RecursionError) as e:
        raise archive.fail(f"{key} is not valid JSON ({e})") from None


def read_sample_file(path: PathLike) -> Sample:
    """The sample stored at ``path`` (named ``<id>.npz``); ``SampleFileError`` for any bad file."""
    path = Path(path)
    if not (path.suffix == SUFFIX and _ID.fullmatch(path.stem)):
        raise SampleFileError(f"{path}: not a sample file (the name is not <32 hex digits>.npz)")

    with _open_npz(path, "sample file") as archive:
        if archive.keys != {"image", "meta"}:
            raise archive.fail(f"not a sample file (keys {sorted(archive.keys)[:5]})")
        image = archive.array("image", "uf", max_items=SIDE * SIDE)
        meta = _json(archive, "meta", MAX_META_CHARS)
        try:
            return _sample_from_meta(path.stem, image, meta)
        except ValueError as e:
            raise archive.fail(str(e)) from None


# ------------------------------------------------------------------------------------- writing


def _meta_json(s: Sample) -> str:
    return json.dumps({
        "format": "digitlab-sample", "version": FORMAT_VERSION, "label": s.label,
        "predicted": s.predicted, "created": s.created, "strokes": s.strokes,
    }, separators=(",", ":"), allow_nan=False)


# ---------------------------------------------------------------------------------- the store


class SampleStore:
    """The samples in ``folder``, loaded at construction; every change is saved at once.

    ``problems`` lists (as readable strings) the files of the folder that could not be loaded.
    """

    def __init__(self, folder: PathLike | None = None, *, stale_temp_seconds: float = STALE_TEMP_SECONDS) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()
        self.stale_temp_seconds = stale_temp_seconds
        self.problems: list[str] = []
        self._samples: dict[str, Sample] = {}
        self._sorted: list[Sample] | None = None
        self._last_created: datetime | None = None
        self.reload()

    # ------------------------------------------------------------------------------- reading
    def reload(self) -> None:
        """Read the folder again: every valid sample; each bad file described in ``problems``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        samples: dict[str, Sample] = {}
        problems: list[str] = []
        remove_stale_temps(self.folder, _TEMP, self.stale_temp_seconds)  # saves that never finished
        remove_stale_temps(self.folder, temp_pattern(INDEX_FILE), self.stale_temp_seconds)
        index = read_index(self.folder)
        stats: dict[str, tuple[int, int, int]] = {}
        read = 0
        for entry in sorted(os.scandir(self.folder), key=lambda e: e.name):
            name = entry.name
            if _TEMP.fullmatch(name):  # a young one may be another process's save under way
                continue
            if name.startswith(".") or name in _OS_JUNK or entry.is_dir():
                continue
            try:
                st = entry.stat()
            except OSError:
                continue
            stats[name] = (st.st_size, st.st_mtime_ns, st.st_ino)  # a rewrite is a rename: a new inode
            cached = index.get(name)
            if cached is not None and cached[0] == stats[name]:
                samples[cached[1].id] = cached[1]
                continue
            read += 1
            try:
                sample = read_sample_file(entry.path)
            except SampleFileError as e:
                problems.append(f"{name}: {str(e).removeprefix(entry.path + ': ')}")
                continue
            samples[sample.id] = sample
        self._samples = samples
        self._sorted = None
        self.problems = problems
        if len(samples) >= INDEX_MIN_SAMPLES and (read >= INDEX_REWRITE_READS or len(index) > 2 * len(samples)):
            write_index(self.folder, [(s, stats[f"{s.id}{SUFFIX}"]) for s in samples.values()])

    def all(self) -> list[Sample]:
        """Every sample, oldest first."""
        if self._sorted is None:
            self._sorted = sorted(self._samples.values(), key=_sort_key)
        return list(self._sorted)

    def get(self, sample_id: str) -> Sample:
        return self._samples[sample_id]

    def __len__(self) -> int:
        return len(self._samples)

    def __contains__(self, sample_id: object) -> bool:
        return sample_id in self._samples

    def arrays(self, samples: Sequence[Sample] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Training data: x (n, 784) float32 and y (n,) uint8, oldest first (or of ``samples``)."""
        samples = self.all() if samples is None else list(samples)
        x = np.empty((len(samples), SIDE * SIDE), dtype=np.float32)
        for i, s in enumerate(samples):
            x[i] = s.vector
        return x, np.array([s.label for s in samples], dtype=np.uint8)

    # ------------------------------------------------------------------------------- changes
    def add(self, label: int, image: np.ndarray, strokes: Iterable[dict] = (),
            predicted: int | None = None) -> Sample:
        """Save a newly labelled drawing and return it. ``ValueError`` for invalid values."""
        now = datetime.now(timezone.utc)
        if self._last_created is not None and now <= self._last_created:
            now = self._last_created + timedelta(microseconds=1)  # keep "oldest first" exact
        self._last_created = now
        sample = Sample(
            id=uuid.uuid4().hex,
            label=_digit(label, "label"),
            image=_image(image),
            strokes=fit_strokes(_strokes(list(strokes)), MAX_META_CHARS - 1000),  # 1000: the rest of the JSON
            predicted=None if predicted is None else _digit(predicted, "predicted"),
            created=now.isoformat(timespec="microseconds"),
        )
        self._save(sample)
        return sample

    def relabel(self, sample_id: str, label: int) -> Sample:
        """Give a sample a new label (the file is rewritten atomically); returns the new sample."""
        sample = dataclasses.replace(self._samples[sample_id], label=_digit(label, "label"))
        self._save(sample)
        return sample

    def delete(self, sample_id: str) -> Sample:
        """Remove a sample and its file; returns it, so ``restore`` can bring it back."""
        sample = self._samples[sample_id]
        try:
            os.unlink(self._path(sample_id))
        except FileNotFoundError:
            pass
        fsync_folder(self.folder)
        del self._samples[sample_id]
        self._sorted = None
        return sample

    def restore(self, sample: Sample) -> Sample:
        """Save ``sample`` again, with its id, label and time stamp (undo of ``delete``)."""
        if not _ID.fullmatch(sample.id):
            raise ValueError(f"not a sample id: {sample.id!r}")
        self._save(sample)
        return sample

    def delete_many(self, sample_ids: Iterable[str]) -> list[Sample]:
        """``delete`` each; ``SampleWriteError`` (its ``done`` the deleted ones) if one fails."""
        return self._each("deleted", list(sample_ids), self.delete)

    def relabel_many(self, sample_ids: Iterable[str], label: int) -> list[Sample]:
        """``relabel`` each (those already so labelled too); ``SampleWriteError`` if one fails."""
        _digit(label, "label")
        return self._each("relabelled", list(sample_ids), lambda i: self.relabel(i, label))

    def restore_many(self, samples: Iterable[Sample]) -> list[Sample]:
        """``restore`` each; ``SampleWriteError`` (its ``done`` the restored ones) if one fails."""
        return self._each("restored", list(samples), self.restore)

    @staticmethod
    def _each(verb: str, items: list, change: Callable[[Any], Sample]) -> list[Sample]:
        done: list[Sample] = []
        for item in items:
            try:
                done.append(change(item))
            except OSError as e:
                raise SampleWriteError(verb, done, len(items), e) from e
        return done

    def _path(self, sample_id: str) -> Path:
        return self.folder / f"{sample_id}{SUFFIX}"

    def _save(self, sample: Sample) -> None:
        write_atomically(self._path(sample.id), _writer(sample), sample.id)
        self._samples[sample.id] = sample
        self._sorted = None

    # ------------------------------------------------------------------------ export / import
    def export_npz(self, path: PathLike) -> int:
        """Write every sample to one ``.npz`` (format in the module docstring); returns the count."""
        samples = self.all()
        images = np.stack([s.image for s in samples]) if samples else np.zeros((0, SIDE, SIDE), np.float32)
        meta = json.dumps({
            "format": "digitlab-samples", "version": FORMAT_VERSION,
            "samples": [{"id": s.id, "predicted": s.predicted, "created": s.created, "strokes": s.strokes}
                        for s in samples],
        }, separators=(",", ":"), allow_nan=False)
        labels = np.array([s.label for s in samples], dtype=np.uint8)
        write_atomically(path, lambda f: np.savez_compressed(f, images=images, labels=labels, meta=np.array(meta)),
                         "export")
        return len(samples)

    def export_idx(self, images_path: PathLike, labels_path: PathLike) -> int:
        """Write MNIST-style IDX files (uint8 images, gzip when a name ends in ``.gz``)."""
        samples = self.all()
        images = np.array([np.rint(s.image * 255) for s in samples], dtype=np.uint8).reshape(-1, SIDE, SIDE)
        labels = np.array([s.label for s in samples], dtype=np.uint8)
        for path, array in ((Path(images_path), images), (Path(labels_path), labels)):
            data = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
            data += array.tobytes()
            if path.name.endswith(".gz"):
                data = gzip.compress(data, mtime=0)
            write_atomically(path, lambda f, data=data: f.write(data), "export")
        return len(samples)

    def import_npz(self, path: PathLike) -> int:
        """Add the samples of an ``.npz`` (ours, or any with ``images`` and ``labels``).

        Samples whose id is already here are skipped. Returns how many were added;
        ``SampleFileError`` (and nothing is added) when the file is damaged or not samples.
        """
        return self.run_import(self.npz_import(path))

    def import_idx(self, images_path: PathLike, labels_path: PathLike) -> int:
        """Add the digits of an IDX image file and its label file; returns how many were added."""
        return self.run_import(self.idx_import(images_path, labels_path))

    def npz_import(self, path: PathLike) -> ImportJob:
        """The import of ``import_npz`` as a job, to ``run`` on any thread and ``adopt`` here."""
        return ImportJob(self, lambda: _read_npz(os.fspath(path)))

    def idx_import(self, images_path: PathLike, labels_path: PathLike) -> ImportJob:
        """The import of ``import_idx`` as a job, to ``run`` on any thread and ``adopt`` here."""
        return ImportJob(self, lambda: _read_idx(os.fspath(images_path), os.fspath(labels_path)))

    def run_import(self, job: ImportJob) -> int:
        """Run ``job`` here and adopt what it wrote, even when it fails part-way; how many were added."""
        try:
            job.run()
        finally:
            self.adopt(job)
        return len(job.written)

    def adopt(self, job: ImportJob) -> None:
        """Show the samples ``job`` has written so far (their files are complete); call it on the
        thread that owns the store, while or after the job runs; each sample is adopted once."""
        for s in job.written[job.adopted:]:
            self._samples[s.id] = s
        if len(job.written) > job.adopted:
            job.adopted = len(job.written)
            self._sorted = None


class ImportJob:
    """One import, safe to run off the thread that owns the store: ``run`` reads and checks the
    file(s), then writes the new samples' files in chunks of ``IMPORT_CHUNK`` (each chunk flushed
    to disk before its files are renamed into place), counting ``done`` of ``total``. The store's
    memory is left alone; ``SampleStore.adopt`` takes ``written`` into it. ``cancel`` stops the job
    after the chunk under way (its samples are kept)."""

    def __init__(self, store: SampleStore, read: Callable[[], list[Sample]]) -> None:
        self.folder = store.folder
        self.known = frozenset(store._samples)  # ids already here: skipped
        self._existing = list(store._samples.values())  # for the index written at the end
        self._read = read
        self.total = 0  # new samples to write, known once the file is read
        self.written: list[Sample] = []  # complete on disk, in order
        self.adopted = 0  # how many of them the store has taken
        self.cancelled = False

    @property
    def done(self) -> int:
        return len(self.written)

    def cancel(self) -> None:
        self.cancelled = True

    def run(self) -> int:
        """Read, check and write; returns how many samples were written. ``SampleFileError`` (and
        nothing written) for a bad file; ``OSError`` naming the folder if a write fails part-way."""
        new: dict[str, Sample] = {}  # ids already here, or twice in the file, are added once
        for sample in self._read():
            if sample.id not in self.known and sample.id not in new:
                new[sample.id] = sample
        todo = list(new.values())
        self.total = len(todo)
        try:
            for start in range(0, len(todo), IMPORT_CHUNK):
                if self.cancelled:
                    break
                self._write(todo[start : start + IMPORT_CHUNK])
        finally:
            if len(self._existing) + len(self.written) >= INDEX_MIN_SAMPLES:
                index_folder(self.folder, [*self._existing, *self.written])  # the next start reads it
        return len(self.written)

    def _write(self, chunk: list[Sample]) -> None:
        temps: list[str] = []
        renamed = 0
        sync_each = not hasattr(os, "sync")
        try:
            for s in chunk:
                temps.append(write_temp(self.folder, s.id, _writer(s), sync=sync_each))
            if not sync_each:
                os.sync()  # every file's data on disk before any rename makes it a sample
            for tmp, s in zip(temps, chunk):
                os.replace(tmp, self.folder / f"{s.id}{SUFFIX}")
                renamed += 1
                self.written.append(s)
        except OSError as e:
            raise naming(e, self.folder) from e
        finally:
            for tmp in temps[renamed:]:
                remove_quietly(tmp)  # never renamed: never a sample
            fsync_folder(self.folder)


def _writer(sample: Sample) -> Callable[[Any], None]:
    meta = _meta_json(sample)
    if len(meta) > MAX_META_CHARS:
        raise ValueError(f"the strokes are too long to keep ({len(meta):,} characters)")
    return lambda f: np.savez_compressed(f, image=sample.image, meta=np.array(meta))


def _read_npz(name: str) -> list[Sample]:
    with _open_npz(name, "samples file") as archive:
        missing = {"images", "labels"} - archive.keys
        if missing:
            raise archive.fail(f"not a samples file: no {' or '.join(sorted(missing))} array")
        images = archive.array("images", "uif", max_items=MAX_IMPORT_SAMPLES * SIDE * SIDE)
        labels = archive.array("labels", "ui", max_items=MAX_IMPORT_SAMPLES)
        meta = _json(archive, "meta", MAX_IMPORT_META_CHARS) if "meta" in archive.keys else None
    records = None
    if meta is not None:
        if not (isinstance(meta, dict) and meta.get("format") == "digitlab-samples"
                and meta.get("version") == FORMAT_VERSION and isinstance(meta.get("samples"), list)):
            raise SampleFileError(f"{name}: meta is not a Digit Lab samples record of version {FORMAT_VERSION}")
        records = meta["samples"]
    return _samples_from_arrays(name, images, labels, records)


def _read_idx(images_path: str, labels_path: str) -> list[Sample]:
    arrays = []
    for name in (images_path, labels_path):
        try:
            size = os.stat(name).st_size
            if size > MAX_IDX_FILE_BYTES:
                raise SampleFileError(f"{name}: {size:,} bytes is too large to import")
            arrays.append(read_idx(name))
        except IDXError as e:
            raise SampleFileError(str(e)) from None
        except OSError as e:
            raise SampleFileError(f"{name}: cannot be read ({e.strerror or e})") from None
    images, labels = arrays
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE) or images.dtype != np.uint8:
        raise SampleFileError(f"{images_path}: expected uint8 images of 28x28, got {images.dtype} {images.shape}")
    return _samples_from_arrays(labels_path, images, labels, None)


def _samples_from_arrays(name: str, images: np.ndarray, labels: np.ndarray, records: list | None) -> list[Sample]:
    """Every sample of an exchange file, each checked; ``SampleFileError`` naming the first bad one."""
    if images.ndim == 2 and images.shape[1] == SIDE * SIDE:
        images = images.reshape(-1, SIDE, SIDE)
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise SampleFileError(f"{name}: images must be (n, 28, 28) or (n, 784), got {images.shape}")
    n = len(images)
    if n > MAX_IMPORT_SAMPLES:
        raise SampleFileError(f"{name}: {n:,} images is more than {MAX_IMPORT_SAMPLES:,} can be imported")
    if labels.shape != (n,) or labels.dtype.kind not in "ui":
        raise SampleFileError(f"{name}: {labels.shape} {labels.dtype} labels for {n} images")
    if n and (labels.min() < 0 or labels.max() > 9):
        raise SampleFileError(f"{name}: labels must be digits 0-9 (found {int(labels.max())})")
    if images.dtype != np.uint8:
        with np.errstate(invalid="ignore", over="ignore"):
            images = images.astype(np.float32)
        if n and (not np.isfinite(images).all() or images.min() < 0 or images.max() > 1):
            raise SampleFileError(f"{name}: image values must be uint8, or numbers in [0, 1]")
    if records is not None and len(records) != n:
        raise SampleFileError(f"{name}: meta describes {len(records)} samples, the file has {n}")
    out: list[Sample] = []
    # without time stamps, the file's order is kept as "oldest first"
    stamp = datetime.now(timezone.utc)
    for i in range(n):
        r = records[i] if records is not None else {}
        try:
            if not isinstance(r, dict):
                raise ValueError("not a JSON object")
            sample_id = r.get("id")
            if not (isinstance(sample_id, str) and _ID.fullmatch(sample_id)):
                sample_id = uuid.uuid4().hex
            predicted = r.get("predicted")
            sample = Sample(
                id=sample_id,
                label=int(labels[i]),
                image=_image(images[i]),
                strokes=fit_strokes(_strokes(r.get("strokes", [])), MAX_META_CHARS - 1000),
                predicted=None if predicted is None else _digit(predicted, "predicted"),
                created=_created(r.get("created", (stamp + timedelta(microseconds=i)).isoformat())),
            )
        except ValueError as e:
            raise SampleFileError(f"{name}: sample {i}: {e}") from None
        out.append(sample)
    return out


# ------------------------------------------------------------------------------------ the index


def read_index(folder: Path) -> dict[str, tuple[tuple[int, int, int], Sample]]:
    """File name -> ((size, mtime_ns, inode), sample) from the folder's index; {} if there is none
    or it cannot be used (it is only a cache)."""
    path = folder / INDEX_FILE
    if not path.is_file():
        return {}
    try:
        with _open_npz(path, "samples index") as archive:
            images = archive.array("images", "f", max_items=MAX_IMPORT_SAMPLES * SIDE * SIDE)
            meta = _json(archive, "meta", MAX_IMPORT_META_CHARS)
        if not (isinstance(meta, dict) and meta.get("format") == "digitlab-samples-index"
                and meta.get("version") == FORMAT_VERSION and isinstance(meta.get("entries"), list)
                and images.ndim == 3 and images.shape[1:] == (SIDE, SIDE) and len(images) == len(meta["entries"])):
            return {}
        images = np.ascontiguousarray(images, dtype=np.float32)
        if len(images) and (not np.isfinite(images).all() or images.min() < 0 or images.max() > 1):
            return {}
        images.flags.writeable = False  # each sample's image is a read-only view of it (checked at once)
        out = {}
        for image, e in zip(images, meta["entries"]):
            name, size, mtime_ns, inode, label, predicted, created, strokes = e
            sample_id = name.removesuffix(SUFFIX)
            if not (isinstance(name, str) and _ID.fullmatch(sample_id) and name.endswith(SUFFIX)
                    and all(isinstance(v, int) for v in (size, mtime_ns, inode))):
                return {}
            sample = Sample(id=sample_id, label=_digit(label, "label"), image=image,
                            strokes=_strokes(strokes), predicted=None if predicted is None else _digit(predicted, "predicted"),
                            created=_created(created))
            out[name] = ((size, mtime_ns, inode), sample)
        return out
    except (SampleFileError, ValueError, TypeError):
        return {}


def write_index(folder: Path, entries: list[tuple[Sample, tuple[int, int, int]]]) -> None:
    """Write the index of ``entries`` (each sample with its file's size, mtime_ns and inode); a
    failure to write it is ignored: it is only a cache."""
    images = np.stack([s.image for s, _ in entries]) if entries else np.zeros((0, SIDE, SIDE), np.float32)
    meta = json.dumps({"format": "digitlab-samples-index", "version": FORMAT_VERSION, "entries": [
        [f"{s.id}{SUFFIX}", size, mtime_ns, inode, s.label, s.predicted, s.created, s.strokes]
        for s, (size, mtime_ns, inode) in entries]}, separators=(",", ":"), allow_nan=False)
    try:
        write_atomically(folder / INDEX_FILE, lambda f: np.savez_compressed(f, images=images, meta=np.array(meta)))
    except (OSError, ValueError):
        pass


def index_folder(folder: Path, samples: list[Sample]) -> None:
    """Write the index of those ``samples`` whose files are there (stat'ed now)."""
    entries = []
    for s in samples:
        try:
            st = os.stat(folder / f"{s.id}{SUFFIX}")
        except OSError:
            continue
        entries.append((s, (st.st_size, st.st_mtime_ns, st.st_ino)))
    write_index(folder, entries)
