"""The step-through's numbers are the network's own; the ledger adds up to the step; the check bites."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from digitlab.model.backprop_trace import STAGES, check_gradient, ledger, trace_step
from digitlab.model.costs import one_hot
from digitlab.model.network import Network

PAIRS = [("sigmoid", "quadratic"), ("relu", "cross_entropy"), ("tanh", "cross_entropy")]


def _digit_like(rng: np.random.Generator, n: int) -> np.ndarray:
    """Sparse inputs in [0, 1] like MNIST's: mostly 0, some ink."""
    x = rng.random((n, 784)).astype(np.float32)
    x[x < 0.75] = 0
    return x


@pytest.fixture(params=PAIRS, ids=lambda p: "-".join(p))
def net(request) -> Network:
    activation, cost = request.param
    return Network([784, 16, 12, 10], activation=activation, cost=cost, seed=2)


def test_stages_are_the_five_of_the_issue_each_with_a_sentence() -> None:
    assert [s.name for s in STAGES] == ["forward", "cost", "backward", "gradient", "update"]
    assert all(s.sentence.endswith(".") and len(s.sentence) > 40 for s in STAGES)


def test_trace_numbers_are_the_networks_forward_and_backward(net: Network) -> None:
    rng = np.random.default_rng(0)
    x = _digit_like(rng, 1)[0]
    label, lr = 7, 0.5
    before = [w.copy() for w in net.weights] + [b.copy() for b in net.biases]
    t = trace_step(net, x, label, lr)

    f = net.forward(x[None])
    g = net.backward(x[None], np.array([label]))
    for mine, theirs in zip(t.zs, f.zs):
        np.testing.assert_array_equal(mine, theirs[0])
    for mine, theirs in zip(t.activations, f.activations):
        np.testing.assert_array_equal(mine, theirs[0])
    # cost: the value, the one-hot target and the nudges (target - output)
    assert t.cost == pytest.approx(float(net.cost_fn.value(f.zs[-1], f.activations[-1], np.array([label]))[0]), rel=1e-6)
    np.testing.assert_array_equal(t.target, one_hot(np.array([label]), 10)[0])
    np.testing.assert_allclose(t.nudges, t.target - t.output, rtol=0, atol=1e-7)
    # backward: the network's deltas, and each earlier one follows from the next by BP2
    for mine, theirs in zip(t.deltas, g.deltas):
        np.testing.assert_array_equal(mine, theirs[0])
    assert list(t.backward_order) == [2, 1, 0]
    for l in range(len(t.deltas) - 1):
        sent_back = t.deltas[l + 1] @ net.weights[l + 1]
        np.testing.assert_allclose(t.deltas[l], sent_back * t.sigma_primes[l], rtol=1e-5, atol=1e-9)
    # gradient: BP4 is an outer product, BP3 the delta itself
    for l in range(len(t.deltas)):
        np.testing.assert_allclose(t.nabla_w[l], np.outer(t.deltas[l], t.activations[l]), rtol=1e-5, atol=1e-9)
        np.testing.assert_array_equal(t.nabla_b[l], t.deltas[l])
        np.testing.assert_array_equal(t.nabla_w[l], g.nabla_w[l])
    # update: -lr * gradient, and the cost after is that of a copy that took the step
    twin = net.copy()
    twin.apply_gradients(g, lr)
    for l in range(len(t.deltas)):
        np.testing.assert_allclose(t.weight_changes[l], twin.weights[l] - net.weights[l], rtol=1e-3, atol=1e-6)
        np.testing.assert_allclose(t.weight_changes[l], -lr * g.nabla_w[l], rtol=1e-6)
    fa = twin.forward(x[None])
    np.testing.assert_array_equal(t.output_after, fa.activations[-1][0])
    assert t.cost_after == pytest.approx(float(net.cost_fn.value(fa.zs[-1], fa.activations[-1], np.array([label]))[0]), rel=1e-6)
    # and the network itself did not move
    for a, b in zip(before, [*net.weights, *net.biases]):
        np.testing.assert_array_equal(a, b)


def test_a_small_step_lowers_this_examples_cost(net: Network) -> None:
    x = _digit_like(np.random.default_rng(1), 1)[0]
    t = trace_step(net, x, 3, 0.01)
    assert t.cost_after < t.cost


@pytest.mark.parametrize("bad", [{"label": 10}, {"label": -1}, {"learning_rate": 0.0}, {"learning_rate": float("nan")}])
def test_trace_refuses_impossible_arguments(bad: dict) -> None:
    net = Network([784, 5, 10], seed=0)
    args = {"label": 1, "learning_rate": 0.1} | bad
    with pytest.raises(ValueError):
        trace_step(net, np.zeros(784), **args)


