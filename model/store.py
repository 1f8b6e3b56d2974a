"""Model files: save a ``Network`` with its training record to one ``.npz``, load and validate it.

A model file is an ordinary NumPy ``.npz`` archive (a zip of ``.npy`` arrays, uncompressed) that
``np.load(path, allow_pickle=False)`` opens anywhere. Format version 1 holds exactly these keys:

====================  =======================  ==============================================
key                   array                    meaning
====================  =======================  ==============================================
``format_version``    int64, shape ()          1; a loader refuses versions it does not know
``layer_sizes``       int64, shape (L+1,)      neurons per layer, input first: 784, ..., 10
``activation``        unicode, shape ()        the hidden layers' nonlinearity, a key of
                                               ``model.activations.ACTIVATIONS``
``cost``              unicode, shape ()        the cost, which decides the output layer's
                                               nonlinearity, a key of ``model.costs.COSTS``
``weights_{i}``       float32, (n_{i+1}, n_i)  ``net.weights[i]`` for i = 0 .. L-1, Nielsen's
                                               w^{i+1}: entry [j, k] joins neuron k of layer i
                                               to neuron j of layer i+1
``biases_{i}``        float32, (n_{i+1},)      ``net.biases[i]``, Nielsen's b^{i+1}
``info``              uint8, (n_bytes,)        a UTF-8 JSON object, described below
====================  =======================  ==============================================

``info`` is ``{"hyperparameters": {...}, "history": [{...}, ...], "metadata": {...}}``: the
training settings (``TrainConfig.to_dict()``), one plain record per logged step or epoch, and free
notes such as the command that made the file. They are JSON, never pickle, so a model file cannot
run code when it is opened. Python's ``json`` writes a NaN cost from a diverged run as ``NaN``,
which strict JSON parsers outside Python reject.

Weights may also be float64 (a network converted with ``astype``); loading converts to float32.

Loading checks everything before it builds a network: the version, the set of keys, each array's
declared dtype and shape (read from its ``.npy`` header before any data, so a crafted header cannot
make the loader allocate gigabytes), the chain of layer sizes, finite parameters, known names and
the JSON's types. A file may hold at most ``MAX_PARAMETERS`` (200 million) weights and biases,
``MAX_LAYERS`` (256) layer sizes and ``MAX_INFO_BYTES`` (64 MiB) of JSON. Any bad, truncated or
foreign file raises ``ModelFileError`` naming the file and the problem; nothing else escapes.
Saving refuses (``ValueError``, ``TypeError``) what loading would refuse, so a saved file loads.

Saving is atomic: the archive goes to a hidden temporary file in the destination folder, is flushed
and fsynced, then renamed over the destination with ``os.replace``. A crash or error mid-write
leaves the previous file untouched and no temporary file behind.

Left out: compression (weights barely compress); optimizer state (momentum, Adam moments), so
training a loaded network starts its optimizer afresh; other frameworks' files.
"""

from __future__ import annotations

import ast
import json
import lzma
import math
import os
import re
import stat
import struct
import uuid
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from model.activations import ACTIVATIONS
from model.costs import COSTS
from model.network import Network

FORMAT_VERSION = 1
KNOWN_VERSIONS = (1,)
INPUT_SIZE = 784  # 28x28 pixels
OUTPUT_SIZE = 10  # one output per digit

# limits a file must respect before the loader allocates anything for it
MAX_PARAMETERS = 200_000_000  # weights + biases; 0.8 GB as float32
MAX_LAYERS = 256  # entries of layer_sizes
MAX_INFO_BYTES = 64 * 2**20  # the JSON record
MAX_NAME_CHARS = 64  # activation and cost names

_BASE_KEYS = ("format_version", "layer_sizes", "activation", "cost", "info")
_INFO_KEYS = ("hyperparameters", "history", "metadata")
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
_NPY_MAGIC = b"\x93NUMPY"
_NPY_VERSIONS = {b"\x01\x00": "<H", b"\x02\x00": "<I"}  # .npy version -> header length field
_NPY_MAX_HEADER = 10_000  # numpy's own limit (max_header_size)
_SIMPLE_DESCR = re.compile(r"[<>|=]?[A-Za-z][0-9]{0,4}")

