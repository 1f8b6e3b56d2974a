"""The diagram's edge lines: made once per layout, and always the edges asked for."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.gui.network_view import edges
from digitlab.gui.network_view.edges import _CENTRE_KEY, _OFFSETS, EdgeLines


def _expected(lines: EdgeLines, key: int, idx: np.ndarray) -> np.ndarray:
    """(x0, y0, x1, y1) of edges ``idx`` at offset ``key``, computed here from the geometry."""
    j, k = np.divmod(idx, lines.n_in)
    y0, y1 = lines.ys_in[k], lines.ys_out[j]
    dx, dy = lines.x1 - lines.x0, y1 - y0
    length = np.hypot(dx, dy)
    off = _OFFSETS[key]
    ox, oy = -dy / length * off, dx / length * off
    return np.stack([lines.x0 + ox, y0 + oy, lines.x1 + ox, y1 + oy], axis=1)


def _coords(drawn) -> np.ndarray:
    return np.array([(line.x1(), line.y1(), line.x2(), line.y2()) for line in drawn])


@pytest.fixture
def wide() -> EdgeLines:
    """A 784 -> 1024 connection (802,816 edges, the accurate preset's first): too wide for the full arrays."""
    return EdgeLines(40.0, np.linspace(10, 600, 784), 300.0, np.linspace(5, 610, 1024))


def test_a_wide_connections_lines_are_its_edges_across_cache_clears(wide, monkeypatch):
    assert wide.total > edges.DENSE_CACHE_EDGES
    rng = np.random.default_rng(0)
    monkeypatch.setattr(edges, "SPARSE_CACHE_LINES", 500)  # so that the cache is emptied on the way
    for _ in range(6):  # a dense fan's frames: centre lines only, partly the last frame's edges
        idx = rng.choice(wide.total, 300, replace=False)
        np.testing.assert_allclose(_coords(wide.lines(_CENTRE_KEY, idx)), _expected(wide, _CENTRE_KEY, idx))
    # a highlight's halo and strands: other offsets
    idx = rng.choice(wide.total, 40, replace=False)
    keys = np.repeat([2, 8, 4, 6], 10)
    np.testing.assert_allclose(
        _coords(wide.lines(keys, idx)),
        np.concatenate([_expected(wide, key, idx[keys == key]) for key in (2, 8, 4, 6)]))


def test_lines_asked_twice_are_the_same_objects(wide):
    # made once: a frame only picks them (building ~1,000 QLineF costs ~0.5 ms)
    idx = np.arange(0, wide.total, 2677)
    first = wide.lines(_CENTRE_KEY, idx)
    assert all(a is b for a, b in zip(first, wide.lines(_CENTRE_KEY, idx)))