@pytest.mark.parametrize("layer, neuron", [(-1, 4), (0, 3), (1, 11)])
def test_ledger_average_is_the_applied_step_over_the_learning_rate(net: Network, layer: int, neuron: int) -> None:
    rng = np.random.default_rng(3)
    xs, ys = _digit_like(rng, 8), rng.integers(0, 10, 8)
    lr = 0.7
    net64 = net.astype(np.float64)  # in float64 the stored step is not rounded: equality is exact
    led = ledger(net64, xs, ys, layer, neuron)
    twin = net64.copy()
    twin.apply_gradients(net64.backward(xs, ys), lr)  # the step gradient descent actually takes
    l = layer % len(net.weights)
    step_w = twin.weights[l][neuron] - net64.weights[l][neuron]
    step_b = twin.biases[l][neuron] - net64.biases[l][neuron]
    # the average desired change is the step divided by lr; the gradient (its negative) is the
    # step divided by -lr
    np.testing.assert_allclose(led.average_weights, step_w / lr, rtol=1e-9, atol=1e-15)
    assert led.average_bias == pytest.approx(step_b / lr, rel=1e-9, abs=1e-15)
    np.testing.assert_allclose(-led.average_weights, step_w / -lr, rtol=1e-9, atol=1e-15)
    # and each row is that example's own gradient, negated
    for i in range(len(xs)):
        own = net64.backward(xs[i : i + 1], ys[i : i + 1])
        np.testing.assert_allclose(led.weight_changes[i], -own.nabla_w[l][neuron], rtol=1e-9, atol=1e-15)
        assert led.bias_changes[i] == pytest.approx(-own.nabla_b[l][neuron], rel=1e-9, abs=1e-15)
    assert led.weight_changes.shape == (8, net.layer_sizes[l])
    largest = led.largest(3)
    assert np.abs(led.average_weights[largest]).min() >= np.abs(np.delete(led.average_weights, largest)).max()


def test_ledger_in_float32_matches_the_float32_step_to_rounding() -> None:
    net = Network([784, 16, 16, 10], activation="sigmoid", cost="quadratic", seed=0)
    rng = np.random.default_rng(4)
    xs, ys = _digit_like(rng, 8), rng.integers(0, 10, 8)
    led = ledger(net, xs, ys, -1, int(ys[0]))
    twin = net.copy()
    twin.apply_gradients(net.backward(xs, ys), 3.0)
    step = twin.weights[-1][ys[0]] - net.weights[-1][ys[0]]
    # float32 stores w + step rounded to ~1e-7 of |w|
    tol = 4 * np.finfo(np.float32).eps * np.abs(net.weights[-1][ys[0]]).max()
    np.testing.assert_allclose(led.average_weights * 3.0, step, rtol=0, atol=tol)


def test_ledger_refuses_a_neuron_that_does_not_exist() -> None:
    net = Network([784, 5, 10], seed=0)
    with pytest.raises(ValueError):
        ledger(net, np.zeros((2, 784)), np.array([1, 2]), 0, 5)
    with pytest.raises(ValueError):
        ledger(net, np.zeros((2, 784)), np.array([1, 2]), 2, 0)


def test_gradient_check_agrees_with_backprop(net: Network) -> None:
    rng = np.random.default_rng(5)
    x = _digit_like(rng, 1)[0]
    c = check_gradient(net, x, 4, n_checks=30)
    assert len(c.params) == 30 and len(set(c.params)) == 30
    assert c.max_rel_error < 1e-6, (c.max_rel_error, c.worst)
    # it always includes the parameter with the largest gradient, and some of every layer's
    g = net.astype(np.float64).backward(x[None], np.array([4]))
    flat = [("w", l, tuple(int(i) for i in np.unravel_index(np.abs(w).argmax(), w.shape)), np.abs(w).max())
            for l, w in enumerate(g.nabla_w)] + [("b", l, (int(np.abs(b).argmax()),), np.abs(b).max())
                                               for l, b in enumerate(g.nabla_b)]
    kind, l, idx, _ = max(flat, key=lambda t: t[3])
    assert (kind, l, idx) in c.params
    assert {(k, l) for k, l, _ in c.params} == {(k, l) for k in "wb" for l in range(3)}


def test_gradient_check_catches_a_broken_backward_pass() -> None:
    net = Network([784, 16, 16, 10], activation="sigmoid", cost="quadratic", seed=0)
    x = _digit_like(np.random.default_rng(6), 1)[0]
    assert check_gradient(net, x, 2).max_rel_error < 1e-6
    # the classic bug: BP2 without the sigma' factor (forward pass untouched)
    net.activation = dataclasses.replace(net.activation, der=lambda z, a: np.ones_like(a))
    broken = check_gradient(net, x, 2)
    assert broken.max_rel_error > 0.1
    assert broken.worst[1] < 2  # the error shows in the layers BP2 reaches, not at the output


def test_a_deskewing_network_s_trace_starts_from_the_deskewed_input(mnist) -> None:
    from digitlab.model.deskew import deskew

    net = Network([784, 12, 10], activation="relu", cost="cross_entropy", seed=4, deskew=True)
    x = mnist.test_x[3]
    trace = trace_step(net, x, int(mnist.test_y[3]), 0.1)
    # the step-through's pixels are what the first layer read, and its z^1 is w^1 times them
    np.testing.assert_array_equal(trace.x, deskew(x))
    np.testing.assert_allclose(trace.zs[0], net.weights[0] @ deskew(x) + net.biases[0], rtol=1e-5, atol=1e-5)