# what a damaged archive can raise from zipfile, zlib, bz2 and lzma (a member may claim any
# compression method) and numpy's array reader; each means "not a readable model file". Fuzzing
# (tests/model/test_store.py) is what keeps this list honest.
_UNREADABLE = (
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    OverflowError,
    RuntimeError,  # an encrypted member; NotImplementedError for unknown compression
    struct.error,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
)


class ModelFileError(ValueError):
    """A model file that cannot be loaded: the message names the file and what is wrong."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.path, self.problem)


@dataclass(frozen=True)
class ModelInfo:
    """Everything in a model file besides the network itself (the ``info`` JSON)."""

    format_version: int
    hyperparameters: dict[str, Any]
    history: list[dict[str, Any]]
    metadata: dict[str, Any]  # e.g. {"command": "digitlab-train ...", "notes": "..."}


# --------------------------------------------------------------------------------- shared checks
# each returns a description of the problem, or None; saving raises it as ValueError, loading as
# ModelFileError, so the writer never produces a file the reader refuses


def _layer_sizes_problem(sizes: tuple[int, ...]) -> str | None:
    if not 2 <= len(sizes) <= MAX_LAYERS:
        return f"layer sizes must have 2 to {MAX_LAYERS} entries, got {len(sizes)}"
    if any(s < 1 for s in sizes):
        return f"layer sizes must be positive, got {sizes}"
    if sizes[0] != INPUT_SIZE or sizes[-1] != OUTPUT_SIZE:
        return (
            f"layer sizes must start at {INPUT_SIZE} (28x28 pixels) and end at {OUTPUT_SIZE}"
            f" (digits), got {sizes}"
        )
    n_params = sum(n_out * n_in + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if n_params > MAX_PARAMETERS:
        return (
            f"layer sizes {sizes} need {n_params:,} parameters,"
            f" more than the {MAX_PARAMETERS:,} a model file may hold"
        )
    return None


def _name_problem(what: str, name: str, known: Mapping[str, Any]) -> str | None:
    if name not in known:
        return f"unknown {what} {name!r}: expected one of {', '.join(sorted(known))}"
    return None


def _values_problem(key: str, values: np.ndarray) -> str | None:
    if not np.isfinite(values).all():
        return f"{key} has values that are not finite (NaN, infinite or too large for float32)"
    return None


def _info_problem(info: Any) -> str | None:
    if not isinstance(info, dict) or set(info) != set(_INFO_KEYS):
        return f"info must be a JSON object with exactly the keys {', '.join(_INFO_KEYS)}"
    if not isinstance(info["hyperparameters"], dict):
        return "info: hyperparameters must be a JSON object"
    if not isinstance(info["metadata"], dict):
        return "info: metadata must be a JSON object"
    history = info["history"]
    if not isinstance(history, list) or not all(isinstance(r, dict) for r in history):
        return "info: history must be a JSON list of objects"
    return None


# ------------------------------------------------------------------------------------------ save


def _json_default(value: Any) -> Any:
    # NumPy scalars and arrays (a cost from a step record, say) become plain numbers and lists
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} {value!r} cannot be stored in a model file (JSON)")


def _encode_info(
    hyperparameters: Mapping[str, Any] | None,
    history: Sequence[Mapping[str, Any]] | None,
    metadata: Mapping[str, Any] | None,
) -> np.ndarray:
    for what, value in (("hyperparameters", hyperparameters), ("metadata", metadata)):
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(f"{what} must be a dict, got {type(value).__name__}")
    history = list(history or [])
    if not all(isinstance(r, Mapping) for r in history):
        raise TypeError("history must be a list of dicts")
    info = {
        "hyperparameters": dict(hyperparameters or {}),
        "history": [dict(r) for r in history],
        "metadata": dict(metadata or {}),
    }
    text = json.dumps(info, default=_json_default, ensure_ascii=False)
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if data.size > MAX_INFO_BYTES:
        raise ValueError(f"info is {data.size:,} bytes of JSON, more than {MAX_INFO_BYTES:,}")
    return data


def _network_arrays(net: Network) -> dict[str, np.ndarray]:
    sizes = tuple(int(s) for s in net.layer_sizes)
    problem = (
        _layer_sizes_problem(sizes)
        or _name_problem("activation", net.activation_name, ACTIVATIONS)
        or _name_problem("cost", net.cost_name, COSTS)
    )
    if problem:
        raise ValueError(f"cannot save {net!r}: {problem}")
    arrays: dict[str, np.ndarray] = {
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "layer_sizes": np.array(sizes, dtype=np.int64),
        "activation": np.array(net.activation_name),
        "cost": np.array(net.cost_name),
    }
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        for key, values, shape in (
            (f"weights_{i}", net.weights[i], (n_out, n_in)),
            (f"biases_{i}", net.biases[i], (n_out,)),
        ):
            values = np.asarray(values)
            if values.shape != shape or values.dtype not in (np.float32, np.float64):
                raise ValueError(
                    f"cannot save {net!r}: {key} is {values.dtype} {values.shape}, expected {shape}"
                )
            with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf
                problem = _values_problem(key, values.astype(np.float32))
            if problem:
                raise ValueError(f"cannot save {net!r}: {problem}")
            arrays[key] = values
    return arrays


def save(
    net: Network,
    path: str | os.PathLike[str],
    *,
    hyperparameters: Mapping[str, Any] | None = None,
    history: Sequence[Mapping[str, Any]] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Write ``net`` and its training record to ``path`` (exactly that name), atomically.

    ``hyperparameters``, each ``history`` record and ``metadata`` must be JSON-compatible: str keys;
    str, int, float, bool, None, lists and dicts as values. Tuples and NumPy scalars or arrays are
    accepted and come back as lists and Python numbers. Raises ``ValueError`` for a network the
    loader would refuse (wrong layer sizes, NaN weights), ``TypeError`` for values JSON cannot hold,
    ``OSError`` if the file cannot be written; the previous file at ``path`` then stays as it was.
    """
    arrays = _network_arrays(net)
    arrays["info"] = _encode_info(hyperparameters, history, metadata)
    _write_atomically(os.fspath(path), arrays)


