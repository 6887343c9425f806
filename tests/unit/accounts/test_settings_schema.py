"""Each gateway field is declared once, in the Gateway dataclass, and every view of the
settings (the API's allow-list, its answer fields, the checks) is read from there."""

from __future__ import annotations

from dataclasses import MISSING, fields

from chalicelib.accounts.gateway_fields import _CHECKS
from chalicelib.accounts.models import API_FIELDS, CONFIG_FIELDS, READ_ONLY_FIELDS, Gateway
from chalicelib.accounts.settings_schema import INTERNAL, SETTING, SHOWN

FIELDS = {f.name: f for f in fields(Gateway)}


def test_every_gateway_field_declares_its_role() -> None:
    undeclared = [
        name
        for name, f in FIELDS.items()
        if f.metadata.get("role") not in {SETTING, SHOWN, INTERNAL}
    ]
    assert undeclared == []


def test_every_setting_has_a_default_and_a_check() -> None:
    for name in CONFIG_FIELDS:
        assert FIELDS[name].default is not MISSING, name
        assert callable(FIELDS[name].metadata["check"]), name


def test_every_declared_name_is_a_gateway_field() -> None:
    declared = {*CONFIG_FIELDS, *_CHECKS, *API_FIELDS, *READ_ONLY_FIELDS}
    cloudflare_only = {"is_default", "account_tag", "internal_id"}
    computed = {"spend_usage"}  # read from the spend counters, not stored with the gateway
    assert declared - cloudflare_only - computed <= set(FIELDS)
    assert list(_CHECKS) == list(CONFIG_FIELDS)


def test_answers_show_the_settings_between_the_id_and_the_counters() -> None:
    counters_and_times = ("stored_logs", "dropped_logs", "created_at", "modified_at")
    assert ("id", *CONFIG_FIELDS, *counters_and_times) == API_FIELDS
    assert not READ_ONLY_FIELDS & set(CONFIG_FIELDS)
