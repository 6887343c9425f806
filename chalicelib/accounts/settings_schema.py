"""How a gateway field is declared, once, in the Gateway dataclass (accounts/models.py).

Each field says its role in its metadata: a *setting* (a client sets it; it has a default
and a check, and answers show it), a *shown* field (answers show it; a client cannot set
it) or an *internal* one. The API's allow-list, its answer fields and the checks of
parse_settings are read back from these declarations, never listed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.accounts.plans import Plan
from chalicelib.accounts.shapes import Shape

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")

Check = Callable[[str, Any, Plan], Any]
"""Checks a setting's value sent by an account on a plan, given (name, value, plan): returns
the value to store or raises BadRequest naming the field."""

SETTING = "setting"
SHOWN = "shown"
INTERNAL = "internal"

SHOWN_FIELD: Mapping[str, str] = MappingProxyType({"role": SHOWN})
"""Metadata of a field answers show and a client cannot set."""
INTERNAL_FIELD: Mapping[str, str] = MappingProxyType({"role": INTERNAL})
"""Metadata of a field answers never show."""


def setting(default: T, shape: Shape) -> T:
    """A setting whose values are checked by `shape`, whatever the plan."""

    def check(name: str, value: Any, plan: Plan) -> Any:
        return shape(value, name)

    return setting_by_plan(default, check)


def setting_by_plan(default: T, check: Check) -> T:
    """A setting whose values are checked by `check`, which also sees the account's plan."""
    return field(default=default, metadata={"role": SETTING, "check": check})


def names(cls: type[DataclassInstance], *roles: str) -> tuple[str, ...]:
    """Names of the fields of `cls` in one of `roles`, in declaration order."""
    return tuple(f.name for f in fields(cls) if f.metadata.get("role") in roles)


def checks(cls: type[DataclassInstance]) -> dict[str, Check]:
    """The check of each setting of `cls`, by name."""
    return {f.name: f.metadata["check"] for f in fields(cls) if f.metadata.get("role") == SETTING}
