"""The ``anywidget-core`` commands that show widgets: ``serve``, ``export`` and ``new`` (one module each)."""
