"""The network view's state object, plain: what each part would draw after an input and a step.

No widget is built here: the state is what the tile grid, the diagram and the input image read,
so these check its read-outs against the network's own forward and backward pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.gui.network_view.state import NetworkViewState
from digitlab.model.network import Network

SIZES = (784, 16, 16, 10)


@pytest.fixture
def example():
    """A 784-16-16-10 network, a labelled input, and the changes of one gradient step on it."""
    rng = np.random.default_rng(7)
    net = Network(SIZES, seed=3)
    x = rng.random(784).astype(np.float32)
    label = 4
    g = net.backward(x[None, :], np.array([label]))
    changes_w = [-0.5 * w for w in g.nabla_w]
    changes_b = [-0.5 * b for b in g.nabla_b]
    return net, x, label, changes_w, changes_b


def _state(net, x=None, label=None) -> NetworkViewState:
    state = NetworkViewState()
    state.set_network(net)
    state.set_input(x, label)
    return state


def test_shading_shows_the_forward_pass_and_then_the_errors(example):
    net, x, label, _, _ = example
    state = _state(net, x, label)
    f = net.forward(x[None, :])
    deltas = net.backward(x[None, :], np.array([label])).deltas
    for l in range(len(net.weights)):  # sigmoid hidden layers and softmax outputs: activations as they are
        kind, level = state.shading(l)
        assert kind == "level"
        np.testing.assert_allclose(level, f.activations[l + 1][0], atol=1e-6)
        np.testing.assert_allclose(state.weighted_inputs[l], f.zs[l][0], atol=1e-6)
    state.set_neuron_quantity("delta")
    for l in range(len(net.weights)):  # each layer's errors to its largest |δ|, sign kept
        kind, signed = state.shading(l)
        d = deltas[l][0]
        assert kind == "signed" and np.abs(signed).max() == pytest.approx(1.0)
        np.testing.assert_allclose(signed, d / np.abs(d).max(), atol=1e-6)
    np.testing.assert_allclose(state.nudges(), np.eye(10)[label] - f.activations[-1][0], atol=1e-6)


def test_unlit_layers_have_no_shading(example):
    net, x, _, _, _ = example
    assert _state(net).shading(0) is None  # no input
    state = _state(net, x)  # no label: no errors
    state.set_neuron_quantity("delta")
    assert state.deltas() is None and state.nudges() is None
    assert all(state.shading(l) is None for l in range(3))
    state.set_neuron_quantity("activation")
    state.set_reveal(1)  # the forward stage, first layer lit
    assert state.shading(0) is not None and state.shading(1) is None and state.shading(2) is None
    state.set_reveal(None)
    assert all(state.shading(l) is not None for l in range(3))


def test_values_are_the_weights_or_the_last_step_s_changes(example):
    net, x, label, changes_w, changes_b = example
    state = _state(net, x, label)
    for l in range(3):
        np.testing.assert_array_equal(state.values(l), net.weights[l])
    assert state.set_mode("changes") and not state.set_mode("changes")  # a change, then none
    assert not state.values(1).any()  # no step shown yet: nothing changed
    state.show_step(changes_w, changes_b)
    for l in range(3):
        np.testing.assert_array_equal(state.values(l), changes_w[l])
    with pytest.raises(ValueError):
        state.set_mode("gradients")


def test_highlights_are_each_layer_s_largest_changes_at_most_4_percent(example):
    net, x, label, changes_w, changes_b = example
    state = _state(net, x, label)
    assert state.highlight_counts == (30, 11, 7)  # 30 asked; 4% of 256 and of 160 weights, rounded up
    assert all(not m.any() for m in state.highlighted)  # no step yet
    state.set_highlight_count(5, 1)
    state.show_step(changes_w, changes_b)
    assert state.highlight_counts == (5, 5, 5)
    for l, c in enumerate(changes_w):
        mask = state.highlighted[l]
        assert mask.sum() == 5
        assert np.abs(c[mask]).min() >= np.abs(c[~mask]).max()  # the five largest in size
        assert state.highlighted_biases[l].sum() == 1
        assert state.highlighted_biases[l][np.argmax(np.abs(changes_b[l]))]
    assert len(state.highlighted_set()) == 15
    state.set_highlight_count(0)
    assert state.highlight_counts == (0, 0, 0) and not state.highlighted_set()
    state.show_step(None, None)
    assert state.weight_changes is None and all(not m.any() for m in state.highlighted_biases)


def test_the_state_keeps_its_own_copy_and_its_tile_order(example):
    net, x, _, _, _ = example
    state = _state(net, x)
    assert state.sort_tiles("activation")
    order = state.tile_order.copy()
    np.testing.assert_array_equal(order, np.argsort(-state.activations[0], kind="stable"))
    net.weights[0][:] = 0  # the caller's network, not the state's
    assert state.network.weights[0].any()
    state.set_network(net)  # same shape: the user's order survives
    np.testing.assert_array_equal(state.tile_order, order)
    state.set_network(Network((784, 8, 10), seed=0))
    np.testing.assert_array_equal(state.tile_order, np.arange(8))
    assert not NetworkViewState().sort_tiles("index")  # no network yet: nothing to sort


def test_parts_hear_of_every_change_and_of_hover_only_when_it_moves(example):
    net, x, label, changes_w, changes_b = example
    state = NetworkViewState()
    heard: list[str] = []
    for name in ("changed", "input_changed", "outputs_changed", "hover_changed"):
        getattr(state, name).connect(lambda name=name: heard.append(name))
    state.set_network(net)
    assert heard == ["outputs_changed", "changed"]
    heard.clear()
    state.set_input(x, label)
    assert heard == ["input_changed", "outputs_changed", "changed"]
    heard.clear()
    state.show_step(changes_w, changes_b)
    state.set_edge_count(0)
    assert heard == ["changed", "changed"] and state.edge_count == 1
    heard.clear()
    state.set_hover_neuron((1, 3))
    state.set_hover_neuron((1, 3))
    state.set_hover_neuron(None)
    assert heard == ["hover_changed", "hover_changed"] and state.hover_neuron is None
    assert "activation a = " in state.neuron_tooltip(1, 3)
    assert state.weight_tooltip(0, 2, 14 * 28 + 15).startswith("weight from pixel (row 14, col 15) to layer 1 neuron 2")


def test_the_input_shown_is_what_a_deskewing_network_reads(mnist):
    from digitlab.model.deskew import deskew

    net = Network((784, 16, 10), seed=3)
    x = mnist.test_x[7]
    state = _state(net, x, 1)
    np.testing.assert_array_equal(state.network_input, x)  # a plain network reads x itself
    flagged = net.copy()
    flagged.deskew = True
    seen = []
    state.input_changed.connect(lambda: seen.append(state.network_input))
    state.set_network(flagged)  # the same example, now read deskewed: the input image is told
    np.testing.assert_array_equal(seen[-1], deskew(x))
    np.testing.assert_allclose(state.activations[-1], flagged.predict_proba(x)[0], atol=1e-6)
