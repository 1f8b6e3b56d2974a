"""Stepping through one backprop step by clicking, checked against the network's own numbers."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidget

from digitlab.gui.network_view.view import NetworkView
from digitlab.gui.step_through.panel import StepThroughPanel
from digitlab.model.config import PRESETS
from digitlab.model.train import Trainer

LEFT = Qt.MouseButton.LeftButton
LR = 3.0


@pytest.fixture(scope="module")
def trained(mnist):
    config = PRESETS["3b1b"]
    net = config.build_network()
    trainer = Trainer(net, config, mnist.train_x[:2000], mnist.train_y[:2000])
    for i in range(200):
        trainer.step(np.arange(i * 10, i * 10 + 10))
    return net


@pytest.fixture
def setup(qtbot, trained, mnist):
    """A view showing the network, a panel on it, and a copy of every parameter to compare with."""
    view = NetworkView(trained)
    panel = StepThroughPanel(view)
    for w in (view, panel):
        qtbot.addWidget(w)
        w.resize(1100, 520)
        w.show()
    panel.set_learning_rate(LR)
    panel.set_data(mnist.test_x, mnist.test_y)
    x, label = mnist.test_x[8], int(mnist.test_y[8])
    panel.set_example(x, label)
    before = [p.copy() for p in (*trained.weights, *trained.biases)]
    return view, panel, x, label, before


def _row(table: QTableWidget, name: str) -> np.ndarray:
    """The exact numbers behind a table row's text."""
    for r in range(table.rowCount()):
        if table.verticalHeaderItem(r).text() == name:
            return np.array([table.item(r, c).data(Qt.ItemDataRole.UserRole) for c in range(table.columnCount())],
                            dtype=object)
    raise KeyError(f"no row {name!r}; rows: {[table.verticalHeaderItem(r).text() for r in range(table.rowCount())]}")


def _button(panel, name: str) -> QPushButton:
    return panel.findChild(QPushButton, name)


def test_clicking_through_the_five_stages_shows_the_networks_own_numbers(qtbot, setup, trained):
    view, panel, x, label, _ = setup
    net = trained
    f = net.forward(x[None])
    g = net.backward(x[None], np.array([label]))
    digits = panel.findChild(QTableWidget, "stageDigits")
    layers = panel.findChild(QTableWidget, "stageLayers")
    sentence = panel.findChild(QLabel, "stageSentence")
    seen = []
    panel.stage_changed.connect(seen.append)

    qtbot.mouseClick(_button(panel, "stepThrough"), LEFT)
    assert panel.stage_name == "forward" and view.held
    np.testing.assert_array_equal(_row(digits, "a (output)").astype(float), f.activations[-1][0])
    np.testing.assert_array_equal(_row(digits, "z (output)").astype(float), f.zs[-1][0])
    np.testing.assert_array_equal(view.activations[-1], f.activations[-1][0])  # the view shows them too
    assert "layer by layer" in sentence.text()
    qtbot.waitUntil(lambda: view.reveal is None, timeout=3000)  # the layers light up, one by one

    qtbot.mouseClick(_button(panel, "stageNext"), LEFT)
    assert panel.stage_name == "cost"
    assert _row(layers, "cost C")[0] == pytest.approx(g.cost, rel=1e-7)
    target = np.eye(10)[label]
    np.testing.assert_array_equal(_row(digits, "target y").astype(float), target)
    np.testing.assert_allclose(_row(digits, "nudge y − a").astype(float), target - f.activations[-1][0], atol=1e-7)
    np.testing.assert_allclose(view.nudges(), target - f.activations[-1][0], atol=1e-7)

    qtbot.mouseClick(_button(panel, "stageNext"), LEFT)
    assert panel.stage_name == "backward" and view.neuron_quantity == "delta"
    np.testing.assert_array_equal(_row(digits, "δ output (BP1)").astype(float), g.deltas[-1][0])
    for l, name in [(2, "output (BP1)"), (1, "layer 2 (BP2)"), (0, "layer 1 (BP2)")]:
        assert _row(layers, name)[0] == pytest.approx(float(np.linalg.norm(g.deltas[l][0])), rel=1e-6)
    assert [layers.verticalHeaderItem(r).text() for r in range(3)] == ["output (BP1)", "layer 2 (BP2)", "layer 1 (BP2)"]

    qtbot.mouseClick(_button(panel, "stageNext"), LEFT)
    assert panel.stage_name == "gradient" and view.mode == "changes"
    np.testing.assert_array_equal(_row(digits, "∂C/∂b output = δ (BP3)").astype(float), g.nabla_b[-1])
    for l, name in enumerate(["layer 1", "layer 2", "output"]):
        assert _row(layers, name)[0] == pytest.approx(float(np.linalg.norm(g.nabla_w[l])), rel=1e-6)
        # the view highlights the largest of the changes this step asks for
        change = -LR * g.nabla_w[l]
        top = np.unravel_index(np.abs(change).argmax(), change.shape)
        assert view.highlighted[l][top]

    qtbot.mouseClick(_button(panel, "stageNext"), LEFT)
    assert panel.stage_name == "update"
    twin = net.copy()
    twin.apply_gradients(g, LR)
    np.testing.assert_array_equal(_row(digits, "a after").astype(float), twin.forward(x[None]).activations[-1][0])
    assert panel.trace.cost_after < panel.trace.cost
    assert f"{panel.trace.cost_after:.6g}" in panel.findChild(QLabel, "stageSummary").text()
    assert seen == [0, 1, 2, 3, 4]

    qtbot.mouseClick(_button(panel, "stageNext"), LEFT)  # "Finish"
    assert not panel.active and not view.held and view.mode == "weights"


