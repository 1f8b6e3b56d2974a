"""Reading untrusted ``.npz`` archives safely and writing files atomically: the plumbing under
model files (``model.store``) and sample files (``model.samples``).

Both formats are ordinary NumPy ``.npz`` archives (a zip of ``.npy`` arrays) that may come from
anywhere: a download, a damaged disk, a crash mid-write, a file crafted to do harm. This module
holds the guarantees both rely on, so they are written, fuzzed and fixed in one place.

Reading (``open_npz``, ``NpzArchive``):

- only a regular file is opened (a pipe could block forever, a device never end), and only one
  that starts with a zip signature reaches the zip reader;
- each array's ``.npy`` header (format 1, 2 or 3) is parsed here, before any of its data, with
  ``ast.literal_eval``: never numpy's Python 2 fallback, which warns and raises ``tokenize``
  errors of its own. It must declare a plain dtype (no Python objects, so nothing is unpickled; no
  structured or sub-array dtypes) of a kind the caller allows, a shape no larger than the caller
  allows, and exactly as many bytes as the zip member holds. A crafted header therefore cannot make
  the reader allocate gigabytes, and reading the data runs to the member's end, where ``zipfile``
  checks its CRC;
- whatever ``zipfile``, the decompressors or numpy's reader raise on a damaged archive
  (``_UNREADABLE``, kept honest by the fuzz tests in tests/model) becomes one ``NpzFileError``
  naming the file and the problem; nothing else escapes.

Writing (``write_atomically``, ``write_temp``, ``fsync_folder``): the bytes go to a hidden
temporary file in the destination's folder, which is flushed and fsynced, then renamed over the
destination with ``os.replace`` (atomic on POSIX and Windows), and the folder is fsynced so the
rename itself is durable. A crash, ``kill -9``, full disk or Ctrl-C at any moment leaves the
destination either as it was or complete, and an error leaves no temporary file behind. An error
names the destination, never the hidden temporary file. Only ``kill -9`` (or a power cut) can leave
a temporary file behind; ``remove_stale_temps`` deletes those once they are older than a grace
period (a young one may belong to another process writing right now), and model saves and the
app's start call it.

Left out: what the arrays mean. Each caller checks its own keys, shapes, JSON and limits, and turns
``NpzFileError`` into its own error type (``ModelFileError``, ``SampleFileError``).
"""

from __future__ import annotations

import ast
import lzma
import math
import os
import re
import stat
import struct
import time
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

import numpy as np

PathLike = str | os.PathLike[str]

_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
_NPY_MAGIC = b"\x93NUMPY"
# .npy version -> its header length field; 3.0 differs from 2.0 only in a UTF-8 header
_NPY_VERSIONS = {b"\x01\x00": "<H", b"\x02\x00": "<I", b"\x03\x00": "<I"}
_NPY_MAX_HEADER = 10_000  # numpy's own limit (max_header_size)
# a byte order, a kind and a size, as numpy writes them (dtype.str: "<f4", "|u1", "<U7", "|O"):
# never a structured or sub-array dtype, whose parsing in np.dtype raises errors of its own, nor a
# deprecated alias ("a") that would warn
_SIMPLE_DESCR = re.compile(r"[<>|=]?[biufcmMOSUV][0-9]{0,10}")

# what a damaged archive can raise from zipfile, zlib, bz2 and lzma (a member may claim any
# compression method) and numpy's array reader; each means "not a readable file"
_UNREADABLE = (
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    OverflowError,
    RuntimeError,  # an encrypted member; NotImplementedError for an unknown compression method
    struct.error,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
)


