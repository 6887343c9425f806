"""Per-request options (`aig-*` headers over the gateway's defaults), parsed once."""

import json

import pytest

from chalicelib.accounts.models import Gateway
from chalicelib.cache.options import CacheOptions
from chalicelib.cache.policy import MAX_TTL_S
from chalicelib.errors import BadRequest
from chalicelib.proxy.options import (
    MAX_CUSTOM_KEY_LENGTH,
    RequestOptions,
    aig_header,
    attempt_policy,
    cache_options,
    log_options,
    parse_options,
)
from chalicelib.proxy.retry import AttemptPolicy

GATEWAY = Gateway(id="g", account_id="a")


def test_one_call_parses_every_option() -> None:
    headers = {"aig-cache-ttl": "60", "aig-max-attempts": "3", "cf-aig-collect-log": "false"}
    options = parse_options(headers, Gateway(id="g", account_id="a", cache_ttl=5), 30, "POST")
    assert isinstance(options, RequestOptions)
    assert options.cache.ttl_s == 60 and options.attempts.max_attempts == 3
    assert options.log.collect_log is False


def test_cf_aig_alias_is_accepted() -> None:
    assert aig_header({"cf-aig-event-id": "e1"}, "event-id") == "e1"
    assert aig_header({"aig-event-id": "a", "cf-aig-event-id": "b"}, "event-id") == "a"


def test_options_defaults_and_switches() -> None:
    assert log_options({}).collect_log is True
    options = log_options(
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
        log_options(headers)


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
        log_options({"aig-metadata": metadata})
    assert caught.value.message.startswith("aig-metadata")


def test_metadata_at_its_limits_is_accepted() -> None:
    metadata = {"k" * 64: "v" * 256, "n": 9.99e125, "i": 10**37, "t": "\u00e9\U0001f600"}
    assert log_options({"aig-metadata": json.dumps(metadata)}).metadata == metadata


def test_event_id_of_invalid_unicode_is_400() -> None:
    with pytest.raises(BadRequest, match="aig-event-id is not valid Unicode"):
        log_options({"aig-event-id": "a\ud800"})


@pytest.mark.parametrize("value", ["maybe", "x" * 100])
def test_a_bad_header_is_named_never_echoed(value: str) -> None:
    with pytest.raises(BadRequest, match="aig-collect-log") as caught:
        log_options({"aig-collect-log": value})
    assert value not in caught.value.message


def test_defaults_come_from_the_gateway() -> None:
    assert attempt_policy({}, GATEWAY, 30) == AttemptPolicy(30, 1, 0, "constant", 30)
    gateway = Gateway(
        id="g", account_id="a", retry_max_attempts=3, retry_delay=250, retry_backoff="linear"
    )
    assert attempt_policy({}, gateway, 30) == AttemptPolicy(30, 3, 250, "linear", 30)
    unset = Gateway(
        id="g", account_id="a", retry_max_attempts=None, retry_delay=None, retry_backoff=None
    )
    assert attempt_policy({}, unset, 30) == AttemptPolicy(30, 1, 0, "constant", 30)


def test_headers_override_the_gateway_and_cf_aliases_work() -> None:
    gateway = Gateway(
        id="g", account_id="a", retry_max_attempts=3, retry_delay=250, retry_backoff="linear"
    )
    headers = {
        "aig-request-timeout": "1500",
        "cf-aig-max-attempts": "5",
        "aig-retry-delay": "0",
        "aig-backoff": "Exponential",
    }
    assert attempt_policy(headers, gateway, 30) == AttemptPolicy(1.5, 5, 0, "exponential", 30)


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"aig-request-timeout": "0"}, "aig-request-timeout"),
        ({"aig-request-timeout": "fast"}, "aig-request-timeout"),
        ({"aig-request-timeout": "1.5"}, "aig-request-timeout"),
        ({"aig-max-attempts": "6"}, "aig-max-attempts"),
        ({"aig-max-attempts": "0"}, "aig-max-attempts"),
        ({"cf-aig-max-attempts": "-1"}, "aig-max-attempts"),
        ({"aig-retry-delay": "60001"}, "aig-retry-delay"),
        ({"aig-retry-delay": "²"}, "aig-retry-delay"),
        ({"aig-backoff": "random"}, "aig-backoff"),
        ({"aig-request-timeout": "9" * 5_000}, "aig-request-timeout"),
        ({"aig-max-attempts": "9" * 5_000}, "aig-max-attempts"),
        ({"aig-retry-delay": "9" * 5_000}, "aig-retry-delay"),
        ({"aig-retry-delay": "1" * 40}, "aig-retry-delay"),
        ({"aig-request-timeout": "1e300"}, "aig-request-timeout"),
    ],
)
def test_bad_values_are_400_naming_the_header(headers: dict[str, str], named: str) -> None:
    with pytest.raises(BadRequest, match=named):
        attempt_policy(headers, GATEWAY, 30)


