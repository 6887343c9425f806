import pytest
from botocore.exceptions import EndpointConnectionError

from chalicelib.edge.status import http_status
from chalicelib.errors import ServiceUnavailable, Unauthorized
from chalicelib.proxy.auth import GatewayAuth

TOKEN = "tok-acme-0123456789"


class Owners:
    def __init__(self) -> None:
        self.owners = {TOKEN: "acme", "tok-globex": "globex"}
        self.lookups: list[str] = []

    def __call__(self, token: str) -> str | None:
        self.lookups.append(token)
        return self.owners.get(token)


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_token_of_the_account_passes_and_is_remembered_briefly() -> None:
    owners, clock = Owners(), Clock()
    auth = GatewayAuth(owners, ttl_s=30, clock=clock)
    headers = {"aig-authorization": f"Bearer {TOKEN}"}
    auth.check(headers, "acme")
    auth.check({"cf-aig-authorization": f"bearer  {TOKEN} "}, "acme")
    assert owners.lookups == [TOKEN]
    clock.now = 31
    del owners.owners[TOKEN]  # revoked
    with pytest.raises(Unauthorized):
        auth.check(headers, "acme")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"aig-authorization": ""},
        {"aig-authorization": TOKEN},
        {"aig-authorization": "Basic abc"},
        {"aig-authorization": "Bearer "},
        {"authorization": f"Bearer {TOKEN}"},  # the provider's header is not the gateway's
        {"aig-authorization": "Bearer tok-unknown"},
        {"aig-authorization": "Bearer tok-globex"},  # another account's token
    ],
)
def test_missing_malformed_unknown_or_foreign_tokens_are_401(headers: dict[str, str]) -> None:
    auth = GatewayAuth(Owners())
    with pytest.raises(Unauthorized) as raised:
        auth.check(headers, "acme")
    assert "tok-" not in raised.value.message


def test_a_remembered_token_is_not_valid_for_another_account() -> None:
    auth = GatewayAuth(Owners())
    auth.check({"aig-authorization": f"Bearer {TOKEN}"}, "acme")
    with pytest.raises(Unauthorized):
        auth.check({"aig-authorization": f"Bearer {TOKEN}"}, "globex")


class FailingOwners(Owners):
    """Token owners behind a control table that is unreachable while `down` is set."""

    down = False

    def __call__(self, token: str) -> str | None:
        if self.down:
            self.lookups.append(token)
            raise EndpointConnectionError(endpoint_url="http://dynamodb")
        return super().__call__(token)


def test_a_verified_token_keeps_working_during_an_outage_for_a_bounded_time() -> None:
    owners, clock = FailingOwners(), Clock()
    auth = GatewayAuth(owners, ttl_s=30, clock=clock, stale_s=300)
    headers = {"aig-authorization": f"Bearer {TOKEN}"}
    auth.check(headers, "acme")
    owners.down = True
    for now in (30, 31, 59, 60, 61):
        clock.now = now
        auth.check(headers, "acme")
    assert len(owners.lookups) == 1 + 2  # asked again once per period (at 30, 60)
    clock.now = 329
    auth.check(headers, "acme")
    with pytest.raises(Unauthorized):  # still only for its own account
        auth.check(headers, "globex")
    clock.now = 330
    with pytest.raises(ServiceUnavailable) as raised:
        auth.check(headers, "acme")
    assert http_status(raised.value) == 503
    assert "control store cannot be reached" in raised.value.message
    assert "tok-" not in raised.value.message


def test_an_unverified_token_is_503_not_401_during_an_outage() -> None:
    owners = FailingOwners()
    auth = GatewayAuth(owners)
    with pytest.raises(Unauthorized):
        auth.check({"aig-authorization": "Bearer tok-unknown"}, "acme")
    owners.down = True
    for token in ("tok-unknown", TOKEN):  # unknown tokens are never remembered
        with pytest.raises(ServiceUnavailable):
            auth.check({"aig-authorization": f"Bearer {token}"}, "acme")
