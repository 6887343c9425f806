import pytest

from chalicelib.api.errors import BadRequest
from chalicelib.cache.options import MAX_CUSTOM_KEY_LENGTH, CacheOptions, cache_options
from chalicelib.cache.policy import MAX_TTL_S


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