def test_back_goes_back_a_stage(qtbot, setup):
    view, panel, *_ = setup
    qtbot.mouseClick(_button(panel, "stepThrough"), LEFT)
    assert not _button(panel, "stageBack").isEnabled()
    for _ in range(3):
        qtbot.mouseClick(_button(panel, "stageNext"), LEFT)
    assert panel.stage_name == "gradient"
    qtbot.mouseClick(_button(panel, "stageBack"), LEFT)
    assert panel.stage_name == "backward"
    assert panel.findChild(QLabel, "stageTitle").text().startswith("3. Backward")
    assert view.mode == "weights" and view.neuron_quantity == "delta"
    qtbot.mouseClick(_button(panel, "stageBack"), LEFT)
    assert panel.stage_name == "cost"


def test_check_the_maths_shows_a_tiny_relative_error(qtbot, setup):
    _, panel, *_ = setup
    qtbot.mouseClick(_button(panel, "checkMaths"), LEFT)
    assert panel.max_relative_error is not None and panel.max_relative_error < 1e-4
    text = panel.findChild(QLabel, "mathsResult").text()
    assert f"{panel.max_relative_error:.2e}" in text and "agrees" in text


def test_ledger_average_is_the_applied_step_over_the_learning_rate(qtbot, setup, trained):
    view, panel, x, label, _ = setup
    table = panel.findChild(QTableWidget, "ledgerTable")
    net64 = trained.astype(np.float64)
    panel.set_network(net64)  # float64: the applied step is stored without rounding
    for layer, neuron in [(-1, label), (1, 4), (0, 9)]:
        panel.set_ledger_neuron(layer, neuron)
        xs, ys = panel.ledger_batch()
        assert len(xs) == 8 and ys[0] == label and np.array_equal(xs[0], x)
        twin = net64.copy()
        twin.apply_gradients(net64.backward(xs, ys), LR)
        l = layer % 3
        step_w = twin.weights[l][neuron] - net64.weights[l][neuron]
        step_b = twin.biases[l][neuron] - net64.biases[l][neuron]
        led = panel.ledger
        np.testing.assert_allclose(led.average_weights, step_w / LR, rtol=1e-9, atol=1e-15)
        # and the table's last rows show it: the average, then eta times it, the step taken
        avg, taken = _row(table, "average"), _row(table, "× η = step taken")
        assert avg[1] == pytest.approx(step_b / LR, rel=1e-9, abs=1e-15)
        assert taken[1] == pytest.approx(step_b, rel=1e-9, abs=1e-15)
        ks = led.largest(4)
        np.testing.assert_allclose(avg[2:].astype(float), step_w[ks] / LR, rtol=1e-9, atol=1e-15)
        rows = [_row(table, table.verticalHeaderItem(r).text())[1] for r in range(8)]
        assert np.mean(rows) == pytest.approx(avg[1], rel=1e-9, abs=1e-15)
    assert "η × the average" in panel.findChild(QLabel, "ledgerNote").text()


