"""The Test-connection checks behind the wizard and the settings page, by group."""
from __future__ import annotations

from plexportal.gateways import email, jellyfin, oidc, plex, radarr, seerr, sonarr
from plexportal.gateways.base import CheckResult
from plexportal.settings.registry import InvalidSetting, get_def
from plexportal.settings.service import AddressChanged


def _value(values: dict, key: str, current) -> str:
    raw = values.get(key)
    d = get_def(key)
    if (raw is None or raw == "") and d.is_secret and d.bound_to:
        # A blank secret field means "keep the stored one", but only for the address it was saved
        # with (DESIGN law 11): typed a new URL or host, the secret must be typed again.
        from plexportal.settings import service

        return service.secret_for(key, {k: _value(values, k, current) for k in d.bound_to})
    if raw is None or raw == "" and d.is_secret:
        return current(key)           # a blank secret field means "keep the stored one"
    return d.clean(raw)


def run(group: str, values: dict, current, send_to: str = "") -> CheckResult:
    """Check the service of a settings group with the submitted values (falling back to stored).
    Email with `send_to`: send a real message there rather than only connecting."""
    try:
        if group == "Seerr":
            return seerr.check(_value(values, "SEERR_URL", current), _value(values, "SEERR_API_KEY", current))
        if group == "Sonarr":
            return sonarr.check(_value(values, "SONARR_URL", current), _value(values, "SONARR_API_KEY", current))
        if group == "Radarr":
            return radarr.check(_value(values, "RADARR_URL", current), _value(values, "RADARR_API_KEY", current))
        if group == "Plex":
            return plex.check(_value(values, "PLEX_URL", current), _value(values, "PLEX_TOKEN", current))
        if group == "Jellyfin":
            return jellyfin.check(_value(values, "JELLYFIN_URL", current),
                                  _value(values, "JELLYFIN_API_KEY", current))
        if group == "Email":
            smtp = email.SmtpSettings(
                host=_value(values, "SMTP_HOST", current),
                port=int(_value(values, "SMTP_PORT", current) or 0),
                user=_value(values, "SMTP_USER", current),
                password=_value(values, "SMTP_PASSWORD", current),
                security=_value(values, "SMTP_SECURITY", current),
                sender=_value(values, "SMTP_FROM", current))
            if send_to:
                name = current("SERVER_NAME")
                return email.send_test(smtp, send_to, f"Test message from {name}",
                                       f"This is a test message from plexportal for {name}.\n\n"
                                       "If you can read it, email delivery works.")
            return email.check(email.SmtpSettings(
                host=_value(values, "SMTP_HOST", current),
                port=int(_value(values, "SMTP_PORT", current) or 0),
                user=_value(values, "SMTP_USER", current),
                password=_value(values, "SMTP_PASSWORD", current),
                security=_value(values, "SMTP_SECURITY", current),
                sender=_value(values, "SMTP_FROM", current)))
        if group == "Single sign-on":
            from plexportal.auth import oidc as sso

            return oidc.check(_value(values, "OIDC_ISSUER", current), _value(values, "OIDC_CLIENT_ID", current),
                              sso.redirect_uri())
    except AddressChanged as err:
        return CheckResult(False, err.message)
    except InvalidSetting as err:
        return CheckResult(False, f"{get_def(err.key).label}: {err.message}")
    return CheckResult(False, "There is nothing to test for this group.")


CHECKABLE = {"Seerr", "Sonarr", "Radarr", "Plex", "Jellyfin", "Email", "Single sign-on"}


def record(group: str, result: CheckResult) -> None:
    from plexportal.lib import clock
    from plexportal.settings.models import ServiceCheck

    now = clock.now()
    (ServiceCheck.insert(service=group, ok=result.ok, message=result.message[:300], checked_at=now)
     .on_conflict(conflict_target=[ServiceCheck.service],
                  update={ServiceCheck.ok: result.ok, ServiceCheck.message: result.message[:300],
                          ServiceCheck.checked_at: now})
     .execute())


def configured_groups(current) -> list[str]:
    keys = {"Seerr": "SEERR_URL", "Sonarr": "SONARR_URL", "Radarr": "RADARR_URL", "Plex": "PLEX_URL",
            "Jellyfin": "JELLYFIN_URL", "Email": "SMTP_HOST"}
    return [g for g, k in keys.items() if current(k)]
