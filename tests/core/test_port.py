"""``anywidget-core port``: the printed awc.Widget draft of an anywidget.AnyWidget subclass is valid Python whose
fields have the original synced traits' names and defaults, and says what it could not translate."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from anywidget_core.commands.port import INLINE_LIMIT, port

CLI = [sys.executable, "-m", "anywidget_core"]

ORIGINALS = textwrap.dedent(
    """
    import pathlib

    import anywidget
    import ipywidgets
    import traitlets


    class Scalars(anywidget.AnyWidget):
        _esm = pathlib.Path(__file__).parent / "static" / "scalars.js"
        _css = pathlib.Path(__file__).parent / "scalars.css"
        count = traitlets.Int(3).tag(sync=True)
        ratio = traitlets.Float(0.25).tag(sync=True)
        label = traitlets.Unicode("hi").tag(sync=True)
        on = traitlets.Bool(True).tag(sync=True)
        blob = traitlets.Bytes(b"ab").tag(sync=True)
        anything = traitlets.Any(None).tag(sync=True)
        maybe = traitlets.Int(None, allow_none=True).tag(sync=True)
        maybe_text = traitlets.Unicode("x", allow_none=True).tag(sync=True)
        bounded = traitlets.Int(5, min=0, max=10).tag(sync=True)
        either = traitlets.Union([traitlets.Int(), traitlets.Unicode()], default_value=1).tag(sync=True)


    class Containers(anywidget.AnyWidget):
        _esm = "export default { render({ el }) { el.textContent = 'c'; } };"
        points = traitlets.List(traitlets.Float(), [1.0, 2.5]).tag(sync=True)
        names = traitlets.List(trait=traitlets.Unicode()).tag(sync=True)
        untyped = traitlets.List([1, "a"]).tag(sync=True)
        options = traitlets.Dict({"a": 1, "b": [2]}).tag(sync=True)
        pair = traitlets.Tuple(traitlets.Int(), traitlets.Unicode(), default_value=(1, "x")).tag(sync=True)
        loose = traitlets.Tuple((1, 2.0)).tag(sync=True)
        mode = traitlets.Enum(["a", "b"], "b").tag(sync=True)
        color = traitlets.CaselessStrEnum(["red", "blue"], default_value="red").tag(sync=True)
        maybe_mode = traitlets.Enum([1, 2], None, allow_none=True).tag(sync=True)


    class Child(anywidget.AnyWidget):
        _esm = "export default {};"
        value = traitlets.Int(0).tag(sync=True)


    class Parent(anywidget.AnyWidget):
        _esm = "export default {};"
        child = traitlets.Instance(Child, allow_none=True).tag(sync=True, **ipywidgets.widget_serialization)
        kids = traitlets.List(traitlets.Instance(Child)).tag(sync=True, **ipywidgets.widget_serialization)


    class Ported(anywidget.AnyWidget):
        _esm = "export default {};" + "\\n// padding" * 200
        lo = traitlets.Float(0.0).tag(sync=True)
        hi = traitlets.Float(1.0).tag(sync=True)
        _secret = traitlets.Unicode("s").tag(sync=True)
        _hidden_count = traitlets.Int(7).tag(sync=True)
        cache = traitlets.Dict()  # not synced
        tags = traitlets.Set({"a"}).tag(sync=True)  # no field equivalent

        @traitlets.validate("lo")
        def _check_lo(self, proposal):
            if proposal["value"] > self.hi:
                raise traitlets.TraitError("min must be below max")
            return proposal["value"]

        @traitlets.observe("hi")
        def _on_hi(self, change):
            print(change["new"])

        @traitlets.default("hi")
        def _hi_default(self):
            return 2.0

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.on_msg(self._on_message)

        def _on_message(self, widget, content, buffers):
            pass

        def _handle_custom_msg(self, content, buffers):
            pass


    class Derived(Containers):
        extra = traitlets.Unicode("more").tag(sync=True)


    class NotAWidget:
        pass
    """
)


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, Path]]:
    root = tmp_path_factory.mktemp("originals")
    package = root / "origpkg"
    (package / "static").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "widgets.py").write_text(ORIGINALS)
    (package / "static" / "scalars.js").write_text("export default {};")
    (package / "scalars.css").write_text(".a { color: red }")
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("origpkg.widgets"), root
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == "origpkg" or n.startswith("origpkg.")]:
            del sys.modules[name]


def synced(cls: type) -> dict[str, Any]:
    """The original's synced traits (its own, not AnyWidget's) and their defaults, as an instance has them."""
    import anywidget

    base = set(anywidget.AnyWidget.class_traits())
    widget = cls()
    names = [n for n, t in cls.class_traits().items() if t.metadata.get("sync") and n not in base]  # type: ignore[attr-defined]
    values = {n: getattr(widget, n) for n in names if n not in ("_esm", "_css")}
    widget.close()
    return values


def ported(cls: type) -> tuple[str, type]:
    """The printed source, checked by ruff's parser, and the class it defines, run as a module saved next to the
    original (where a porting author puts it, so relative _esm/_css paths resolve)."""
    source = port(cls)
    ast.parse(source)
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "E9,F", "--stdin-filename", "ported.py", "-"],
        input=source,
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    module = ModuleType("ported_under_test")
    module.__file__ = str(Path(sys.modules[cls.__module__].__file__ or "").parent / "ported_under_test.py")
    sys.modules[module.__name__] = module
    try:
        exec(compile(source, module.__file__, "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return source, getattr(module, cls.__name__)


def fields(cls: type) -> dict[str, Any]:
    widget = cls()
    return {name: getattr(widget, name) for name in cls._fields}  # type: ignore[attr-defined]


def test_scalars_and_optionals_keep_names_types_and_defaults(originals: tuple[ModuleType, Path]) -> None:
    module, _ = originals
    source, cls = ported(module.Scalars)
    assert fields(cls) == synced(module.Scalars)
    for line in [
        "count: int = 3",
        "ratio: float = 0.25",
        'label: str = "hi"',
        "on: bool = True",
        'blob: bytes = b"ab"',
        "anything: Any = None",
        "maybe: int | None = None",
        'maybe_text: str | None = "x"',
        "bounded: Annotated[int, msgspec.Meta(ge=0, le=10)] = 5",
        "either: int | str = 1",
    ]:
        assert line in source
    from anywidget_core import ValidationError

    widget = cls()
    widget.maybe_text = None
    widget.either = "one"
    with pytest.raises(ValidationError):
        widget.bounded = 11  # the traitlets bounds survive the port
    with pytest.raises(ValidationError):
        widget.count = "4"


def test_containers_and_enums(originals: tuple[ModuleType, Path]) -> None:
    module, _ = originals
    source, cls = ported(module.Containers)
    assert fields(cls) == synced(module.Containers)
    for line in [
        "points: list[float] = [1.0, 2.5]",
        "names: list[str] = []",
        'untyped: list[Any] = [1, "a"]',
        'options: dict[str, Any] = {"a": 1, "b": [2]}',
        'pair: tuple[int, str] = (1, "x")',
        "loose: tuple[Any, ...] = (1, 2.0)",
        'mode: Literal["a", "b"] = "b"',
        'color: Literal["red", "blue"] = "red"',
        "maybe_mode: Literal[1, 2] | None = None",
    ]:
        assert line in source
    assert "CaselessStrEnum" in source  # the case-insensitivity it loses is said
    assert "_esm = \"export default { render({ el }) { el.textContent = 'c'; } };\"" in source  # short: literal
    a, b = cls(), cls()
    a.points.append(3.0)
    assert b.points == [1.0, 2.5]  # mutable defaults copied per instance, no default_factory needed
    from anywidget_core import ValidationError

    with pytest.raises(ValidationError):
        a.mode = "c"


def test_inherited_traits_are_flattened_in_declaration_order(originals: tuple[ModuleType, Path]) -> None:
    module, _ = originals
    _, cls = ported(module.Derived)
    declared = ["points", "names", "untyped", "options", "pair", "loose", "mode", "color", "maybe_mode", "extra"]
    assert list(cls._fields) == declared
    assert fields(cls) == synced(module.Derived)


def test_child_widgets_become_any_with_a_todo(originals: tuple[ModuleType, Path]) -> None:
    module, _ = originals
    source, cls = ported(module.Parent)
    assert fields(cls) == synced(module.Parent) == {"child": None, "kids": []}
    assert "child: Any = None  # TODO: a child widget (Child): port Child" in source
    assert "kids: list[Any] = []  # TODO: a child widget (Child)" in source
    # widget_serialization sends IPY_MODEL_ references: the draft says how to keep that form once typed
    assert 'awc.field(default=[], references="ipywidgets")' in source


def test_path_esm_and_css_are_relative_to_the_original_module(originals: tuple[ModuleType, Path]) -> None:
    module, root = originals
    source, cls = ported(module.Scalars)
    assert '_esm = Path("static/scalars.js")' in source
    assert '_css = Path("scalars.css")' in source
    assert cls._esm == Path("static/scalars.js")
    # Saved next to the original module, the port reads the same files.
    target = root / "origpkg" / "ported_scalars.py"
    target.write_text(source)
    try:
        ported_module = importlib.import_module("origpkg.ported_scalars")
        assets = ported_module.Scalars._assets
        assert assets["_esm"].source == "export default {};"
        assert assets["_css"].source == ".a { color: red }"
    finally:
        target.unlink()


def test_long_inline_esm_is_referenced_not_copied(originals: tuple[ModuleType, Path]) -> None:
    module, _ = originals
    assert len(module.Ported._esm) > INLINE_LIMIT
    source, cls = ported(module.Ported)
    assert "// padding" not in source
    assert "from origpkg.widgets import Ported as _Original" in source
    assert "_esm = str(_Original._esm)" in source
    assert cls._esm == module.Ported._esm


def test_private_fields_validators_observers_and_the_untranslatable(originals: tuple[ModuleType, Path]) -> None:
    module, _ = originals
    source, cls = ported(module.Ported)
    assert list(cls._fields) == ["lo", "hi", "_secret", "_hidden_count"]
    assert cls._fields["_secret"].private and cls._fields["_hidden_count"].private
    assert fields(cls) == {"lo": 0.0, "hi": 1.0, "_secret": "s", "_hidden_count": 7}
    todos = " ".join(line.strip().lstrip("#").strip() for line in source.splitlines() if line.strip().startswith("#"))
    assert '@validate("lo") _check_lo(self, proposal): port as @awc.validate("lo")' in todos
    assert "it receives the value, not a proposal" in todos
    assert '@observe("hi") _on_hi(self, change): port as @awc.observe("hi")' in todos
    assert '@default("hi") _hi_default' in todos
    assert 'hi: float = 1.0  # TODO: its default comes from a @default("hi") method: use awc.field(default_factory' in (
        source
    )
    assert "not synced (so not fields): cache" in todos
    assert "tags: Set(...) has no field equivalent" in todos
    assert "_handle_custom_msg(self, content, buffers)" in todos
    assert "on_msg" in todos and "__init__" in todos
    assert "_on_message" in todos  # the methods left to copy are named
    assert "tags" not in cls._fields and "cache" not in cls._fields


def test_bad_targets_raise_for_the_user(originals: tuple[ModuleType, Path]) -> None:
    from anywidget_core.commands.port import PortError, load_class

    assert load_class("origpkg.widgets:Scalars").__name__ == "Scalars"
    for target, message in [
        ("origpkg.missing:X", "cannot import 'origpkg.missing'"),
        ("origpkg.widgets:Nope", "has no attribute 'Nope'"),
        ("origpkg.widgets:NotAWidget", "is class NotAWidget, not an anywidget.AnyWidget subclass"),
        ("origpkg.widgets:traitlets", "is a module, not an anywidget.AnyWidget subclass"),
        ("origpkg.widgets", "name the class"),
    ]:
        with pytest.raises(PortError, match=message):
            load_class(target)


def cli(*args: str, path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(path), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=120, cwd=path)


def test_cli_prints_a_port_that_runs(tmp_path: Path) -> None:
    (tmp_path / "counter_widget.py").write_text(
        textwrap.dedent(
            """
            import anywidget
            import traitlets

            class Counter(anywidget.AnyWidget):
                _esm = "export default { render({ model, el }) { el.textContent = model.get('value'); } };"
                value = traitlets.Int(2).tag(sync=True)
                label = traitlets.Unicode("clicks").tag(sync=True)

                @traitlets.validate("value")
                def _non_negative(self, proposal):
                    return max(0, proposal["value"])

            def not_a_class():
                pass
            """
        )
    )
    done = cli("port", "counter_widget:Counter", path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "import anywidget_core as awc" in done.stdout
    assert "class Counter(awc.Widget):" in done.stdout
    assert '@awc.validate("value")' in done.stdout
    (tmp_path / "ported.py").write_text(done.stdout)
    check = subprocess.run(
        [sys.executable, "-c", "import ported; w = ported.Counter(); print(w.value, w.label, sorted(w._fields))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == ["2", "clicks", "['label',", "'value']"]

    for target, message in [
        ("no_such_module:Counter", "cannot import 'no_such_module'"),
        ("counter_widget:not_a_class", "not an anywidget.AnyWidget subclass"),
        ("counter_widget:Missing", "has no attribute 'Missing'"),
    ]:
        bad = cli("port", target, path=tmp_path)
        assert bad.returncode == 2
        assert bad.stdout == ""
        assert f"error: {tmp_path}" not in bad.stderr and message in bad.stderr


def test_cli_help(tmp_path: Path) -> None:
    done = cli("port", "--help", path=tmp_path)
    assert done.returncode == 0
    assert "usage: anywidget-core port" in done.stdout and "MODULE:CLASS" in done.stdout
    listed = cli("--help", path=tmp_path)
    assert "port" in listed.stdout
