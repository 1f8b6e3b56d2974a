"""Hand-defined stroke digits for ``benchmarks.drawn``: each digit in a few written forms, jittered.

A form is a list of strokes, each a polyline in a unit box (x right, y down, both in [0, 1]), made
of arcs and straight lines the way a person writes the digit: a closed or an open 4, a 1 with or
without a flag and a foot, a 7 with or without a bar, a 9 with a straight or a curved stem, a 6
whose tail curls over. ``draw`` turns a form into canvas strokes ({"tool", "width", "points"} in
canvas pixels, as ``Canvas.set_strokes`` takes): a smooth random warp of the box (a person's
wobble), a width-to-height ratio, slant and rotation, a size and a place on the canvas, points
every few pixels as a mouse gives them, and a pen width. All randomness comes from the caller's
``numpy.random.Generator``.

Nothing here comes from MNIST, the Hershey fonts or UCI's digit sets: the shapes are written out
below, by hand.
"""

from __future__ import annotations

import numpy as np

Poly = np.ndarray  # (k, 2) points, x then y, in the unit box
Form = list  # list[Poly]: the strokes of one way of writing a digit


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> Poly:
    """Points on an ellipse from angle a0 to a1 (degrees; y points down, so 90 is the bottom)."""
    a = np.deg2rad(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def line(*points: tuple[float, float]) -> Poly:
    return np.asarray(points, dtype=np.float64)


def chain(*parts: Poly) -> Poly:
    return np.concatenate(parts)


def _eight(top: float = 0.8) -> Poly:
    # a single-stroke 8 (Gerono's lemniscate): starts at the top, crosses in the middle
    t = np.linspace(0, 2 * np.pi, 64) + 0.25
    y = 0.5 - 0.5 * np.cos(t)
    x = 0.5 + 0.45 * np.sin(2 * t) * np.where(y < 0.5, top, 1.0)
    return np.stack([x, y], axis=1)


# each digit's forms; the first of each list is the most common, American-school one
FORMS: dict[int, dict[str, Form]] = {
    0: {
        "oval": [arc(0.5, 0.5, 0.45, 0.5, -100, 268)],
        "open top": [arc(0.5, 0.5, 0.45, 0.5, -75, 245)],
        "narrow": [arc(0.5, 0.5, 0.3, 0.5, -90, 275)],
    },
    1: {
        "stem": [line((0.55, 0.0), (0.48, 1.0))],
        "flag": [line((0.15, 0.3), (0.6, 0.0), (0.55, 1.0))],
        "flag and foot": [line((0.2, 0.28), (0.55, 0.0), (0.55, 1.0)), line((0.2, 1.0), (0.9, 1.0))],
        "short flag": [line((0.35, 0.12), (0.55, 0.0), (0.52, 1.0))],
    },
    2: {
        "curve": [chain(arc(0.5, 0.3, 0.42, 0.3, 195, 370), line((0.1, 1.0), (0.95, 0.98)))],
        "loop": [chain(arc(0.5, 0.3, 0.42, 0.3, 195, 370), line((0.2, 0.9)), arc(0.22, 0.88, 0.12, 0.12, 30, 340, 12),
                       line((0.95, 1.0)))],
        "swan": [chain(arc(0.5, 0.3, 0.42, 0.3, 200, 380), arc(0.1, 0.55, 0.6, 0.45, 0, 90, 10), line((0.95, 1.0)))],
    },
    3: {
        "round": [chain(arc(0.45, 0.26, 0.4, 0.26, 200, 450), arc(0.45, 0.74, 0.47, 0.26, 270, 505))],
        "flat top": [chain(line((0.05, 0.0), (0.9, 0.0), (0.4, 0.38)), arc(0.45, 0.7, 0.47, 0.3, 250, 505))],
        "pointed": [chain(arc(0.45, 0.26, 0.4, 0.26, 200, 440), line((0.4, 0.5)), arc(0.45, 0.74, 0.47, 0.26, 265, 505))],
    },
    4: {
        "closed": [line((0.72, 1.0), (0.72, 0.0), (0.0, 0.7), (1.0, 0.7))],
        "open": [line((0.2, 0.0), (0.08, 0.62), (0.95, 0.62)), line((0.72, 0.05), (0.7, 1.0))],
        "open tall": [line((0.15, 0.0), (0.1, 0.55), (0.95, 0.55)), line((0.7, 0.0), (0.7, 1.0))],
    },
    5: {
        "two strokes": [chain(line((0.2, 0.02), (0.15, 0.45)), arc(0.48, 0.7, 0.45, 0.3, 235, 500)), line((0.2, 0.02), (0.9, 0.0))],
        "one stroke": [chain(line((0.9, 0.0), (0.2, 0.0), (0.15, 0.45)), arc(0.48, 0.7, 0.45, 0.3, 235, 500))],
    },
    6: {
        "stem and loop": [chain(arc(1.05, 0.65, 0.9, 0.65, 240, 180), arc(0.5, 0.72, 0.35, 0.28, 180, -175))],
        "curled": [chain(arc(0.55, 0.42, 0.4, 0.42, -20, -180), arc(0.5, 0.72, 0.38, 0.28, 180, -170))],
        "small loop": [chain(line((0.8, 0.0), (0.25, 0.55)), arc(0.5, 0.8, 0.32, 0.2, 200, -155))],
    },
    7: {
        "plain": [line((0.05, 0.0), (0.95, 0.0), (0.35, 1.0))],
        "crossed": [line((0.05, 0.0), (0.95, 0.0), (0.35, 1.0)), line((0.3, 0.52), (0.85, 0.5))],
        "hooked": [line((0.05, 0.15), (0.08, 0.0), (0.95, 0.02), (0.4, 1.0))],
    },
    8: {
        "one stroke": [_eight()],
        "two loops": [arc(0.5, 0.24, 0.36, 0.24, -90, 272), arc(0.5, 0.73, 0.45, 0.27, -90, 272)],
    },
    9: {
        "curved stem": [chain(arc(0.5, 0.27, 0.42, 0.27, 0, -360), arc(-0.1, 0.27, 1.0, 0.73, 0, 75, 12))],
        "straight stem": [chain(arc(0.5, 0.27, 0.42, 0.27, 5, -355), line((0.92, 1.0)))],
        "stick": [arc(0.5, 0.27, 0.42, 0.27, 0, -360), line((0.92, 0.0), (0.9, 1.0))],
    },
}

# the forms a style draws each digit in; "common" leaves out the continental ones
COMMON = {0: ["oval", "open top"], 1: ["stem"], 2: ["curve", "swan"], 3: ["round", "pointed"], 4: ["closed", "open"],
          5: ["two strokes", "one stroke"], 6: ["stem and loop"], 7: ["plain", "hooked"], 8: ["one stroke", "two loops"],
          9: ["curved stem", "stick"]}
CONTINENTAL = {0: ["narrow"], 1: ["flag", "flag and foot", "short flag"], 2: ["loop"], 3: ["flat top"],
               4: ["open", "open tall"], 5: ["two strokes"], 6: ["curled", "small loop"], 7: ["crossed"],
               8: ["two loops"], 9: ["straight stem"]}


def _warp(points: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """A smooth random displacement of the unit box: a sum of three low-frequency waves per axis."""
    out = points.copy()
    for axis in range(2):
        for _ in range(3):
            k = rng.uniform(0.5, 2.0, 2) * np.pi
            phase = rng.uniform(0, 2 * np.pi)
            out[:, axis] += amount / 3 * rng.normal() * np.sin(points @ k + phase)
    return out


def _resample(poly: np.ndarray, step: float, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Points every ~``step`` px along the polyline (as mouse events come), each nudged by ``noise`` px."""
    seg = np.hypot(*np.diff(poly, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    n = max(2, int(s[-1] / step) + 1)
    t = np.linspace(0, s[-1], n)
    out = np.stack([np.interp(t, s, poly[:, 0]), np.interp(t, s, poly[:, 1])], axis=1)
    return out + rng.normal(0, noise, out.shape)


def draw(
    form: Form,
    rng: np.random.Generator,
    *,
    canvas: int = 280,
    height: tuple[float, float] = (150, 230),
    pen: tuple[float, float] = (14, 30),
    slant_deg: tuple[float, float] = (-5, 15),
    rotation_deg: float = 6,
    wobble: float = 0.05,
    corner: bool = False,
    aspect: tuple[float, float] = (0.5, 0.8),
) -> list[dict]:
    """One drawing of ``form`` as canvas strokes; ranges are sampled uniformly from ``rng``."""
    polys = [_warp(p, rng, wobble) for p in form]
    h = rng.uniform(*height)
    w = h * rng.uniform(*aspect)
    slant = np.tan(np.deg2rad(rng.uniform(*slant_deg)))
    rot = np.deg2rad(rng.uniform(-rotation_deg, rotation_deg))
    c, s = np.cos(rot), np.sin(rot)
    placed = []
    for p in polys:
        x = (p[:, 0] - 0.5) * w
        y = (p[:, 1] - 0.5) * h
        x = x - slant * y  # a right-leaning hand: the top goes right
        placed.append(np.stack([c * x - s * y, s * x + c * y], axis=1))
    allp = np.concatenate(placed)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    width = rng.uniform(*pen)
    margin = width / 2 + 2
    room = canvas - 2 * margin - (hi - lo)  # free room for the drawing's top-left corner, per axis
    if corner:
        side = rng.integers(0, 2, 2)  # which corner
        origin = margin + side * np.maximum(room, 0) + rng.uniform(0, 8, 2) * (1 - 2 * side)
    else:
        origin = margin + rng.uniform(0.1, 0.9, 2) * np.maximum(room, 0)
    strokes = []
    for p in placed:
        pts = _resample(p - lo + origin, rng.uniform(3, 8), rng, 0.4)
        pts = np.clip(pts, 0, canvas - 1)
        strokes.append({"tool": "pen", "width": float(width), "points": pts.round(2).tolist()})
    return strokes
