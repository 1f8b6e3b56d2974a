"""NumPy arrays to Qt images: the one place pixels cross from the model's world to the screen."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap


def gray_image(a: np.ndarray, vmin: float = 0.0, vmax: float = 1.0) -> QImage:
    """A 2-D array (values in [vmin, vmax]) as an 8-bit grey QImage that owns its pixels."""
    a = np.asarray(a, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"need a 2-D array, got shape {a.shape}")
    span = (vmax - vmin) or 1.0
    u8 = np.ascontiguousarray(np.clip((a - vmin) * (255.0 / span), 0, 255).astype(np.uint8))
    h, w = u8.shape
    # .copy() detaches the QImage from the NumPy buffer, which may be freed after we return
    return QImage(u8.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def rgb_image(rgb: np.ndarray) -> QImage:
    """An (h, w, 3) uint8 array as an RGB888 QImage that owns its pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def scaled_pixmap(image: QImage, side: int) -> QPixmap:
    """Scale up with hard pixel edges (nearest neighbour): each MNIST pixel stays a visible square."""
    return QPixmap.fromImage(image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.FastTransformation))


# a colour-blind-safe diverging palette (blue - white - orange-red, after ColorBrewer's RdBu/PuOr
# reads under deuteranopia): negative values blue, positive values red-orange
_NEG = np.array([33, 102, 172], dtype=np.float32)
_MID = np.array([247, 247, 247], dtype=np.float32)
_POS = np.array([214, 96, 77], dtype=np.float32)


# on a dark ground: lighter ends (they must stand out from the ground) and the ground itself as 0
DARK_NEG = np.array([92, 160, 222], dtype=np.float32)
DARK_MID = np.array([30, 30, 30], dtype=np.float32)
DARK_POS = np.array([238, 116, 92], dtype=np.float32)


def diverging_rgb(values: np.ndarray, limit: float, dark: bool = False) -> np.ndarray:
    """Map values in [-limit, limit] to RGB (..., 3) uint8 on the diverging palette (0 is the
    ground's colour: near white, or near black when ``dark``)."""
    neg, mid, pos = (DARK_NEG, DARK_MID, DARK_POS) if dark else (_NEG, _MID, _POS)
    t = np.clip(np.asarray(values, dtype=np.float32) / (limit or 1.0), -1, 1)[..., None]
    rgb = np.where(t < 0, mid + (neg - mid) * (-t), mid + (pos - mid) * t)
    return rgb.astype(np.uint8)


def diverging_color(value: float, limit: float) -> QColor:
    r, g, b = diverging_rgb(np.array([value]), limit)[0]
    return QColor(int(r), int(g), int(b))