class NpzFileError(ValueError):
    """An archive that cannot be read: ``path`` and ``problem`` (a phrase for a message)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.path, self.problem)


# ------------------------------------------------------------------------------------- reading


@contextmanager
def open_npz(path: PathLike, kind: str) -> Iterator[NpzArchive]:
    """The archive at ``path``, open for the ``with`` block; ``NpzFileError`` for any fault.

    ``kind`` names what the file should be ("model file") in messages. Errors that a damaged
    archive raises inside the block, while its arrays are read, become ``NpzFileError`` too.
    """
    name = os.fspath(path)
    try:
        mode = os.stat(name).st_mode
    except (OSError, ValueError) as e:  # ValueError: a NUL in the name
        raise NpzFileError(name, _os_problem(e)) from e
    if stat.S_ISDIR(mode):
        raise NpzFileError(name, f"is a folder, not a {kind}")
    if not stat.S_ISREG(mode):
        raise NpzFileError(name, "is not a regular file")
    try:
        fh = open(name, "rb")
    except OSError as e:
        raise NpzFileError(name, _os_problem(e)) from e
    with fh:
        try:
            start = fh.read(4)
            if not start:
                raise NpzFileError(name, "the file is empty")
            if start not in _ZIP_SIGNATURES:
                raise NpzFileError(name, f"not a {kind}: it is not an .npz (zip) archive")
            fh.seek(0)
            with zipfile.ZipFile(fh) as zf:
                yield NpzArchive(zf, name, kind)
        except NpzFileError:
            raise
        except _UNREADABLE as e:
            raise NpzFileError(name, f"damaged or not a {kind} ({type(e).__name__}: {e})") from e


def _os_problem(e: Exception) -> str:
    if isinstance(e, FileNotFoundError):
        return "no such file"
    if isinstance(e, PermissionError):
        return "permission denied"
    return f"cannot be read ({getattr(e, 'strerror', None) or e})"


class NpzArchive:
    """An opened ``.npz`` whose arrays are checked, header first, before any data is read.

    ``keys`` are the array names. Every method raises ``NpzFileError``; callers raise
    ``archive.fail(problem)`` for problems of their own, so one ``except`` handles them all.
    """

    def __init__(self, zf: zipfile.ZipFile, path: str, kind: str) -> None:
        self.zip = zf
        self.path = path
        self.kind = kind
        names = zf.namelist()
        odd = [n for n in names if not n.endswith(".npy")]
        if odd:
            raise self.fail(f"not a {kind}: the archive holds non-array members {odd[:5]}")
        self.keys = frozenset(n[: -len(".npy")] for n in names)

    def fail(self, problem: str) -> NpzFileError:
        return NpzFileError(self.path, problem)

    def header(self, key: str, kinds: str) -> tuple[tuple[int, ...], np.dtype]:
        """Shape and dtype declared by ``key``'s header: a dtype kind in ``kinds`` ("f", "iu",
        "U"...), and a size that matches the member's. No data is read."""
        member = f"{key}.npy"
        with self.zip.open(member) as f:
            shape, dtype, header_len = self._parse_header(key, f)
        if dtype.hasobject:
            raise self.fail(f"{key} has dtype object: Python objects (pickled data), which"
                            f" {self.kind}s never hold")
        if dtype.kind not in kinds:
            raise self.fail(f"{key} has dtype {dtype}, which {self.kind}s never use")
        if any(n < 0 for n in shape):
            raise self.fail(f"{key} declares a negative shape {shape}")
        if header_len + math.prod(shape) * dtype.itemsize != self.zip.getinfo(member).file_size:
            raise self.fail(f"{key} is damaged: its size does not match its shape {shape}")
        return shape, dtype

    def array(
        self,
        key: str,
        kinds: str,
        *,
        shape: tuple[int, ...] | None = None,
        max_items: int | None = None,
    ) -> np.ndarray:
        """``key``'s array, read once its header passes ``header(key, kinds)`` and declares
        exactly ``shape``, or at most ``max_items`` values (characters, for a string dtype).
        One bound is required: it is what keeps a crafted file from allocating gigabytes."""
        if shape is None and max_items is None:
            raise TypeError("array() needs a shape or max_items")
        declared, dtype = self.header(key, kinds)
        if shape is not None and declared != shape:
            raise self.fail(f"{key} has shape {declared}, expected {shape}")
        n, unit = math.prod(declared), "values"
        if dtype.kind == "U":  # count characters: one string can be gigabytes long
            n, unit = n * (dtype.itemsize // 4), "characters"
        if max_items is not None and n > max_items:
            raise self.fail(f"{key} is too large: {dtype} {declared}, more than {max_items:,}"
                            f" {unit}")
        with self.zip.open(f"{key}.npy") as f:
            return np.lib.format.read_array(f, allow_pickle=False)

    def _parse_header(self, key: str, f: IO[bytes]) -> tuple[tuple[int, ...], np.dtype, int]:
        """Shape, dtype and byte length of the ``.npy`` header at the start of ``f``."""
        start = f.read(8)
        if len(start) < 8 or start[:6] != _NPY_MAGIC:
            raise self.fail(f"{key} is not a .npy array")
        size_format = _NPY_VERSIONS.get(start[6:])
        if size_format is None:
            raise self.fail(f"{key} uses .npy format version {start[6]}.{start[7]}")
        n = struct.calcsize(size_format)
        raw = f.read(n)
        (header_len,) = struct.unpack(size_format, raw) if len(raw) == n else (-1,)
        if not 0 <= header_len <= _NPY_MAX_HEADER:
            raise self.fail(f"{key} is damaged: its .npy header is missing or too long")
        text = f.read(header_len)
        try:
            header = ast.literal_eval(text.decode("utf8" if start[6] == 3 else "latin1"))
        # bad UTF-8 is a ValueError; the parser gives up on absurd nesting with MemoryError or
        # RecursionError
        except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
            raise self.fail(f"{key} is damaged: its .npy header cannot be parsed") from None
        if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
            raise self.fail(f"{key} is damaged: its .npy header lacks descr, fortran_order, shape")
        shape, descr = header["shape"], header["descr"]
        if not (
            isinstance(shape, tuple)
            and all(type(d) is int for d in shape)
            and isinstance(header["fortran_order"], bool)
        ):
            raise self.fail(f"{key} is damaged: its .npy header has invalid values")
        if not (isinstance(descr, str) and _SIMPLE_DESCR.fullmatch(descr)):
            raise self.fail(f"{key} has dtype {descr!r:.60}, which {self.kind}s never use")
        try:
            dtype = np.dtype(descr)
        except (TypeError, ValueError):
            raise self.fail(f"{key} has an unknown dtype {descr!r}") from None
        return shape, dtype, 8 + n + header_len


# ------------------------------------------------------------------------------------- writing

STALE_TEMP_SECONDS = 60.0  # a temporary file older than this is the leftover of a killed write
_TEMP_SUFFIX = r"\.[0-9a-f]{12}\.tmp"


def write_atomically(path: PathLike, write: Callable[[IO[bytes]], object], tag: str = "") -> None:
    """Make ``path`` hold what ``write(file)`` writes, or leave it as it was.

    The temporary file is ``.<tag>.<12 hex digits>.tmp`` beside ``path``, ``tag`` defaulting to
    the file's name. Whatever ``write`` or the rename raises is raised again, after cleaning up;
    an ``OSError`` names ``path`` (the file the caller asked for), not the temporary file.
    """
    folder = os.path.dirname(os.path.abspath(path))
    try:
        tmp = write_temp(folder, tag or os.path.basename(path), write)
        try:
            os.replace(tmp, path)
        except BaseException:
            remove_quietly(tmp)
            raise
    except OSError as e:
        raise naming(e, path) from e
    fsync_folder(folder)


def naming(error: OSError, path: PathLike) -> OSError:
    """``error`` (a failed write) as the same kind of ``OSError`` about ``path`` instead of the
    temporary file it happened to: "[Errno 28] No space left on device: 'x.npz'"."""
    if error.errno is None or error.filename == os.fspath(path):
        return error
    return type(error)(error.errno, error.strerror, os.fspath(path))


def temp_pattern(tag: str) -> re.Pattern[str]:
    """The names ``write_temp(folder, tag, ...)`` gives its temporary files."""
    return re.compile(re.escape(f".{tag}") + _TEMP_SUFFIX)


def remove_stale_temps(folder: PathLike, pattern: re.Pattern[str] | None = None,
                       older_than: float = STALE_TEMP_SECONDS) -> int:
    """Delete the temporary files in ``folder`` (names matching ``pattern``, by default any
    ``.<tag>.<12 hex digits>.tmp``) last written more than ``older_than`` seconds ago: leftovers of
    a write killed before it could clean up. Returns how many were deleted; never raises."""
    pattern = pattern or re.compile(r"\..+" + _TEMP_SUFFIX)
    now, removed = time.time(), 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime > older_than:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            pass
    return removed


def write_temp(folder: PathLike, tag: str, write: Callable[[IO[bytes]], object],
               sync: bool = True) -> str:
    """A new hidden temporary file in ``folder`` holding what ``write(file)`` wrote, flushed and
    (if ``sync``) fsynced; on any error it is removed again. The caller renames it."""
    tmp = os.path.join(folder, f".{tag}.{uuid.uuid4().hex[:12]}.tmp")
    # os.open rather than tempfile.mkstemp so the file gets the usual umask permissions, not 0600;
    # O_BINARY matters on Windows, where low-level files are otherwise opened in text mode
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            if sync:
                os.fsync(f.fileno())
    except BaseException:  # KeyboardInterrupt too: never leave a half-written temporary file
        remove_quietly(tmp)
        raise
    return tmp


def fsync_folder(folder: PathLike) -> None:
    """Make renames and deletions in ``folder`` durable; folders cannot be opened on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_quietly(path: PathLike) -> None:
    """Delete ``path`` if it can be deleted (cleaning up after a failure must not raise)."""
    try:
        os.unlink(path)
    except OSError:
        pass
