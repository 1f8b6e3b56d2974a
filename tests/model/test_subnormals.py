"""Values too small to matter are set to zero before they turn subnormal (slow in every product)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digitlab.model.network import Network
from digitlab.model.optimizers import Optimizer
from digitlab.model.store import load, load_default, save
from digitlab.model.subnormals import FLUSH_EVERY, TINY, count_subnormals, flush_tiny

SUBNORMAL = np.float32(1e-40)


def test_flush_zeroes_tiny_and_subnormal_values_and_keeps_the_rest() -> None:
    a = np.array([SUBNORMAL, -SUBNORMAL, 1e-25, -1e-21, 0.0, TINY * 10, -3.5, 1e-19], dtype=np.float32)
    flush_tiny([a])
    np.testing.assert_array_equal(a, np.array([0, 0, 0, 0, 0, TINY * 10, -3.5, 1e-19], dtype=np.float32))
    assert not np.signbit(a[:5]).any()  # plain zeros, not -0.0 kept from a negative


@pytest.mark.parametrize("order", ["C", "F"])
def test_flush_works_in_place_on_any_layout_and_leaves_integers_alone(order: str) -> None:
    w = np.asarray(np.full((3, 4), 0.5, dtype=np.float32), order=order)
    w[1, 2] = SUBNORMAL
    counts = np.array([1, 0, 2])
    flush_tiny([w, counts])
    assert w[1, 2] == 0 and np.count_nonzero(w) == 11
    np.testing.assert_array_equal(counts, [1, 0, 2])


def test_count_subnormals_counts_only_subnormals() -> None:
    a = np.array([SUBNORMAL, -SUBNORMAL, 0.0, 1e-30, np.finfo(np.float32).tiny], dtype=np.float32)
    assert count_subnormals([a, np.arange(3)]) == 2


def test_adam_with_l2_keeps_no_tiny_weight_or_m_past_a_flush() -> None:
    # weights that only the L2 term moves (a blank pixel's) sit where a long run leaves them
    w = np.full((4, 6), 0.2, dtype=np.float32)
    w[:, :2] = SUBNORMAL
    w[:, 2] = 1e-30
    b = np.zeros(4, dtype=np.float32)
    optimizer = Optimizer([w, b], kind="adam")
    optimizer.m[0][:, 3] = SUBNORMAL
    for step in range(1, FLUSH_EVERY + 1):
        grad_w = np.zeros_like(w)
        grad_w[:, 4:] = 0.01  # some weights learn
        optimizer.compute([grad_w, np.zeros_like(b)], 1e-3, 1e-5, [w])
        optimizer.apply([w, b])
        if step == FLUSH_EVERY - 1:
            assert count_subnormals([w, optimizer.m[0]]) > 0  # the case is real: they are there until the flush
    assert count_subnormals([w, *optimizer.m, *optimizer.s, *optimizer.change]) == 0
    assert (w[:, :3] == 0).all()
    assert (np.abs(w[:, 4:]) > 0.1).all()  # the learning weights are untouched


def test_a_loaded_model_has_no_tiny_weights(tmp_path: Path) -> None:
    net = Network((784, 4, 10), seed=0)
    net.weights[0][0, :3] = SUBNORMAL
    net.weights[1][1, 1] = -1e-25
    net.biases[0][2] = SUBNORMAL
    save(net, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    assert count_subnormals([*loaded.weights, *loaded.biases]) == 0
    assert loaded.weights[0][0, 0] == 0 and loaded.weights[1][1, 1] == 0 and loaded.biases[0][2] == 0
    np.testing.assert_array_equal(loaded.weights[0][1:], net.weights[0][1:])


def test_the_shipped_model_loads_without_subnormal_weights() -> None:
    # trained for 50 epochs, its file holds ~127 k of them (python -m benchmarks.model)
    net = load_default()
    assert count_subnormals([*net.weights, *net.biases]) == 0
