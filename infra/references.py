"""Renaming logical ids inside a CloudFormation fragment: `Ref`, `Fn::GetAtt`, the
`${Name}` and `${Name.Attribute}` of `Fn::Sub` strings, and `DependsOn`.

Used to merge templates written to stand alone (infra/dataplane.yaml) into one stack: their
parameters become references to the stack's resources, their resources get prefixed ids.
"""

from __future__ import annotations

import re
from typing import Any

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)((?:\.[A-Za-z0-9.]+)?)\}")


def renamed(value: Any, names: dict[str, str]) -> Any:
    """`value` with every reference to a key of `names` pointing at its value instead."""
    if isinstance(value, list):
        return [renamed(item, names) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return {"Ref": names.get(value["Ref"], value["Ref"])}
    if set(value) == {"Fn::GetAtt"}:
        target, *attribute = value["Fn::GetAtt"]
        return {"Fn::GetAtt": [names.get(target, target), *attribute]}
    if set(value) == {"Fn::Sub"}:
        return {"Fn::Sub": _renamed_sub(value["Fn::Sub"], names)}
    out = {key: renamed(item, names) for key, item in value.items()}
    if "DependsOn" in out:
        depends = out["DependsOn"]
        out["DependsOn"] = (
            names.get(depends, depends)
            if isinstance(depends, str)
            else [names.get(name, name) for name in depends]
        )
    return out


def _renamed_sub(sub: Any, names: dict[str, str]) -> Any:
    if isinstance(sub, str):
        return _sub_text(sub, names, frozenset())
    text, variables = sub
    return [_sub_text(text, names, frozenset(variables)), renamed(variables, names)]


def _sub_text(text: str, names: dict[str, str], own: frozenset[str]) -> str:
    """An Fn::Sub string renamed; the Sub's `own` variables shadow the stack's names."""
    return _SUB_NAME.sub(
        lambda m: m[0] if m[1] in own else f"${{{names.get(m[1], m[1])}{m[2]}}}", text
    )
