"""Canvas image -> the 28x28 input that MNIST-trained networks expect.

MNIST was made this way (LeCun, Cortes and Burges, "The MNIST database of handwritten digits"):
each NIST digit was size-normalised to fit a 20x20 box keeping its aspect ratio, with
anti-aliasing (hence the grey levels), then placed in a 28x28 field so that its centre of mass
sits at the field's centre. A network trained on those images has only ever seen digits of that
size and position, so a drawing has to go through the same steps before it is shown one:

1. normalise: uint8 (and any integer) grey levels /255, floats taken as [0, 1]; both clipped;
2. crop to the ink's bounding box, ignoring pixels at or under ``INK_THRESHOLD`` so that the
   canvas's anti-alias fuzz does not grow the box;
3. area-resample the box so its longer side is 20 px (``area_matrix``: out = Ry @ crop @ Rx.T,
   exact area averaging for any scale factor, up or down), then stretch its contrast to a
   maximum of 1.0, as every MNIST digit reaches 254-255;
4. shift it by whole pixels so its centre of mass lands on ``CENTRE`` = (14, 14) of the 28x28
   field, clipped so that no ink leaves the frame. Whole pixels, like the original: measured on the
   60,000 training digits, the centre of mass is (14.00, 14.01) in row/column index coordinates
   with a spread of 0.29 px, the standard deviation of a uniform +-0.5 px rounding error.

Every stage is returned (``Preprocessed``) so the GUI can show them. A network trained on
deskewed digits (``Network.deskew``) shears its input upright itself (``Network.inputs``, with
``model.deskew``); ``with_network_input`` records what it read as one more stage, ``deskewed``,
for the preview. Left out: stroke thickness normalisation, and any guess about the background:
ink must be bright on a dark ground (invert a dark-on-light image first).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

SIZE = 28  # the network's input field, SIZE x SIZE
BOX = 20  # the longer side of the digit's box inside it
CENTRE = (14, 14)  # (row, col) where the centre of mass goes, in pixel index coordinates
INK_THRESHOLD = 0.05  # on [0, 1]: values at or below this are background when finding the box


@dataclass(frozen=True)
class Preprocessed:
    """Every stage of ``preprocess``; all arrays are float32 in [0, 1] and read-only.

    When nothing is drawn (``empty``), ``crop`` is (0, 0), ``box`` is None, ``scaled_size`` and
    ``offset`` are (0, 0), and ``scaled20``, ``image`` and ``vector`` are all zeros.
    """

    crop: Array  # (h, w): the ink's bounding box cut from the normalised canvas
    box: tuple[int, int, int, int] | None  # (top, left, bottom, right) on the canvas, end-exclusive
    scaled20: Array  # (20, 20): the box resampled to longer side 20, peak 1, centred in the frame
    scaled_size: tuple[int, int]  # (h', w') of the resampled box inside scaled20, max(h', w') == 20
    offset: tuple[int, int]  # (row, col) of the resampled box's top-left corner in image
    image: Array  # (28, 28): the network's input as a picture
    vector: Array  # (784,): the same pixels row-major, what net.predict takes (one row)
    empty: bool  # no pixel above INK_THRESHOLD: nothing drawn, nothing to classify
    # (28, 28): what a network that deskews (Network.deskew) reads of ``vector``, its slant sheared
    # out; None when the network reads ``image`` as it is
    deskewed: Array | None = None

    @property
    def network_input(self) -> Array:
        """(28, 28): the picture the network's first layer reads, deskewed or not."""
        return self.image if self.deskewed is None else self.deskewed


def _frozen(a: Array) -> Array:
    a.flags.writeable = False
    return a


def _empty() -> Preprocessed:
    image = _frozen(np.zeros((SIZE, SIZE), dtype=np.float32))
    return Preprocessed(
        crop=_frozen(np.zeros((0, 0), dtype=np.float32)),
        box=None,
        scaled20=_frozen(np.zeros((BOX, BOX), dtype=np.float32)),
        scaled_size=(0, 0),
        offset=(0, 0),
        image=image,
        vector=image.reshape(SIZE * SIZE),
        empty=True,
    )


