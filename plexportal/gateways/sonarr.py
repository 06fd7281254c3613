from plexportal.gateways.arr import ArrClient, ArrSettings
from plexportal.lib import http


class SonarrClient(ArrClient):
    service = "Sonarr"


def client(settings_module=None, **kwargs) -> SonarrClient:
    from plexportal.settings import service as settings

    s = settings_module or settings
    return SonarrClient(ArrSettings(s.get("SONARR_URL"), s.get("SONARR_API_KEY")), **kwargs)


def check(url: str, api_key: str):
    from plexportal.gateways.base import CheckResult, GatewayError

    try:
        return SonarrClient(ArrSettings(url, api_key), timeout=http.CHECK_TIMEOUT, retries=0).check()
    except GatewayError as err:
        return CheckResult(False, err.message)
