import pytest

from chalicelib import aws, wiring
from chalicelib.settings import Settings


def test_hot_path_clients_have_their_own_timeouts_and_attempts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AIG_HOT_PATH_AWS_TIMEOUT_S", "1.5")
    monkeypatch.setenv("AIG_HOT_PATH_AWS_ATTEMPTS", "3")
    aws.reset()
    wiring.reset()
    try:
        limits = wiring.hot_path_limits()
        assert limits == aws.CallLimits(timeout_s=1.5, attempts=3)
        hot = aws.client("dynamodb", limits)
        assert hot is aws.client("dynamodb", limits) and hot is not aws.client("dynamodb")
        assert aws.client("dynamodb") is aws.client("dynamodb", None)
        assert aws.table("t").meta.client is aws.table("t", None).meta.client
        config = hot.meta.config
        assert (config.connect_timeout, config.read_timeout) == (1.5, 1.5)
        assert config.retries == {"mode": "standard", "total_max_attempts": 3}
        assert aws.client("dynamodb").meta.config.read_timeout == 60  # botocore's default
    finally:
        aws.reset()
        wiring.reset()


def test_settings_defaults_bound_an_outage() -> None:
    settings = Settings.from_env({})
    assert settings.gateway_stale_if_error_s == 300
    assert (settings.hot_path_aws_timeout_s, settings.hot_path_aws_attempts) == (2.0, 2)
    assert Settings.from_env({"AIG_GATEWAY_STALE_IF_ERROR_S": "7"}).gateway_stale_if_error_s == 7
