"""Reading the invite, preset and access forms: values, or field errors to show next to the fields."""
from __future__ import annotations

from flask_babel import gettext

from plexportal.i18n import said
from plexportal.invites import codes
from plexportal.invites.models import Preset
from plexportal.lib import clock, fmt


def _flag(form, name: str) -> bool:
    return form.get(name) in ("1", "on", "true", "yes")


def _days(text: str | None, errors: dict, field: str = "access_days") -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        n = int(text)
        if n < 1 or n > 3650:
            raise ValueError
        return n
    except ValueError:
        errors[field] = gettext("Enter a number of days between 1 and 3650, or leave empty for no end.")
        return None


def terms(form, errors: dict) -> dict:
    try:
        libraries = codes.parse_ids(form.getlist("libraries"))
    except ValueError:
        libraries = []
        errors["libraries"] = gettext("Pick libraries from the list.")
    return {"libraries": libraries, "allow_sync": _flag(form, "allow_sync"),
            "allow_channels": _flag(form, "allow_channels"), "allow_camera_upload": _flag(form, "allow_camera_upload"),
            "filter_ratings": (form.get("filter_ratings") or "").strip()[:200],
            "filter_labels": (form.get("filter_labels") or "").strip()[:200],
            "home": form.get("kind") == "home", "access_days": _days(form.get("access_days"), errors)}


def invite(form) -> tuple[dict, dict]:
    """Values for service.create_invite/update_invite, and errors by field name."""
    errors: dict[str, str] = {}
    values = terms(form, errors)
    values["label"] = (form.get("label") or "").strip()[:120]
    values["note"] = (form.get("note") or "").strip()[:2000]
    values["enabled"] = _flag(form, "enabled") if "enabled_present" in form else True
    values["requires_approval"] = _flag(form, "requires_approval")
    try:
        values["max_uses"] = codes.parse_uses(form.get("max_uses"))
    except ValueError as err:
        errors["max_uses"] = said(err)
    expires_text = (form.get("expires") or "").strip()
    if expires_text != (form.get("expires_was") or "").strip() or "expires_was" not in form:
        try:
            values["expires_at"] = codes.parse_expiry(expires_text, clock.now(), fmt.display_zone())
        except ValueError as err:
            errors["expires"] = said(err)
    preset_id = (form.get("preset") or "").strip()
    values["preset"] = Preset.get_or_none(Preset.id == int(preset_id)) if preset_id.isdigit() else None
    code = (form.get("code") or "").strip()
    if code:
        problem = codes.is_valid_custom(code)
        if problem:
            errors["code"] = gettext(problem)
        values["_code"] = code
    return values, errors


def preset(form) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    values = terms(form, errors)
    values["name"] = (form.get("name") or "").strip()[:80]
    if not values["name"]:
        errors["name"] = gettext("Give the preset a name, e.g. Family.")
    return values, errors


def expiry_text(value) -> str:
    """How an expiry is shown in the edit form (the configured zone)."""
    return fmt.localtime(value, "%Y-%m-%d %H:%M") if value else ""