def _write_atomically(path: str, arrays: dict[str, np.ndarray]) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    # os.open rather than tempfile.mkstemp so the file gets the usual umask permissions, not 0600;
    # O_BINARY matters on Windows, where low-level files are otherwise opened in text mode
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # KeyboardInterrupt too: never leave a half-written temporary file
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    # make the rename itself durable; folders cannot be opened this way on Windows
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


# ------------------------------------------------------------------------------------------ load


def _assemble(
    sizes: tuple[int, ...],
    activation: str,
    cost: str,
    weights: list[np.ndarray],
    biases: list[np.ndarray],
) -> Network:
    """A ``Network`` holding the given parameters (float32, shapes already checked)."""
    # built at size 1-1 and then given its real state (the same attributes Network.copy sets),
    # because building it at full size would first draw a random float64 copy of every weight
    net = Network((1, 1), activation=activation, cost=cost, seed=0)
    net.layer_sizes, net.weights, net.biases = sizes, weights, biases
    return net


def load(path: str | os.PathLike[str]) -> Network:
    """The network saved at ``path``; ``ModelFileError`` if the file is not a valid model file."""
    return load_with_info(path)[0]


def load_with_info(path: str | os.PathLike[str]) -> tuple[Network, ModelInfo]:
    """The network saved at ``path`` and its ``ModelInfo``; ``ModelFileError`` for any bad file."""
    name = os.fspath(path)
    try:
        mode = os.stat(name).st_mode
    except OSError as e:
        raise ModelFileError(name, _os_problem(e)) from e
    if stat.S_ISDIR(mode):
        raise ModelFileError(name, "is a folder, not a model file")
    if not stat.S_ISREG(mode):  # a pipe could block forever, a device never end
        raise ModelFileError(name, "is not a regular file")
    try:
        fh = open(name, "rb")
    except OSError as e:
        raise ModelFileError(name, _os_problem(e)) from e
    with fh:
        start = fh.read(4)
        if not start:
            raise ModelFileError(name, "the file is empty")
        if start not in _ZIP_SIGNATURES:
            raise ModelFileError(name, "not a model file: it is not an .npz (zip) archive")
        fh.seek(0)
        try:
            with np.load(fh, allow_pickle=False) as npz:
                return _Reader(npz, name).read()
        except ModelFileError:
            raise
        except _UNREADABLE as e:
            problem = f"damaged or not a model file ({type(e).__name__}: {e})"
            raise ModelFileError(name, problem) from e


