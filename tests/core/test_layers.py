"""The core's modules import one way: errors -> messages/buffers -> fields -> schema -> connection -> link ->
widget. A module may import only lower layers when it runs (a type checker may see more), and the link uses
only the widget's public surface."""

from __future__ import annotations

import ast
from pathlib import Path

import anywidget_core

CORE = Path(anywidget_core.__path__[0])
LAYER = {
    **{"errors": 0, "buffers": 1, "messages": 1, "fields": 2, "schema": 3, "connection": 4},
    **{"chunks": 5, "link": 5, "widget": 6},  # chunks and link are side by side: neither imports the other
}


def _runtime_imports(module: str) -> set[str]:
    """Core modules ``module`` imports when it runs: anywhere in it, functions included, but not in an
    ``if TYPE_CHECKING:`` block."""
    tree = ast.parse((CORE / f"{module}.py").read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            type_only.update(id(n) for child in node.body for n in ast.walk(child))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and id(node) not in type_only:
            found.add((node.module or "").split(".")[0])
    return found


def test_each_core_module_imports_only_lower_layers() -> None:
    upward = {
        (module, imported)
        for module, layer in LAYER.items()
        for imported in _runtime_imports(module)
        if imported in LAYER and LAYER[imported] >= layer
    }
    assert upward == set()


def test_fields_never_imports_the_widget_module_even_for_types() -> None:
    source = (CORE / "fields.py").read_text(encoding="utf-8")
    assert "from .widget" not in source and "import widget" not in source


def test_the_link_uses_no_private_member_of_its_widget() -> None:
    tree = ast.parse((CORE / "link.py").read_text(encoding="utf-8"))
    private = sorted(
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and (
            (isinstance(node.value, ast.Name) and node.value.id == "widget")
            or (isinstance(node.value, ast.Attribute) and node.value.attr == "widget")
        )
    )
    assert private == []
