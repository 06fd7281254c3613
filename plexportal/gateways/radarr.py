from plexportal.gateways.arr import ArrClient, ArrSettings
from plexportal.lib import http


class RadarrClient(ArrClient):
    service = "Radarr"


def client(settings_module=None, **kwargs) -> RadarrClient:
    from plexportal.settings import service as settings

    s = settings_module or settings
    return RadarrClient(ArrSettings(s.get("RADARR_URL"), s.get("RADARR_API_KEY")), **kwargs)


def check(url: str, api_key: str):
    from plexportal.gateways.base import CheckResult, GatewayError

    try:
        return RadarrClient(ArrSettings(url, api_key), timeout=http.CHECK_TIMEOUT, retries=0).check()
    except GatewayError as err:
        return CheckResult(False, err.message)
