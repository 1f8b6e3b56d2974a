"""model.npz_io: atomic writes keep the old file on failure; arrays are bounded before any data."""

from __future__ import annotations

import io
import os
import re
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from digitlab.model.npz_io import NpzFileError, open_npz, write_atomically


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    return buf.getvalue()


def raw_npy(header: str, data: bytes, version: bytes = b"\x01\x00") -> bytes:
    """A .npy member whose header is exactly ``header``, as a crafted file would hold it."""
    text = header.encode("utf8" if version == b"\x03\x00" else "latin1") + b"\n"
    size = struct.pack("<H" if version == b"\x01\x00" else "<I", len(text))
    return b"\x93NUMPY" + version + size + text + data


def write_members(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


# ------------------------------------------------------------------------------------- writing


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk full", "ctrl-c"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, exc: BaseException
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"old")
    seen: list[str] = []

    def write(f: io.BufferedWriter) -> None:
        seen.extend(os.listdir(tmp_path))
        f.write(b"half of the new")
        raise exc

    with pytest.raises(type(exc)):
        write_atomically(path, write, "tag")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["data.bin"]
    # the temporary file sat beside the destination, hidden, with the name callers clean up by
    temps = [n for n in seen if n != "data.bin"]
    assert len(temps) == 1 and re.fullmatch(r"\.tag\.[0-9a-f]{12}\.tmp", temps[0])


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"old")

    def replace(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied", dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(PermissionError):
        write_atomically(path, lambda f: f.write(b"new"))
    monkeypatch.undo()
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["data.bin"]
    write_atomically(path, lambda f: f.write(b"new"))
    assert path.read_bytes() == b"new" and os.listdir(tmp_path) == ["data.bin"]


# ------------------------------------------------------------------------------------- reading


def test_a_huge_declared_shape_is_refused_without_allocating(tmp_path: Path) -> None:
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 10000), }"
    path = write_members(tmp_path / "crafted.npz", {"x.npy": raw_npy(header, bytes(64))})
    tracemalloc.start()  # numpy reports its array buffers to tracemalloc
    try:
        with pytest.raises(NpzFileError, match="x is damaged: its size does not match"):
            with open_npz(path, "test file") as archive:
                archive.array("x", "f", max_items=10**12)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20  # the declared array would take 80 GB


def test_the_callers_bound_holds_before_the_data_is_read(tmp_path: Path) -> None:
    path = write_members(tmp_path / "a.npz", {"x.npy": npy(np.zeros(100)),
                                              "s.npy": npy(np.array("x" * 1000))})
    with open_npz(path, "test file") as archive:
        assert archive.keys == {"x", "s"}
        assert archive.array("x", "f", max_items=100).shape == (100,)
        for call, words in [
            (lambda: archive.array("x", "f", max_items=99), "more than 99 values"),
            (lambda: archive.array("x", "f", shape=(10, 10)), "shape (100,), expected (10, 10)"),
            (lambda: archive.array("s", "U", max_items=999), "more than 999 characters"),
            (lambda: archive.array("x", "iu", max_items=100), "x has dtype float64"),
        ]:
            with pytest.raises(NpzFileError, match=re.escape(words)) as caught:
                call()
            assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("descr", "version", "words"), [
    ("'<f4'", b"\x03\x00", None),  # format 3.0 (a UTF-8 header) reads like 1.0
    ("'|a4'", b"\x01\x00", "dtype '|a4'"),  # numpy's deprecated alias: refused, not a warning
    ("[('\u00e9', '<f4')]", b"\x03\x00", "dtype [("),  # why 3.0 exists: a structured dtype
    ("'<f4'", b"\x04\x00", "format version 4.0"),
])
def test_npy_header_versions_and_dtypes(tmp_path: Path, descr: str, version: bytes,
                                        words: str | None) -> None:
    header = f"{{'descr': {descr}, 'fortran_order': False, 'shape': (2,), }}"
    data = np.array([1.5, -2], "<f4").tobytes()
    path = write_members(tmp_path / "a.npz", {"x.npy": raw_npy(header, data, version)})
    with open_npz(path, "test file") as archive:
        if words is None:
            assert archive.array("x", "f", shape=(2,)).tolist() == [1.5, -2.0]
        else:
            with pytest.raises(NpzFileError, match=re.escape(words)):
                archive.array("x", "fV", shape=(2,))


def test_damage_found_inside_the_block_is_an_npz_file_error(tmp_path: Path) -> None:
    path = write_members(tmp_path / "a.npz", {"x.npy": npy(np.arange(50.0))})
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the numbers: only the zip CRC can tell
    path.write_bytes(bytes(data))
    with pytest.raises(NpzFileError, match="damaged or not a test file \\(BadZipFile"):
        with open_npz(path, "test file") as archive:
            archive.array("x", "f", max_items=50)
