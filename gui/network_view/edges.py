"""The diagram's edges, drawn cheaply: cached 1 px lines in a few pens, ``drawLines`` per pen.

Each edge is drawn in one of ``EDGE_LEVELS`` strengths per sign of its weight (or last change), one
pen each, fainter and thinner when weaker. Qt's fast path is a 1 px antialiased pen (a wider one
costs ~8x, a translucent wider one ~50x), so a strong edge is 2 or 3 parallel 1 px lines (strands)
rather than one wide line; in a dense fan (more than ``DENSE_EDGES`` edges) every edge is one
translucent 1 px line; faint edges are drawn without antialiasing. A highlighted edge gets a black
line either side (a halo). Geometry only changes on a resize, so ``EdgeLines`` makes each line
once and a frame only picks pens.

The diagram (``network_view.diagram``) chooses which edges are drawn (a layer's ``edge_count``
strongest, plus its highlighted ones), their levels and strands, and draws them with
``draw_strands`` through its ``EdgeLines``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from PySide6.QtCore import QLineF
from PySide6.QtGui import QPainter, QPen

from digitlab.gui.network_view.palette import EDGE_LEVELS

Array = np.ndarray


DENSE_EDGES = 280  # a layer drawing more edges than this draws each as one translucent 1 px line
STRAND_GAP = 0.85  # px between the parallel lines of a strong edge
AA_FROM_LEVEL = 4  # edges of this strength and weaker are drawn without antialiasing


# strands (parallel 1 px lines) per |level|: 1 for the weaker half, 2, then 3 for the strongest
STRANDS = np.array([1] + [1 + (l > EDGE_LEVELS * 0.45) + (l > EDGE_LEVELS * 0.8) for l in range(1, EDGE_LEVELS + 1)])




# the offsets (px along an edge's normal) a line of an edge may be drawn at: its 1-3 strands
# (STRAND_GAP apart, centred) and a highlight's halo either side of them; a line is named by its
# offset key, the index in this table
_OFFSETS = np.array([-(2 * STRAND_GAP / 2 + 1.1), -(STRAND_GAP / 2 + 1.1), -1.1, -STRAND_GAP, -STRAND_GAP / 2, 0.0,
                     STRAND_GAP / 2, STRAND_GAP, 1.1, STRAND_GAP / 2 + 1.1, 2 * STRAND_GAP / 2 + 1.1])
_CENTRE_KEY = 5  # offset 0; strand k of s is at key 5 + 2k - (s - 1) (half-gaps), a halo at 2 - (s-1) and 8 + (s-1)


DENSE_CACHE_EDGES = 1 << 18  # a wider connection caches its lines in a bounded dict, not in arrays
SPARSE_CACHE_LINES = 200_000  # the dict is emptied when it holds more lines than this


class EdgeLines:
    """The lines of one connection's edges, built once per layout: QLineF per (offset key, edge).

    Geometry only changes on a resize, so each line object is made the first time it is drawn and
    reused every frame after (building ~1,000 QLineF costs ~0.5 ms of the GUI thread; indexing
    an object array of them costs ~0.01 ms). Up to ``DENSE_CACHE_EDGES`` edges (a 512x512
    connection), the cache is an object array over every (offset, edge); a wider connection only
    ever draws its top edges, so it keeps those in a dict of at most ``SPARSE_CACHE_LINES`` lines
    rather than arrays the size of n_in * n_out (32 GiB for 20,000x20,000).
    """

    def __init__(self, x0: float, ys_in: Array, x1: float, ys_out: Array) -> None:
        self.x0, self.x1, self.ys_in, self.ys_out = x0, x1, ys_in, ys_out
        self.n_in = len(ys_in)
        self.total = len(ys_in) * len(ys_out)
        self._sparse: dict[int, QLineF] | None = None
        if self.total > DENSE_CACHE_EDGES:
            self._sparse = {}  # (key * total + edge) -> QLineF
            return
        # (offset key, edge) -> QLineF, made on first use (~12 MB of references for a 512x256 layer)
        self._objs = np.empty((len(_OFFSETS), self.total), dtype=object)
        self._built = np.zeros((len(_OFFSETS), self.total), dtype=bool)

    def _make(self, key: int, new: Array) -> list[QLineF]:
        """New lines for edges ``new`` at offset ``key``."""
        j, k = np.divmod(new, self.n_in)
        y0, y1 = self.ys_in[k], self.ys_out[j]
        dx, dy = self.x1 - self.x0, y1 - y0
        length = np.hypot(dx, dy)
        length[length == 0] = 1
        off = _OFFSETS[key]
        ox, oy = -dy / length * off, dx / length * off  # the normal (y0 - y1, x1 - x0) / length
        coords = np.stack([self.x0 + ox, y0 + oy, self.x1 + ox, y1 + oy], axis=1)
        return [QLineF(*c) for c in coords.tolist()]

    def _sparse_lines(self, keys: Array, idx: Array) -> list[QLineF]:
        cache = self._sparse
        flat = (np.asarray(keys, np.int64) * self.total + idx).tolist()
        missing = [i for i, f in enumerate(flat) if f not in cache]
        if missing:
            if len(cache) + len(missing) > SPARSE_CACHE_LINES:
                cache.clear()  # every line asked for is made anew, not only the missing ones
                missing = list(range(len(flat)))
            miss = np.array(missing)
            keys_m, idx_m = np.asarray(keys)[miss], np.asarray(idx)[miss]
            for key in np.unique(keys_m).tolist():
                sel = keys_m == key
                for f, line in zip((key * self.total + idx_m[sel]).tolist(), self._make(key, idx_m[sel])):
                    cache[f] = line
        return [cache[f] for f in flat]

    def lines(self, keys: Array, idx: Array) -> list[QLineF]:
        """The lines of edges ``idx`` (flat indices j * n_in + k) at offset ``keys``, in that order."""
        keys = np.broadcast_to(keys, np.shape(idx))
        if self._sparse is not None:
            return self._sparse_lines(keys, idx)
        missing = ~self._built[keys, idx]
        if missing.any():
            for key in np.unique(keys[missing]).tolist():
                new = np.unique(idx[missing & (keys == key)])
                self._objs[key, new] = self._make(key, new)
                self._built[key, new] = True
        return self._objs[keys, idx].tolist()


def draw_strands(p: QPainter, lines: EdgeLines, idx: Array, level: Array, order: Array, strands: Array,
                  dense: bool, pens: dict[tuple[int, bool], QPen]) -> Iterator[None]:
    """Draw edges ``order`` (grouped by signed level) as ``strands`` parallel 1 px lines each, in
    ``pens`` (``ViewColours.edge_pens``: one per signed level and density). A generator: it yields
    after each pen's lines, so a drawing in parts can stop there; drain it to draw them all."""
    counts = strands[order]
    rep = np.repeat(order, counts)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(counts) - counts, counts)  # strand number
    drawn = lines.lines(_CENTRE_KEY + 2 * k - (strands[rep] - 1), idx[rep])
    lv = level[rep]
    start, aa = 0, None
    for end in [*(np.flatnonzero(np.diff(lv)) + 1).tolist(), len(rep)]:  # one pen per level
        lvl = int(lv[start])
        # faint edges are drawn without antialiasing (~2.5x cheaper; their steps hardly show)
        if aa != (abs(lvl) > AA_FROM_LEVEL):  # a hint set anew costs the painter a state change
            aa = abs(lvl) > AA_FROM_LEVEL
            p.setRenderHint(QPainter.RenderHint.Antialiasing, aa)
        p.setPen(pens[(lvl, dense)])
        p.drawLines(drawn[start:end])
        start = end
        yield
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
