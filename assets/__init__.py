"""The data Digit Lab ships: MNIST (gzip IDX), the pretrained model, screenshots."""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
MNIST_DIR = ASSETS_DIR / "mnist"
DEFAULT_MODEL = ASSETS_DIR / "models" / "default.npz"
