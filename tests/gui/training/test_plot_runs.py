"""Curves a learner can read: each run on clean axes with the last one to compare, a cost axis that
follows the recent cost, plain tick numbers always present, a hover readout, PNG and CSV export."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter

from digitlab.gui.training.plots import TrainingPlots
from digitlab.model.train import EpochRecord


def steps(first: int, k: int, level: float = 0.1, n_layers: int = 2):
    s = np.arange(first, first + k)
    costs = (level + 2.0 * np.exp(-s / 50) + 0.01 * np.sin(s)).astype(np.float32)
    norms = np.full((k, n_layers), 0.5, dtype=np.float32)
    return (s * 10).astype(np.float64), costs, norms


@pytest.fixture
def plots(make_plots) -> TrainingPlots:
    return make_plots(max_points=5000)


def test_a_new_run_starts_on_clean_axes_and_the_old_runs_curve_is_still_there(plots):
    plots.start_run("first run")
    plots.add_steps(*steps(1, 500))
    old_smooth = plots.series.y[:, 1].copy()  # the moving average, every step
    plots.start_run("second run")
    assert plots.n_steps == 0 and len(plots.cost_curve.getData()[0] if plots.cost_curve.getData()[0] is not None
                                       else []) == 0
    assert [r.label for r in plots.runs] == ["first run"]
    # the previous run is drawn dimmed behind the new one, as far as the new run's axis reaches
    x1, old_x = plots.cost_plot.vb.viewRange()[0][1], steps(1, 500)[0]
    x, y = plots.compare_curve.getData()
    shown = old_x <= x1
    assert plots.compare_curve.isVisible() and x1 < old_x[-1]
    np.testing.assert_array_equal(x[:-1], old_x[shown])  # ... and one point beyond, to the edge
    np.testing.assert_array_equal(y[:-1], old_smooth[shown])
    # a new run's first points are not joined to the old run's last ones: they are another curve
    plots.add_steps(*steps(1, 3, level=0.5))
    assert len(plots.cost_curve.getData()[0]) == 3
    plots.add_steps(*steps(4, 497, level=0.5))  # as long as the first: its axis shows all of that
    x, y = plots.compare_curve.getData()
    np.testing.assert_array_equal(x, old_x)
    np.testing.assert_array_equal(y, old_smooth)
    # and it can be switched off
    plots.compare_box.setCurrentIndex(0)
    plots.compare_box.activated.emit(0)
    assert not plots.compare_curve.isVisible() and plots.compared is None
    plots.compare_with(plots.runs[0])
    assert plots.compare_curve.isVisible()


def test_a_long_earlier_run_is_drawn_thinned_to_the_plots_width(make_plots):
    # a fast run leaves 100 k points and more: drawn whole, each repaint of the cost plot traced them all
    plots = make_plots(max_points=300_000)
    plots.start_run("fast run")
    plots.add_steps(*steps(1, 200_000))
    old_x, old_smooth = plots.series.x.copy(), plots.series.y[:, 1].copy()
    plots.start_run("next run")
    plots.add_steps(*steps(1, 100))  # x to 1,000 of the earlier run's 2,000,000
    x, y = plots.compare_curve.getData()
    assert x[-2] <= 1_000 < x[-1] and len(x) == 101  # the part in view, and one point beyond
    plots.add_steps(np.linspace(2_000, 2_000_000, 1_000), np.full(1_000, 0.2, np.float32),
                    np.full((1_000, 2), 0.5, np.float32))  # now the whole earlier run is in view
    x, y = plots.compare_curve.getData()
    width = plots.cost_plot.vb.width()
    assert width <= len(x) <= 2 * width + 2
    assert x[0] == old_x[0] and x[-1] == old_x[-1]  # from its start to its end
    np.testing.assert_array_equal(y, old_smooth[np.searchsorted(old_x, x)])  # its own points, thinned


def test_the_cost_axis_follows_the_recent_cost_not_the_first_steps(plots):
    plots.add_steps(*steps(1, 2000, level=0.05))  # starts near 2, ends near 0.05
    top = plots.cost_plot.vb.viewRange()[1][1]
    assert 0.05 < top < 0.2  # the cost being watched fills the plot
    plots.set_log_cost(True)
    lo, hi = plots.cost_plot.vb.viewRange()[1]
    assert plots.cost_plot.getAxis("left").logMode and lo < np.log10(0.05) < hi
    assert plots.smooth_curve.getData()[1][-1] == pytest.approx(np.log10(plots.series.y[-1, 1]), abs=0.01)  # log10
    plots.set_log_cost(False)
    assert not plots.log_cost.isChecked()


@pytest.mark.parametrize("log", [False, True])
def test_a_noisy_cost_near_a_step_of_the_scale_does_not_flip_the_axis(plots, log):
    plots.set_log_cost(log)
    rng = np.random.default_rng(0)
    tops, first = [], 1
    base = 0.09 if log else 0.114  # the recent top about 0.1 (a decade) or 1.1 x it about 0.15
    for _ in range(100):  # frames of 20 steps: a cost wandering about a step of the axis's scale
        s = np.arange(first, first + 20)
        level = base * (1 + 0.15 * np.sin(s / 150))
        costs = (level * (1 + 0.1 * rng.standard_normal(20))).astype(np.float32)
        plots.add_steps((s * 10).astype(np.float64), costs, np.full((20, 2), 0.5, np.float32))
        tops.append(plots.cost_plot.vb.viewRange()[1][1])
        first += 20
    flips = sum(a != b for a, b in zip(tops[20:], tops[21:]))
    assert flips <= 1, tops  # without the margin it went back and forth (at most one settling change)
    # a cost falling well below narrows the axis; one rising above widens it at once
    held = tops[-1]
    s = np.arange(first, first + 800)
    plots.add_steps((s * 10).astype(np.float64), np.full(800, 0.01, np.float32), np.full((800, 2), 0.5, np.float32))
    assert plots.cost_plot.vb.viewRange()[1][1] < held
    s = s + 800
    plots.add_steps((s * 10).astype(np.float64), np.full(800, 3.0, np.float32), np.full((800, 2), 0.5, np.float32))
    top = plots.cost_plot.vb.viewRange()[1][1]
    assert top > (np.log10(3.0) if log else 3.0)


def tick_labels(axis) -> list[tuple]:
    """The (rect, flags, text) of each tick label ``axis`` draws, left to right."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)  # kept alive while painted on
    with QPainter(image) as painter:
        specs = axis.generateDrawSpecs(painter)
    return sorted(specs[2], key=lambda label: label[0].left()) if specs else []


