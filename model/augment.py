"""Random small affine distortions of 28x28 images, for training that reads people's drawings.

Each image gets its own rotation, scale, shear and shift, drawn from ``rng``; every output pixel
is sampled from the input with bilinear interpolation. It is vectorised over the whole batch: the
only Python loop is over the four bilinear neighbours. The transform is about the image centre,
so a centred digit stays centred up to the shift. Elastic distortions (Simard et al., 2003) are
left out: small affine ones already bring an MLP below 1% error on MNIST.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def random_affine(
    images: np.ndarray, rng: np.random.Generator, distortion: Distortion = Distortion()
) -> np.ndarray:
    """Distort a batch of flattened 28x28 images (n, 784) in [0, 1]; returns a new float32 batch."""
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
    src = inv @ _GRID  # (n, 2, 784)
    src -= (inv @ shift[:, :, None].astype(np.float32))
    src += _CENTRE
    return _bilinear(images, src[:, 0], src[:, 1])


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
