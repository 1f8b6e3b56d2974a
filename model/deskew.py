"""Deskewing by image moments: a slanted digit sheared upright, for a batch of 28x28 images.

People slant their digits; MNIST's writers did too, each by their own amount. A network has to
learn every slant of every digit unless the slant is taken out first. The slant is read from the
image's second moments (the ink as a mass distribution, x the column, y the row):

    mu02 = E[(y - cy)^2]        mu11 = E[(x - cx)(y - cy)]        alpha = mu11 / mu02

alpha is the slope of the least-squares line x = cx + alpha (y - cy) through the ink: how far
each row's ink sits to the right, per row down. Shearing every row by -alpha (y - cy) makes that
line vertical (mu11 = 0) and leaves the centre of mass where it was, so ``preprocess``'s centring
stands. Each output pixel reads the input at x + alpha (y - cy), by bilinear interpolation
(``model.augment.bilinear``; along a row only, rows being whole pixels).

The method is the one behind the deskewed-MNIST results (LeCun et al.'s table lists deskewing
for several classifiers; the moment-based form is e.g. in Dibya Ghosh's notes). Left out:
rotation (deskewing shears, it does not rotate: a rotated digit stays rotated, which is what
augmentation covers), and the peak is not set back to 1 after the small blur of interpolation.
"""

from __future__ import annotations

import numpy as np

from digitlab.model.augment import SIDE, bilinear

MAX_SLANT = 1.0  # |alpha|: 45 degrees; beyond it the "slant" of a flat blob is noise, not a slant
_MIN_SPREAD = 1e-3  # px^2 of mu02 under which an image is a horizontal line: left as it is
_rows = np.arange(SIDE, dtype=np.float64)
_cols = np.arange(SIDE, dtype=np.float32)
_row_of_pixel = np.repeat(np.arange(SIDE, dtype=np.float32), SIDE)  # (784,): each pixel's row


def _slant_and_centre(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """alpha (clipped) and the centre-of-mass row cy of each image of a batch (n, 784); (n,) each."""
    a = batch.reshape(-1, SIDE, SIDE).astype(np.float64)
    row_mass = a.sum(axis=2)  # (n, 28)
    col_mass = a.sum(axis=1)  # (n, 28)
    mass = row_mass.sum(axis=1)  # (n,)
    safe = np.where(mass > 0, mass, 1.0)
    cy = row_mass @ _rows / safe
    cx = col_mass @ _rows / safe
    dy = _rows - cy[:, None]  # (n, 28) per row
    dx = _rows - cx[:, None]  # (n, 28) per column
    mu02 = (row_mass * dy * dy).sum(axis=1) / safe
    # E[(x - cx)(y - cy)]: each row's ink . (x - cx), weighted by that row's (y - cy)
    mu11 = (np.matmul(a, dx[:, :, None])[:, :, 0] * dy).sum(axis=1) / safe
    alpha = np.where(mu02 > _MIN_SPREAD, mu11 / np.maximum(mu02, _MIN_SPREAD), 0.0)
    return np.clip(alpha, -MAX_SLANT, MAX_SLANT), cy


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
    # output pixel (y, x) reads the input at (y, x + alpha (y - cy)): row y moves by -alpha (y - cy)
    shift = (alpha[:, None] * (_rows - cy[:, None])).astype(np.float32)  # (n, 28) per row
    src_x = (_cols + shift[:, :, None]).reshape(n, SIDE * SIDE)
    out = bilinear(batch, src_x, np.tile(_row_of_pixel, (n, 1)))
    return out[0] if one else out


__all__ = ["deskew", "slant", "MAX_SLANT"]
