"""Deskewing by image moments: a slanted digit sheared upright, for a batch of 28x28 images.

People slant their digits; MNIST's writers did too, each by their own amount. A network has to
learn every slant of every digit unless the slant is taken out first. The slant is read from the
image's second moments (the ink as a mass distribution, x the column, y the row):

    mu02 = E[(y - cy)^2]        mu11 = E[(x - cx)(y - cy)]        alpha = mu11 / mu02

alpha is the slope of the least-squares line x = cx + alpha (y - cy) through the ink: how far
each row's ink sits to the right, per row down. Shearing every row by -alpha (y - cy) makes that
line vertical (mu11 = 0) and leaves the centre of mass where it was, so ``preprocess``'s centring
stands. Each output pixel reads the input at x + alpha (y - cy), by linear interpolation along its
row (bilinear sampling, rows being whole pixels); outside the frame reads as background.

The method is the one behind the deskewed-MNIST results (LeCun et al.'s table lists deskewing
for several classifiers; the moment-based form is e.g. in Dibya Ghosh's notes). Left out:
rotation (deskewing shears, it does not rotate: a rotated digit stays rotated, which is what
augmentation covers), and the peak is not set back to 1 after the small blur of interpolation.
"""

from __future__ import annotations

import numpy as np

SIDE = 28  # images are SIDE x SIDE, flattened row-major
MAX_SLANT = 1.0  # |alpha|: 45 degrees; beyond it the "slant" of a flat blob is noise, not a slant
_MIN_SPREAD = 1e-3  # px^2 of mu02 under which an image is a horizontal line: left as it is
_rows = np.arange(SIDE, dtype=np.float64)
_cols = np.arange(SIDE, dtype=np.intp)
# the raw moments as one product: images (n, 784) @ _BASIS -> sum of a * (1, y, x, y^2, x y)
_yy, _xx = (g.ravel() for g in np.mgrid[0:SIDE, 0:SIDE].astype(np.float64))
_PADDED = 3 * SIDE + 1  # a row with room to read up to 28 px either side (|shift| < 28) and one more
_BASIS = np.stack([np.ones_like(_yy), _yy, _xx, _yy * _yy, _xx * _yy], axis=1)  # (784, 5)


def _slant_and_centre(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """alpha (clipped) and the centre-of-mass row cy of each image of a batch (n, 784); (n,) each."""
    m = batch.astype(np.float64) @ _BASIS  # (n, 5), in float64: central moments are differences
    mass = np.where(m[:, 0] > 0, m[:, 0], 1.0)
    cy, cx = m[:, 1] / mass, m[:, 2] / mass
    mu02 = m[:, 3] / mass - cy * cy  # E[(y - cy)^2]
    mu11 = m[:, 4] / mass - cx * cy  # E[(x - cx)(y - cy)]
    alpha = np.where(mu02 > _MIN_SPREAD, mu11 / np.maximum(mu02, _MIN_SPREAD), 0.0)
    # (minimum/maximum rather than np.clip: the same numbers, a quarter of clip's overhead)
    return np.maximum(np.minimum(alpha, MAX_SLANT), -MAX_SLANT), cy


def slant(images: np.ndarray) -> np.ndarray:
    """alpha = mu11 / mu02 of each image in a batch (n, 784), clipped to +-MAX_SLANT; (n,) float64.

    Positive when the ink leans left going down (a backslash), negative for a forward slant
    ("/", the common one). A blank image, or one whose ink lies in a single row, has slant 0.
    """
    return _slant_and_centre(np.asarray(images).reshape(-1, SIDE * SIDE))[0]


def deskew(images: np.ndarray) -> np.ndarray:
    """Shear each image of a batch (n, 784) in [0, 1] upright about its centre of mass.

    Returns a new (n, 784) float32 batch; a single image (784,) gives (784,). An upright image
    (mu11 = 0) and a blank one come back unchanged.
    """
    x = np.asarray(images, dtype=np.float32)
    one = x.ndim == 1
    batch = x.reshape(-1, SIDE * SIDE)
    n = len(batch)
    if n == 0:
        return batch.copy()
    alpha, cy = _slant_and_centre(batch)
    # output pixel (y, x) reads the input at (y, x + s_y), s_y = alpha (y - cy): a whole row moves
    # by one amount, so the bilinear read is a linear one along the row, between two columns
    shift = alpha[:, None] * (_rows - cy[:, None])  # (n, 28), |s_y| < 28 as |alpha| <= 1
    whole = np.floor(shift)
    frac = (shift - whole).astype(np.float32)[:, :, None]
    # background on both sides, wide enough for any shift: every read lands in the padded row
    padded = np.zeros((n, SIDE, _PADDED), dtype=np.float32)
    padded[:, :, SIDE : 2 * SIDE] = batch.reshape(n, SIDE, SIDE)
    # flat indices of the columns read, row by row: one np.take each (take_along_axis builds an index
    # per axis, several times the cost for one drawing)
    row_starts = (np.arange(n * SIDE, dtype=np.intp) * _PADDED).reshape(n, SIDE, 1)
    left = _cols + (whole.astype(np.intp) + SIDE)[:, :, None] + row_starts
    flat = padded.reshape(-1)
    v0 = np.take(flat, left)
    v1 = np.take(flat, left + 1)
    out = (v0 + frac * (v1 - v0)).reshape(n, SIDE * SIDE)
    return out[0] if one else out


__all__ = ["deskew", "slant", "MAX_SLANT"]
