"""The counter as a Panel app: ``panel serve examples/panel_counter.py`` (needs ``anywidget-core[panel]``).

Each browser session runs this script and gets its own widget. ``pn.panel(widget)`` (or the widget inside any
layout) shows it through anywidget-core's Panel component, which runs the whole AFM front end; the text below
it is a Panel pane that Python updates on every change the page makes.
"""

import panel as pn
from counter import Counter  # `panel serve` runs this file with its folder on sys.path, as `python` does

pn.extension()

counter = Counter(value=1)
seen = pn.pane.Markdown(f"Python sees {counter.value}", css_classes=["python-sees"])
counter.observe(lambda change: setattr(seen, "object", f"Python sees {change.new}"), names=["value"])

pn.Column("## anywidget-core in Panel", counter, seen).servable()
