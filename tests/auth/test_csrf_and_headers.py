"""CSRF on every state-changing request, and the security headers on every response."""
from __future__ import annotations

import re
from pathlib import Path

import plexportal
from tests.conftest import PASSWORD, csrf_from


def test_it_rejects_a_post_without_a_csrf_token(logged_in):
    r = logged_in.client.post("/settings/group/General", data={"SERVER_NAME": "Forged"})
    assert r.status_code == 400
    assert "form expired" in r.get_data(as_text=True)
    page = logged_in.get("/settings/").get_data(as_text=True)
    assert "Forged" not in page


def test_it_rejects_a_sign_in_without_a_csrf_token(client, admin):
    r = client.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 400
    assert client.get("/").status_code == 302


def test_it_asks_htmx_to_reload_the_page_on_a_stale_token(logged_in):
    r = logged_in.client.post("/settings/group/General", data={"SERVER_NAME": "Stale"},
                              headers={"HX-Request": "true", "X-CSRFToken": "stale-token"})
    assert r.status_code == 200
    assert r.headers["HX-Refresh"] == "true"


def test_it_puts_the_csrf_token_on_the_body_for_htmx(logged_in):
    html = logged_in.get("/").get_data(as_text=True)
    assert re.search(r'<body hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', html)


def test_it_sends_the_security_headers(client, admin):
    r = client.get("/auth/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_it_keeps_flask_wtf_https_referer_check_working(app, admin):
    """Over HTTPS flask-wtf demands a same-origin Referer; Referrer-Policy: same-origin sends one."""
    from plexportal.settings import service

    client = app.test_client()
    base = "https://portal.example"
    service.set_value("BASE_URL", base)                  # the name plexportal is reached by
    page = client.get("/auth/login", base_url=base)
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    token = csrf_from(page.get_data(as_text=True))
    form = {"username": "admin", "password": PASSWORD, "csrf_token": token}
    no_referer = client.post("/auth/login", data=form, base_url=base)
    assert no_referer.status_code == 400                 # what "no-referrer" would cause
    other_site = client.post("/auth/login", data=form, base_url=base,
                             headers={"Referer": "https://evil.example/"})
    assert other_site.status_code == 400
    ok = client.post("/auth/login", data=form, base_url=base,
                     headers={"Referer": f"{base}/auth/login"})
    assert ok.status_code == 303


def test_it_marks_signed_in_pages_no_store(logged_in):
    assert logged_in.get("/settings/").headers["Cache-Control"] == "no-store"


def test_versioned_vendor_files_are_cached_and_our_own_are_revalidated(logged_in):
    vendor = logged_in.get("/static/vendor/htmx-2.0.4.js")
    assert vendor.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    ours = logged_in.get("/static/app.css")           # not versioned: asked again (ETag) on each page
    assert ours.headers["Cache-Control"] == "no-cache" and ours.headers.get("ETag")


def test_it_has_no_inline_script_or_style_in_any_template():
    """The CSP forbids them, so a browser would silently ignore them."""
    root = Path(plexportal.__file__).parent / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        if {"email", "emails"} & set(path.relative_to(root).parts[:-1]):
            continue                                     # emails need inline CSS; they are not web pages
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=", text) \
                or re.search(r"\son[a-z]+=\"", text) or "hx-on" in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_it_denies_by_default_pages_that_are_not_marked_public(app, client, admin):
    public = {"auth.login", "auth.logout", "settings.wizard", "health.healthz", "static"}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "is_public", False) or rule.endpoint in public:
            continue
        r = client.get(rule.rule)
        assert r.status_code in (302, 401), f"{rule.rule} answered {r.status_code} to a visitor"
