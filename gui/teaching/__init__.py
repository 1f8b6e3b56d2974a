"""Teach it your handwriting: your samples, their gallery, retraining and its before/after report."""
