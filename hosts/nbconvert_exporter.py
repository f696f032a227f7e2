"""``jupyter nbconvert --to anywidget-html``: the exported-notebook page as an nbconvert exporter.

The same page as ``anywidget-core export NOTEBOOK.ipynb`` (:func:`.notebook_page.notebook_html`), so Quarto,
Jupyter Book and anything else that drives nbconvert gets it. Like every nbconvert exporter it does not execute:
``--execute`` (nbconvert's ExecutePreprocessor, an nbclient client that stores widget state) or a notebook saved
with its widget state provides the widgets.
"""

from __future__ import annotations

from typing import Any

from nbconvert.exporters import Exporter
from traitlets import Bool

from .notebook_page import notebook_html


class AnywidgetHTMLExporter(Exporter):  # type: ignore[misc]
    export_from_notebook = "HTML with live anywidget widgets"
    output_mimetype = "text/html"
    exclude_input = Bool(False, help="leave code cells' source out of the page").tag(config=True)

    def _file_extension_default(self) -> str:
        return ".html"

    # Returns the page's text, as nbconvert's own HTML exporters do (the base class is typed for a notebook).
    def from_notebook_node(  # type: ignore[override]
        self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, Any]:
        nb_copy, resources = super().from_notebook_node(nb, resources, **kw)
        name = (resources.get("metadata") or {}).get("name") or "notebook"
        title = (nb_copy.get("metadata") or {}).get("title") or name
        # nbconvert's --no-input sets TemplateExporter.exclude_input: honour it, though this is no TemplateExporter
        template = self.config.get("TemplateExporter") or {}
        exclude = self.exclude_input or bool(template.get("exclude_input", False))
        return notebook_html(nb_copy, title=str(title), include_input=not exclude), resources
