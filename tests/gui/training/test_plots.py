"""The learning curves: what is fed is what is drawn, memory stays bounded, the view follows the data."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QGraphicsItem

from digitlab.gui.training.plots import StepSeries, TrainingPlots
from digitlab.model.train import EpochRecord

BATCH = 32


def steps(first: int, k: int, n_layers: int = 3, seed: int = 0):
    """k simulated steps from step number `first`: samples seen, batch costs, grad norms."""
    rng = np.random.default_rng(seed + first)
    s = np.arange(first, first + k)
    samples = (s * BATCH).astype(np.float64)
    costs = (0.1 + np.exp(-s / 500) + 0.05 * rng.random(k)).astype(np.float32)
    norms = (10.0 ** np.arange(-n_layers, 0))[None, :] * (1 + 0.1 * rng.random((k, n_layers)))
    return samples, costs, norms.astype(np.float32)


def epoch(n: int, test_accuracy: float | None = 0.9) -> EpochRecord:
    return EpochRecord(epoch=n, step=n * 100, samples_seen=n * 100 * BATCH, train_cost=0.5 / n,
                       train_accuracy=0.92, test_cost=0.6 / n, test_accuracy=test_accuracy, seconds=1.0)


@pytest.fixture
def plots(make_plots) -> TrainingPlots:
    return make_plots(max_points=1000)


def test_steps_fed_are_the_steps_drawn(plots):
    samples, costs, norms = steps(1, 150)
    plots.add_steps(samples[:100], costs[:100], norms[:100])
    plots.add_steps(samples[100:], costs[100:], norms[100:])
    assert plots.n_step_points == plots.n_steps == 150
    x, y = plots.cost_curve.getData()
    np.testing.assert_array_equal(x, samples)
    np.testing.assert_array_equal(y, costs)
    # one line per layer, labelled, at the level of that layer's norms (plotted as log10)
    assert len(plots.grad_curves) == 3
    names = [label.text for _, label in plots.grad_plot.legend.items]
    assert names == ["layer 1", "layer 2", "layer 3"]
    for layer, curve in enumerate(plots.grad_curves):
        assert abs(np.median(curve.getData()[1]) - (layer - 3)) < 0.1
    # the smoothed curve follows the costs without their noise
    smooth = plots.smooth_curve.getData()[1]
    assert smooth[0] == pytest.approx(costs[0])
    assert np.abs(np.diff(smooth)).max() < np.abs(np.diff(costs)).max()


def test_the_x_axis_grows_in_steps_to_hold_the_data(plots):
    plots.add_steps(*steps(1, 100))
    x0, x1 = plots.cost_plot.vb.viewRange()[0]
    assert x0 == 0 and x1 >= 100 * BATCH
    grown = x1
    plots.add_steps(*steps(101, 10))  # still fits: the range does not move
    assert plots.cost_plot.vb.viewRange()[0][1] == grown
    for plot in (plots.accuracy_plot, plots.grad_plot):  # linked
        assert plot.vb.viewRange()[0] == pytest.approx([0, grown])


def test_epochs_appear_as_points(plots):
    plots.add_epochs([epoch(1), epoch(2, test_accuracy=None)])
    plots.add_epochs([epoch(3)])
    assert plots.n_epoch_points == 3
    x, y = plots.test_accuracy_curve.getData()
    np.testing.assert_array_equal(x, [3200, 6400, 9600])
    np.testing.assert_allclose(y, [90, np.nan, 90])  # no test set that epoch: a gap
    np.testing.assert_allclose(plots.train_cost_curve.getData()[1], [0.5, 0.25, 0.5 / 3])
    lo, hi = plots.accuracy_plot.vb.viewRange()[1]
    assert lo <= 90 and hi >= 100
    assert plots.test_accuracy_curve.opts["symbol"] == "s"  # a marker per epoch while there are few
    plots.add_epochs([epoch(n) for n in range(4, 100)])
    assert plots.test_accuracy_curve.opts["symbol"] is None  # lines only when there are many


def test_clear_empties_everything(plots):
    plots.add_steps(*steps(1, 100))
    plots.add_epochs([epoch(1)])
    plots.clear()
    assert plots.n_step_points == plots.n_steps == plots.n_epoch_points == 0
    assert plots.cost_curve.getData()[0].size == 0
    assert plots.test_cost_curve.getData()[0] is None
    assert plots.grad_curves == []
    plots.add_steps(*steps(1, 10, n_layers=2))  # a new network may have other layers
    assert len(plots.grad_curves) == 2


def test_memory_stays_bounded_past_the_cap(plots):
    cap = plots.max_points
    first = 1
    for _ in range(25):  # 25 x 400 = 10,000 steps, ten times the cap
        plots.add_steps(*steps(first, 400))
        first += 400
        assert plots.n_step_points <= cap and plots.buffer_capacity <= cap
    assert plots.n_steps == 10_000
    assert plots.step_stride == 16  # halved four times: 10,000 steps / 16 = 625 points
    assert plots.n_step_points == 625
    x = plots.series.x
    assert np.all(np.diff(x) > 0)
    assert x[-1] == pytest.approx(np.mean(np.arange(9985, 10001)) * BATCH)  # last point: mean of its 16
    # the drawn curves stay within the data
    cx, cy = plots.cost_curve.getData()
    assert cx.min() >= x[0] - 1 and cx.max() <= x[-1] + 1


def test_a_long_run_is_drawn_decimated(qtbot):
    plots = TrainingPlots(max_points=200_000)
    qtbot.addWidget(plots)
    plots.resize(600, 400)
    plots.show()
    plots.add_steps(*steps(1, 150_000))
    assert plots.n_step_points == 150_000
    width = plots.cost_plot.vb.width()
    x, y = plots.cost_curve.getData()
    assert len(x) <= 4 * width + 8  # min and max of ~1-2 blocks per pixel
    # peak decimation keeps the extremes of the noise
    assert y.max() == pytest.approx(plots.series.y[:, 0].max())
    assert y.min() == pytest.approx(plots.series.y[:, 0].min())


def test_panning_stops_following_and_double_click_resumes(plots):
    plots.add_steps(*steps(1, 100))
    vb = plots.cost_plot.vb
    vb.setXRange(500, 900, padding=0)
    vb.sigRangeChangedManually.emit([True, False])  # what a drag or wheel emits
    plots.add_steps(*steps(101, 5000))  # the data pass the end: the user's view is kept
    assert vb.viewRange()[0] == pytest.approx([500, 900])
    plots.reset_view()
    assert vb.viewRange()[0][0] == 0 and vb.viewRange()[0][1] >= 5100 * BATCH


def test_step_series_averages_pairs_when_full():
    s = StepSeries(max_points=4)
    s.append(np.arange(1, 6, dtype=float), np.array([1, 3, 5, 7, 9.0]), np.ones((5, 1)))
    # 4 points filled the buffer, it halved to 2 (means of pairs), the 5th step waits for a partner
    np.testing.assert_allclose(s.x, [1.5, 3.5])
    np.testing.assert_allclose(s.y[:, 0], [2, 6])
    assert s.stride == 2 and s.n_steps == 5
    s.append(np.array([6.0]), np.array([11.0]), np.ones((1, 1)))
    np.testing.assert_allclose(s.y[:, 0], [2, 6, 10])
    with pytest.raises(ValueError):
        s.append(np.array([7.0]), np.array([1.0]), np.ones((1, 2)))  # the layer count changed


def test_moving_average_matches_the_textbook_recurrence():
    s = StepSeries(max_points=100_000, span=9)  # alpha = 0.2
    rng = np.random.default_rng(1)
    costs = rng.random(30_000)  # one call, longer than the vectorised block
    s.append(np.arange(1, 30_001, dtype=float), costs, np.ones((30_000, 1)))
    m = w = 0.0
    expected = []
    for c in costs:
        m, w = 0.8 * m + 0.2 * c, 0.8 * w + 0.2
        expected.append(m / w)
    np.testing.assert_allclose(s.y[:, 1], expected, rtol=1e-5)


def test_cached_and_direct_decimation_agree(monkeypatch):
    import digitlab.gui.training.step_series as step_series

    s = StepSeries(max_points=200_000)
    s.append(*steps(1, 100_000))
    decimator = step_series.Decimator(s)
    decimator.arrays(0, 100_000 * BATCH, 1400)
    assert decimator.ds == 64
    cached = decimator.arrays(0, 100_000 * BATCH, 700)  # twice the blocks: paired from the cache
    assert decimator.ds == 128
    monkeypatch.setattr(step_series, "DIRECT_LIMIT", 10**9)
    direct = step_series.Decimator(s).arrays(0, 100_000 * BATCH, 700)
    for a, b in zip(cached, direct):
        for u, v in zip(a, b):
            np.testing.assert_allclose(u, v, rtol=1e-6)


def test_a_run_with_another_number_of_layers_starts_clean(plots):
    # case 11: without a clear() between runs every frame raised "got norms of 2 layers after 3"
    plots.add_steps(*steps(1, 100, n_layers=3))
    plots.add_epochs([epoch(1)])
    plots.add_steps(*steps(1, 10, n_layers=2))
    assert len(plots.grad_curves) == 2
    assert plots.n_steps == 10 and plots.n_epoch_points == 0
    plots.add_steps(*steps(11, 10, n_layers=2))  # the same run goes on
    assert plots.n_steps == 20


def test_a_run_starting_over_with_the_same_layers_starts_clean(plots):
    plots.add_steps(*steps(1, 100))
    plots.add_steps(*steps(1, 5))  # samples seen start again from the beginning: another run
    assert plots.n_steps == 5


def test_runs_of_the_same_name_and_other_lengths_are_kept_apart(plots):
    # found by the monkey (issue #10): two runs labelled alike compared their arrays, and every
    # later start raised "operands could not be broadcast together"
    for n in (100, 50, 70):
        plots.start_run("trained 3b1b")
        plots.add_steps(*steps(1, n))
    plots.start_run("trained 3b1b")
    assert len(plots.runs) == 3 and plots.compared is plots.runs[-1]


def test_the_curves_quick_bounds_are_pyqtgraphs(plots):
    import pyqtgraph as pg

    samples, costs, norms = steps(1, 300)
    norms[7, 1] = 0.0  # a zero gradient: log10 gives -inf, pyqtgraph's own path then
    plots.add_steps(samples, costs, norms)
    curves = [plots.cost_curve, plots.smooth_curve, *plots.grad_curves]
    for curve in curves:
        for ax in (0, 1):
            quick = curve.dataBounds(ax)
            curve._boundsCache = [None, None]
            assert quick == pg.PlotCurveItem.dataBounds(curve, ax)
    assert all(np.isfinite(curves[3].dataBounds(1)))  # layer 2 has its -inf left out


def test_with_separate_passes_the_gradient_plot_takes_its_steps_in_the_next_pass(qtbot, plots):
    plots.separate_passes = True  # as the window has it
    plots.add_steps(*steps(1, 50))
    assert len(plots.cost_curve.getData()[0]) == 50  # the cost plot at once
    assert all(c.getData()[0] is None or len(c.getData()[0]) == 0 for c in plots.grad_curves)
    qtbot.waitUntil(lambda: all(len(c.getData()[0]) == 50 for c in plots.grad_curves), timeout=1000)


def _axis_pixels(plot, name: str):
    """The strip of the plot's ``name`` axis (its ticks' labels) as the screen shows it."""
    view = plot.getViewWidget()
    axis = plot.getAxis(name)
    rect = view.mapFromScene(axis.mapRectToScene(axis.rect())).boundingRect()
    return view.grab().toImage().copy(rect)


def test_the_cached_axes_redraw_when_their_range_or_look_changes(qtbot, plots):
    # the axes are kept as pixmaps between frames: each change must still reach the screen
    plots.add_steps(*steps(1, 200))
    qtbot.wait(50)
    left, bottom = _axis_pixels(plots.cost_plot, "left"), _axis_pixels(plots.cost_plot, "bottom")
    samples, costs, norms = steps(201, 200)
    plots.add_steps(samples * 40, costs * 30, norms)  # the cost axis widens, the x axis doubles
    qtbot.wait(50)
    assert _axis_pixels(plots.cost_plot, "left") != left
    assert _axis_pixels(plots.cost_plot, "bottom") != bottom
    before = _axis_pixels(plots.grad_plot, "left")
    plots.restyle(dark=True)
    qtbot.wait(50)
    assert _axis_pixels(plots.grad_plot, "left") != before
    before = _axis_pixels(plots.cost_plot, "left")
    plots.set_log_cost(True)
    qtbot.wait(50)
    assert _axis_pixels(plots.cost_plot, "left") != before


def _cost_view_pixels(plots) -> object:
    return plots.cost_plot.getViewWidget().grab().toImage()


def _drawn_without_cache(qtbot, plots):
    """The cost view as the epoch markers look drawn anew (their pixmap cache off for one grab)."""
    items = [plots.train_cost_curve.scatter, plots.test_cost_curve.scatter]
    for item in items:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    qtbot.wait(20)
    image = _cost_view_pixels(plots)
    for item in items:
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    qtbot.wait(20)
    return image


def test_the_cached_epoch_markers_show_what_drawing_them_anew_shows(qtbot, plots):
    # the markers are kept as pixmaps between frames: new epochs, a rescaled view and a new theme
    # must each reach the screen, never the pixmap of before
    assert plots.train_cost_curve.scatter.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    plots.add_steps(*steps(1, 300))
    plots.add_epochs([epoch(1), epoch(2)])
    qtbot.wait(50)
    shown = _cost_view_pixels(plots)
    assert shown == _drawn_without_cache(qtbot, plots)
    samples, costs, norms = steps(301, 200)
    plots.add_steps(samples * 40, costs * 30, norms)  # the x axis doubles, the cost axis widens
    plots.add_epochs([epoch(3)])
    qtbot.wait(50)
    assert _cost_view_pixels(plots) != shown
    assert _cost_view_pixels(plots) == _drawn_without_cache(qtbot, plots)
    plots.restyle(dark=True)
    qtbot.wait(50)
    assert _cost_view_pixels(plots) == _drawn_without_cache(qtbot, plots)
