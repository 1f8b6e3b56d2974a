"""Shared test setup: run Qt headless. Must run before anything imports Qt."""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
