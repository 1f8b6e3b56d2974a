"""Typeset digits reduced to pen strokes, for ``benchmarks.drawn``.

Each digit of an installed outline font is filled into a bitmap (``QPainterPath.addText``), thinned
to a one-pixel skeleton (Zhang and Suen's parallel thinning, 1984, vectorised over the image), and
traced into pen paths: drawn with the canvas's round pen, they sweep the skeleton, i.e. the glyph
as a person would trace it with a marker (serifs and spurs included, the thick/thin contrast gone).

The fonts are Debian packages (a dev-only need of the benchmark; the app never uses them):
``fonts-dejavu fonts-liberation fonts-urw-base35 fonts-freefont-ttf fonts-comic-neue
fonts-dkg-handwriting fonts-breip fonts-femkeklaver fonts-humor-sans fonts-bwht fonts-dancingscript
fonts-ecolier-court fonts-blankenburg fonts-gamaliel``. A font that is not installed is skipped
(``available`` says which); a style with none left is skipped by the benchmark with a message.
The Hershey vector fonts are deliberately absent: they are the held-back check.

Needs a ``QGuiApplication`` (the benchmark makes one, offscreen).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF, QImage, QPainter, QPainterPath

FONT_STYLES: dict[str, tuple[str, ...]] = {
    "sans fonts": ("DejaVu Sans", "DejaVu Sans Mono", "Liberation Sans", "Liberation Mono", "Nimbus Sans",
                   "Nimbus Mono PS", "FreeSans", "FreeMono", "URW Gothic", "Comic Neue"),
    "serif fonts": ("DejaVu Serif", "Liberation Serif", "Nimbus Roman", "FreeSerif", "C059", "P052", "URW Bookman"),
    "script fonts": ("Z003", "Dancing Script", "DkgHandwriting", "Breip", "femkeklaver", "Humor Sans", "Ecolier_court",
                     "Because We Learn", "Because We Create", "Because We Build", "Because We Mentor"),
    "blackletter": ("Blankenburg_UNZ1A", "Gamaliel"),
}
GLYPH_PX = 110  # font pixel size the skeleton is taken at


def available(families: tuple[str, ...]) -> list[str]:
    """The families that are installed and have all ten digits, as Qt names them."""
    installed = QFontDatabase.families()
    out = []
    for family in families:
        # Qt names a family found in several foundries "Family [foundry]"
        names = [f for f in installed if f == family or f.startswith(family + " [")]
        if not names:
            continue
        metrics = QFontMetricsF(QFont(names[0]))
        if all(metrics.inFont(str(d)) for d in range(10)):
            out.append(names[0])
    return out


def glyph_bitmap(family: str, digit: int, bold: bool = False) -> np.ndarray:
    """The filled digit as a bool array, with a 2 px empty border."""
    font = QFont(family)
    font.setPixelSize(GLYPH_PX)
    font.setBold(bold)
    path = QPainterPath()
    path.addText(QPointF(0, 0), font, str(digit))
    box = path.boundingRect()
    w, h = int(box.width()) + 6, int(box.height()) + 6
    image = QImage(w, h, QImage.Format.Format_Grayscale8)
    image.fill(0)
    with QPainter(image) as painter:
        painter.translate(3 - box.left(), 3 - box.top())
        painter.fillPath(path, Qt.GlobalColor.white)
    stride = image.bytesPerLine()
    a = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * stride).reshape(h, stride)[:, :w]
    return a > 127


def thin(ink: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a bool image (its border must be empty): a one-pixel skeleton."""
    img = ink.astype(np.uint8).copy()
    while True:
        changed = False
        for sub in (0, 1):
            p = np.pad(img, 1)
            # neighbours P2..P9, clockwise from north
            n = [p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:], p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]]
            b = sum(x.astype(np.int32) for x in n)
            a = sum(((n[i] == 0) & (n[(i + 1) % 8] == 1)).astype(np.int32) for i in range(8))
            p2, p4, p6, p8 = n[0], n[2], n[4], n[6]
            if sub == 0:
                c = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                c = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            remove = (img == 1) & (b >= 2) & (b <= 6) & (a == 1) & c
            if remove.any():
                img[remove] = 0
                changed = True
        if not changed:
            return img.astype(bool)


@lru_cache(maxsize=512)
def skeleton_paths(family: str, digit: int, bold: bool = False, step: int = 3) -> tuple[np.ndarray, ...]:
    """The digit's skeleton as pen paths: lists of (x, y) glyph pixels, every ``step``-th pixel kept.

    Paths are traced greedily along 8-adjacent skeleton pixels, starting from line ends; whatever
    a path cannot reach (loops, branches) starts a new one, so every skeleton pixel is drawn.
    """
    sk = thin(glyph_bitmap(family, digit, bold))
    pixels = {(int(y), int(x)) for y, x in zip(*np.nonzero(sk))}
    around = [(-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1)]  # orthogonal first

    def neighbours(p: tuple[int, int]) -> list[tuple[int, int]]:
        return [q for dy, dx in around if (q := (p[0] + dy, p[1] + dx)) in pixels]

    left = set(pixels)
    paths = []
    while left:
        ends = [p for p in left if len([q for q in neighbours(p) if q in left]) <= 1]
        p = min(ends) if ends else min(left)
        path = [p]
        left.discard(p)
        while True:
            nxt = [q for q in neighbours(p) if q in left]
            if not nxt:
                break
            p = nxt[0]
            path.append(p)
            left.discard(p)
        # join the path to a drawn pixel next to its ends, so branches and loops close
        for end in (path[0], path[-1]):
            joins = [q for q in neighbours(end) if q not in left and q not in path[:2] and q not in path[-2:]]
            if joins:
                if end == path[0]:
                    path.insert(0, joins[0])
                else:
                    path.append(joins[0])
        a = np.asarray(path, dtype=np.float64)[:, ::-1]  # (x, y)
        keep = np.unique(np.r_[np.arange(0, len(a), step), len(a) - 1])
        paths.append(a[keep])
    return tuple(paths)


def draw(
    paths: tuple[np.ndarray, ...],
    rng: np.random.Generator,
    *,
    canvas: int = 280,
    height: tuple[float, float] = (150, 220),
    pen: tuple[float, float] = (12, 28),
    slant_deg: tuple[float, float] = (-4, 8),
    rotation_deg: float = 4,
) -> list[dict]:
    """The skeleton's paths placed on the canvas (random size, slant, rotation, place) as strokes."""
    pts = np.concatenate(paths)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    scale = rng.uniform(*height) / max(hi[1] - lo[1], 1.0)
    p = (pts - (lo + hi) / 2) * scale
    slant = np.tan(np.deg2rad(rng.uniform(*slant_deg)))
    rot = np.deg2rad(rng.uniform(-rotation_deg, rotation_deg))
    c, s = np.cos(rot), np.sin(rot)
    x = p[:, 0] - slant * p[:, 1]
    p = np.stack([c * x - s * p[:, 1], s * x + c * p[:, 1]], axis=1)
    width = rng.uniform(*pen)
    lo, hi = p.min(axis=0), p.max(axis=0)
    margin = width / 2 + 2
    room = np.maximum(canvas - 2 * margin - (hi - lo), 0)
    p = p - lo + margin + rng.uniform(0.1, 0.9, 2) * room
    p = np.clip(p, 0, canvas - 1).round(2)
    bounds = np.cumsum([len(a) for a in paths])[:-1]
    return [{"tool": "pen", "width": float(width), "points": part.tolist()} for part in np.split(p, bounds)]