def _labels(axis) -> list[str]:
    return [text for *_, text in tick_labels(axis)]


@pytest.mark.parametrize("width", [260, 420, 900])
@pytest.mark.parametrize("x_range", [(0, 256_000), (0, 512_000), (250_000, 450_000), (0, 1_024_000)])
def test_tick_labels_are_always_there_and_plain(qtbot, plots, width, x_range):
    plots.resize(width, 700)
    qtbot.wait(10)
    plots.cost_plot.setXRange(*x_range, padding=0)
    assert len(_labels(plots.cost_plot.getAxis("bottom"))) >= 2
    plots.add_steps(*steps(1, 200, level=0.002))
    left = plots.cost_plot.getAxis("left")
    assert left.labelUnitPrefix == "" and not left.autoSIPrefix  # no "(x0.001)"
    assert all("e" not in t and "x" not in t for t in _labels(left))


def test_hovering_shows_the_value_under_the_pointer(plots):
    plots.add_steps(*steps(1, 300))
    tools = plots.tools[0]
    vb = plots.cost_plot.vb
    scene_pos = vb.mapViewToScene(QPointF(1000, 0.5))
    x, y = tools.value_at(scene_pos)
    assert x == pytest.approx(1000, rel=0.02) and y == pytest.approx(0.5, rel=0.02)
    tools._on_move(scene_pos)
    assert tools.readout.isVisible() and "samples" in tools.readout.text()


def test_right_click_exports_the_plot_as_png_and_its_curves_as_csv(plots, tmp_path):
    plots.add_steps(*steps(1, 300))
    plots.add_epochs([EpochRecord(1, 30, 3000, 0.3, 0.9, 0.35, 0.88, 1.0)])
    tools = plots.tools[0]
    tools.dialog = lambda caption, name, filt: str(tmp_path / name)
    tools._save("png")
    tools._save("csv")
    assert QImage(str(tmp_path / "cost.png")).width() > 100
    with open(tmp_path / "cost.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["curve", "samples_seen", "cost"]
    curves = {r[0] for r in rows[1:]}
    assert {"batch cost", "test, per epoch"} <= curves
    test_rows = [r for r in rows if r[0] == "test, per epoch"]
    assert test_rows == [["test, per epoch", "3000", "0.35"]]


def test_the_gradient_axis_has_labels_when_it_spans_few_decades(qtbot, plots):
    plots.resize(600, 340)  # three plots side by side, each ~250 px tall
    qtbot.wait(10)
    samples, costs, _ = steps(1, 200)
    # three layers from 0.3 down to 0.01: the axis runs from 0.01 to 1, where only "0.1" was labelled
    norms = np.geomspace(0.3, 0.05, 200)[:, None] * np.array([1, 0.3, 0.2])
    plots.add_steps(samples, costs, norms.astype(np.float32))
    labels = [t for t in _labels(plots.grad_plot.getAxis("left")) if t]
    assert len(labels) >= 2 and all("x" not in t for t in labels)


@pytest.mark.parametrize("scale", [1.0, 1.25, 1.5])
@pytest.mark.parametrize("width", [420, 560, 900])
def test_tick_labels_never_run_into_each_other(qtbot, plots, scale, width):
    # presentation mode's bigger tick font in a narrow plot (1366 x 768 at 125%): fewer labels, apart
    plots.restyle(False, scale)
    plots.resize(width, 260)  # wide and low: the three plots side by side
    qtbot.wait(10)
    for x_range in [(0, 1_000), (0, 512_000), (0, 2_048_000)]:
        plots.cost_plot.setXRange(*x_range, padding=0)
        rects = [rect for rect, *_ in tick_labels(plots.cost_plot.getAxis("bottom"))]
        assert rects, (x_range, width, scale)
        assert all(a.right() < b.left() for a, b in zip(rects, rects[1:])), [(r.left(), r.right()) for r in rects]