@functools.lru_cache(maxsize=1024)  # a drawing's box has one of a few hundred sizes: made once each
def area_matrix(n_out: int, n_in: int) -> Array:
    """The (n_out, n_in) area-resampling matrix along one axis, float32, rows summing to 1.

    Output pixel i covers the input interval [i n_in / n_out, (i + 1) n_in / n_out); R[i, j] is the
    fraction of that interval lying in input pixel j. So R @ x averages x over each output pixel's
    footprint exactly, fractional edges included: a box filter the width of an output pixel, which
    is proper anti-aliasing when shrinking (nearest neighbour would drop thin strokes) and
    pixel replication when enlarging. Read-only: it is cached.
    """
    if n_out < 1 or n_in < 1:
        raise ValueError(f"area_matrix needs positive sizes, got n_out={n_out}, n_in={n_in}")
    # edges in input-pixel units; integer product first so whole-number edges come out exact
    edges = np.arange(n_out + 1, dtype=np.float64) * n_in / n_out
    j = np.arange(n_in, dtype=np.float64)
    overlap = np.minimum(edges[1:, None], j + 1) - np.maximum(edges[:-1, None], j)  # (n_out, n_in)
    matrix = (np.clip(overlap, 0.0, None) * (n_out / n_in)).astype(np.float32)
    matrix.setflags(write=False)  # shared by every call with these sizes
    return matrix


def area_resize(image: Array, shape: tuple[int, int]) -> Array:
    """Resample a 2-D float image to ``shape`` by area averaging: Ry @ image @ Rx.T, float32."""
    h, w = image.shape
    ry, rx = area_matrix(shape[0], h), area_matrix(shape[1], w)
    img = np.asarray(image, dtype=np.float32)
    # shrink along the axis that ends up smaller first: the first product is the expensive one
    if shape[0] <= shape[1]:
        return (ry @ img) @ rx.T
    return ry @ (img @ rx.T)


