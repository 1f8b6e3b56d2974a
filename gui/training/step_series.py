"""Step data for the learning curves: bounded NumPy buffers, and their decimation to the view.

Pure NumPy, no Qt: ``gui.plots`` draws what this module holds and cuts to the view's width. A frame's
cost stays flat however long the run, per GUIDE.md's measurements:

- ``StepSeries``: every step's samples seen, batch cost, the cost's moving average and the moving
  averages of log10 ||dC/dw^l|| per layer, in preallocated NumPy buffers that grow by doubling up
  to ``max_points``; when full they are halved by averaging pairs of points, and later steps arrive
  pre-averaged in groups of the new stride, so a run of any length holds at most ``max_points``
  points. The averages are exponential, bias-corrected so the first point is its own average
  (``_ema``), and decay per step whatever the stride;
- ``Decimator``: the arrays the step curves are given. pyqtgraph's own
  ``setDownsampling(auto=True, mode="peak")`` and ``setClipToView`` redo their work over every
  point at every ``setData``: measured here, ~2 ms per curve at 500k points, ~10 ms for the five
  step curves, twice the frame budget. ``Decimator`` does the same thing (clip to the view, then
  peak (min/max) decimation of the raw line and mean decimation of the smooth lines to ~1-2 blocks
  per pixel) but keeps the blocks of complete power-of-two groups between frames, so a frame only
  decimates what is new: the curves are fed a few thousand points whatever the run's length;
- when the data grow past a power of two per pixel, the cached blocks are paired up rather than
  recomputed, so a frame never decimates the whole series (except after a halving or a zoom).

Left out: drawing, axis ranges and pens (``gui.plots``), where the numbers come from
(the training session's frames) and any smoothing choice beyond a fixed span (``SMOOTH_SPAN`` steps).
"""

from __future__ import annotations

import math

import numpy as np

DEFAULT_MAX_POINTS = 500_000  # step points kept; beyond, the buffers are halved by averaging pairs
SMOOTH_SPAN = 100  # steps: the span of the exponential moving average, alpha = 2 / (span + 1)
DIRECT_LIMIT = 16_384  # visible points decimated afresh each frame; more come from the block cache
TINY_NORM = 1e-30  # gradient norms are clamped to this before log10

XY = tuple[np.ndarray, np.ndarray]  # display arrays (x (m,), y (m,) or (m, c): one column a curve)


