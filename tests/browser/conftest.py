"""Browser fixtures: the real `make run` stack with a few gateways and logs, and Playwright
driving Debian's Chromium (skipped, saying how to get it, where there is none)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Error,
    Page,
    ViewportSize,
    sync_playwright,
)

from tests.fakes.upstream import FakeUpstreamProcess
from tests.support.gateway import Gateway, running_gateway

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
GATEWAY = "dash"
HOSTILE = '<img src=x onerror="window.pwned=1">'
"""A model name and metadata value that would run script if it were written as HTML."""


@dataclass
class Seeded:
    """The stack, its token, and what was sent through gateway `dash`."""

    stack: Gateway
    logs: int
    models: dict[str, int]
    streamed_text: str

    @property
    def dashboard(self) -> str:
        return f"{self.stack.url}/dashboard"

    def api(self) -> httpx.Client:
        """The management API with the seeded account's token."""
        headers = {"authorization": f"Bearer {self.stack.token}"}
        base = f"{self.stack.url}/accounts/{self.stack.account}/ai-gateway/gateways"
        return httpx.Client(base_url=base, headers=headers, timeout=30)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: the dashboard's browser tests need it; "
            "install Debian's chromium (apt-get install chromium), as .ci/run does"
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def seeded(browser: Browser) -> Iterator[Seeded]:
    """`make run`'s stack (direct log sink) with gateway `dash` and its logs: two models,
    a failure, an OpenAI and an Anthropic stream, a hostile model name and metadata."""
    with FakeUpstreamProcess() as fake:
        direct = {"AIG_LOG_SINK": "direct", "AIG_LOCAL_POLLER": "0", "AIG_GATEWAY_CACHE_S": "0"}
        with running_gateway(fake, direct) as stack:
            yield _seed(stack)


def _seed(stack: Gateway) -> Seeded:
    seeded = Seeded(stack, 0, {}, "")
    with seeded.api() as api:
        api.post("", json={"id": GATEWAY}).raise_for_status()
    base = f"{stack.url}/v1/{stack.account}/{GATEWAY}"
    models: dict[str, int] = {}
    with httpx.Client(base_url=base, timeout=30) as proxy:

        def chat(model: str, text: str, **extra: Any) -> httpx.Response:
            headers = {"authorization": "Bearer sk-browser", **extra.pop("headers", {})}
            body = {"model": model, "messages": [{"role": "user", "content": text}], **extra}
            models[model] = models.get(model, 0) + 1
            return proxy.post("/openai/chat/completions", headers=headers, json=body)

        for index in range(6):
            model = "gpt-4o" if index % 2 else "gpt-4o-mini"
            metadata = json.dumps({"user": f"u{index}", "team": "search"})
            chat(model, f"message number {index}", headers={"aig-metadata": metadata})
        chat("gpt-4o", "boom", headers={"x-fake-status": "500"})
        chat("gpt-4o-mini", "tell me a story", stream=True)
        chat(HOSTILE, "hostile", headers={"aig-metadata": json.dumps({"note": HOSTILE})})
        for index in range(3):
            chat("gpt-3.5-turbo", f"old model {index}")
        for _ in range(2):  # the second is a cache hit
            chat("gpt-4o-mini", "cache me", headers={"aig-cache-ttl": "600"})
        anthropic = {"x-api-key": "sk-ant-browser", "anthropic-version": "2023-06-01"}
        proxy.post(
            "/anthropic/v1/messages",
            headers=anthropic,
            json={
                "model": "claude-3-5-haiku-latest",
                "max_tokens": 64,
                "stream": True,
                "messages": [{"role": "user", "content": "stream please"}],
            },
        ).raise_for_status()
        models["claude-3-5-haiku-latest"] = 1
    seeded.logs = sum(models.values())
    seeded.models = models
    seeded.streamed_text = "echo: tell me a story"
    _wait_for_logs(seeded)
    return seeded


def _wait_for_logs(seeded: Seeded) -> None:
    """Streams are logged as they end: wait until every log is stored."""
    deadline = time.monotonic() + 15
    with seeded.api() as api:
        while time.monotonic() < deadline:
            if api.get(f"/{GATEWAY}").json()["result"]["stored_logs"] == seeded.logs:
                return
            time.sleep(0.1)
    pytest.fail(f"the {seeded.logs} seeded logs were not all stored")


@pytest.fixture
def page(browser: Browser, seeded: Seeded) -> Iterator[Page]:
    """A fresh desktop tab (1280x800); a page error, a dialog or the token in the console
    fails the test."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []

    def page_error(error: Error) -> None:
        errors.append(str(error))

    def dialog(opened: Dialog) -> None:
        errors.append(f"unexpected dialog: {opened.message}")

    def console(message: ConsoleMessage) -> None:
        if seeded.stack.token in message.text:
            errors.append("the token was written to the console")

    tab.on("pageerror", page_error)
    tab.on("dialog", dialog)
    tab.on("console", console)
    yield tab
    context.close()
    assert errors == []


def sign_in(
    page: Page, seeded: Seeded, token: str | None = None, account: str | None = None
) -> None:
    """Open the dashboard and sign in (with the seeded account's token by default)."""
    page.goto(seeded.dashboard)
    page.fill("#signin-account", account or seeded.stack.account)
    page.fill("#signin-token", token or seeded.stack.token)
    page.click("button[type=submit]")