def test_gateway_ttl_zero_means_off() -> None:
    options = cache_options({}, 0, "POST")
    assert options == CacheOptions(ttl_s=0)
    assert not options.enabled
    assert not cache_options({}, None, "POST").enabled


def test_gateway_ttl_enables() -> None:
    options = cache_options({}, 300, "POST")
    assert options.enabled and options.ttl_s == 300


@pytest.mark.parametrize("prefix", ["aig-", "cf-aig-"])
def test_header_ttl_overrides_gateway(prefix: str) -> None:
    on = cache_options({f"{prefix}cache-ttl": "60"}, 0, "POST")
    assert on.enabled and on.ttl_s == 60
    off = cache_options({f"{prefix}cache-ttl": "0"}, 300, "POST")
    assert not off.enabled


def test_aig_spelling_wins_over_cf_alias() -> None:
    options = cache_options({"aig-cache-ttl": "10", "cf-aig-cache-ttl": "20"}, 0, "GET")
    assert options.ttl_s == 10


@pytest.mark.parametrize("prefix", ["aig-", "cf-aig-"])
@pytest.mark.parametrize("value", ["true", "1", "TRUE", " true "])
def test_skip_cache_disables(prefix: str, value: str) -> None:
    options = cache_options({f"{prefix}skip-cache": value, "aig-cache-ttl": "60"}, 300, "POST")
    assert options.skip and not options.enabled


@pytest.mark.parametrize("value", ["false", "0"])
def test_skip_cache_false_keeps_cache(value: str) -> None:
    assert cache_options({"aig-skip-cache": value}, 300, "POST").enabled


@pytest.mark.parametrize("prefix", ["aig-", "cf-aig-"])
def test_custom_key(prefix: str) -> None:
    options = cache_options({f"{prefix}cache-key": "faq-42"}, 300, "POST")
    assert options.custom_key == "faq-42"
    assert cache_options({}, 300, "POST").custom_key is None


def test_custom_key_alone_does_not_enable_caching() -> None:
    assert not cache_options({"aig-cache-key": "k"}, 0, "POST").enabled


@pytest.mark.parametrize("method", ["GET", "POST", "get", "post"])
def test_cacheable_methods(method: str) -> None:
    assert cache_options({}, 300, method).enabled


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def test_other_methods_are_never_cached(method: str) -> None:
    assert not cache_options({"aig-cache-ttl": "60"}, 300, method).enabled


def test_gateway_ttl_is_capped() -> None:
    assert cache_options({}, MAX_TTL_S * 10, "POST").ttl_s == MAX_TTL_S
    assert cache_options({"aig-cache-ttl": str(MAX_TTL_S)}, 0, "POST").ttl_s == MAX_TTL_S


@pytest.mark.parametrize("prefix", ["aig-", "cf-aig-"])
@pytest.mark.parametrize(
    "value", ["-1", "abc", "1.5", "", " ", "1e3", "1_000", "+5", "0x10", "9" * 5_000, "1" * 40]
)
def test_bad_ttl_is_rejected(prefix: str, value: str) -> None:
    with pytest.raises(BadRequest, match="aig-cache-ttl"):
        cache_options({f"{prefix}cache-ttl": value}, 0, "POST")


def test_ttl_above_max_names_the_max() -> None:
    with pytest.raises(BadRequest, match=r"aig-cache-ttl must be .*2592000 seconds .30 days"):
        cache_options({"aig-cache-ttl": str(MAX_TTL_S + 1)}, 0, "POST")


@pytest.mark.parametrize("value", ["yes", "no", "", "2"])
def test_bad_skip_cache_is_rejected(value: str) -> None:
    with pytest.raises(BadRequest, match="aig-skip-cache"):
        cache_options({"cf-aig-skip-cache": value}, 0, "POST")


@pytest.mark.parametrize("value", ["", "   ", "k" * (MAX_CUSTOM_KEY_LENGTH + 1)])
def test_bad_custom_key_is_rejected(value: str) -> None:
    with pytest.raises(BadRequest, match="aig-cache-key"):
        cache_options({"aig-cache-key": value}, 0, "POST")


def test_bad_values_are_rejected_on_any_method() -> None:
    with pytest.raises(BadRequest, match="aig-cache-ttl"):
        cache_options({"aig-cache-ttl": "soon"}, 0, "DELETE")