def _check(image: object) -> Array:
    try:
        a = np.asarray(image)
    except (ValueError, TypeError) as e:  # ragged nested lists and the like
        raise ValueError(f"image is not a rectangular array: {e}") from e
    if a.dtype.kind not in "biuf":
        raise ValueError(f"image must be numeric (bool, integer or float), got dtype {a.dtype}")
    if a.ndim != 2:
        raise ValueError(f"image must be 2-D (height, width) grey levels, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"image has no pixels, shape {a.shape}")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ValueError("image contains NaN or infinite values")
    return a


def _ink_box(a: Array) -> tuple[int, int, int, int] | None:
    """Bounding box of the pixels above INK_THRESHOLD, decided in the input's own units."""
    if a.dtype.kind == "b":
        ink = a
    elif a.dtype.kind in "iu":
        # integer grey levels: v / 255 > 0.05  <=>  v > 12.75  <=>  v > 12; stays in integers
        ink = a > math.floor(INK_THRESHOLD * 255)
    else:
        ink = a > INK_THRESHOLD
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(ink.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _normalise(a: Array) -> Array:
    """Grey levels to float32 in [0, 1]: integers are 8-bit (/255), floats already [0, 1]."""
    if a.dtype.kind in "iu":
        out = a.astype(np.float32) * np.float32(1 / 255)
    else:
        out = a.astype(np.float32)  # bool -> 0/1; float16/32/64 -> float32, always a copy
    return np.clip(out, 0.0, 1.0, out=out)


def _round_half_down(x: float) -> int:
    # ties go down, so a symmetric box of even side sits geometrically centred (4 px margins for
    # 20 px); "ties" within float32 noise of .5, or the same drawing could jump a pixel either way
    return math.ceil(x - 0.5 - 1e-4)


def preprocess(image: Array) -> Preprocessed:
    """Turn a canvas image into the network's 28x28 input, MNIST's way; see the module docstring.

    ``image``: 2-D (height, width), any size, bright ink on a dark ground; uint8 or any integer
    type as 0-255 grey levels, bool as ink/no ink, float as [0, 1]. Out-of-range values are
    clipped. Raises ValueError for anything else (wrong rank, no pixels, non-numeric, NaN, inf).
    """
    a = _check(image)
    box = _ink_box(a)
    if box is None:
        return _empty()
    top, left, bottom, right = box
    h, w = bottom - top, right - left
    longer = max(h, w)
    # the longer side becomes exactly BOX; the shorter keeps the aspect ratio, at least 1 px
    sh = max(1, math.floor(h * BOX / longer + 0.5))
    sw = max(1, math.floor(w * BOX / longer + 0.5))
    # a grey of 1e-300 (or 1e-40 times a weight) may flush to 0.0 in float32: harmless here
    with np.errstate(under="ignore"):
        crop = _normalise(a[top:bottom, left:right])  # (h, w)
        scaled = area_resize(crop, (sh, sw))  # (sh, sw)
        # every weight is >= 0 and every ink pixel (> 0.05) feeds some output, so the peak is
        # > 0; dividing (not multiplying by 1/peak) makes the peak exactly 1.0
        scaled = np.divide(scaled, scaled.max(), dtype=np.float32)

    # centre of mass in the box's index coordinates, then the whole-pixel shift that puts it on
    # CENTRE, clipped to [0, SIZE - side] so the whole box (all its ink) stays in the frame
    mass = float(scaled.sum(dtype=np.float64))
    cy = float(scaled.sum(axis=1, dtype=np.float64) @ np.arange(sh)) / mass
    cx = float(scaled.sum(axis=0, dtype=np.float64) @ np.arange(sw)) / mass
    oy = min(max(_round_half_down(CENTRE[0] - cy), 0), SIZE - sh)
    ox = min(max(_round_half_down(CENTRE[1] - cx), 0), SIZE - sw)

    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    out[oy : oy + sh, ox : ox + sw] = scaled
    return _stages(crop, box, scaled, (oy, ox), out)


def _stages(crop: Array, box: tuple[int, int, int, int], scaled: Array, offset: tuple[int, int],
            out: Array) -> Preprocessed:
    """The read-only record of every stage; ``scaled`` is shown centred in the 20x20 frame."""
    sh, sw = scaled.shape
    frame = np.zeros((BOX, BOX), dtype=np.float32)
    fy, fx = (BOX - sh) // 2, (BOX - sw) // 2
    frame[fy : fy + sh, fx : fx + sw] = scaled
    out = _frozen(out)
    return Preprocessed(
        crop=_frozen(crop),
        box=box,
        scaled20=_frozen(frame),
        scaled_size=(sh, sw),
        offset=offset,
        image=out,
        vector=out.reshape(SIZE * SIZE),  # a read-only view of image
        empty=False,
    )


def with_network_input(p: Preprocessed, seen: Array | None) -> Preprocessed:
    """``p`` with the ``deskewed`` stage set to ``seen`` (784 values: ``Network.inputs`` of
    ``p.vector`` for a network that deskews), or cleared (None). Other stages are unchanged."""
    if seen is None or p.empty:
        return p if p.deskewed is None else dataclasses.replace(p, deskewed=None)
    a = np.array(seen, dtype=np.float32).reshape(SIZE, SIZE)  # a copy, then read-only
    return dataclasses.replace(p, deskewed=_frozen(a))


def as_input(image: Array) -> Preprocessed:
    """The stages of an image already in MNIST's form (28x28, or its 784 values), pixels unchanged.

    For showing an MNIST image as if it had been drawn: ``image`` and ``vector`` are its own
    pixels (clipped to [0, 1]), not preprocessed again (that could move it by a pixel and change
    the network's answer); the crop is its ink's bounding box, shown in the 20x20 frame (resampled
    to fit when wider than 20 px). ``ValueError`` for another size or NaN/inf values.
    """
    a = np.asarray(image, dtype=np.float32)
    if a.size != SIZE * SIZE:
        raise ValueError(f"an input has {SIZE * SIZE} pixels, got shape {a.shape}")
    a = _check(a.reshape(SIZE, SIZE))
    box = _ink_box(a)
    if box is None:
        return _empty()
    out = np.clip(a, 0.0, 1.0)  # a copy: the caller's array stays theirs
    top, left, bottom, right = box
    crop = out[top:bottom, left:right].copy()
    h, w = crop.shape
    scaled = crop
    if max(h, w) > BOX:
        longer = max(h, w)
        scaled = area_resize(crop, (max(1, round(h * BOX / longer)), max(1, round(w * BOX / longer))))
    return _stages(crop, box, scaled, (top, left), out)


__all__ = [
    "Preprocessed",
    "preprocess",
    "as_input",
    "with_network_input",
    "area_matrix",
    "area_resize",
    "SIZE",
    "BOX",
    "CENTRE",
    "INK_THRESHOLD",
]
