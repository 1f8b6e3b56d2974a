"""A last network or settings that cannot be used never stop the app from starting (issue #10,
cases 3 and 6, and the start-up rule): it starts with the shipped model, says what it set aside,
and keeps the bad file aside, not deleted."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from digitlab.gui.app import create_window
from digitlab.model.config import PRESETS
from digitlab.model.data import MNIST
from digitlab.model.network import Network
from digitlab.model.store import load, load_default, save

MNIST_SUBSET = (500, 100)  # training and test images (tests/gui/conftest.py)


def start(qtbot, data_dir: Path, small_mnist: MNIST):
    w = create_window(data_dir=data_dir, mnist_loader=lambda: small_mnist)
    qtbot.addWidget(w)
    return w


def shipped_weights_equal(net: Network) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(net.weights, load_default().weights))


def test_a_damaged_last_network_is_set_aside_and_the_shipped_model_starts(qtbot, tmp_path, small_mnist) -> None:
    last = tmp_path / "last_model.npz"
    last.write_bytes(b"PK\x03\x04 this is not a model")
    w = start(qtbot, tmp_path, small_mnist)
    assert shipped_weights_equal(w.network)
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("last_model.unusable-")]
    assert len(aside) == 1 and aside[0].read_bytes() == b"PK\x03\x04 this is not a model"  # kept, not deleted
    message = w.statusBar().currentMessage()
    assert "could not be used" in message and str(aside[0]) in message


def test_a_crafted_huge_last_network_is_set_aside(qtbot, tmp_path, small_mnist) -> None:
    # case 6: a 784-250000-10 file loaded into 3.1 GB at every start
    from tests.model.test_store import _deflated_zeros_model

    _deflated_zeros_model(tmp_path / "last_model.npz", (784, 250_000, 10))
    w = start(qtbot, tmp_path, small_mnist)
    assert shipped_weights_equal(w.network)
    assert "wider than" in w.statusBar().currentMessage()
    assert not (tmp_path / "last_model.npz").exists()


@pytest.mark.parametrize("field", ["seed", "batch_size", "epochs"])
def test_a_last_network_trained_with_out_of_range_settings_opens(qtbot, tmp_path, small_mnist, field) -> None:
    # case 3: --seed 3000000000 (or batch size, epochs >= 2^31) made the app exit at every start
    hyper = PRESETS["3b1b"].to_dict() | {field: 3_000_000_000}
    net = Network([784, 20, 10], seed=4)
    save(net, tmp_path / "last_model.npz", hyperparameters=hyper)
    w = start(qtbot, tmp_path, small_mnist)
    assert w.network.layer_sizes == (784, 20, 10)  # the network itself is fine: it is used
    assert w.training.config() == PRESETS["3b1b"]  # the panel is not half-updated
    assert field in w.statusBar().currentMessage()


def test_opening_a_file_with_out_of_range_settings_opens_the_network(qtbot, tmp_path, small_mnist) -> None:
    w = start(qtbot, tmp_path, small_mnist)
    before = w.training.config()
    path = tmp_path / "seed.npz"
    save(Network([784, 12, 10], seed=1), path, hyperparameters=PRESETS["3b1b"].to_dict() | {"seed": 3_000_000_000})
    assert w.open_model_file(path)
    assert w.network.layer_sizes == (784, 12, 10) and w.training.config() == before


def test_settings_with_odd_values_never_stop_the_start(qtbot, tmp_path, small_mnist) -> None:
    s = QSettings("DigitLab", "Digit Lab")
    s.setValue("config", json.dumps(PRESETS["accurate"].to_dict() | {"seed": 3_000_000_000}))
    s.setValue("preset", ["not", "a", "name"])
    s.setValue("geometry", "not a geometry")
    s.setValue("windowState", 12)
    s.setValue("penWidth", "1e400")
    s.sync()
    w = start(qtbot, tmp_path, small_mnist)
    assert w.training.config().seed == 0  # the shipped model's settings, not the odd ones
    assert "settings are not used" in w.statusBar().currentMessage()


def test_an_unreadable_settings_file_is_set_aside(qtbot, tmp_path, small_mnist) -> None:
    path = Path(QSettings("DigitLab", "Digit Lab").fileName())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"[General]\nconfig=\"{\\\"seed\\\": \xff\xfe\x00 garbage\n[[[\n")
    w = start(qtbot, tmp_path, small_mnist)
    assert shipped_weights_equal(w.network)
    assert w.isEnabled()


def test_temporaries_a_killed_save_left_are_removed_at_the_start(qtbot, tmp_path, small_mnist) -> None:
    # case 7
    old = tmp_path / ".last_model.npz.0123456789ab.tmp"
    old.write_bytes(b"PK\x03\x04 half")
    t = time.time() - 3600
    os.utime(old, (t, t))
    start(qtbot, tmp_path, small_mnist)
    assert not old.exists()


def test_the_autosaved_network_loads_at_the_next_start(qtbot, tmp_path, small_mnist) -> None:
    w = start(qtbot, tmp_path, small_mnist)
    w.close()
    assert load(tmp_path / "last_model.npz").layer_sizes == w.network.layer_sizes


@pytest.mark.parametrize("damage", ["index", "entry", "folder-is-a-file"])
def test_a_damaged_network_history_never_stops_the_start(qtbot, tmp_path, small_mnist, damage) -> None:
    history = tmp_path / "history"
    if damage == "folder-is-a-file":
        history.write_bytes(b"not a folder")
    else:
        w = start(qtbot, tmp_path, small_mnist)
        w.close()
        if damage == "index":
            (history / "index.json").write_bytes(b"\xff{ not json")
        else:
            for p in history.glob("*.npz"):
                p.write_bytes(b"PK\x03\x04 damaged")
    w = start(qtbot, tmp_path, small_mnist)
    assert w.network.layer_sizes[0] == 784
    w.close()
