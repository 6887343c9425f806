import json

import pytest

from chalicelib.api.errors import BadRequest
from chalicelib.proxy.headers import (
    aig_header,
    downstream_headers,
    parse_options,
    upstream_headers,
)


def test_cf_aig_alias_is_accepted() -> None:
    assert aig_header({"cf-aig-event-id": "e1"}, "event-id") == "e1"
    assert aig_header({"aig-event-id": "a", "cf-aig-event-id": "b"}, "event-id") == "a"


def test_options_defaults_and_switches() -> None:
    assert parse_options({}).collect_log is True
    options = parse_options(
        {
            "cf-aig-collect-log": "false",
            "aig-collect-log-payload": "0",
            "aig-metadata": '{"user": "u1", "n": 2, "vip": true}',
        }
    )
    assert not options.collect_log and not options.collect_log_payload
    assert options.metadata == {"user": "u1", "n": 2, "vip": True}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"aig-metadata": "{not json"}, "JSON object"),
        ({"aig-metadata": "[1]"}, "JSON object"),
        ({"aig-metadata": '{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}'}, "more than 5"),
        ({"aig-metadata": '{"a": {"nested": 1}}'}, "string, number or bool"),
        ({"aig-collect-log": "maybe"}, "true or false"),
        ({"aig-event-id": "x" * 500}, "longer than"),
    ],
)
def test_bad_gateway_headers_are_400(headers: dict[str, str], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse_options(headers)


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ("[" * 5_000 + "]" * 5_000, "nested deeper than 64 levels"),
        ('{"a": NaN}', "non-finite number"),
        ('{"a": Infinity}', "non-finite number"),
        ('{"a": 1e400}', "too large"),
        ('{"a": 1e300}', "entry 1: the value is out of range"),
        ('{"a": 5e-324}', "entry 1: the value is out of range"),
        ('{"a": 1, "b": ' + "1" * 40 + "}", "entry 2: the value has more than 38 digits"),
        ('{"a": ' + "9" * 5_000 + "}", "more than 1000 digits"),
        ('{"a": "\\ud800"}', "entry 1: the value is not valid Unicode"),
        ('{"\\udfff": 1}', "entry 1: the key is not valid Unicode"),
        ('{"": 1}', "entry 1: the key is empty"),
        ('{"' + "k" * 65 + '": 1}', "the key is longer than 64 characters"),
        ('{"a": "' + "v" * 257 + '"}', "the value is longer than 256 characters"),
        ('{"a": null}', "must be a string, number or bool"),
    ],
)
def test_metadata_the_log_store_cannot_write_is_400(metadata: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message) as caught:
        parse_options({"aig-metadata": metadata})
    assert caught.value.message.startswith("aig-metadata")


def test_metadata_at_its_limits_is_accepted() -> None:
    metadata = {"k" * 64: "v" * 256, "n": 9.99e125, "i": 10**37, "t": "\u00e9\U0001f600"}
    assert parse_options({"aig-metadata": json.dumps(metadata)}).metadata == metadata


def test_event_id_of_invalid_unicode_is_400() -> None:
    with pytest.raises(BadRequest, match="aig-event-id is not valid Unicode"):
        parse_options({"aig-event-id": "a\ud800"})


@pytest.mark.parametrize("value", ["maybe", "x" * 100])
def test_a_bad_header_is_named_never_echoed(value: str) -> None:
    with pytest.raises(BadRequest, match="aig-collect-log") as caught:
        parse_options({"aig-collect-log": value})
    assert value not in caught.value.message


def test_upstream_gets_client_credentials_but_no_gateway_or_transport_headers() -> None:
    sent = upstream_headers(
        {
            "authorization": "Bearer sk-client",
            "x-api-key": "sk-ant",
            "content-type": "application/json",
            "host": "gateway.local",
            "content-length": "12",
            "accept-encoding": "br",
            "aig-metadata": "{}",
            "cf-aig-authorization": "Bearer gw-token",
            "x-forwarded-for": "1.2.3.4",
        }
    )
    assert sent == {
        "authorization": "Bearer sk-client",
        "x-api-key": "sk-ant",
        "content-type": "application/json",
    }


def test_downstream_headers_keep_provider_ones_and_repeat_multi_values() -> None:
    relayed = downstream_headers(
        [
            ("content-type", "text/event-stream"),
            ("content-encoding", "gzip"),
            ("transfer-encoding", "chunked"),
            ("x-request-id", "req_1"),
            ("set-cookie", "a=1"),
            ("set-cookie", "b=2"),
        ]
    )
    assert relayed == {
        "Content-Type": "text/event-stream",
        "x-request-id": "req_1",
        "set-cookie": ["a=1", "b=2"],
    }
