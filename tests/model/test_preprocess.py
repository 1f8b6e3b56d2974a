"""Tests for model.preprocess: canvas image -> MNIST-style 28x28 input."""

from __future__ import annotations

import math
import time
import warnings
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from digitlab.model.data import FILES, MNIST_DIR, read_idx
from digitlab.model.preprocess import (
    BOX,
    CENTRE,
    INK_THRESHOLD,
    SIZE,
    Preprocessed,
    area_matrix,
    area_resize,
    as_input,
    preprocess,
)

FAST = settings(max_examples=60, deadline=None)


@lru_cache(maxsize=1)
def mnist_test_images() -> np.ndarray:
    return read_idx(MNIST_DIR / FILES["test_images"])  # (10000, 28, 28) uint8


def run_strict(image: object) -> Preprocessed:
    """preprocess with every NumPy floating-point problem and every warning turned into an error."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        return preprocess(image)


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    m = img.sum(dtype=np.float64)
    return (
        float(img.sum(axis=1) @ np.arange(img.shape[0]) / m),
        float(img.sum(axis=0) @ np.arange(img.shape[1]) / m),
    )


def ink_bbox(img: np.ndarray, level: float = 0.0) -> tuple[int, int, int, int]:
    rows = np.flatnonzero((img > level).any(axis=1))
    cols = np.flatnonzero((img > level).any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def normalised(image: np.ndarray) -> np.ndarray:
    """The reference reading of the input range: integers /255, floats as is, clipped."""
    a = image.astype(np.float64)
    if image.dtype.kind in "iu":
        a = a / 255
    return np.clip(a, 0, 1)


def check_result(p: Preprocessed, image: np.ndarray) -> None:
    """Invariants every result must satisfy, whatever the input."""
    ref = normalised(image)
    assert p.image.shape == (SIZE, SIZE) and p.image.dtype == np.float32
    assert p.vector.shape == (SIZE * SIZE,) and p.vector.dtype == np.float32
    assert p.scaled20.shape == (BOX, BOX) and p.scaled20.dtype == np.float32
    assert np.array_equal(p.vector, p.image.ravel())
    for a in (p.crop, p.scaled20, p.image):
        assert np.isfinite(a).all() and ((a >= 0) & (a <= 1)).all()
        assert not a.flags.writeable
    # (a small band around the threshold is left to the module's own float rounding)
    if p.empty:
        assert not (ref > INK_THRESHOLD + 1e-6).any()
        assert not p.image.any() and not p.scaled20.any() and p.crop.shape == (0, 0)
        assert p.box is None
        return
    assert (ref > INK_THRESHOLD - 1e-6).any()

    # the box holds every ink pixel, and is tight: each of its edges touches ink
    top, left, bottom, right = p.box
    outside = ref.copy()
    outside[top:bottom, left:right] = 0
    assert outside.max() <= INK_THRESHOLD + 1e-6
    edges = [p.crop[0], p.crop[-1], p.crop[:, 0], p.crop[:, -1]]
    assert all(e.max() > INK_THRESHOLD - 1e-6 for e in edges)
    np.testing.assert_allclose(p.crop, ref[top:bottom, left:right], atol=1e-6)

    # longer side exactly 20, aspect ratio kept to within rounding
    h, w = p.crop.shape
    sh, sw = p.scaled_size
    assert max(sh, sw) == BOX
    assert abs(min(sh, sw) - max(1.0, BOX * min(h, w) / max(h, w))) <= 0.5 + 1e-9
    assert (sh >= sw) == (h >= w) or sh == sw
    assert p.image.max() == 1.0  # contrast stretched like MNIST's 255 peaks

    # nothing cut off: the 28x28 image holds the whole resampled box, ink for ink
    oy, ox = p.offset
    assert 0 <= oy <= SIZE - sh and 0 <= ox <= SIZE - sw
    fy, fx = (BOX - sh) // 2, (BOX - sw) // 2
    placed, framed = p.image[oy : oy + sh, ox : ox + sw], p.scaled20[fy : fy + sh, fx : fx + sw]
    np.testing.assert_array_equal(placed, framed)
    assert p.image.sum(dtype=np.float64) == pytest.approx(p.scaled20.sum(dtype=np.float64))

    # centre of mass on (14, 14) to within the whole-pixel rounding, unless the frame's edge
    # stopped the shift (then the box touches that edge)
    cy, cx = centre_of_mass(p.image)
    for c, target, lo, hi in ((cy, CENTRE[0], oy, oy + sh), (cx, CENTRE[1], ox, ox + sw)):
        off_centre = c - target
        if abs(off_centre) > 0.5 + 1e-3:  # half a pixel, and ties within float noise
            assert (off_centre > 0 and lo == 0) or (off_centre < 0 and hi == SIZE)


# ------------------------------------------------------------------------------- properties
grey_dtypes = st.sampled_from([np.uint8, np.int64, np.int16, np.float32, np.float64, np.bool_])


@st.composite
def canvases(draw: st.DrawFn) -> np.ndarray:
    dtype = np.dtype(draw(grey_dtypes))
    shape = (draw(st.integers(1, 70)), draw(st.integers(1, 70)))
    if dtype.kind == "b":
        elements = st.booleans()
    elif dtype.kind in "iu":
        lo = -50 if dtype.kind == "i" else 0
        elements = st.integers(lo, 300 if dtype.itemsize > 1 else 255)
    else:
        elements = st.floats(-0.5, 1.5, width=8 * dtype.itemsize)
    img = draw(arrays(dtype, shape, elements=elements))
    # mostly-dark canvases are the common case: blank out a random part
    if draw(st.booleans()):
        keep = draw(arrays(np.bool_, shape, elements=st.booleans()))
        img = np.where(keep, img, np.zeros((), dtype)).astype(dtype)
    return img


@FAST
@given(canvases())
def test_any_canvas_gives_a_valid_centred_uncut_28x28(image: np.ndarray) -> None:
    check_result(run_strict(image), image)


@FAST
@given(
    digit=st.integers(0, 9999),
    size=st.tuples(st.integers(30, 120), st.integers(30, 120)),
    data=st.data(),
)
def test_where_the_digit_is_drawn_does_not_matter(
    digit: int, size: tuple[int, int], data: st.DataObject
) -> None:
    d = mnist_test_images()[digit]
    at = [data.draw(st.integers(0, n - 28), label=f"offset{i}") for i, n in enumerate(size)]
    canvas = np.zeros(size, dtype=np.uint8)
    canvas[at[0] : at[0] + 28, at[1] : at[1] + 28] = d
    p, q = run_strict(canvas), run_strict(d)
    np.testing.assert_array_equal(p.image, q.image)
    assert p.box == (q.box[0] + at[0], q.box[1] + at[1], q.box[2] + at[0], q.box[3] + at[1])


@FAST
@given(canvases())
def test_uint8_and_float_canvases_read_alike(image: np.ndarray) -> None:
    if image.dtype != np.uint8:
        image = (normalised(image) * 255).round().astype(np.uint8)
    p, q = run_strict(image), run_strict(image.astype(np.float64) / 255)
    assert p.empty == q.empty and p.box == q.box
    np.testing.assert_allclose(p.image, q.image, atol=1e-5)


@FAST
@given(st.integers(1, 60), st.integers(1, 60), st.integers(0, 2**32 - 1))
def test_area_resize_is_exact_area_averaging(n_in: int, n_out: int, seed: int) -> None:
    x = np.random.default_rng(seed).random((n_in, 3))
    # independent reference: subdivide both grids to their common refinement (the lcm), where
    # every fine cell lies in exactly one input and one output pixel, then average
    fine = math.lcm(n_in, n_out)
    ref = np.repeat(x, fine // n_in, axis=0).reshape(n_out, fine // n_out, 3).mean(axis=1)
    r = area_matrix(n_out, n_in)
    np.testing.assert_allclose(r @ x, ref, atol=1e-6)
    np.testing.assert_allclose(r.sum(axis=1), 1, atol=1e-6)
    assert (r >= 0).all()


# ------------------------------------------------------------------------------- specific cases
def test_area_resize_averages_2x2_blocks() -> None:
    x = np.random.default_rng(1).random((40, 40)).astype(np.float32)
    blocks = x.reshape(20, 2, 20, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(area_resize(x, (20, 20)), blocks, atol=1e-6)


def test_a_40x40_block_image_comes_out_as_its_blocks() -> None:
    # 2x2 blocks of one value each, all inked, one block at full scale: the crop is the whole
    # image, the contrast stretch is a no-op, and scaled20 is exactly the block values
    blocks = np.random.default_rng(2).uniform(0.2, 0.9, (20, 20)).astype(np.float32)
    blocks[7, 11] = 1.0
    p = run_strict(np.kron(blocks, np.ones((2, 2), np.float32)))
    assert p.box == (0, 0, 40, 40) and p.scaled_size == (20, 20)
    np.testing.assert_allclose(p.scaled20, blocks, atol=1e-6)


def test_shrinking_keeps_a_one_pixel_stroke_that_nearest_neighbour_would_drop() -> None:
    canvas = np.zeros((200, 200), np.uint8)
    canvas[:, 0] = 255  # left edge
    canvas[:, 101] = 255  # an odd column: sampling every 10th column misses it
    canvas[0, :] = 255  # top edge, so the box is the whole canvas
    p = run_strict(canvas)
    assert p.scaled_size == (20, 20)
    column = p.scaled20[1:, 10]  # output column 10 covers input columns 100-109
    np.testing.assert_allclose(column, column[0], rtol=1e-6)  # float32 sums: equal to rounding
    assert column[0] > 0.05


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64, np.bool_])
@pytest.mark.parametrize("shape", [(280, 280), (1, 1), (3, 7), (90, 400)])
def test_blank_canvas_is_empty_not_an_error(dtype: type, shape: tuple[int, int]) -> None:
    p = run_strict(np.zeros(shape, dtype))
    assert p.empty and p.box is None and not p.image.any() and p.vector.shape == (784,)


def test_antialias_fuzz_alone_counts_as_nothing_drawn() -> None:
    fuzz = np.full((280, 280), INK_THRESHOLD, np.float32)
    fuzz[::2] = 0.01
    assert run_strict(fuzz).empty
    assert run_strict(np.full((280, 280), 12, np.uint8)).empty  # 12/255 < 5%
    assert not run_strict(np.full((280, 280), 13, np.uint8)).empty


def test_fuzz_does_not_grow_the_box() -> None:
    canvas = np.full((100, 100), 0.03, np.float32)
    canvas[40:60, 45:50] = 1.0
    canvas[39, 45:50] = canvas[60, 45:50] = 0.04  # a faint antialiased rim
    assert run_strict(canvas).box == (40, 45, 60, 50)


@pytest.mark.parametrize("where", [(0, 0), (0, 279), (279, 0), (279, 279), (140, 3)])
def test_a_single_dot_fills_the_box_and_is_centred(where: tuple[int, int]) -> None:
    canvas = np.zeros((280, 280), np.uint8)
    canvas[where] = 255
    p = run_strict(canvas)
    assert p.box == (where[0], where[1], where[0] + 1, where[1] + 1)
    assert p.scaled_size == (20, 20) and p.offset == (4, 4)
    assert p.image[4:24, 4:24].min() == 1.0 and p.image.sum() == 400
    check_result(p, canvas)


@pytest.mark.parametrize("line", ["top", "bottom", "left", "right"])
def test_a_stroke_along_the_border(line: str) -> None:
    canvas = np.zeros((280, 280), np.uint8)
    every = slice(None)
    index = {"top": (0, every), "bottom": (-1, every), "left": (every, 0), "right": (every, -1)}
    canvas[index[line]] = 255
    p = run_strict(canvas)
    horizontal = line in ("top", "bottom")
    assert p.scaled_size == ((1, 20) if horizontal else (20, 1))
    if horizontal:
        np.testing.assert_array_equal(p.image[14, 4:24], 1.0)
    else:
        np.testing.assert_array_equal(p.image[4:24, 14], 1.0)
    assert p.image.sum() == 20
    check_result(p, canvas)


def test_all_ink_canvas_is_a_centred_20x20_square() -> None:
    p = run_strict(np.full((280, 280), 255, np.uint8))
    expected = np.zeros((28, 28), np.float32)
    expected[4:24, 4:24] = 1
    np.testing.assert_allclose(p.image, expected, atol=1e-6)  # float32 rounding, not a blur


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (7, 3), (1, 200), (2000, 2000), (120, 700)])
def test_tiny_huge_and_non_square_canvases(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    canvas = np.zeros(shape, np.float32)
    h, w = shape
    # a blob with a soft edge somewhere off-centre, at least one pixel
    y0, x0 = rng.integers(0, h), rng.integers(0, w)
    canvas[y0 : y0 + max(1, h // 3), x0 : x0 + max(1, w // 4)] = 0.8
    p = run_strict(canvas)
    assert not p.empty
    check_result(p, canvas)


def test_off_centre_upscaled_mnist_digit_comes_back() -> None:
    images = mnist_test_images()
    rng = np.random.default_rng(3)
    for digit in images[:25]:
        canvas = np.zeros((400, 500), np.uint8)
        y, x = rng.integers(0, 400 - 280), rng.integers(0, 500 - 280)
        canvas[y : y + 280, x : x + 280] = np.kron(digit, np.ones((10, 10), np.uint8))
        p = run_strict(canvas)
        r = np.corrcoef(p.vector, digit.ravel().astype(np.float32))[0, 1]
        assert r > 0.8


def test_mnist_digits_are_already_preprocessed() -> None:
    # MNIST's own digits, sent through again, come back where they were: same box, same place
    for d in mnist_test_images()[:300]:
        p = run_strict(d)
        top, left, bottom, right = ink_bbox(d, level=12)  # the module's 5% threshold in uint8
        assert p.offset == (top, left) and p.scaled_size == (bottom - top, right - left)
        assert np.corrcoef(p.vector, d.ravel().astype(np.float32))[0, 1] > 0.99


def test_results_are_read_only_snapshots() -> None:
    canvas = np.zeros((50, 50), np.uint8)
    canvas[10:30, 20:25] = 255
    p = run_strict(canvas)
    before = p.image.copy()
    canvas[:] = 0  # the canvas goes on changing; the result must not
    np.testing.assert_array_equal(p.image, before)
    with pytest.raises(ValueError):
        p.vector[0] = 1
    with pytest.raises(AttributeError):
        p.empty = True  # type: ignore[misc]


def test_takes_nested_lists_as_integer_grey_levels() -> None:
    p = run_strict([[0, 0, 0], [0, 255, 0], [0, 0, 0]])
    assert p.box == (1, 1, 2, 2) and p.image.max() == 1.0


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((28, 28, 3), np.uint8), "2-D"),
        (np.zeros(784, np.float32), "2-D"),
        (np.float32(1.0), "2-D"),
        (np.zeros((0, 10), np.uint8), "no pixels"),
        (np.array([["a", "b"]]), "numeric"),
        (np.array([[None, 1]], dtype=object), "numeric"),
        (np.ones((4, 4), np.complex64), "numeric"),
        (np.array([[0.0, np.nan]]), "NaN"),
        (np.array([[0.0, np.inf]], np.float32), "infinite"),
        ([[0, 1], [2]], "rectangular"),
    ],
)
def test_bad_input_raises_a_clear_value_error(bad: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        preprocess(bad)


@pytest.mark.timing
def test_a_280x280_canvas_takes_well_under_50_ms() -> None:
    canvas = np.zeros((280, 280), np.uint8)
    digit = mnist_test_images()[0][1:25, 3:25]  # (24, 22)
    canvas[20:260, 30:250] = np.kron(digit, np.ones((10, 10), np.uint8))
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        preprocess(canvas)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 0.05  # generous (0.12 ms here: python -m benchmarks.model)


def test_an_mnist_image_as_input_keeps_its_pixels_exactly(mnist) -> None:
    for i in range(20):
        x = mnist.test_x[i]
        r = as_input(x)
        assert not r.empty and np.array_equal(r.vector, x) and r.image.shape == (28, 28)
        top, left, bottom, right = r.box
        assert np.array_equal(r.crop, x.reshape(28, 28)[top:bottom, left:right])
        assert r.scaled20.shape == (20, 20)
        if max(r.crop.shape) <= 20:  # the box itself, centred in the frame
            assert r.scaled20.sum() == pytest.approx(r.crop.sum(), rel=1e-6)
    assert as_input(np.zeros(784)).empty
    with pytest.raises(ValueError, match="784"):
        as_input(np.zeros((20, 20)))
