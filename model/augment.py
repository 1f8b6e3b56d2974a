"""Random distortions of 28x28 images, for training that reads people's drawings.

``random_affine``: each image gets its own rotation, scale, shear and shift, drawn from ``rng``;
every output pixel is sampled from the input with bilinear interpolation. It is vectorised over the
whole batch: the only Python loop is over the four bilinear neighbours. The transform is about the
image centre, so a centred digit stays centred up to the shift.

``distort`` adds what people's drawings vary in beyond that (``Distortion``'s fields default to
off, so it equals ``random_affine`` until asked for more):

- stroke width (``stroke_width``): each image is thickened towards its grey dilation (3x3 max,
  about one pixel more on each side of a stroke) or thinned towards its grey erosion, by a random
  fraction (up to ``stroke_width``; half of it for thinning, as MNIST's strokes are thin), then
  its peak is set back to 1 and it is shrunk by the width it gained, so its ink box stays the
  20 px that ``preprocess`` makes: a thick pen, as the canvas gives it;
- elastic distortions (Simard, Steinkraus and Platt, "Best practices for convolutional neural
  networks applied to visual document analysis", 2003): a random displacement field, uniform in
  [-1, 1] per pixel, smoothed by a Gaussian of ``elastic_sigma`` px and scaled by
  ``elastic_alpha``, added to the affine map before the one bilinear sampling pass: a wobbly hand.

``flag_ones`` is the one label-aware distortion: it gives a share of the ones a flag, the short
up-stroke many Europeans start a 1 with, which MNIST's (mostly American) writers rarely drew and
which a network trained on MNIST reads as a 7. ``curl_sixes`` likewise curls the top of a share
of the sixes to the right, as many people start a 6.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

SIDE = 28
_CENTRE = (SIDE - 1) / 2
# output pixel grid, as (2, 784) offsets from the centre: row 0 is x (column), row 1 is y (row)
_yy, _xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
_GRID = np.stack([_xx.ravel() - _CENTRE, _yy.ravel() - _CENTRE])


@dataclass(frozen=True)
class Distortion:
    """The ranges distortions are drawn from, uniformly in [-x, x] (scale: 1 +- scale)."""

    rotation_deg: float = 12.0
    scale: float = 0.12
    shear: float = 0.15
    shift_px: float = 2.5
    # beyond affine (``distort`` only): 0 turns each off
    stroke_width: float = 0.0  # up to this fraction of a 1 px dilation (thicker), half of it of an erosion
    elastic_alpha: float = 0.0  # px: strength of the smoothed random displacement field
    elastic_sigma: float = 4.0  # px: its smoothness (the Gaussian's standard deviation)


def random_affine(
    images: np.ndarray, rng: np.random.Generator, distortion: Distortion = Distortion()
) -> np.ndarray:
    """Distort a batch of flattened 28x28 images (n, 784) in [0, 1] by random affine maps only
    (``distortion``'s stroke and elastic fields are ignored); returns a new float32 batch."""
    return distort(images, rng, replace(distortion, stroke_width=0.0, elastic_alpha=0.0))


def distort(images: np.ndarray, rng: np.random.Generator, distortion: Distortion = Distortion()) -> np.ndarray:
    """Distort a batch (n, 784) in [0, 1]: stroke width, then affine plus elastic in one sampling pass.

    With ``stroke_width`` and ``elastic_alpha`` at 0 it draws the same numbers from ``rng`` and
    returns the same images as ``random_affine``.
    """
    n = len(images)
    d = distortion
    angle = np.deg2rad(rng.uniform(-d.rotation_deg, d.rotation_deg, n))
    scale = 1 + rng.uniform(-d.scale, d.scale, n)
    shear = rng.uniform(-d.shear, d.shear, n)
    shift = rng.uniform(-d.shift_px, d.shift_px, (n, 2))
    # inverse map: for each output pixel, where to read in the input. Output = S R H (input),
    # so input = H^-1 R^-1 S^-1 (output - shift)
    cos, sin = np.cos(angle), np.sin(angle)
    inv = np.empty((n, 2, 2), dtype=np.float32)
    # R^-1 / scale, then H^-1 = [[1, -shear], [0, 1]]
    inv[:, 0, 0] = (cos + shear * sin) / scale
    inv[:, 0, 1] = (sin - shear * cos) / scale
    inv[:, 1, 0] = -sin / scale
    inv[:, 1, 1] = cos / scale
    if d.stroke_width > 0:
        # thinning goes half as far: a full erosion wipes out MNIST's 2 px strokes
        amount = rng.uniform(-d.stroke_width / 2, d.stroke_width, n).astype(np.float32)
        images = stroke_width(images, amount)
        # a stroke gains ~|amount| px on each side: shrink the image so its ink box stays ~20 px
        inv *= (1 + np.maximum(amount, 0) / 10)[:, None, None]
    src = inv @ _GRID  # (n, 2, 784)
    src -= (inv @ shift[:, :, None].astype(np.float32))
    src += _CENTRE
    if d.elastic_alpha > 0:
        src += elastic_field(n, rng, d.elastic_alpha, d.elastic_sigma)
    return _bilinear(images, src[:, 0], src[:, 1])


def _neighbourhood(images: np.ndarray, reduce) -> np.ndarray:
    """``reduce`` (np.maximum or np.minimum) over each pixel's 3x3 neighbourhood; (n, 28, 28)."""
    a = images.reshape(-1, SIDE, SIDE)
    fill = 0.0 if reduce is np.maximum else 1.0  # outside the frame: never the winner
    p = np.pad(a, ((0, 0), (1, 1), (1, 1)), constant_values=fill)
    rows = reduce(reduce(p[:, :-2], p[:, 1:-1]), p[:, 2:])  # (n, 28, 30)
    return reduce(reduce(rows[:, :, :-2], rows[:, :, 1:-1]), rows[:, :, 2:])


def stroke_width(images: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Thicken (amount > 0) or thin (amount < 0) each image's strokes; (n, 784) float32, peak 1.

    ``amount`` (n,) in [-1, 1] is the fraction of the way to the grey dilation (or erosion) by a
    3x3 square: 1 adds about a pixel on each side of every stroke. The peak is set back to 1
    (preprocess makes every drawing's peak 1), unless the image is blank.
    """
    x = images.reshape(-1, SIDE, SIDE).astype(np.float32, copy=False)
    a = np.asarray(amount, dtype=np.float32)[:, None, None]
    target = np.where(a > 0, _neighbourhood(x, np.maximum), _neighbourhood(x, np.minimum))
    out = x + np.abs(a) * (target - x)
    peak = out.max(axis=(1, 2), keepdims=True)
    out = np.divide(out, peak, out=out, where=peak > 0)
    return out.reshape(len(x), SIDE * SIDE)


def _gaussian_matrix(sigma: float) -> np.ndarray:
    """(28, 28) Gaussian smoothing along one axis, rows summing to 1 (renormalised at the edges)."""
    i = np.arange(SIDE, dtype=np.float64)
    k = np.exp(-0.5 * ((i[:, None] - i[None, :]) / sigma) ** 2)
    return (k / k.sum(axis=1, keepdims=True)).astype(np.float32)


def elastic_field(n: int, rng: np.random.Generator, alpha: float, sigma: float) -> np.ndarray:
    """Random smooth displacements (n, 2, 784) in px: uniform noise, Gaussian-smoothed, times alpha."""
    g = _gaussian_matrix(sigma)
    noise = rng.uniform(-1, 1, (n, 2, SIDE, SIDE)).astype(np.float32)
    field = g @ noise @ g.T  # smooth along columns, then rows
    return (alpha * field).reshape(n, 2, SIDE * SIDE)


def _bilinear(images: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sample each image at (x, y) (both (n, 784)); outside the frame reads as background."""
    n = len(images)
    row = SIDE + 2
    # pad by one pixel of background so every neighbour index is valid after clipping
    padded = np.zeros((n, row, row), dtype=np.float32)
    padded[:, 1:-1, 1:-1] = images.reshape(n, SIDE, SIDE)
    flat = padded.ravel()
    np.clip(x, -1, SIDE - 1e-3, out=x)
    np.clip(y, -1, SIDE - 1e-3, out=y)
    x0 = np.floor(x)
    y0 = np.floor(y)
    fx = x - x0
    fy = y - y0
    # flat indices into the padded batch: (+1, +1) for the border, plus each image's offset
    base = (y0.astype(np.intp) + 1) * row + (x0.astype(np.intp) + 1)
    base += (np.arange(n, dtype=np.intp) * row * row)[:, None]
    v00 = np.take(flat, base)
    v01 = np.take(flat, base + 1)
    v10 = np.take(flat, base + row)
    v11 = np.take(flat, base + row + 1)
    top = v00 + fx * (v01 - v00)
    bottom = v10 + fx * (v11 - v10)
    return (top + fy * (bottom - top)).astype(np.float32, copy=False)


def flag_ones(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """A copy of ``images`` (n, 784) where each 1 has, with probability ``share``, a flag.

    The flag is an anti-aliased straight stroke from the top of the stem, down to the left: 4-9 px
    long, 15-45 degrees below the horizontal, 1.0-1.8 px wide (a different one per image).
    """
    return _top_strokes(images, labels, rng, share, digit=1, direction=-1.0, angles=(15, 45))


def curl_sixes(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """A copy of ``images`` (n, 784) where each 6 has, with probability ``share``, a curled top:
    a stroke like ``flag_ones``'s but to the right, 20-60 degrees below the horizontal."""
    return _top_strokes(images, labels, rng, share, digit=6, direction=1.0, angles=(20, 60))


def _top_strokes(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, share: float, *,
                 digit: int, direction: float, angles: tuple[float, float]) -> np.ndarray:
    """A stroke from the top of each chosen ``digit``, sideways (direction -1 left, +1 right) and down."""
    out = np.array(images, dtype=np.float32, copy=True)
    idx = np.flatnonzero((np.asarray(labels) == digit) & (rng.random(len(out)) < share))
    k = len(idx)
    if k == 0:
        return out
    length = rng.uniform(4, 9, k)
    angle = np.deg2rad(rng.uniform(*angles, k))
    width = rng.uniform(1.0, 1.8, k)
    a = out[idx].reshape(k, SIDE, SIDE)
    ink = a > 0.3
    top = np.argmax(ink.any(axis=2), axis=1)  # first row with ink, (k,)
    row = ink[np.arange(k), top]  # (k, 28)
    x0 = (row @ np.arange(SIDE)) / np.maximum(row.sum(axis=1), 1)
    y0 = top.astype(np.float64)
    dx, dy = direction * length * np.cos(angle), length * np.sin(angle)
    # distance from every pixel to the segment (x0, y0) -> (x0 + dx, y0 + dy), per image
    px, py = _xx[None] - x0[:, None, None], _yy[None] - y0[:, None, None]
    t = np.clip((px * dx[:, None, None] + py * dy[:, None, None]) / (length ** 2)[:, None, None], 0, 1)
    dist = np.hypot(px - t * dx[:, None, None], py - t * dy[:, None, None])
    stroke = np.clip(width[:, None, None] - dist, 0, 1).astype(np.float32)
    out[idx] = np.maximum(a, stroke).reshape(k, SIDE * SIDE)
    return out
