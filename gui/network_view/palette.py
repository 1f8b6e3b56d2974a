"""The network view's colours, for a light or a dark ground: lookup tables, colours and pens, made once.

Weights and changes are coloured on ``gui.images``' colour-blind-safe diverging palette, whose 0 is
the ground's own colour (so a weight near 0 fades into it, on either ground), sampled once into a
table of 251 ARGB words for -1..1 (index 125 is 0): a whole array is coloured by a NumPy ``take``
of the indices ``diverging_index`` gives it. Activations are a ramp of 256 greys from the ground
(0) to its opposite (1). Highlights are the ground's opposite (black on light, white on dark):
outside the palette's and the grey ramp's hues, they read for everyone. The tile mosaic's table is
the diverging one followed by a few fixed colours, so a mosaic is built as one byte a pixel and
coloured at the end (``network_view.tiles``).

A widget picks its set with ``colours_of(widget)``: the dark one when its palette's window colour
is dark, so the view follows the app's theme without being told.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QWidget

from digitlab.gui.images import diverging_rgb

Array = np.ndarray

EDGE_LEVELS = 12  # edges are drawn in this many strengths per sign, one pen each
# the tile mosaic's palette: the 251 diverging colours, then a few fixed ones
MOSAIC_HIGHLIGHT, MOSAIC_INK, MOSAIC_BAR_EMPTY, MOSAIC_BACKGROUND = 252, 253, 254, 255


def _argb(rgb: Array) -> Array:
    rgb = np.asarray(rgb).astype(np.uint32)
    return (0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]).astype(np.uint32)


@dataclass(frozen=True, eq=False)
class ViewColours:
    """Everything the network view paints with, for one ground."""

    dark: bool
    background: QColor
    text: QColor
    muted: QColor  # secondary text: still 4.5:1 on the ground
    outline: QColor
    hover: QColor  # the hovered neuron's dashed frame
    highlight: QColor
    diverging_lut: Array  # (251,) ARGB words for -1..1
    activation_lut: Array  # (256,) ARGB words for 0..1
    mosaic_lut: Array  # (256,) the diverging words, then the mosaic's fixed colours
    bar_empty_argb: np.uint32
    diverging_qcolors: list[QColor]
    outline_pen: QPen
    halo_pen: QPen  # either side of a highlighted edge
    edge_pens: dict[tuple[int, bool], QPen]  # (signed level, dense) -> a 1 px pen


def _edge_pens(dark: bool) -> dict[tuple[int, bool], QPen]:
    """One 1 px pen per signed strength level, opaque and translucent: fainter when weaker."""
    pens = {}
    for level in range(-EDGE_LEVELS, EDGE_LEVELS + 1):
        t = level / EDGE_LEVELS
        r, g, b = diverging_rgb(np.array([0.15 * np.sign(t) + 0.85 * t]), 1.0, dark)[0]
        for dense in (False, True):
            pens[(level, dense)] = QPen(QColor(int(r), int(g), int(b), 190 if dense else 255), 1.0)
    return pens


@functools.cache
def colours_for(dark: bool) -> ViewColours:
    """The colours for a light (``dark`` False) or a dark ground, made once each."""
    ground = np.array([30, 30, 30]) if dark else np.array([255, 255, 255])
    ink = np.array([236, 236, 236]) if dark else np.array([28, 32, 38])
    ramp_start = np.array([52, 52, 52]) if dark else np.array([248, 248, 248])  # a lit 0 still shows on the ground
    diverging = _argb(diverging_rgb(np.linspace(-1, 1, 251), 1.0, dark))
    activation = _argb(ramp_start + (ink - ramp_start) * np.linspace(0, 1, 256)[:, None])
    background = QColor(*ground.tolist())
    highlight = QColor(255, 255, 255) if dark else QColor(0, 0, 0)
    bar_empty = _argb(np.array([64, 64, 64]) if dark else np.array([228, 228, 228]))
    mosaic = np.concatenate([diverging, [_argb(ground), np.uint32(highlight.rgba()), activation[200], bar_empty,
                                         _argb(ground)]]).astype(np.uint32)
    outline = QColor(120, 120, 120) if dark else QColor(150, 150, 150)
    return ViewColours(
        dark=dark,
        background=background,
        text=QColor(232, 232, 232) if dark else QColor(40, 40, 40),
        muted=QColor(170, 170, 170) if dark else QColor(110, 110, 110),
        outline=outline,
        hover=QColor(180, 180, 180) if dark else QColor(90, 90, 90),
        highlight=highlight,
        diverging_lut=diverging,
        activation_lut=activation,
        mosaic_lut=mosaic,
        bar_empty_argb=np.uint32(bar_empty),
        diverging_qcolors=[QColor.fromRgb(int(c)) for c in diverging],
        outline_pen=QPen(outline, 0.8),
        halo_pen=QPen(highlight, 1.0),
        edge_pens=_edge_pens(dark),
    )


def _dark_ground(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def colours_of(widget: QWidget) -> ViewColours:
    """The colours for the ground ``widget``'s palette gives (the app's theme, unless it has its own)."""
    return colours_for(_dark_ground(widget.palette()))


def diverging_index(values: Array, limit: Array | float) -> Array:
    """Indices into a diverging table for values scaled by ``limit`` (a scalar or broadcastable)."""
    # (a limit in float32's denormals would overflow 125 / limit: such values show as 0)
    scaled = np.multiply(values, 125.0 / np.where(limit > 1e-30, limit, np.inf), dtype=np.float32)
    np.clip(scaled, -125.0, 125.0, out=scaled)
    scaled += 125.5
    return scaled.astype(np.uint8)


def activation_level(a: Array, activation_name: str) -> Array:
    """Activations as 0..1 for shading: sigmoid/softmax as they are, tanh shifted, ReLU by its max."""
    if activation_name == "tanh":
        return (a + 1.0) * 0.5
    if activation_name in ("relu", "leaky_relu"):
        top = float(a.max()) if a.size else 0.0
        return np.clip(a / top, 0, 1) if top > 0 else np.zeros_like(a)
    return np.clip(a, 0, 1)
