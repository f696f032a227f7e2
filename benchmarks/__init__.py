"""Benchmarks of anywidget-core against anywidget 0.11, side by side in one process: ``python -m benchmarks``."""

import os

# The Jupyter adapter merges update bursts past 50 per 0.1 s per comm (IOPub drops past its high-water mark).
# A benchmark loop is such a burst, so with merging on most of anywidget-core's sets would send nothing while
# anywidget sends every one. Off, every set is one message for both libraries, as the comparison needs; the
# kernel of workload 7 inherits this environment. ANYWIDGET_COALESCE=1 measures the default instead.
os.environ.setdefault("ANYWIDGET_COALESCE", "0")
