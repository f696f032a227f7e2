"""Benchmarks of anywidget-core against anywidget 0.11, side by side in one process: ``python -m benchmarks``."""
