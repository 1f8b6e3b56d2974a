"""The network's hand-written backward pass against an independent reference: finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.model.activations import ACTIVATIONS
from digitlab.model.costs import COSTS, nudges
from digitlab.model.network import Network


def _numeric_gradient(net: Network, x: np.ndarray, y: np.ndarray, h: float = 1e-5):
    """Central differences of the batch-mean cost, one parameter at a time (float64)."""

    def cost() -> float:
        f = net.forward(x)
        return float(net.cost_fn.value(f.zs[-1], f.activations[-1], y).mean())

    grads = []
    for p in [*net.weights, *net.biases]:
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            up = cost()
            p[i] = old - h
            down = cost()
            p[i] = old
            g[i] = (up - down) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("cost", sorted(COSTS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_backprop_matches_finite_differences(activation: str, cost: str) -> None:
    rng = np.random.default_rng(1)
    net = Network([12, 7, 5, 10], activation=activation, cost=cost, seed=3, dtype=np.float64)
    # move biases off zero and keep ReLU inputs away from the kink at 0, where no derivative exists
    for b in net.biases:
        b[:] = rng.uniform(-0.5, 0.5, b.shape)
    x = rng.uniform(0, 1, (6, 12))
    y = rng.integers(0, 10, 6)
    if activation in ("relu", "leaky_relu"):
        for z in net.forward(x).zs[:-1]:
            assert np.abs(z).min() > 1e-4
    g = net.backward(x, y)
    numeric = _numeric_gradient(net, x, y)
    analytic = [*g.nabla_w, *g.nabla_b]
    for a, n in zip(analytic, numeric):
        # relative error; entries under 1e-4 are held to an absolute 1e-10 instead, since there
        # the finite difference's own round-off (~1e-16 * C / h, about 5e-11) is the larger error
        rel = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-4)
        assert rel.max() <= 1e-6, (activation, cost, rel.max())


def test_gradient_vector_has_a_change_for_every_weight_and_bias() -> None:
    net = Network([784, 16, 16, 10], activation="sigmoid", cost="quadratic", seed=0)
    x = np.random.default_rng(0).random((4, 784), dtype=np.float32)
    g = net.backward(x, np.array([0, 1, 2, 3]))
    flat = g.flat()
    assert flat.shape == (net.n_params,) == (784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10,)
    assert flat[: 784 * 16].reshape(16, 784).tolist() == g.nabla_w[0].tolist()


@pytest.mark.parametrize("cost", sorted(COSTS))
def test_one_gradient_step_lowers_the_batch_cost(cost: str) -> None:
    rng = np.random.default_rng(5)
    net = Network([784, 30, 10], activation="sigmoid", cost=cost, seed=1)
    x = rng.random((32, 784), dtype=np.float32)
    y = rng.integers(0, 10, 32)
    before = net.backward(x, y)
    net.apply_gradients(before, learning_rate=0.1)
    assert net.backward(x, y).cost < before.cost


def test_seeded_networks_and_steps_are_reproducible_bit_for_bit() -> None:
    x = np.random.default_rng(2).random((8, 784), dtype=np.float32)
    y = np.arange(8)
    nets = [Network([784, 20, 10], activation="relu", cost="cross_entropy", seed=42) for _ in range(2)]
    for net in nets:
        for _ in range(3):
            net.apply_gradients(net.backward(x, y), 0.5)
    for a, b in zip(nets[0].weights + nets[0].biases, nets[1].weights + nets[1].biases):
        assert a.tobytes() == b.tobytes()
    other = Network([784, 20, 10], activation="relu", cost="cross_entropy", seed=43)
    assert other.weights[0].tobytes() != nets[0].weights[0].tobytes()


def test_predictions_have_the_documented_shapes() -> None:
    net = Network([784, 16, 10], cost="cross_entropy", seed=0)
    x = np.zeros((5, 784), dtype=np.float32)
    p = net.predict_proba(x)
    assert p.shape == (5, 10) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    assert net.predict(x).shape == (5,)
    assert net.predict_proba(x[0]).shape == (1, 10)  # one image as a flat vector
    with pytest.raises(ValueError, match="shape"):
        net.predict(np.zeros((2, 100)))


def test_extreme_inputs_stay_finite() -> None:
    net = Network([784, 8, 10], activation="sigmoid", cost="cross_entropy", seed=0)
    net.weights[-1] *= 1e4  # huge logits: softmax and the cost must not overflow
    x = np.ones((3, 784), dtype=np.float32)
    g = net.backward(x, np.array([0, 1, 2]))
    assert np.isfinite(g.cost) and all(np.isfinite(w).all() for w in g.nabla_w)


def test_nudges_are_target_minus_output() -> None:
    a = np.full((1, 10), 0.1, dtype=np.float32)
    n = nudges(a, np.array([3]))
    assert n[0, 3] == pytest.approx(0.9) and n[0, 0] == pytest.approx(-0.1)


@pytest.mark.parametrize("sizes", [[784], [784, 0, 10], [784, -3, 10], [784, 2.5, 10]])
def test_invalid_sizes_raise_value_error(sizes) -> None:
    with pytest.raises(ValueError, match="layer"):
        Network(sizes)


def test_unknown_names_raise_value_error_listing_the_choices() -> None:
    with pytest.raises(ValueError, match="relu"):
        Network([784, 10], activation="swish")
    with pytest.raises(ValueError, match="quadratic"):
        Network([784, 10], cost="hinge")


def test_the_package_docstring_example_runs() -> None:
    import digitlab.model

    code = "\n".join(line[4:] for line in digitlab.model.__doc__.splitlines() if line.startswith("    "))
    namespace: dict = {}
    exec(compile(code, "digitlab.model.__doc__", "exec"), namespace)
    assert namespace["grads"].nabla_w[0].shape == (16, 784)


def test_a_deskewing_network_reads_every_input_deskewed(mnist) -> None:
    from digitlab.model.deskew import deskew

    net = Network([784, 32, 10], activation="relu", cost="cross_entropy", seed=3)
    flagged = net.copy()
    flagged.deskew = True
    x, y = mnist.test_x[:20], mnist.test_y[:20]
    upright = deskew(x)
    # forward, predict, evaluate and backprop all read deskew(x): one input path, Network.inputs
    np.testing.assert_array_equal(flagged.inputs(x), upright)
    np.testing.assert_array_equal(flagged.forward(x).activations[0], upright)
    np.testing.assert_array_equal(flagged.predict_proba(x), net.predict_proba(upright))
    assert flagged.evaluate(x, y) == net.evaluate(upright, y)
    np.testing.assert_array_equal(flagged.backward(x, y).flat(), net.backward(upright, y).flat())
    np.testing.assert_array_equal(flagged.inputs(x[0]), upright[:1])  # one image, as a batch of one
    # a plain network reads x as it is; copies keep the flag
    np.testing.assert_array_equal(net.inputs(x), x)
    assert flagged.copy().deskew and flagged.astype(np.float64).deskew and not net.copy().deskew
    assert "deskew=True" in repr(flagged) and "deskew" not in repr(net)
    with pytest.raises(ValueError, match="784"):
        Network([10, 4, 2], deskew=True)


def test_an_input_major_network_reads_one_image_from_its_inked_pixels_rows_only(mnist) -> None:
    net = Network([784, 64, 32, 10], activation="relu", cost="cross_entropy", seed=4)
    fast = net.copy()
    fast.make_input_major()
    assert all(w.T.flags.c_contiguous for w in fast.weights)
    assert all(w.flags.c_contiguous for w in fast.copy().weights)  # copies are row-major again
    x = mnist.test_x[:8]
    # the same numbers, one image or a batch (summed in another order: equal to float32 rounding)
    for image in x:
        np.testing.assert_allclose(fast.forward(image).activations[-1], net.forward(image).activations[-1],
                                   rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fast.predict_proba(x), net.predict_proba(x), rtol=1e-5, atol=1e-6)
    # the rows of w.T for blank pixels are not read: poison them, and one image's reading is unchanged
    blank = np.flatnonzero(x[0] == 0)
    assert blank.size > 392  # a digit inks well under half the frame: the reading takes the short path
    poisoned = fast.copy()
    poisoned.weights[0][:, blank] = np.nan
    poisoned.make_input_major()
    np.testing.assert_allclose(poisoned.predict_proba(x[0]), fast.predict_proba(x[0]), rtol=1e-6)
    assert np.isnan(poisoned.copy().predict_proba(x[0])).all()  # row-major weights read every row, NaNs too
    # a batch, a dense input (most of it non-zero) and a blank image take the full product
    assert np.isnan(poisoned.predict_proba(x[:2])).all()
    np.testing.assert_allclose(fast.predict_proba(np.full(784, 0.5)), net.predict_proba(np.full(784, 0.5)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fast.predict_proba(np.zeros(784)), net.predict_proba(np.zeros(784)), rtol=1e-6)
