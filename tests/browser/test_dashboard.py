"""The dashboard in Debian's Chromium against the real `make run` stack: sign-in, gateways,
logs (filters, search, detail with bodies, feedback, delete by filter), analytics, phone
width, bad tokens and another account. Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import GATEWAY, HOSTILE, PHONE, Seeded, sign_in

pytestmark = pytest.mark.browser


def _gateway_card(page: Page, gateway_id: str) -> Locator:
    return page.locator(f'.gateway-card[data-gateway="{gateway_id}"]')


def test_a_wrong_token_is_refused_with_a_clear_error(
    page: Page, seeded: Seeded, artifacts: Path
) -> None:
    sign_in(page, seeded, token="not-a-token")
    expect(page.locator(".form-error")).to_have_text(
        "This API token was refused. Check it and try again."
    )
    expect(page.locator("#topbar")).to_be_hidden()
    page.screenshot(path=artifacts / "desktop-signin-error.png")


def test_gateways_show_their_log_counts(page: Page, seeded: Seeded, artifacts: Path) -> None:
    sign_in(page, seeded)
    card = _gateway_card(page, GATEWAY)
    expect(card.locator(".stored-logs")).to_have_text(str(seeded.logs))
    expect(card.locator(".dropped-logs")).to_have_text("0")
    expect(_gateway_card(page, "default")).to_be_visible()
    assert seeded.stack.token not in page.url
    page.screenshot(path=artifacts / "desktop-gateways.png")


def test_create_then_edit_a_gateway_persists_through_the_api(
    page: Page, seeded: Seeded, artifacts: Path
) -> None:
    sign_in(page, seeded)
    page.click("#new-gateway")
    page.fill("#gw-id", "made-in-ui")
    page.fill("#gw-cache_ttl", "60")
    page.screenshot(path=artifacts / "desktop-gateway-create.png")
    page.click("dialog button[type=submit]")
    card = _gateway_card(page, "made-in-ui")
    expect(card).to_be_visible()
    card.get_by_role("button", name="Edit").click()
    page.fill("#gw-log_management", "1000")
    page.select_option("#gw-log_management_strategy", "DELETE_OLDEST")
    page.fill("#gw-rate_limiting_limit", "10")
    page.fill("#gw-rate_limiting_interval", "60")
    page.select_option("#gw-rate_limiting_technique", "sliding")
    page.check("#gw-authentication")
    page.fill("#gw-retry_max_attempts", "3")
    page.select_option("#gw-retry_backoff", "exponential")
    page.click("dialog summary")
    page.fill("#gw-advanced", '{"zdr": true}')
    page.screenshot(path=artifacts / "desktop-gateway-edit.png")
    page.click("dialog button[type=submit]")
    expect(card.locator(".pill", has_text="authenticated")).to_be_visible()
    with seeded.api() as api:
        saved = api.get("/made-in-ui").json()["result"]
    assert saved["cache_ttl"] == 60
    assert saved["log_management"] == 1000
    assert saved["log_management_strategy"] == "DELETE_OLDEST"
    assert (saved["rate_limiting_limit"], saved["rate_limiting_interval"]) == (10, 60)
    assert saved["rate_limiting_technique"] == "sliding"
    assert saved["authentication"] is True and saved["zdr"] is True
    assert (saved["retry_max_attempts"], saved["retry_backoff"]) == (3, "exponential")


def test_an_invalid_setting_shows_the_apis_message(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    _gateway_card(page, GATEWAY).get_by_role("button", name="Edit").click()
    page.fill("#gw-retry_max_attempts", "9")
    page.click("dialog button[type=submit]")
    expect(page.locator("dialog .form-error")).to_contain_text("retry_max_attempts")


def test_logs_filter_search_and_show_bodies(page: Page, seeded: Seeded, artifacts: Path) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.dashboard}/index.html#/logs/{GATEWAY}")
    rows = page.locator(".logs-table tbody tr")
    expect(rows).to_have_count(seeded.logs)
    expect(page.locator("#log-count")).to_have_text(f"{seeded.logs} logs")
    page.screenshot(path=artifacts / "desktop-logs.png")

    page.fill("#f-model", "gpt-4o")
    page.click("#apply-filters")
    expect(rows).to_have_count(seeded.models["gpt-4o"])
    page.select_option("#f-status", "error")
    page.click("#apply-filters")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(3)).to_have_text("500")

    page.click("#clear-filters")
    page.select_option("#f-cached", "yes")
    page.click("#apply-filters")
    expect(rows).to_have_count(1)
    expect(rows.first.locator('td[data-label="Cached"]')).to_have_text("hit")

    page.click("#clear-filters")
    page.fill("#log-search", "claude")
    page.click("#apply-filters")
    expect(rows).to_have_count(1)
    rows.first.click()
    response = page.locator("#response-body .body-text")
    expect(response).to_have_text("echo: stream please")
    page.locator("#response-body .raw-toggle").click()
    expect(response).to_contain_text("content_block_delta")
    page.click("#close-log")

    page.fill("#log-search", "")
    page.click("#add-filter")
    page.select_option(".extra-key", "metadata.value")
    page.select_option(".extra-operator", "eq")
    page.fill(".extra-value", "u3")
    page.click("#apply-filters")
    expect(rows).to_have_count(1)
    rows.first.click()
    request = page.locator("#request-body .body-text")
    expect(request).to_contain_text('"content": "message number 3"')
    expect(page.locator(".kv")).to_contain_text("u3")
    page.locator("#request-body").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "desktop-log-detail.png")


def test_a_streamed_answer_is_shown_as_its_assembled_text(
    page: Page, seeded: Seeded, artifacts: Path
) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.dashboard}/index.html#/logs/{GATEWAY}")
    page.fill("#f-provider", "openai")
    page.click("#add-filter")
    page.select_option(".extra-key", "response_content_type")
    page.select_option(".extra-operator", "contains")
    page.fill(".extra-value", "event-stream")
    page.click("#apply-filters")
    rows = page.locator(".logs-table tbody tr")
    expect(rows).to_have_count(1)
    rows.first.click()
    expect(page.locator("#response-body .body-text")).to_have_text(seeded.streamed_text)
    expect(page.locator("#response-body .pill")).to_contain_text("stream")
    page.locator("#response-body").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "desktop-log-stream.png")


def test_feedback_and_score_are_saved(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.dashboard}/index.html#/logs/{GATEWAY}")
    row = page.locator(".logs-table tbody tr").first
    log_id = row.get_attribute("data-log")
    row.click()
    page.click('.feedback-button[data-feedback="1"]')
    expect(page.locator('.feedback-button[data-feedback="1"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    page.fill("#log-score", "87")
    page.click("#save-score")
    expect(page.locator(".feedback [role=status]")).to_have_text("Saved")
    page.click("#close-log")
    expect(page.locator(f'tr[data-log="{log_id}"] td[data-label="Feedback"]')).to_have_text("good")
    with seeded.api() as api:
        log = api.get(f"/{GATEWAY}/logs/{log_id}").json()["result"]
    assert (log["feedback"], log["score"]) == (1, 87)


def test_hostile_strings_are_shown_as_text(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.dashboard}/index.html#/logs/{GATEWAY}")
    page.fill("#f-model", HOSTILE)
    page.click("#apply-filters")
    cell = page.locator('.logs-table td[data-label="Model"]')
    expect(cell).to_have_text(HOSTILE)
    cell.click()
    expect(page.locator(".kv td")).to_have_text(HOSTILE)
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("window.pwned") is None


def test_delete_logs_by_the_current_filter(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.dashboard}/index.html#/logs/{GATEWAY}")
    page.fill("#f-model", "gpt-3.5-turbo")
    page.click("#apply-filters")
    expect(page.locator(".logs-table tbody tr")).to_have_count(3)
    page.click("#delete-logs")
    expect(page.locator("#delete-scope")).to_have_text("model gpt-3.5-turbo")
    page.click("dialog button[type=submit]")
    expect(page.locator(".state.empty h3")).to_have_text("No logs match")
    with seeded.api() as api:
        gateway = api.get(f"/{GATEWAY}").json()["result"]
        left = api.get(f"/{GATEWAY}/logs", params={"model": "gpt-3.5-turbo"}).json()["result"]
    assert left == []
    assert gateway["stored_logs"] == seeded.logs - 3
    seeded.logs -= 3
    seeded.models.pop("gpt-3.5-turbo")


def test_analytics_draw_charts_with_data(page: Page, seeded: Seeded, artifacts: Path) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.dashboard}/index.html#/analytics/{GATEWAY}")
    chart = page.locator("#chart-requests")
    expect(chart.locator("canvas")).to_be_visible()
    assert int(chart.get_attribute("data-points") or 0) > 0
    requests = page.locator("#tile-requests .tile-value")
    expect(requests).not_to_have_text("0")
    assert int(requests.inner_text().replace(",", "")) >= seeded.logs
    expect(page.locator(".breakdown tbody tr").first).to_contain_text("gpt-4o")
    page.click('[data-group="provider"]')
    expect(page.locator(".breakdown td.name")).to_have_count(2)
    page.click('[data-range="7d"]')
    expect(page.locator("#chart-tokens canvas")).to_be_visible()
    page.click('[data-range="24h"]')
    expect(page.locator("#chart-cost canvas")).to_be_visible()
    page.screenshot(path=artifacts / "desktop-analytics.png", full_page=True)


def test_analytics_by_model_draw_one_line_per_model(
    browser: Browser, page: Page, seeded: Seeded, artifacts: Path
) -> None:
    sign_in(page, seeded)
    page.goto(f"{seeded.dashboard}/index.html#/analytics/{GATEWAY}")
    expect(page.locator('[data-split="total"]')).to_have_attribute("aria-pressed", "true")
    page.click('[data-split="model"]')
    chart = page.locator("#chart-requests")
    expect(chart.locator("figcaption")).to_have_text("Requests by model")
    expect(chart.locator("canvas")).to_be_visible()
    legend = chart.locator(".u-legend .u-series:not(:first-child) .u-label")
    names = page.locator(".breakdown td.name .name-text")
    expect(names.first).to_be_visible()
    assert set(seeded.models) <= set(names.all_inner_texts())
    models = sorted(names.all_inner_texts())
    assert sorted(legend.all_inner_texts()) == models
    assert int(chart.get_attribute("data-points") or 0) >= len(seeded.models)
    for other in ("errors", "tokens-in", "tokens-out", "cost", "cache"):
        expect(page.locator(f"#chart-{other} .u-legend .u-series")).to_have_count(names.count() + 1)
    assert page.evaluate("window.pwned") is None
    page.screenshot(path=artifacts / "desktop-analytics-by-model.png", full_page=True)
    page.click('[data-split="provider"]')
    expect(chart.locator("figcaption")).to_have_text("Requests by provider")
    assert sorted(legend.all_inner_texts()) == ["anthropic", "openai"]
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    small = phone.new_page()
    sign_in(small, seeded)
    small.goto(f"{seeded.dashboard}/index.html#/analytics/{GATEWAY}")
    small.click('[data-split="model"]')
    expect(small.locator("#chart-requests .u-legend .u-series")).to_have_count(len(models) + 1)
    assert small.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small.screenshot(path=artifacts / "phone-analytics-by-model.png", full_page=True)
    phone.close()


def test_every_view_fits_a_phone(browser: Browser, seeded: Seeded, artifacts: Path) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, seeded)
    views = {
        "gateways": ("#/gateways", ".gateway-card"),
        "logs": (f"#/logs/{GATEWAY}", ".logs-table tbody tr"),
        "analytics": (f"#/analytics/{GATEWAY}", "#chart-requests canvas"),
    }
    for name, (route, ready) in views.items():
        page.goto(f"{seeded.dashboard}/index.html{route}")
        page.locator(ready).first.wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (name, width)
        page.screenshot(path=artifacts / f"phone-{name}.png", full_page=True)
    page.goto(f"{seeded.dashboard}/index.html#/logs/{GATEWAY}")
    page.locator(".logs-table tbody tr").first.click()
    expect(page.locator("#response-body")).to_be_visible()
    page.screenshot(path=artifacts / "phone-log-detail.png")
    context.close()


def test_another_accounts_token_sees_only_its_gateways(page: Page, seeded: Seeded) -> None:
    accounts = seeded.stack.accounts()
    accounts.create_account("other-co", plan="paid")
    accounts.create_gateway("other-co", "theirs", {})
    token = accounts.issue_token("other-co", name="browser").token
    sign_in(page, seeded, token=token, account="demo")
    expect(page.locator(".form-error")).to_have_text(
        'This token does not belong to an account "demo".'
    )
    sign_in(page, seeded, token=token, account="other-co")
    expect(_gateway_card(page, "theirs")).to_be_visible()
    expect(page.locator(".gateway-card")).to_have_count(1)
    page.goto(f"{seeded.dashboard}/index.html#/logs/{GATEWAY}")
    expect(page.locator("#gateway-picker")).to_have_value("theirs")


def test_sign_out_forgets_the_token(page: Page, seeded: Seeded) -> None:
    sign_in(page, seeded)
    expect(_gateway_card(page, GATEWAY)).to_be_visible()
    stored = page.evaluate("JSON.stringify(sessionStorage)")
    assert seeded.stack.token in stored and seeded.stack.token not in page.url
    page.click("#sign-out")
    expect(page.locator("#signin-token")).to_be_visible()
    assert seeded.stack.token not in page.evaluate("JSON.stringify(sessionStorage)")