def _os_problem(e: OSError) -> str:
    if isinstance(e, FileNotFoundError):
        return "no such file"
    if isinstance(e, PermissionError):
        return "permission denied"
    return f"cannot be read ({e.strerror or e})"


class _Reader:
    """Reads one opened ``.npz``, checking each array's header before loading its data."""

    def __init__(self, npz: Any, path: str) -> None:
        self.npz = npz
        self.zip: zipfile.ZipFile = npz.zip
        self.path = path

    def fail(self, problem: str) -> ModelFileError:
        return ModelFileError(self.path, problem)

    def read(self) -> tuple[Network, ModelInfo]:
        names = self.zip.namelist()
        odd = [n for n in names if not n.endswith(".npy")]
        if odd:
            raise self.fail(f"not a model file: the archive holds non-array members {odd[:5]}")
        keys = {n[: -len(".npy")] for n in names}
        if "format_version" not in keys:
            shown = ", ".join(sorted(keys)[:10]) or "none"
            raise self.fail(f"not a Digit Lab model file: no format_version (keys: {shown})")
        version = int(self.array("format_version", "iu", shape=()))
        if version not in KNOWN_VERSIONS:
            raise self.fail(
                f"format version {version} is not known (this Digit Lab reads version"
                f" {', '.join(map(str, KNOWN_VERSIONS))})"
            )
        missing = [k for k in _BASE_KEYS if k not in keys]
        if missing:
            raise self.fail(f"missing keys: {', '.join(missing)}")

        n_sizes = self.header("layer_sizes", "iu")[0]
        if len(n_sizes) != 1 or not 2 <= n_sizes[0] <= MAX_LAYERS:
            raise self.fail(f"layer sizes must be 2 to {MAX_LAYERS} integers, got shape {n_sizes}")
        sizes = tuple(int(s) for s in self.array("layer_sizes", "iu", shape=n_sizes))
        problem = _layer_sizes_problem(sizes)
        if problem:
            raise self.fail(problem)

        n_layers = len(sizes) - 1
        expected = set(_BASE_KEYS)
        expected.update(f"{p}_{i}" for p in ("weights", "biases") for i in range(n_layers))
        if keys != expected:
            gone, extra = sorted(expected - keys)[:10], sorted(keys - expected)[:10]
            detail = "; ".join(
                f"{label} {', '.join(ks)}"
                for label, ks in (("missing", gone), ("unexpected", extra))
                if ks
            )
            raise self.fail(f"keys do not match layer sizes {sizes}: {detail}")

        activation = self.name("activation", ACTIVATIONS)
        cost = self.name("cost", COSTS)
        info = self.info()
        weights: list[np.ndarray] = []
        biases: list[np.ndarray] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            weights.append(self.parameters(f"weights_{i}", (n_out, n_in)))
            biases.append(self.parameters(f"biases_{i}", (n_out,)))

        net = _assemble(sizes, activation, cost, weights, biases)
        return net, ModelInfo(version, info["hyperparameters"], info["history"], info["metadata"])

    # ------------------------------------------------------------------------ one array at a time
    def header(self, key: str, kinds: str) -> tuple[tuple[int, ...], np.dtype]:
        """Shape and dtype from ``key``'s ``.npy`` header, checked against the member's size."""
        member = f"{key}.npy"
        with self.zip.open(member) as f:
            shape, dtype, header_len = self.npy_header(key, f)
        if dtype.hasobject:
            raise self.fail(f"{key} holds Python objects (pickled data); model files never do")
        if dtype.kind not in kinds:
            raise self.fail(f"{key} has dtype {dtype}, which model files never use")
        if any(n < 0 for n in shape):
            raise self.fail(f"{key} declares a negative shape {shape}")
        if header_len + math.prod(shape) * dtype.itemsize != self.zip.getinfo(member).file_size:
            raise self.fail(f"{key} is damaged: its size does not match its shape {shape}")
        return shape, dtype

    def array(self, key: str, kinds: str, shape: tuple[int, ...]) -> np.ndarray:
        """``key``'s array, loaded once its header declares ``shape`` and a kind in ``kinds``."""
        declared, _ = self.header(key, kinds)
        if declared != shape:
            raise self.fail(f"{key} has shape {declared}, expected {shape}")
        return self.npz[f"{key}.npy"]  # np.load's reader, allow_pickle=False; checks the CRC

    def name(self, key: str, known: Mapping[str, Any]) -> str:
        shape, dtype = self.header(key, "U")
        if shape != () or dtype.itemsize > 4 * MAX_NAME_CHARS:
            raise self.fail(f"{key} must be one short string, got {dtype} of shape {shape}")
        value = str(self.array(key, "U", shape=()).item())
        problem = _name_problem(key, value, known)
        if problem:
            raise self.fail(problem)
        return value

    def info(self) -> dict[str, Any]:
        shape, dtype = self.header("info", "u")
        if len(shape) != 1 or dtype.itemsize != 1 or shape[0] > MAX_INFO_BYTES:
            raise self.fail(
                f"info must be up to {MAX_INFO_BYTES:,} bytes of JSON, got {dtype} {shape}"
            )
        raw = self.array("info", "u", shape=shape).tobytes()
        try:
            info = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as e:  # bad UTF-8, bad JSON, absurd nesting
            raise self.fail(f"info is not valid JSON ({e})") from None
        problem = _info_problem(info)
        if problem:
            raise self.fail(problem)
        return info

    def parameters(self, key: str, shape: tuple[int, ...]) -> np.ndarray:
        """A weight matrix or bias vector as C-ordered float32, checked finite."""
        _, dtype = self.header(key, "f")
        if dtype.itemsize not in (4, 8):
            raise self.fail(f"{key} has dtype {dtype}, expected float32 or float64")
        with np.errstate(over="ignore"):  # float64 beyond float32's range becomes inf
            values = np.ascontiguousarray(self.array(key, "f", shape=shape), dtype=np.float32)
        problem = _values_problem(key, values)
        if problem:
            raise self.fail(problem)
        return values

    def npy_header(self, key: str, f: IO[bytes]) -> tuple[tuple[int, ...], np.dtype, int]:
        """Shape, dtype and length of the ``.npy`` header at the start of ``f``; no data is read.

        Parsed here rather than by ``numpy.lib.format`` so that a malformed header never takes
        numpy's Python 2 fallback, which warns and raises ``tokenize`` errors of its own.
        """
        start = f.read(8)
        if len(start) < 8 or start[:6] != _NPY_MAGIC:
            raise self.fail(f"{key} is not a .npy array")
        size_format = _NPY_VERSIONS.get(start[6:])
        if size_format is None:  # 3.0 exists only for structured dtypes with non-latin-1 names
            raise self.fail(f"{key} uses .npy format version {start[6]}.{start[7]}")
        n = struct.calcsize(size_format)
        raw = f.read(n)
        (header_len,) = struct.unpack(size_format, raw) if len(raw) == n else (-1,)
        if not 0 <= header_len <= _NPY_MAX_HEADER:
            raise self.fail(f"{key} is damaged: its .npy header is missing or too long")
        text = f.read(header_len)
        try:
            header = ast.literal_eval(text.decode("latin1"))
        # the parser gives up on absurd nesting with MemoryError or RecursionError
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
        # a byte order, a type code and a size ("<f4", "|u1", "<U7", "|O"): never a structured or
        # sub-array dtype, whose parsing in np.dtype raises errors of its own
        if not (isinstance(descr, str) and _SIMPLE_DESCR.fullmatch(descr)):
            raise self.fail(f"{key} has dtype {descr!r:.60}, which model files never use")
        try:
            dtype = np.dtype(descr)
        except (TypeError, ValueError):
            raise self.fail(f"{key} has an unknown dtype {descr!r}") from None
        return shape, dtype, 8 + n + header_len