# ---------------------------------------------------------------------------------- step data
class StepSeries:
    """Per-step numbers in bounded buffers: x, raw cost, smoothed cost, smoothed log10 grad norms.

    Row i of the buffers is one point: the mean of ``stride`` consecutive steps. ``columns``:
    0 the raw batch cost, 1 its moving average, 2.. the moving averages of log10 ||dC/dw^l||.
    """

    def __init__(self, max_points: int = DEFAULT_MAX_POINTS, span: float = SMOOTH_SPAN) -> None:
        if max_points < 2:
            raise ValueError(f"max_points must be at least 2, got {max_points}")
        self.max_points = max_points - max_points % 2  # even, so a full buffer halves exactly
        self.alpha = 2.0 / (span + 1.0)  # per step
        self.clear()

    def clear(self) -> None:
        self.n = 0  # points held
        self.stride = 1  # steps per point
        self.n_steps = 0  # steps received
        self.n_layers: int | None = None
        self.version = getattr(self, "version", 0) + 1  # changes whenever old points change
        self._x = np.empty(0, dtype=np.float64)
        self._y = np.empty((0, 0), dtype=np.float32)
        self._pending = np.empty((0, 0))  # raw steps waiting to complete a group of `stride`
        self._ema_m: np.ndarray | None = None  # (1 + n_layers,) the average before bias correction
        self._ema_w = 0.0  # the weight the average has gathered: m / w is the bias-corrected mean
        self.cost_max = -math.inf  # of the smoothed cost
        self.log_min, self.log_max = math.inf, -math.inf  # of the smoothed log10 norms

    @property
    def capacity(self) -> int:
        """Rows allocated (never more than ``max_points``)."""
        return len(self._x)

    @property
    def x(self) -> np.ndarray:
        return self._x[: self.n]

    @property
    def y(self) -> np.ndarray:
        """(n, 2 + n_layers) float32: raw cost, smoothed cost, smoothed log10 norm per layer."""
        return self._y[: self.n]

    def append(self, samples: np.ndarray, costs: np.ndarray, grad_norms: np.ndarray) -> None:
        """Add k steps: samples seen (k,), batch costs (k,), gradient norms (k, n_layers).

        Steps with a non-finite cost or norm are skipped. x must grow; ``clear`` between runs.
        """
        costs = np.asarray(costs, dtype=np.float64).reshape(-1)
        k = len(costs)
        if k == 0:
            return
        norms = np.asarray(grad_norms, dtype=np.float64).reshape(k, -1)
        if self.n_layers is None:
            self._start(norms.shape[1])
        elif norms.shape[1] != self.n_layers:
            raise ValueError(f"got norms of {norms.shape[1]} layers after {self.n_layers}: clear() between runs")
        raw = np.empty((k, 2 + self.n_layers))  # (k, x + cost + layers), float64
        raw[:, 0] = np.asarray(samples, dtype=np.float64).reshape(-1)
        raw[:, 1] = costs
        raw[:, 2:] = np.log10(np.maximum(norms, TINY_NORM))
        finite = np.isfinite(raw).all(axis=1)
        if not finite.all():
            raw = raw[finite]
        self.n_steps += len(raw)
        if len(self._pending):
            raw = np.concatenate([self._pending, raw])
        while True:
            s = self.stride
            groups = min(len(raw) // s, self.max_points - self.n)
            if groups:
                block = raw[: groups * s]
                self._write(block if s == 1 else block.reshape(groups, s, -1).mean(axis=1))
                raw = raw[groups * s :]
            if self.n < self.max_points:
                break
            self._halve()  # full: every point now stands for twice the steps; go on at that stride
        self._pending = raw  # fewer than `stride` steps

    def _start(self, n_layers: int) -> None:
        self.n_layers = n_layers
        cap = min(4096, self.max_points)
        self._x = np.empty(cap, dtype=np.float64)
        self._y = np.empty((cap, 2 + n_layers), dtype=np.float32)
        self._pending = np.empty((0, 2 + n_layers))
        self._ema_m = np.zeros(1 + n_layers)

    def _write(self, points: np.ndarray) -> None:
        """Append points (g, x + cost + log norms) at the current stride, with their averages."""
        g = len(points)
        if self.n + g > len(self._x):
            cap = min(self.max_points, max(2 * len(self._x), self.n + g))
            x, y = np.empty(cap, dtype=np.float64), np.empty((cap, self._y.shape[1]), dtype=np.float32)
            x[: self.n], y[: self.n] = self._x[: self.n], self._y[: self.n]
            self._x, self._y = x, y
        b = (1.0 - self.alpha) ** self.stride  # decay per point: one point is `stride` steps
        smooth, self._ema_m, self._ema_w = _ema(points[:, 1:], b, self._ema_m, self._ema_w)
        rows = slice(self.n, self.n + g)
        self._x[rows] = points[:, 0]
        self._y[rows, 0] = points[:, 1]
        self._y[rows, 1:] = smooth
        self.n += g
        self.cost_max = max(self.cost_max, float(smooth[:, 0].max()))
        self.log_min = min(self.log_min, float(smooth[:, 1:].min()))
        self.log_max = max(self.log_max, float(smooth[:, 1:].max()))

    def _halve(self) -> None:
        half = self.n // 2
        self._x[:half] = 0.5 * (self._x[0 : 2 * half : 2] + self._x[1 : 2 * half : 2])
        self._y[:half] = 0.5 * (self._y[0 : 2 * half : 2] + self._y[1 : 2 * half : 2])
        self.n = half
        self.stride *= 2
        self.version += 1


def _ema(v: np.ndarray, b: float, m0: np.ndarray, w0: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Bias-corrected exponential moving average of the rows of v (g, c), vectorised.

    m_t = b m_{t-1} + (1 - b) v_t and w_t = b w_{t-1} + (1 - b); the average is m_t / w_t, so the
    first point is its own average (no pull towards 0). In closed form over a block,
    m_t = b^t (m_0 + (1 - b) sum_{j<=t} b^-j v_j): a cumulative sum, in blocks short enough that
    b^-j stays below 1e100. Returns the averages (g, c) and the state after the last row.
    """
    out = np.empty_like(v)
    block = max(1, int(100 / max(-math.log10(b), 1e-12))) if b > 0 else 1
    for start in range(0, len(v), block):
        chunk = v[start : start + block]
        t = np.arange(1, len(chunk) + 1, dtype=np.float64)
        p = b**t  # (g,)
        if b > 0:
            s = np.cumsum(chunk * (b**-t)[:, None], axis=0)
            m = p[:, None] * m0 + (1.0 - b) * (p[:, None] * s)
        else:  # no memory at all
            m = chunk.copy()
        w = 1.0 - p * (1.0 - w0)
        out[start : start + len(chunk)] = m / w[:, None]
        m0, w0 = m[-1], float(w[-1])
    return out, m0, w0


# ---------------------------------------------------------------------------------- decimation
class Decimator:
    """Display arrays for the step curves: clipped to the view, ~1-2 blocks of points per pixel.

    Blocks are aligned groups of ``ds`` points (a power of two); the raw cost keeps each block's
    max and min (peak decimation: the noise band stays visible), the smooth columns its mean.
    Zoomed out over many points, the blocks of the whole series are cached and only new ones are
    computed each frame; the cache is rebuilt when ``ds`` changes or the series halves.
    """

    def __init__(self, series: StepSeries) -> None:
        self.series = series
        self._key: tuple[int, int] | None = None  # (version, ds) the cache was built for
        self._done = 0  # complete blocks in the cache
        self._bx = np.empty(0)
        self._bmax = np.empty(0, dtype=np.float32)
        self._bmin = np.empty(0, dtype=np.float32)
        self._bmean = np.empty((0, 0), dtype=np.float32)
        self.ds = 1  # of the last call, for tests and the bench

    def arrays(self, x0: float, x1: float, pixels: float) -> tuple[XY, XY] | None:
        """(x, raw cost) for the peak line and (x, smooth columns (m, c)) for the mean lines.

        The view is [x0, x1] in samples seen, ``pixels`` wide; None while the series is empty.
        """
        s = self.series
        n = s.n
        if n == 0:
            return None
        x, y = s.x, s.y
        i0 = int(np.searchsorted(x, x0, "left"))
        i1 = int(np.searchsorted(x, x1, "right"))
        visible = max(i1 - i0, 1)
        per_pixel = visible / max(pixels, 1.0)
        ds = 1 if per_pixel <= 2 else 1 << int(math.log2(per_pixel))
        self.ds = ds
        if ds == 1:
            a, b = max(0, i0 - 1), min(n, i1 + 1)
            return (x[a:b].copy(), y[a:b, 0].copy()), (x[a:b].copy(), y[a:b, 1:].copy())
        first, last = max(0, i0 // ds - 1), min(-(-n // ds), -(-i1 // ds) + 1)  # blocks to show
        if visible <= DIRECT_LIMIT:
            bx, bmax, bmin, bmean = _blocks(x[first * ds : last * ds], y[first * ds : last * ds], ds)
        else:
            self._update_cache(ds)
            bx, bmax, bmin, bmean = self._cached(first, last, ds)
        peak_x = np.repeat(bx, 2)
        peak_y = np.column_stack((bmax, bmin)).reshape(-1)
        return (peak_x, peak_y), (bx, bmean)

    def _update_cache(self, ds: int) -> None:
        s = self.series
        if self._key != (s.version, ds):
            if self._key == (s.version, ds // 2) and self._done >= 2:
                # the data grew past a power of two: pair up the blocks we have instead of
                # decimating every point again (an odd last block is redone from the points)
                k = self._done // 2
                self._bx = 0.5 * (self._bx[0 : 2 * k : 2] + self._bx[1 : 2 * k : 2])
                self._bmax = np.maximum(self._bmax[0 : 2 * k : 2], self._bmax[1 : 2 * k : 2])
                self._bmin = np.minimum(self._bmin[0 : 2 * k : 2], self._bmin[1 : 2 * k : 2])
                self._bmean = 0.5 * (self._bmean[0 : 2 * k : 2] + self._bmean[1 : 2 * k : 2])
                self._done = k
            else:
                self._done = 0
                m = s.y.shape[1] - 1
                self._bx, self._bmax, self._bmin = np.empty(0), np.empty(0, np.float32), np.empty(0, np.float32)
                self._bmean = np.empty((0, m), dtype=np.float32)
            self._key = (s.version, ds)
        complete = s.n // ds
        if complete > self._done:
            lo, hi = self._done * ds, complete * ds
            bx, bmax, bmin, bmean = _blocks(s.x[lo:hi], s.y[lo:hi], ds)
            self._bx = np.concatenate([self._bx, bx])
            self._bmax = np.concatenate([self._bmax, bmax])
            self._bmin = np.concatenate([self._bmin, bmin])
            self._bmean = np.concatenate([self._bmean, bmean])
            self._done = complete

    def _cached(self, first: int, last: int, ds: int):
        s = self.series
        parts = [self._bx[first:last], self._bmax[first:last], self._bmin[first:last], self._bmean[first:last]]
        if last > self._done:  # the last, incomplete block: computed afresh each frame
            tail = _blocks(s.x[self._done * ds :], s.y[self._done * ds :], ds)
            parts = [np.concatenate([p, t]) for p, t in zip(parts, tail)]
        return parts


def _blocks(x: np.ndarray, y: np.ndarray, ds: int):
    """Per block of ds rows (the last may be shorter): mean x, max and min of column 0, mean of the rest."""
    full = len(x) // ds
    cut = full * ds
    bx = x[:cut].reshape(full, ds).mean(axis=1)
    yy = y[:cut].reshape(full, ds, y.shape[1])
    bmax, bmin = yy[:, :, 0].max(axis=1), yy[:, :, 0].min(axis=1)
    bmean = yy[:, :, 1:].sum(axis=1) * np.float32(1 / ds)  # float32 sums of ds <= ~1000 terms
    if cut < len(x):
        rest = y[cut:]
        bx = np.append(bx, x[cut:].mean())
        bmax = np.append(bmax, rest[:, 0].max())
        bmin = np.append(bmin, rest[:, 0].min())
        bmean = np.vstack([bmean, rest[:, 1:].mean(axis=0, keepdims=True)])
    return bx, bmax, bmin, bmean


def visible_thinned(x: np.ndarray, y: np.ndarray, x0: float, x1: float, pixels: float) -> XY:
    """The points of a finished curve (``x`` ascending) that the view [x0, x1] shows, with one
    beyond each edge so the line reaches it, thinned to every k-th where there are more than two a
    pixel (its last point kept). For a smooth line, such as an earlier run's moving average: a
    path of all its points (an earlier ``3b1b`` run of 10 s has 130 k) was drawn at every repaint."""
    n = len(x)
    i0 = max(0, int(np.searchsorted(x, x0, "left")) - 1)
    i1 = min(n, int(np.searchsorted(x, x1, "right")) + 1)
    k = max(1, int((i1 - i0) // (2 * max(pixels, 1.0))))
    if k == 1:
        return x[i0:i1], y[i0:i1]
    picks = np.arange(i0, i1, k)
    if picks[-1] != i1 - 1:
        picks = np.append(picks, i1 - 1)
    return x[picks], y[picks]


__all__ = ["StepSeries", "Decimator", "DEFAULT_MAX_POINTS", "SMOOTH_SPAN", "DIRECT_LIMIT", "visible_thinned"]
