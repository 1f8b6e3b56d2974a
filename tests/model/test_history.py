"""The on-disk history of networks: every replacement can be undone, bit for bit, within bounds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitlab.model.history import INDEX_FILE, NetworkHistory, network_digest
from digitlab.model.network import Network


def _net(seed: int, sizes=(784, 8, 10)) -> Network:
    return Network(sizes, activation="sigmoid", cost="quadratic", seed=seed)


def _same(a: Network, b: Network) -> bool:
    return a.layer_sizes == b.layer_sizes and all(
        np.array_equal(x, y) for x, y in zip([*a.weights, *a.biases], [*b.weights, *b.biases]))


def test_each_replacement_can_be_undone_to_bit_identical_weights(tmp_path):
    history = NetworkHistory(tmp_path)
    nets = [_net(s) for s in range(4)]
    for i, net in enumerate(nets):
        history.record(net, f"made {i}")
    assert history.current.how == "made 3"
    for expected in reversed(nets[:-1]):
        entry, net = history.undo()
        assert _same(net, expected) and history.current is entry
    assert history.undo() is None  # nothing before the first


def test_going_back_and_undoing_follow_the_order_networks_became_current(tmp_path):
    history = NetworkHistory(tmp_path)
    a, b, c = (history.record(_net(s), f"net {s}") for s in range(3))
    assert _same(history.go_back(a.id), _net(0)) and history.current == a
    entry, net = history.undo()  # back to where we were before going back
    assert entry == c and _same(net, _net(2))
    assert [e.id for e in history.entries] == [a.id, b.id, c.id]  # going back threw nothing away


def test_an_identical_network_is_kept_once(tmp_path):
    history = NetworkHistory(tmp_path)
    first = history.record(_net(0), "new network")
    history.record(_net(1), "trained")
    again = history.record(_net(0), "undo retrain")  # the same weights again
    assert again.id == first.id and again.how == "new network" and len(history.entries) == 2
    assert history.current == again and len(list(tmp_path.glob("*.npz"))) == 2


def test_the_history_survives_a_restart_and_a_lost_index(tmp_path):
    history = NetworkHistory(tmp_path)
    history.record(_net(0), "first", accuracy=0.5)
    history.record(_net(1), "second")
    reopened = NetworkHistory(tmp_path)
    assert [e.how for e in reopened.entries] == ["first", "second"]
    assert reopened.current.how == "second" and reopened.entries[0].accuracy == 0.5
    assert _same(reopened.undo()[1], _net(0))
    (tmp_path / INDEX_FILE).write_text("{ not json")
    rebuilt = NetworkHistory(tmp_path)
    assert sorted(e.how for e in rebuilt.entries) == ["first", "second"]
    assert all(e.digest == network_digest(rebuilt.load(e)) for e in rebuilt.entries)


def test_it_is_bounded_by_count_and_bytes_dropping_the_oldest_never_the_current(tmp_path):
    history = NetworkHistory(tmp_path, max_entries=3)
    for s in range(6):
        history.record(_net(s), f"net {s}")
    assert [e.how for e in history.entries] == ["net 3", "net 4", "net 5"]
    assert len(list(tmp_path.glob("*.npz"))) == 3
    one = history.entries[0].size
    small = NetworkHistory(tmp_path / "small", max_bytes=int(2.5 * one))
    for s in range(5):
        small.record(_net(s), f"net {s}")
    assert len(small.entries) == 2 and small.total_bytes <= 2.5 * one
    big = NetworkHistory(tmp_path / "tiny", max_bytes=10)  # smaller than any file: the current stays
    big.record(_net(0), "only")
    big.record(_net(1), "current")
    assert [e.how for e in big.entries] == ["current"]
    history.go_back(history.entries[0].id)  # the oldest is current now: a new entry drops the next oldest
    history.record(_net(9), "net 9")
    assert [e.how for e in history.entries] == ["net 3", "net 5", "net 9"]


def test_a_damaged_file_is_left_out_and_a_failed_write_changes_nothing(tmp_path):
    history = NetworkHistory(tmp_path)
    entry = history.record(_net(0), "good")
    (tmp_path / "stray.npz").write_bytes(b"not a model")
    assert [e.id for e in NetworkHistory(tmp_path).entries] == [entry.id]
    bad = _net(1)
    bad.weights[0][0, 0] = np.nan  # a model file refuses NaN
    with pytest.raises(ValueError):
        history.record(bad, "diverged")
    assert history.current == entry and len(history.entries) == 1
    assert json.loads((tmp_path / INDEX_FILE).read_text())["trail"] == [entry.id]


def test_accuracy_can_be_noted_later(tmp_path):
    history = NetworkHistory(tmp_path)
    entry = history.record(_net(0), "opened")
    history.set_accuracy(entry.id, 0.9)
    assert NetworkHistory(tmp_path).current.accuracy == 0.9


def test_an_index_that_cannot_be_written_loses_nothing(tmp_path, monkeypatch) -> None:
    from digitlab.model import history as history_module

    h = NetworkHistory(tmp_path / "history")
    nets = [Network([784, 8, 10], seed=s) for s in range(3)]
    for i, net in enumerate(nets):
        h.record(net, f"net {i}")

    def full_disk(path, write):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(history_module, "write_atomically", full_disk)
    entry, net = h.undo()  # the disk is full: the undo still happens, in memory
    assert entry.how == "net 1" and np.array_equal(net.weights[0], nets[1].weights[0])
    assert "No space left" in h.index_problem
    monkeypatch.undo()
    h.record(nets[2], "net 2 again")  # the next write catches up
    assert h.index_problem is None
    again = NetworkHistory(tmp_path / "history")
    assert again.current.how in ("net 2", "net 2 again")
