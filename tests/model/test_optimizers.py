"""Update rules: Adam's blockwise update is the textbook update, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.model.optimizers import ADAM_BLOCK, Optimizer


def _textbook_adam(params, grads_per_step, lr, decay=0.0, b1=0.9, b2=0.999, eps=1e-8):
    """Whole-array Adam with the bias corrections folded into the rate, as ``optimizers`` says, and
    the L2 term ``decay`` w added to every gradient but the last (a bias's)."""
    m = [np.zeros_like(p) for p in params]
    s = [np.zeros_like(p) for p in params]
    changes = []
    for t, grads in enumerate(grads_per_step, start=1):
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        step = []
        for i, g in enumerate(grads):
            if decay and i < len(grads) - 1:
                g = g + decay * params[i]
            m[i] = m[i] * b1 + (1 - b1) * g
            s[i] = s[i] * b2 + (g * g) * (1 - b2)
            # lr_t is a NumPy float64: the product is taken in float64, then stored as float32
            step.append((m[i] / (np.sqrt(s[i]) + eps) * -lr_t).astype(np.float32))
        changes.append(step)
    return changes


@pytest.mark.parametrize("decay", [0.0, 1e-3])
@pytest.mark.parametrize("order", ["C", "F"])
def test_adam_in_blocks_equals_the_whole_array_update(order: str, decay: float) -> None:
    rng = np.random.default_rng(0)
    # one parameter over two blocks and a bit (its last block is partial), one small, one scalar-like
    # (the weights do not move here: compute alone does not apply the change)
    shapes = [(3, ADAM_BLOCK // 2 + 7), (5, 4), (1,)]
    params = [np.asarray(rng.standard_normal(s), dtype=np.float32, order=order) for s in shapes]
    grads_per_step = [[rng.standard_normal(s).astype(np.float32) * 0.1 for s in shapes] for _ in range(3)]
    optimizer = Optimizer(params, kind="adam")
    expected = _textbook_adam(params, grads_per_step, lr=1e-3, decay=decay)
    for grads, want in zip(grads_per_step, expected):
        grads = [g.copy() for g in grads]
        got = optimizer.compute(grads, 1e-3, decay, params[:-1])  # the last is a bias: no L2
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


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
def test_the_l2_term_is_added_to_the_weights_gradients_in_place(kind: str, order: str) -> None:
    rng = np.random.default_rng(2)
    w, b = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    gw = np.asarray(rng.standard_normal((3, 4)), dtype=np.float32, order=order)
    gb = rng.standard_normal(4).astype(np.float32)
    want_w, want_b = gw + np.float32(0.5) * w, gb.copy()
    Optimizer([w, b], kind=kind).compute([gw, gb], 0.1, 0.5, [w])
    np.testing.assert_array_equal(gw, want_w)  # the gradient the trainer reports the norm of
    np.testing.assert_array_equal(gb, want_b)  # biases have no L2 term
