"""The counter as one self-contained HTML file: ``python examples/static_counter.py [OUT.html]``.

The page holds the widget's state, its ``_esm``/``_css`` and the front-end runtime, so it opens from disk with no
server and no network. It is a snapshot: clicks change the page, and nothing goes back to Python.
(``anywidget-core export examples/counter.py -o counter.html`` does the same from the command line.)
"""

import sys
from pathlib import Path

from counter import Counter  # this script's folder is on sys.path when run as a script

counter = Counter(value=7, step=5)
out = Path(sys.argv[1] if len(sys.argv) > 1 else "counter.html")
counter.to_html(out)
print(f"wrote {out} ({out.stat().st_size / 1024:.1f} KiB); open it in a browser, offline")
