"""MNIST: reading IDX files, the copy shipped in ``assets/mnist``, and mini-batches.

The IDX format (LeCun's MNIST page): a big-endian header of two zero bytes, a type code (0x08 for
unsigned bytes) and the number of dimensions, then one big-endian uint32 per dimension, then the
items. Every field is checked against the file before any array is built, so a truncated or
foreign file raises ``IDXError`` naming the file and what is wrong, never garbage.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitlab.assets import MNIST_DIR  # where the shipped copy lives (re-exported)

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """An IDX file that cannot be read: the message names the file and what is wrong."""


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IDXError(f"{path}: cannot read ({e.strerror or e})") from e
    if raw[:2] == _GZIP_MAGIC:
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise IDXError(f"{path}: damaged gzip data ({e})") from e
    return raw


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode IDX bytes (already decompressed) into an array of the stored shape and type."""
    if len(data) < 4:
        raise IDXError(f"{name}: {len(data)} bytes is too short for an IDX header")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise IDXError(f"{name}: not an IDX file (magic number 0x{data[:4].hex()})")
    if type_code not in _IDX_TYPES:
        raise IDXError(f"{name}: unknown IDX data type 0x{type_code:02x}")
    if ndim == 0:
        raise IDXError(f"{name}: IDX header declares zero dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXError(f"{name}: truncated header ({len(data)} bytes, {ndim} dimensions declared)")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(_IDX_TYPES[type_code])
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow on crafted headers
    actual = len(data) - header
    if actual != expected:
        what = "truncated" if actual < expected else "has trailing bytes"
        raise IDXError(
            f"{name}: {what}: dimensions {'x'.join(map(str, shape))} need {expected} bytes "
            f"of data, the file has {actual}"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzip-compressed or raw."""
    path = Path(path)
    return parse_idx(_read_bytes(path), str(path))


@dataclass(frozen=True)
class MNIST:
    """The data set: images as float32 rows in [0, 1] (n, 784), labels as uint8 (n,)."""

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray


def _images(path: Path) -> np.ndarray:
    images = read_idx(path)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise IDXError(f"{path}: expected uint8 images of 28x28, got {images.dtype} {images.shape}")
    flat = images.reshape(len(images), 784)
    out = np.empty(flat.shape, dtype=np.float32)
    # most of the time here is the kernel handing out fresh pages: convert in two halves in
    # parallel (NumPy releases the GIL), each a single multiply into float32
    half = len(flat) // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [
            pool.submit(np.multiply, flat[part], np.float32(1 / 255), out=out[part], dtype=np.float32)
            for part in (slice(0, half), slice(half, None))
        ]
        for job in jobs:
            job.result()
    return out


def _labels(path: Path, n_images: int) -> np.ndarray:
    labels = read_idx(path)
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise IDXError(f"{path}: expected a 1-D uint8 label file, got {labels.dtype} {labels.shape}")
    if len(labels) != n_images:
        raise IDXError(f"{path}: {len(labels)} labels for {n_images} images")
    if labels.size and labels.max() > 9:
        raise IDXError(f"{path}: label {int(labels.max())} is not a digit")
    return labels


def load_mnist(folder: str | Path = MNIST_DIR) -> MNIST:
    """Load the MNIST training (60,000) and test (10,000) sets from ``folder``."""
    folder = Path(folder)
    # zlib and NumPy release the GIL: decompress and convert the two image files side by side
    with ThreadPoolExecutor(max_workers=2) as pool:
        train_future = pool.submit(_images, folder / FILES["train_images"])
        test_x = _images(folder / FILES["test_images"])
        train_x = train_future.result()
    return MNIST(
        train_x=train_x,
        train_y=_labels(folder / FILES["train_labels"], len(train_x)),
        test_x=test_x,
        test_y=_labels(folder / FILES["test_labels"], len(test_x)),
    )


def batches(
    n: int, batch_size: int, rng: np.random.Generator | None = None
) -> Iterator[np.ndarray]:
    """Index arrays of one epoch's mini-batches: shuffled when ``rng`` is given, the last one short."""
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for i in range(0, n, batch_size):
        yield order[i : i + batch_size]
