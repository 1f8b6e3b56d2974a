"""The network view's colours: lookup tables for weights and activations, and the pens made once.

Weights and changes are coloured on ``gui.images``' colour-blind-safe diverging palette, sampled
once into a table of 251 ARGB words for -1..1 (index 125 is 0), so a whole array is coloured by a
NumPy ``take`` of the indices ``diverging_index`` gives it; activations are a ramp of 256 greys.
Highlights are black: outside the palette's and the grey ramp's hues, they read for everyone. The
tile mosaic's table is the diverging one followed by a few fixed colours, so a mosaic is built as
one byte a pixel and coloured at the end (``network_view.tiles``).

The edges' pens, one per strength level, live with the edges (``network_view.edges``).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QPen

from digitlab.gui.images import diverging_rgb

Array = np.ndarray


def _argb(rgb: Array) -> Array:
    rgb = rgb.astype(np.uint32)
    return (0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]).astype(np.uint32)


# lookup tables: 251 diverging colours for values -1..1 (index 125 is 0); 256 greys for 0..1
DIVERGING_LUT = _argb(diverging_rgb(np.linspace(-1, 1, 251), 1.0))
_INK_LIGHT, _INK_DARK = np.array([248, 248, 248]), np.array([28, 32, 38])
ACTIVATION_LUT = _argb(_INK_LIGHT + (_INK_DARK - _INK_LIGHT) * np.linspace(0, 1, 256)[:, None])
BACKGROUND = QColor(255, 255, 255)
BACKGROUND_ARGB = np.uint32(0xFFFFFFFF)
BAR_EMPTY_ARGB = np.uint32(0xFFE4E4E4)
HIGHLIGHT = QColor(0, 0, 0)  # outside the palette and the grey ramp's hue: reads for everyone
HIGHLIGHT_ARGB = np.uint32(0xFF000000)
# the tile mosaic's palette: the 251 diverging colours, then a few fixed ones
MOSAIC_HIGHLIGHT, MOSAIC_INK, MOSAIC_BAR_EMPTY, MOSAIC_BACKGROUND = 252, 253, 254, 255
MOSAIC_LUT = np.concatenate([DIVERGING_LUT, [BACKGROUND_ARGB, HIGHLIGHT_ARGB, ACTIVATION_LUT[200],
                                              BAR_EMPTY_ARGB, BACKGROUND_ARGB]]).astype(np.uint32)
OUTLINE = QColor(150, 150, 150)
TEXT = QColor(40, 40, 40)
MUTED = QColor(120, 120, 120)

# Qt objects made once: the diagram draws with them every frame
OUTLINE_PEN = QPen(OUTLINE, 0.8)
DIVERGING_QCOLORS = [QColor.fromRgb(int(c)) for c in DIVERGING_LUT]


def diverging_index(values: Array, limit: Array | float) -> Array:
    """Indices into ``DIVERGING_LUT`` for values scaled by ``limit`` (a scalar or broadcastable)."""
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
