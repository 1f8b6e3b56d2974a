"""Deskewing by moments: slanted strokes come out upright, upright ones unchanged, batches exact."""

from __future__ import annotations

import numpy as np

from digitlab.model.deskew import MAX_SLANT, deskew, slant


def _stroke(slope: float, width: float = 1.2) -> np.ndarray:
    """A vertical-ish bar (784,), x = 14 + slope (y - 14) for rows 4-23, anti-aliased."""
    yy, xx = np.mgrid[0:28, 0:28].astype(np.float64)
    centre = 14 + slope * (yy - 14)
    img = np.clip(width - np.abs(xx - centre), 0, 1) * ((yy >= 4) & (yy <= 23))
    return img.astype(np.float32).ravel()


def _column_spread(image: np.ndarray) -> float:
    """Mass-weighted spread (px) of the columns of the ink: a vertical bar has little."""
    a = image.reshape(28, 28).astype(np.float64)
    cols = a.sum(axis=0)
    cx = cols @ np.arange(28) / cols.sum()
    return float(np.sqrt(cols @ (np.arange(28) - cx) ** 2 / cols.sum()))


def test_a_slanted_stroke_becomes_upright() -> None:
    for slope in (0.3, -0.4):  # a backslash and the common forward slant
        bar = _stroke(slope)
        assert abs(slant(bar[None])[0] - slope) < 0.02  # the moments read the slope
        upright = deskew(bar)
        assert abs(slant(upright[None])[0]) < 0.01
        # the ink now lies in a narrow column, as the upright bar's does (a little wider: interpolation)
        assert _column_spread(upright) < 1.5 * _column_spread(_stroke(0.0)) < _column_spread(bar) / 2
        # the centre of mass stays where preprocessing put it, and no ink is lost
        np.testing.assert_allclose(upright.sum(), bar.sum(), rtol=1e-4)
        for img in (bar, upright):
            a = img.reshape(28, 28)
            assert abs(a.sum(axis=1) @ np.arange(28) / a.sum() - 13.5) < 0.01


def test_upright_and_blank_images_are_unchanged() -> None:
    bar = _stroke(0.0)
    np.testing.assert_array_equal(deskew(bar), bar)
    blank = np.zeros((2, 784), np.float32)
    np.testing.assert_array_equal(deskew(blank), blank)
    # a horizontal line has no vertical spread to read a slant from
    line = np.zeros((28, 28), np.float32)
    line[14, 5:23] = 1
    np.testing.assert_array_equal(deskew(line.ravel()), line.ravel())


def test_batch_equals_one_by_one_and_input_is_kept(mnist) -> None:
    x = mnist.test_x[:50].copy()
    before = x.copy()
    batch = deskew(x)
    assert batch.shape == (50, 784) and batch.dtype == np.float32
    np.testing.assert_array_equal(x, before)
    one_by_one = np.stack([deskew(row) for row in x])
    np.testing.assert_allclose(batch, one_by_one, atol=1e-6)
    assert batch.min() >= 0 and batch.max() <= 1
    # MNIST's slants are taken out: the mean |alpha| falls to ~0
    assert np.abs(slant(x)).mean() > 0.1 > 100 * np.abs(slant(batch)).mean()


def test_slant_is_clipped() -> None:
    bar = _stroke(3.0)  # far past 45 degrees: a smear across the frame
    assert abs(slant(bar[None])[0]) <= MAX_SLANT
    assert deskew(np.zeros((0, 784), np.float32)).shape == (0, 784)
