"""MNIST as shipped, and the IDX reader's refusal of damaged or foreign files."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitlab.model.data import FILES, MNIST_DIR, IDXError, batches, load_mnist, parse_idx, read_idx

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_the_shipped_mnist_has_the_official_label_counts(mnist) -> None:
    assert np.bincount(mnist.train_y, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist.test_y, minlength=10).tolist() == TEST_COUNTS


def test_images_are_float32_rows_in_0_1(mnist) -> None:
    assert mnist.train_x.shape == (60000, 784) and mnist.test_x.shape == (10000, 784)
    assert mnist.train_x.dtype == np.float32 and mnist.train_y.dtype == np.uint8
    assert mnist.train_x.min() == 0.0 and mnist.train_x.max() == 1.0
    # the first training image is the famous 5, with its ink where it should be
    assert mnist.train_y[0] == 5 and mnist.train_x[0].reshape(28, 28)[5:25, 5:25].sum() > 50


def _idx(shape: tuple[int, ...], data: bytes, type_code: int = 0x08) -> bytes:
    return struct.pack(">HBB", 0, type_code, len(shape)) + struct.pack(f">{len(shape)}I", *shape) + data


def test_raw_and_gzip_files_read_the_same(tmp_path) -> None:
    payload = _idx((2, 3), bytes(range(6)))
    (tmp_path / "a.idx").write_bytes(payload)
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(payload))
    expected = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert np.array_equal(read_idx(tmp_path / "a.idx"), expected)
    assert np.array_equal(read_idx(tmp_path / "a.idx.gz"), expected)


@pytest.mark.parametrize(
    "payload,problem",
    [
        (b"", "too short"),
        (b"\x01\x02\x08\x01" + b"\x00" * 8, "not an IDX file"),
        (struct.pack(">HBB", 0, 0x42, 1) + b"\x00\x00\x00\x01\x00", "data type"),
        (struct.pack(">HBB", 0, 0x08, 3) + b"\x00\x00\x00\x01", "truncated header"),
        (_idx((10, 28, 28), b"\x00" * 100), "truncated"),
        (_idx((1, 2), b"\x00" * 5), "trailing bytes"),
        (gzip.compress(_idx((4,), b"\x01\x02\x03\x04"))[:-6], "gzip"),
    ],
)
def test_damaged_files_raise_a_clear_error_naming_the_file(tmp_path, payload: bytes, problem: str) -> None:
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(payload)
    with pytest.raises(IDXError, match=problem) as e:
        read_idx(path)
    assert "broken-idx1-ubyte" in str(e.value)


def test_a_missing_file_is_reported(tmp_path) -> None:
    with pytest.raises(IDXError, match="cannot read"):
        read_idx(tmp_path / "nope.gz")


def test_a_truncated_mnist_file_is_refused_not_returned(tmp_path) -> None:
    for name in FILES.values():
        (tmp_path / name).write_bytes((MNIST_DIR / name).read_bytes())
    raw = gzip.decompress((MNIST_DIR / FILES["test_images"]).read_bytes())
    (tmp_path / FILES["test_images"]).write_bytes(gzip.compress(raw[:-784]))  # one image short
    with pytest.raises(IDXError, match="t10k-images"):
        load_mnist(tmp_path)


def test_labels_that_are_not_digits_are_refused(tmp_path) -> None:
    for name in FILES.values():
        (tmp_path / name).write_bytes((MNIST_DIR / name).read_bytes())
    labels = bytearray(gzip.decompress((MNIST_DIR / FILES["test_labels"]).read_bytes()))
    labels[8] = 12
    (tmp_path / FILES["test_labels"]).write_bytes(gzip.compress(bytes(labels)))
    with pytest.raises(IDXError, match="not a digit"):
        load_mnist(tmp_path)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_give_an_array_or_idx_error(data: bytes) -> None:
    try:
        a = parse_idx(data, "fuzz")
    except IDXError as e:
        assert str(e).startswith("fuzz")
    else:
        assert a.size * a.dtype.itemsize == len(data) - 4 - 4 * a.ndim


def test_batches_cover_every_example_once_per_epoch() -> None:
    rng = np.random.default_rng(0)
    parts = list(batches(103, 10, rng))
    assert [len(p) for p in parts] == [10] * 10 + [3]
    assert sorted(np.concatenate(parts).tolist()) == list(range(103))
