"""Methods a widget class declares with decorators, as ported ipywidgets code has them: observers
(``@observe``, traitlets' ``@observe``) and validators (``@validate``, traitlets' ``@validate``).

A validator runs on every set of its fields, from Python and from a front end, after the field's type check and
before anything is applied, so the all-or-nothing rule holds: a validator that raises refuses the whole set (a
``ValidationError`` in Python, an ``invalid_value`` error to the front end). A field validator takes the proposed
value and returns the value to keep (possibly changed; it is type-checked again); a validator named for no field
takes the whole proposed state (every field, the new values in it) and returns nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .errors import ValidationError

F = TypeVar("F", bound=Callable[..., Any])
_OBSERVES = "__awc_observes__"
_VALIDATES = "__awc_validates__"


def observe(*names: str) -> Callable[[F], F]:
    """Declare a method ``(self, change)`` that observes the named fields (all fields when none are named)."""

    def mark(method: F) -> F:
        setattr(method, _OBSERVES, names)
        return method

    return mark


def validate(*names: str) -> Callable[[F], F]:
    """Declare a validator: ``(self, value) -> value`` for each named field, or, named for no field,
    ``(self, state) -> None`` over the whole proposed state (checks across fields: ``lo <= hi``)."""

    def mark(method: F) -> F:
        setattr(method, _VALIDATES, names)
        return method

    return mark


def declared(cls: type, mark: str) -> dict[str, tuple[str, ...]]:
    """Method name -> field names, for the methods of ``cls`` (and its bases) carrying ``mark``; a subclass
    overriding a method replaces it."""
    found: dict[str, tuple[str, ...]] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            names = getattr(value, mark, None)
            if names is not None:
                found[name] = names
            elif name in found:  # overridden by a method that is not marked
                del found[name]
    return found


def observers_of(cls: type) -> dict[str, tuple[str, ...]]:
    return declared(cls, _OBSERVES)


def validators_of(cls: type, fields: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    found = declared(cls, _VALIDATES)
    for method, names in found.items():
        unknown = [n for n in names if n not in fields]
        if unknown:
            raise TypeError(f"{cls.__name__}.{method} validates unknown field(s) {', '.join(unknown)}")
    return found


def run_validators(
    widget: Any,
    validators: Mapping[str, tuple[str, ...]],
    values: Mapping[str, Any],
    current: Mapping[str, Any],
    recheck: Callable[[str, Any], Any],
) -> dict[str, Any]:
    """``values`` as the widget's validators leave them, or ``ValidationError``. Field validators first, in
    declaration order, then the whole-state ones over the current state with the new values in it."""
    result = dict(values)
    whole = []
    for method, names in validators.items():
        if not names:
            whole.append(method)
            continue
        for name in names:
            if name in result:
                kept = _call(widget, method, result[name], f"{name!r}")
                result[name] = recheck(name, kept)
    if whole:
        proposed = {**current, **result}
        for method in whole:
            _call(widget, method, proposed, "the state")
    return result


def _call(widget: Any, method: str, argument: Any, what: str) -> Any:
    try:
        return getattr(widget, method)(argument)
    except ValidationError:
        raise
    except (ValueError, TypeError, AssertionError) as exc:  # what validators raise, traitlets' TraitError aside
        raise ValidationError(f"{what} refused by {type(widget).__name__}.{method}: {exc}") from None
