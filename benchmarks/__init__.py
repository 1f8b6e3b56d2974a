"""Benchmarks that print figures; run from the repository (``python -m benchmarks.NAME``), not installed."""
