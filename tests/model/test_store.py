"""model.store: exact round trips, atomic saves, and a ModelFileError for every bad file."""

from __future__ import annotations

import io
import json
import os
import struct
import sys
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitlab.model import store
from digitlab.model.activations import ACTIVATIONS
from digitlab.model.costs import COSTS
from digitlab.model.network import Network
from digitlab.model.store import ModelFileError, ModelInfo, load, load_with_info, save

HYPERPARAMETERS = {
    "layer_sizes": [784, 16, 10],
    "learning_rate": 0.1,
    "batch_size": 10,
    "augment": False,
    "schedule": "cosine",
}
HISTORY = [
    {"step": 0, "cost": 2.302585092994046, "accuracy": 0.1},
    {"step": 600, "cost": 0.3100000000000001, "accuracy": 0.91, "note": None},
]
METADATA = {"command": "digitlab-train --epochs 1 --seed 1", "notes": "tiny net \u2713 for tests"}

Arrays = dict[str, np.ndarray]


@pytest.fixture
def net() -> Network:
    return Network([784, 16, 10], activation="relu", cost="cross_entropy", seed=1)


@pytest.fixture
def saved(tmp_path: Path, net: Network) -> Path:
    path = tmp_path / "model.npz"
    save(net, path, hyperparameters=HYPERPARAMETERS, history=HISTORY, metadata=METADATA)
    return path


def arrays_of(path: Path) -> Arrays:
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def write_npz(path: Path, arrays: Arrays) -> Path:
    with open(path, "wb") as f:  # a file object, so np.savez keeps the name as given
        np.savez(f, **arrays)
    return path


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=True)
    return buf.getvalue()


def npy_header_only(dtype: str, shape: tuple[int, ...]) -> bytes:
    """A .npy header declaring ``shape`` followed by a few bytes: what a crafted file looks like."""
    buf = io.BytesIO()
    descr = np.lib.format.dtype_to_descr(np.dtype(dtype))
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + b"\0" * 64


