"""Docker HEALTHCHECK for the web container: GET /healthz on the port gunicorn listens on."""
import os
import sys
import urllib.request

bind = os.environ.get("PLEXPORTAL_BIND") or "127.0.0.1:8000"
port = bind.rsplit(":", 1)[-1]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # never through a proxy
try:
    with opener.open(f"http://127.0.0.1:{port}/healthz", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as err:  # noqa: BLE001 - any failure is "unhealthy"; say why in `docker inspect`
    print(f"healthz: {err}", file=sys.stderr)
    sys.exit(1)
