"""An operator's mistake with the SQLite file while plexportal runs (deleted, moved aside and
replaced, made read-only) is visible at once: /healthz and every page answer 503 with what to do,
and webhooks answer 503 so Sonarr/Radarr show the failure instead of an acknowledged event that
the next restart loses."""
import os
import shutil

import pytest

from tests.media.conftest import WEBHOOK_SECRET, raw

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def db_file(app, db):
    from plexportal.db import db as database

    path = database.obj.database
    yield path
    if os.path.exists(path):
        os.chmod(path, 0o644)


def hook(client):
    return client.post("/webhooks/sonarr", data=raw("sonarr_v4_test"), content_type="application/json",
                       headers={"Authorization": f"Bearer {WEBHOOK_SECRET}"})


def test_a_deleted_database_file_is_a_503_everywhere(client, db_file, set_settings, logged_in):
    set_settings(WEBHOOK_SECRET=WEBHOOK_SECRET)
    assert client.get("/healthz").json["database"] == "ok"
    assert hook(client).status_code == 200
    os.rename(db_file, db_file + ".gone")
    try:
        health = client.get("/healthz")
        assert health.status_code == 503 and "is missing" in health.json["database"]
        r = hook(client)
        assert r.status_code == 503 and r.json == {"error": "database unavailable"}
        page = logged_in.get("/")
        assert page.status_code == 503 and "is missing" in page.get_data(as_text=True)
    finally:
        os.rename(db_file + ".gone", db_file)
    assert client.get("/healthz").status_code == 200          # put back: fine again


def test_a_database_file_replaced_while_running_says_restart(client, db_file):
    shutil.copy(db_file, db_file + ".new")
    os.replace(db_file + ".new", db_file)                     # a restore by `mv`: a new inode
    health = client.get("/healthz")
    assert health.status_code == 503 and "was replaced" in health.json["database"]
    assert "restart plexportal" in health.json["database"]


def test_a_read_only_database_file_is_reported(client, db_file, set_settings):
    set_settings(WEBHOOK_SECRET=WEBHOOK_SECRET)
    os.chmod(db_file, 0o444)
    health = client.get("/healthz")
    assert health.status_code == 503 and "read-only" in health.json["database"]
    assert hook(client).status_code == 503