def write_members(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def load_or_refuse(path: Path) -> Network | None:
    """What every caller may rely on: a valid network, or a ModelFileError naming the file."""
    try:
        net = load(path)
    except ModelFileError as e:
        assert str(path) in str(e)
        return None
    sizes = net.layer_sizes
    assert sizes[0] == 784 and sizes[-1] == 10
    for w, b, n_in, n_out in zip(net.weights, net.biases, sizes[:-1], sizes[1:]):
        assert w.shape == (n_out, n_in) and b.shape == (n_out,)
        assert w.dtype == b.dtype == np.float32
        assert np.isfinite(w).all() and np.isfinite(b).all()
    return net


# ------------------------------------------------------------------------------------ round trip


def test_round_trip_is_bit_identical(saved: Path, net: Network) -> None:
    loaded, info = load_with_info(saved)
    assert loaded.layer_sizes == (784, 16, 10)
    assert (loaded.activation_name, loaded.cost_name) == ("relu", "cross_entropy")
    for a, b in zip(net.weights + net.biases, loaded.weights + loaded.biases):
        assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
        assert a.tobytes() == b.tobytes()
    assert info == ModelInfo(1, HYPERPARAMETERS, HISTORY, METADATA)
    x = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    assert np.array_equal(net.predict_proba(x), loaded.predict_proba(x))
    y = np.arange(5)
    assert np.array_equal(net.backward(x, y).flat(), loaded.backward(x, y).flat())
    assert load(saved).weights[0].tobytes() == net.weights[0].tobytes()


def test_the_deskew_flag_is_the_networks_and_old_files_load_without_it(tmp_path: Path, saved: Path,
                                                                       net: Network) -> None:
    # a file from before the flag (no "deskew" in its hyperparameters) reads its inputs as they are
    old, info = load_with_info(saved)
    assert "deskew" not in info.hyperparameters and old.deskew is False
    flagged = net.copy()
    flagged.deskew = True
    path = tmp_path / "deskew.npz"
    # the network's flag is stored, whatever the caller's record says
    save(flagged, path, hyperparameters=HYPERPARAMETERS | {"deskew": False})
    loaded, info = load_with_info(path)
    assert loaded.deskew is True and info.hyperparameters["deskew"] is True
    x = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    assert np.array_equal(loaded.predict_proba(x), flagged.predict_proba(x))
    assert not np.array_equal(loaded.predict_proba(x), net.predict_proba(x))  # deskewing changed it
    save(net, path, hyperparameters={"deskew": True})
    assert load_with_info(path)[1].hyperparameters["deskew"] is False and load(path).deskew is False


def test_every_activation_and_cost_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    for activation in ACTIVATIONS:
        for cost in COSTS:
            save(Network([784, 10], activation=activation, cost=cost, seed=2), path)
            loaded, info = load_with_info(path)
            assert (loaded.activation_name, loaded.cost_name) == (activation, cost)
            assert info == ModelInfo(1, {}, [], {})


def test_file_holds_the_documented_keys(saved: Path) -> None:
    arrays = arrays_of(saved)
    assert set(arrays) == {
        "format_version", "layer_sizes", "activation", "cost", "info",
        "weights_0", "biases_0", "weights_1", "biases_1",
    }  # fmt: skip
    assert arrays["format_version"] == 1 and arrays["layer_sizes"].tolist() == [784, 16, 10]
    assert str(arrays["activation"]) == "relu" and str(arrays["cost"]) == "cross_entropy"
    assert arrays["weights_1"].shape == (10, 16) and arrays["biases_1"].shape == (10,)
    assert json.loads(arrays["info"].tobytes().decode("utf-8")) == {
        "hyperparameters": HYPERPARAMETERS, "history": HISTORY, "metadata": METADATA,
    }  # fmt: skip


def test_float64_network_loads_as_float32(tmp_path: Path, net: Network) -> None:
    path = tmp_path / "model.npz"
    save(net.astype(np.float64), path)
    assert arrays_of(path)["weights_0"].dtype == np.float64
    loaded = load(path)
    assert loaded.weights[0].dtype == np.float32
    assert loaded.weights[0].tobytes() == net.weights[0].tobytes()


def test_numpy_values_and_tuples_come_back_as_json(tmp_path: Path, net: Network) -> None:
    path = tmp_path / "model.npz"
    history = [{"step": np.int64(3), "cost": np.float32(0.5), "outputs": np.arange(3)}]
    save(net, path, hyperparameters={"layer_sizes": (784, 16, 10)}, history=history)
    _, info = load_with_info(path)
    assert info.hyperparameters == {"layer_sizes": [784, 16, 10]}
    assert info.history == [{"step": 3, "cost": 0.5, "outputs": [0, 1, 2]}]
    assert type(info.history[0]["step"]) is int


def test_save_refuses_a_network_load_would_refuse(tmp_path: Path, net: Network) -> None:
    with pytest.raises(ValueError, match="layer sizes must start at 784"):
        save(Network([4, 3, 2], seed=0), tmp_path / "model.npz")
    net.weights[1][3, 4] = np.nan
    with pytest.raises(ValueError, match="weights_1 has values that are not finite"):
        save(net, tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []


def test_save_refuses_values_json_cannot_hold(tmp_path: Path, net: Network) -> None:
    with pytest.raises(TypeError, match="cannot be stored"):
        save(net, tmp_path / "model.npz", metadata={"when": object()})
    with pytest.raises(TypeError, match="history must be a list of dicts"):
        save(net, tmp_path / "model.npz", history=[0.5, 0.4])  # type: ignore[list-item]
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------------------------ atomicity


def test_save_replaces_the_file_and_leaves_no_temporary(saved: Path) -> None:
    other = Network([784, 32, 10], activation="tanh", cost="quadratic", seed=5)
    save(other, saved)
    assert os.listdir(saved.parent) == ["model.npz"]
    loaded, info = load_with_info(saved)
    assert loaded.layer_sizes == (784, 32, 10) and info.history == []
    assert loaded.weights[0].tobytes() == other.weights[0].tobytes()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saved_file_gets_ordinary_permissions(tmp_path: Path, net: Network) -> None:
    old = os.umask(0o022)
    try:
        save(net, tmp_path / "model.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "model.npz").stat().st_mode & 0o777 == 0o644


def _half_write_then(exc: BaseException) -> Callable[..., None]:
    def savez(file: io.BufferedWriter, *args: object, **kwds: object) -> None:
        file.write(b"PK\x03\x04 half a model")
        raise exc

    return savez


@pytest.mark.parametrize(
    "exc", [OSError(28, "No space left on device"), KeyboardInterrupt()], ids=["full", "ctrl-c"]
)
def test_failed_write_keeps_the_old_file(
    saved: Path, net: Network, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    before = saved.read_bytes()
    monkeypatch.setattr(np, "savez", _half_write_then(exc))
    with pytest.raises(type(exc)):
        save(Network([784, 10], seed=9), saved)
    monkeypatch.undo()
    assert saved.read_bytes() == before
    assert load(saved).weights[0].tobytes() == net.weights[0].tobytes()
    assert os.listdir(saved.parent) == ["model.npz"]


def test_failed_rename_keeps_the_old_file(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = saved.read_bytes()

    def replace(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied", dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(PermissionError):
        save(Network([784, 10], seed=9), saved)
    monkeypatch.undo()
    assert saved.read_bytes() == before
    assert os.listdir(saved.parent) == ["model.npz"]


# ------------------------------------------------------------------------------------- bad files
# each case builds a bad file from the good arrays (or from nothing) and names the words the error
# message must contain


def _with(**changes: np.ndarray | None) -> Callable[[Path, Arrays], Path]:
    def make(path: Path, arrays: Arrays) -> Path:
        arrays = dict(arrays)
        for key, value in changes.items():
            if value is None:
                del arrays[key]
            else:
                arrays[key] = value
        return write_npz(path, arrays)

    return make


def _info(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _transposed(path: Path, arrays: Arrays) -> Path:
    return write_npz(path, {**arrays, "weights_0": arrays["weights_0"].T.copy()})


def _poisoned(key: str, index: tuple[int, ...], value: float, dtype: type = np.float32):
    def make(path: Path, arrays: Arrays) -> Path:
        values = arrays[key].astype(dtype)
        values[index] = value
        return write_npz(path, {**arrays, key: values})

    return make


def _as_dtype(key: str, dtype: str) -> Callable[[Path, Arrays], Path]:
    return lambda path, arrays: write_npz(path, {**arrays, key: arrays[key].astype(dtype)})


def _truncated(path: Path, arrays: Arrays) -> Path:
    write_npz(path, arrays)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def _flipped_weight(path: Path, arrays: Arrays) -> Path:
    data = bytearray(write_npz(path, arrays).read_bytes())
    data[len(data) // 3] ^= 0x10  # inside weights_0's numbers: only the zip CRC can tell
    path.write_bytes(bytes(data))
    return path


def _huge_member(key: str, dtype: str, shape: tuple[int, ...]) -> Callable[[Path, Arrays], Path]:
    def make(path: Path, arrays: Arrays) -> Path:
        members = {f"{k}.npy": npy_bytes(v) for k, v in arrays.items()}
        members[f"{key}.npy"] = npy_header_only(dtype, shape)
        return write_members(path, members)

    return make


NPY_HEADER = "{{'descr': {}, 'fortran_order': False, 'shape': {}, }}"


def _raw_header(
    key: str, descr: str, shape: str, template: str = NPY_HEADER
) -> Callable[[Path, Arrays], Path]:
    """A member whose .npy header is exactly the text given, as no writer of today would make it."""

    def make(path: Path, arrays: Arrays) -> Path:
        members = {f"{k}.npy": npy_bytes(v) for k, v in arrays.items()}
        header = template.format(descr, shape)
        text = header.encode("latin1") + b" " * (118 - len(header)) + b"\n"
        npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + bytes(40)
        members[f"{key}.npy"] = npy
        return write_members(path, members)

    return make


BAD_FILES: dict[str, tuple[Callable[[Path, Arrays], Path], str]] = {
    "missing file": (lambda p, a: p, "no such file"),
    "a folder": (lambda p, a: (p.mkdir(), p)[1], "folder"),
    "empty file": (lambda p, a: (p.write_bytes(b""), p)[1], "empty"),
    "text file": (lambda p, a: (p.write_text("784,16,10\n0.1,0.2\n"), p)[1], "not an .npz"),
    "pickle": (lambda p, a: (p.write_bytes(b"\x80\x04\x95\x05\x00N."), p)[1], "not an .npz"),
    "a single .npy": (lambda p, a: (p.write_bytes(npy_bytes(a["weights_0"])), p)[1], "not an .npz"),
    "zip, not npz": (lambda p, a: write_members(p, {"README.txt": b"hello"}), "non-array"),
    "empty zip": (lambda p, a: write_members(p, {}), "format_version"),
    "foreign npz": (lambda p, a: write_npz(p, {"x": np.arange(3)}), "format_version"),
    "no cost key": (_with(cost=None), "missing keys: cost"),
    "no weights_1": (_with(weights_1=None), "missing weights_1"),
    "extra key": (_with(optimizer_state=np.zeros(3)), "unexpected optimizer_state"),
    "pickled objects": (_with(info=np.array([{"a": 1}], dtype=object)), "pickled"),
    "unknown version": (_with(format_version=np.array(2)), "format version 2"),
    "float version": (_with(format_version=np.array(1.0)), "format_version has dtype"),
    "sizes not 784": (_with(layer_sizes=np.array([100, 16, 10])), "layer sizes"),
    "sizes not 10": (_with(layer_sizes=np.array([784, 16, 9])), "layer sizes"),
    "sizes 2-d": (_with(layer_sizes=np.array([[784, 16, 10]])), "layer sizes"),
    "sizes of floats": (_with(layer_sizes=np.array([784.0, 16.0, 10.0])), "layer_sizes has dtype"),
    "zero size": (_with(layer_sizes=np.array([784, 0, 10])), "layer sizes"),
    "sizes vs keys": (_with(layer_sizes=np.array([784, 16, 16, 10])), "missing biases_2, weights_"),
    "huge sizes": (_with(layer_sizes=np.array([784, 10**9, 10])), "parameters"),
    "transposed weights": (_transposed, "weights_0 has shape (784, 16), expected (16, 784)"),
    "NaN weight": (_poisoned("weights_1", (2, 3), np.nan), "weights_1 has values that are not fin"),
    "inf bias": (_poisoned("biases_0", (0,), -np.inf), "biases_0 has values that are not finite"),
    "too big for float32": (_poisoned("weights_0", (0, 0), 1e300, np.float64), "not finite"),
    "integer weights": (_as_dtype("weights_0", "int32"), "weights_0 has dtype int32"),
    "float16 weights": (_as_dtype("biases_1", "float16"), "float32 or float64"),
    "unknown activation": (_with(activation=np.array("swish")), "unknown activation 'swish'"),
    "unknown cost": (_with(cost=np.array("hinge")), "unknown cost 'hinge'"),
    "cost as bytes": (_with(cost=np.array(b"quadratic")), "cost has dtype"),
    "bad JSON": (_with(info=_info('{"history": [')), "not valid JSON"),
    "bad UTF-8": (_with(info=np.array([0xFF, 0xFE], dtype=np.uint8)), "not valid JSON"),
    "deep JSON": (_with(info=_info("[" * 100_000)), "not valid JSON"),
    "JSON list": (_with(info=_info("[]")), "JSON object"),
    "history of numbers": (
        _with(info=_info('{"hyperparameters": {}, "history": [1, 2], "metadata": {}}')),
        "history must be a JSON list of objects",
    ),
    "info as text": (_with(info=np.array('{"history": []}')), "info has dtype"),
    "deskew not a bool": (
        _with(info=_info('{"hyperparameters": {"deskew": 1}, "history": [], "metadata": {}}')),
        "deskew must be true or false",
    ),
    "truncated": (_truncated, "damaged"),
    "flipped weight bit": (_flipped_weight, "damaged"),
    "huge weights header": (_huge_member("weights_0", "<f4", (10**6, 784)), "weights_0 is damaged"),
    "huge info header": (_huge_member("info", "|u1", (10**12,)), "info is damaged"),
    "negative shape": (_huge_member("biases_0", "<f4", (-16,)), "negative shape"),
    "structured dtype": (_with(biases_0=np.zeros(10, dtype="f4,f4")), "biases_0 has dtype"),
    "sub-array dtype": (_raw_header("biases_0", "'(2,)<f4'", "(5,)"), "dtype '(2,)<f4'"),
    "Python 2 header": (_raw_header("biases_0", "'<f4'", "(10L,)"), "cannot be parsed"),
    "header not a dict": (_raw_header("biases_0", "'<f4'", "(10,)", "[{}]"), "lacks descr"),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_raises_model_file_error_naming_it(saved: Path, case: str) -> None:
    make, words = BAD_FILES[case]
    path = make(saved.parent / "bad.npz", arrays_of(saved))
    with pytest.raises(ModelFileError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert words in message
    assert caught.value.path == str(path) and isinstance(caught.value, ValueError)


def test_size_limits_hold_for_save_and_load(
    saved: Path, net: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "MAX_INFO_BYTES", 100)
    with pytest.raises(ModelFileError, match="bytes of JSON"):
        load(saved)
    with pytest.raises(ValueError, match="more than 100"):
        save(net, saved.parent / "big.npz", history=HISTORY)
    monkeypatch.setattr(store, "MAX_PARAMETERS", 7849)  # a 784-10 network has 7850
    with pytest.raises(ValueError, match="parameters"):
        save(Network([784, 10], seed=0), saved.parent / "big.npz")
    assert os.listdir(saved.parent) == ["model.npz"]


@pytest.mark.parametrize(
    ("key", "dtype", "shape"), [("weights_0", "<f8", (10**6, 784)), ("info", "|u1", (10**10,))]
)
def test_huge_declared_arrays_are_refused_before_any_allocation(
    saved: Path, key: str, dtype: str, shape: tuple[int, ...]
) -> None:
    path = _huge_member(key, dtype, shape)(saved.parent / "crafted.npz", arrays_of(saved))
    tracemalloc.start()  # numpy reports its array buffers to tracemalloc
    try:
        with pytest.raises(ModelFileError) as caught:
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20  # the declared arrays would take 6 GB and 10 GB
    assert f"{path}: {key}" in str(caught.value)


@pytest.mark.skipif(sys.platform == "win32", reason="no /dev/zero")
def test_device_file_is_refused_without_reading_it() -> None:
    with pytest.raises(ModelFileError, match="not a regular file"):
        load("/dev/zero")


# ------------------------------------------------------------------------------------- fuzzing
# any bytes at all: a valid network or a ModelFileError, never another exception, crash or hang


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def small_model(fuzz_dir: Path) -> tuple[bytes, list[int]]:
    """A saved 784-10 model's bytes, and the offsets of its structure (not its weight values)."""
    path = fuzz_dir / "small.npz"
    save(Network([784, 10], seed=3), path, hyperparameters={"learning_rate": 3.0}, history=HISTORY)
    data = path.read_bytes()
    structure: set[int] = set()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            at = info.header_offset
            name_len, extra_len = struct.unpack("<HH", data[at + 26 : at + 30])
            start = at + 30 + name_len + extra_len
            npy_header_len = 10 + struct.unpack("<H", data[start + 8 : start + 10])[0]
            end = start + (info.file_size if info.filename == "info.npy" else npy_header_len)
            structure.update(range(at, end))
        structure.update(range(z.start_dir, len(data)))
    return data, sorted(structure)


@pytest.mark.filterwarnings("error")
@settings(deadline=None, max_examples=150)
@given(
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY\x01\x00"]),
    body=st.binary(max_size=2048),
)
def test_random_bytes_give_a_network_or_model_file_error(
    fuzz_dir: Path, prefix: bytes, body: bytes
) -> None:
    path = fuzz_dir / "random.npz"
    path.write_bytes(prefix + body)
    assert load_or_refuse(path) is None


EDIT_BYTES = [0x00, 0xFF, 0x7F, 0x80, *b"9(),'L<|"]  # bytes that matter to headers and lengths


def edited(draw: st.DrawFn, data: bytes, positions: st.SearchStrategy[int]) -> bytes:
    """``data`` after one to four random edits: flip, set, insert, delete or truncate."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not out:
            break
        pos = draw(positions) % len(out)
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        if op == "flip":
            out[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            out[pos] = draw(st.sampled_from(EDIT_BYTES))
        elif op == "insert":
            out[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del out[pos : pos + draw(st.integers(1, 8))]
        else:
            del out[pos:]
    return bytes(out)


@pytest.mark.filterwarnings("error")
@settings(deadline=None, max_examples=200)
@given(data=st.data())
def test_mutated_model_gives_a_network_or_model_file_error(
    fuzz_dir: Path, small_model: tuple[bytes, list[int]], data: st.DataObject
) -> None:
    model, structure = small_model
    # half the edits aim at headers and the zip directory, where a damaged byte matters most
    positions = st.sampled_from(structure) | st.integers(0, len(model) - 1)
    path = fuzz_dir / "mutated.npz"
    path.write_bytes(edited(data.draw, model, positions))
    load_or_refuse(path)


@pytest.mark.filterwarnings("error")
@settings(deadline=None, max_examples=150)
@given(data=st.data())
def test_mutated_arrays_in_a_sound_archive_give_a_network_or_model_file_error(
    fuzz_dir: Path, small_model: tuple[bytes, list[int]], data: st.DataObject
) -> None:
    # the zip CRC catches edits to a saved file; here the archive is rebuilt around the edited
    # arrays, so the .npy headers, dtypes, shapes, names and JSON themselves are what is tested
    with zipfile.ZipFile(io.BytesIO(small_model[0])) as z:
        members = {name: z.read(name) for name in z.namelist()}
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(sorted(members)))
        if members[name]:
            positions = st.integers(0, 127) | st.integers(0, len(members[name]) - 1)
            members[name] = edited(data.draw, members[name], positions)
    methods = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
    compression = data.draw(st.sampled_from(methods))
    path = fuzz_dir / "rebuilt.npz"
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, member in members.items():
            z.writestr(name, member)
    load_or_refuse(path)


# ------------------------------------------------------------------- issue #10: sizes and leftovers


def _deflated_zeros_model(path: Path, sizes: tuple[int, ...]) -> Path:
    """A small file (compressed zeros) declaring a network of ``sizes``: case 6 of issue #10."""
    arrays = {
        "format_version": np.array(1, dtype=np.int64), "layer_sizes": np.array(sizes, dtype=np.int64),
        "activation": np.array("relu"), "cost": np.array("cross_entropy"),
        "info": _info(json.dumps({"hyperparameters": {}, "history": [], "metadata": {}})),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for key, a in arrays.items():
            zf.writestr(f"{key}.npy", npy_bytes(a))
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            for key, shape in ((f"weights_{i}", (n_out, n_in)), (f"biases_{i}", (n_out,))):
                with zf.open(f"{key}.npy", "w", force_zip64=True) as f:  # streamed: never in memory whole
                    f.write(npy_header_only("<f4", shape))
                    left = int(np.prod(shape)) * 4
                    zeros = bytes(2**22)
                    while left:
                        f.write(zeros[: min(left, len(zeros))])
                        left -= min(left, len(zeros))
    return path


def test_a_small_file_declaring_a_huge_network_is_refused_before_allocating(tmp_path: Path) -> None:
    # case 6: 784-250000-10 of deflated zeros (under 1 MB) loaded into 3.1 GB and was autosaved
    path = _deflated_zeros_model(tmp_path / "crafted.npz", (784, 250_000, 10))
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="250,000 neurons is wider than") as caught:
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20
    assert str(path) in str(caught.value)


def test_save_refuses_a_network_wider_than_can_be_drawn(tmp_path: Path) -> None:
    wide = Network((1, 1), seed=0)  # built small, then given a shape no file may hold (as _assemble does)
    wide.layer_sizes = (784, 5000, 10)
    with pytest.raises(ValueError, match="5,000 neurons is wider than"):
        save(wide, tmp_path / "wide.npz")
    assert os.listdir(tmp_path) == []


def test_a_write_error_names_the_file_not_the_hidden_temporary(
    tmp_path: Path, net: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    # case 1: the message named ".x.npz.<hex>.tmp" (an unwritable folder; faked: the tests may run as root)
    real_open = os.open

    def refusing_open(path, flags, *args):
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(PermissionError) as caught:
        save(net, tmp_path / "x.npz")
    assert caught.value.filename == str(tmp_path / "x.npz")
    assert ".tmp" not in str(caught.value)


def test_disk_full_names_the_file_and_leaves_nothing(tmp_path: Path, net: Network, monkeypatch) -> None:
    monkeypatch.setattr(np, "savez", _half_write_then(OSError(28, "No space left on device")))
    with pytest.raises(OSError, match="No space left on device") as caught:
        save(net, tmp_path / "x.npz")
    assert caught.value.filename == str(tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_save_removes_the_temporaries_a_killed_save_left(tmp_path: Path, net: Network) -> None:
    # case 7: kill -9 during a save left .x.npz.<hex>.tmp files that nothing removed
    old = tmp_path / ".x.npz.0123456789ab.tmp"
    young = tmp_path / ".x.npz.ba9876543210.tmp"  # may be another process's save under way
    other = tmp_path / ".y.npz.0123456789ab.tmp"  # another file's: not this save's business
    for p in (old, young, other):
        p.write_bytes(b"PK\x03\x04 half")
    stale = os.path.getmtime(old) - 3600
    os.utime(old, (stale, stale))
    os.utime(other, (stale, stale))
    save(net, tmp_path / "x.npz")
    assert sorted(os.listdir(tmp_path)) == sorted(["x.npz", young.name, other.name])


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_save_killed_mid_write_leaves_the_old_file_whole(saved: Path, tmp_path: Path) -> None:
    import signal
    import subprocess

    before = saved.read_bytes()
    script = (
        "import sys, numpy as np\n"
        "from digitlab.model.network import Network\n"
        "from digitlab.model import store\n"
        "real = np.savez\n"
        "def slow(f, **arrays):\n"
        "    f.write(b'PK\\x03\\x04 half'); f.flush(); print('writing', flush=True); import time; time.sleep(60)\n"
        "np.savez = slow\n"
        "store.save(Network([784, 10], seed=1), sys.argv[1])\n"
    )
    with subprocess.Popen([sys.executable, "-c", script, str(saved)], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout.readline().strip() == "writing"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            proc.kill()
    assert saved.read_bytes() == before  # the old file, whole
    leftovers = [n for n in os.listdir(saved.parent) if n.endswith(".tmp")]
    assert len(leftovers) == 1  # the killed write's: removed by the next save once stale
    t = os.path.getmtime(saved.parent / leftovers[0]) - 3600
    os.utime(saved.parent / leftovers[0], (t, t))
    save(load(saved), saved)
    assert os.listdir(saved.parent) == ["model.npz"]
