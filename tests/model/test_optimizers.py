"""Update rules: Adam's blockwise update is the textbook update, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.model.optimizers import ADAM_BLOCK, Optimizer


def _textbook_adam(params, grads_per_step, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Whole-array Adam with the bias corrections folded into the rate, as ``optimizers`` says."""
    m = [np.zeros_like(p) for p in params]
    s = [np.zeros_like(p) for p in params]
    changes = []
    for t, grads in enumerate(grads_per_step, start=1):
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        step = []
        for i, g in enumerate(grads):
            m[i] = m[i] * b1 + (1 - b1) * g
            s[i] = s[i] * b2 + (g * g) * (1 - b2)
            # lr_t is a NumPy float64: the product is taken in float64, then stored as float32
            step.append((m[i] / (np.sqrt(s[i]) + eps) * -lr_t).astype(np.float32))
        changes.append(step)
    return changes


@pytest.mark.parametrize("order", ["C", "F"])
def test_adam_in_blocks_equals_the_whole_array_update(order: str) -> None:
    rng = np.random.default_rng(0)
    # one parameter over two blocks and a bit (its last block is partial), one small, one scalar-like
    shapes = [(3, ADAM_BLOCK // 2 + 7), (5, 4), (1,)]
    params = [np.asarray(rng.standard_normal(s), dtype=np.float32, order=order) for s in shapes]
    grads_per_step = [[rng.standard_normal(s).astype(np.float32) * 0.1 for s in shapes] for _ in range(3)]
    optimizer = Optimizer(params, kind="adam")
    expected = _textbook_adam(params, grads_per_step, lr=1e-3)
    for grads, want in zip(grads_per_step, expected):
        got = optimizer.compute(grads, 1e-3)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_array_equal(g, w)


def test_apply_adds_the_change_to_parameters_of_either_layout() -> None:
    rng = np.random.default_rng(1)
    params = [np.asfortranarray(rng.standard_normal((4, 6)).astype(np.float32)), np.zeros(6, np.float32)]
    before = [p.copy() for p in params]
    optimizer = Optimizer(params, kind="adam")
    changes = optimizer.compute([np.ones((4, 6), np.float32), -np.ones(6, np.float32)], 0.01)
    optimizer.apply(params)
    for p, b, d in zip(params, before, changes):
        np.testing.assert_array_equal(p, b + d)
    assert params[0].flags.f_contiguous  # the layout of the parameters is theirs to keep
    assert np.all(changes[0] < 0) and np.all(changes[1] > 0)  # against the gradient
