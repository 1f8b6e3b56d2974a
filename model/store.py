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
notes such as the command that made the file. ``hyperparameters["deskew"]`` is also the network's
own ``deskew`` flag (its inputs are deskewed, ``model.deskew``): ``save`` writes the network's
flag there whatever the caller passed (when it is on, or the caller passed one), and a file without it (all files before it existed) loads
as False, so old files read their inputs as before. They are JSON, never pickle, so a model file cannot
run code when it is opened. Python's ``json`` writes a NaN cost from a diverged run as ``NaN``,
which strict JSON parsers outside Python reject.

Weights may also be float64 (a network converted with ``astype``); loading converts to float32.

Loading checks everything before it builds a network: the version, the set of keys, each array's
declared dtype and shape (read from its ``.npy`` header before any data, so a crafted header cannot
make the loader allocate gigabytes; ``model.npz_io`` does this for model and sample files alike),
the chain of layer sizes, finite parameters, known names and the JSON's types. A file may hold at
most ``MAX_PARAMETERS`` (200 million) weights and biases, ``MAX_LAYERS`` (256) layer sizes and
``MAX_INFO_BYTES`` (64 MiB) of JSON, and a network this machine can hold and draw
(``model.limits``: no layer wider than 4,096 neurons, the memory to train it): the sizes are
checked before any weight is read, so a small file of compressed zeros that declares a huge
network is refused, not inflated into gigabytes. Any bad, truncated or foreign file raises ``ModelFileError``
naming the file and the problem; nothing else escapes. Saving refuses (``ValueError``,
``TypeError``) what loading would refuse, so a saved file loads.

Saving is atomic (``model.npz_io.write_atomically``): the archive goes to a hidden temporary file in
the destination folder, is flushed and fsynced, then renamed over the destination with
``os.replace``. A crash or error mid-write leaves the previous file untouched and no temporary file
behind; the temporary files a ``kill -9`` left beside the same file name are deleted by the next
save (once older than ``model.npz_io.STALE_TEMP_SECONDS``).

Left out: compression (weights barely compress); optimizer state (momentum, Adam moments), so
training a loaded network starts its optimizer afresh; other frameworks' files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from digitlab.assets import DEFAULT_MODEL
from digitlab.model.activations import ACTIVATIONS
from digitlab.model.costs import COSTS
from digitlab.model.limits import network_size_problem, parameter_count
from digitlab.model.network import Network
from digitlab.model.npz_io import (
    NpzArchive,
    NpzFileError,
    open_npz,
    remove_stale_temps,
    temp_pattern,
    write_atomically,
)
from digitlab.model.subnormals import flush_tiny

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


class ModelFileError(NpzFileError):
    """A model file that cannot be loaded: the message names the file and what is wrong.

    A ``ValueError`` with ``path`` and ``problem``, like every ``model.npz_io.NpzFileError``.
    """


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
    n_params = parameter_count(sizes)
    if n_params > MAX_PARAMETERS:
        return (
            f"layer sizes {sizes} need {n_params:,} parameters,"
            f" more than the {MAX_PARAMETERS:,} a model file may hold"
        )
    return network_size_problem(sizes)


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
    if not isinstance(info["hyperparameters"].get("deskew", False), bool):
        return "info: hyperparameters' deskew must be true or false"
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
    if not isinstance(hyperparameters, (Mapping, type(None))):
        raise TypeError(f"hyperparameters must be a dict, got {type(hyperparameters).__name__}")
    # the network's input is part of the network: its flag, not the caller's record, is stored
    # (left out when off and not given: the file reads the same as one from before the flag)
    if net.deskew or "deskew" in (hyperparameters or {}):
        hyperparameters = {**(hyperparameters or {}), "deskew": bool(net.deskew)}
    arrays["info"] = _encode_info(hyperparameters, history, metadata)
    folder, name = os.path.split(os.path.abspath(path))
    remove_stale_temps(folder, temp_pattern(name))  # left by an earlier save that was killed
    write_atomically(path, lambda f: np.savez(f, **arrays))


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
    flush_tiny([*weights, *biases])  # too small to matter, and slow once subnormal (model.subnormals)
    return net


def load(path: str | os.PathLike[str]) -> Network:
    """The network saved at ``path``; ``ModelFileError`` if the file is not a valid model file."""
    return load_with_info(path)[0]


def load_default() -> Network:
    """The shipped, pretrained network (``assets/models/default.npz`` of the installed copy)."""
    return load(DEFAULT_MODEL)


def load_with_info(path: str | os.PathLike[str]) -> tuple[Network, ModelInfo]:
    """The network saved at ``path`` and its ``ModelInfo``; ``ModelFileError`` for any bad file."""
    try:
        with open_npz(path, "model file") as archive:
            return _Reader(archive).read()
    except NpzFileError as e:
        raise ModelFileError(e.path, e.problem) from e.__cause__


class _Reader:
    """Reads a model from one opened ``.npz``, checking each array's header before its data."""

    def __init__(self, archive: NpzArchive) -> None:
        self.archive = archive
        # the archive's own checks, which raise NpzFileError naming the file
        self.fail = archive.fail
        self.header = archive.header
        self.array = archive.array

    def read(self) -> tuple[Network, ModelInfo]:
        keys = self.archive.keys
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
        net.deskew = info["hyperparameters"].get("deskew", False)  # absent in older files: False
        return net, ModelInfo(version, info["hyperparameters"], info["history"], info["metadata"])

    # ------------------------------------------------------------------------ one array at a time
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