def test_the_real_network_is_never_changed_and_the_view_is_handed_back(qtbot, setup, trained, mnist):
    view, panel, _, _, before = setup
    drawing = mnist.test_x[0]
    view.set_input(drawing, None)  # what the view showed before: the user's drawing, say
    qtbot.mouseClick(_button(panel, "stepThrough"), LEFT)
    for _ in range(4):
        qtbot.mouseClick(_button(panel, "stageNext"), LEFT)
    qtbot.mouseClick(_button(panel, "checkMaths"), LEFT)
    panel.findChild(QPushButton, "ledgerBatch").click()
    qtbot.mouseClick(_button(panel, "stageDone"), LEFT)
    for a, b in zip(before, (*trained.weights, *trained.biases)):
        np.testing.assert_array_equal(a, b)
    assert view.network is not trained
    assert not view.held and view.mode == "weights" and view.neuron_quantity == "activation"
    np.testing.assert_array_equal(view.input[0], drawing)
    assert view.input[1] is None and not view.highlighted_set()


def test_take_an_mnist_example_gives_an_image_and_its_label(qtbot, trained, mnist):
    view = NetworkView(trained)
    panel = StepThroughPanel(view, seed=3)
    qtbot.addWidget(view)
    qtbot.addWidget(panel)
    panel.show()
    assert not _button(panel, "stepThrough").isEnabled()  # nothing to step yet
    assert not _button(panel, "takeExample").isEnabled()  # no data yet
    panel.set_data(mnist.test_x, mnist.test_y)
    with qtbot.waitSignal(panel.example_changed) as sig:
        qtbot.mouseClick(_button(panel, "takeExample"), LEFT)
    x, label = sig.args
    i = int(np.flatnonzero((mnist.test_x == x).all(axis=1))[0])
    assert label == mnist.test_y[i]
    assert _button(panel, "stepThrough").isEnabled()
    qtbot.mouseClick(_button(panel, "stepThrough"), LEFT)
    assert panel.trace.label == label and np.array_equal(panel.trace.x, x)


def test_the_ledger_follows_a_network_that_became_shallower(qtbot, mnist) -> None:
    # found by the monkey (issue #10): MNIST arriving after the network lost a layer raised IndexError
    from digitlab.gui.network_view.view import NetworkView
    from digitlab.gui.step_through.panel import StepThroughPanel
    from digitlab.model.network import Network

    view = NetworkView(Network((784, 16, 16, 10), seed=0))
    panel = StepThroughPanel(view)
    qtbot.addWidget(view)
    qtbot.addWidget(panel)
    panel.set_example(mnist.test_x[0], int(mnist.test_y[0]))
    panel.ledger_box.choose(1, 3)  # a hidden layer of the deep network
    view.set_network(Network((784, 10), seed=1))  # the view now shows a one-layer network
    panel.set_data(mnist.test_x[:50], mnist.test_y[:50])  # rebuilds the ledger
    assert panel.ledger_box.layer.count() == 1
