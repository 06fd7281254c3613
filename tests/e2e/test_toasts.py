"""Toasts: at most three at once, never over the field in use, and gone on their own."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.inprocess import DESKTOP, SHOTS, signed_in_page

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}

RECT = "s => { const r = document.querySelector(s).getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("size", ["phone360", "desktop"])
def test_toasts_stack_three_keep_clear_of_the_field_and_leave(app, admin, browser, serve, size):
    base = serve(app)
    page, errors = signed_in_page(browser, base, PHONE_360 if size == "phone360" else DESKTOP)
    page.goto(base + "/settings/")
    save = page.locator("#group-Security button[type=submit]").first
    for i in range(5):
        with page.expect_response(lambda r: "/settings/group/Security" in r.url):
            page.locator("#group-Security button[type=submit]").first.click()
    page.locator("#toasts .toast").first.wait_for()
    page.wait_for_timeout(700)                  # the oldest ones have faded out
    assert page.locator("#toasts .toast").count() <= 3
    assert page.locator("#toasts .toast:not(.toast-out)").count() == 3

    # The webhook secret, scrolled to where the toasts are (bottom right), focused to be copied.
    field = "#f-WEBHOOK_SECRET"
    page.locator("#group-Security [data-generate='#f-WEBHOOK_SECRET']").click()
    page.locator(field).evaluate("el => { el.scrollIntoView({block: 'end'}); el.focus({preventScroll: true}); }")
    secret = page.evaluate(RECT, field)
    assert secret[3] > page.viewport_size["height"] - 60        # the field really is where toasts appear
    page.wait_for_timeout(100)
    assert not overlap(page.evaluate(RECT, "#toasts"), page.evaluate(RECT, field))
    assert page.locator("#toasts .toast:not(.toast-out)").count() >= 1
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"toasts-{size}-beside-the-secret.png"))   # what the eye sees
    expect(page.locator("#toasts .toast")).to_have_count(0, timeout=8000)
    assert save is not None and not errors
