"""flask --app wsgi …: db, create-admin, reset-password, settings — through the CLI runner."""
from __future__ import annotations

import pytest

from plexportal.auth import service as auth_service
from plexportal.auth.models import User, UserSession
from plexportal.security import verify_password
from plexportal.settings import service
from plexportal.settings.models import Setting
from tests.conftest import PASSWORD, Browserless

SECRET_VALUE = "radarr-api-key-fedcba9876543210"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, input=None):
        return runner.invoke(args=list(args), input=input)
    return run


def test_it_reports_the_database_up_to_date(cli):
    r = cli("db", "upgrade")
    assert r.exit_code == 0
    assert "database is up to date" in r.output
    r = cli("db", "status")
    assert r.exit_code == 0
    assert "0001_foundation" in r.output and "applied" in r.output
    assert "PENDING" not in r.output


@pytest.mark.sqlite_only
def test_it_migrates_a_fresh_database_and_says_what_is_pending(tmp_path):
    from plexportal import create_app
    from tests.conftest import make_config

    app = create_app(make_config(tmp_path))
    runner = app.test_cli_runner()
    status = runner.invoke(args=["db", "status"])
    assert status.exit_code == 1
    assert "PENDING" in status.output and "run `flask --app wsgi db upgrade`" in status.output
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0 and "applied 0001_foundation" in up.output
    assert runner.invoke(args=["db", "status"]).exit_code == 0


def test_it_creates_an_admin_from_stdin(cli):
    r = cli("create-admin", "owner", "--email", "owner@example.com", "--password-stdin", input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert "admin owner created" in r.output
    user = User.get(User.username == "owner")
    assert user.is_admin and user.email == "owner@example.com"
    assert verify_password(auth_service.password_hash_of(user), PASSWORD)
    assert PASSWORD not in r.output


def test_it_refuses_a_weak_password_or_a_taken_name(cli, admin):
    r = cli("create-admin", "other", "--password-stdin", input="short\n")
    assert r.exit_code != 0
    assert "at least 8 characters" in r.output
    r = cli("create-admin", "admin", "--password-stdin", input=PASSWORD + "\n")
    assert r.exit_code != 0
    assert "already exists" in r.output
    assert User.select().count() == 1


def test_it_creates_an_admin_with_a_prompted_password(cli):
    r = cli("create-admin", "owner", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert r.exit_code == 0, r.output
    assert User.get(User.username == "owner").is_admin


def test_it_resets_a_password_and_ends_that_admins_sessions(app, cli, admin):
    web = Browserless(app.test_client())
    web.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert web.get("/").status_code == 200
    r = cli("reset-password", "admin", "--password-stdin", input="a new long passphrase\n")
    assert r.exit_code == 0, r.output
    assert "sessions have ended" in r.output
    assert UserSession.select().count() == 0
    assert web.get("/").status_code == 302                 # the browser was signed out
    assert verify_password(auth_service.password_hash_of(admin), "a new long passphrase")


def test_it_explains_a_reset_for_an_unknown_user(cli):
    r = cli("reset-password", "nobody", "--password-stdin", input=PASSWORD + "\n")
    assert r.exit_code != 0
    assert "no user named nobody" in r.output


def test_it_sets_and_gets_a_setting(cli):
    r = cli("settings", "set", "server_name", "Harbour Server")
    assert r.exit_code == 0 and "SERVER_NAME saved" in r.output
    assert cli("settings", "get", "SERVER_NAME").output.strip() == "Harbour Server"
    assert service.get("SERVER_NAME") == "Harbour Server"


def test_it_rejects_an_invalid_value_with_the_message_and_a_failing_exit(cli):
    r = cli("settings", "set", "SMTP_PORT", "99999")
    assert r.exit_code != 0
    assert "SMTP_PORT: Must be at most 65535." in r.output
    r = cli("settings", "set", "RADARR_URL", "radarr:7878")
    assert r.exit_code != 0 and "http:// or https://" in r.output
    r = cli("settings", "set", "NO_SUCH_KEY", "x")
    assert r.exit_code != 0 and "unknown setting NO_SUCH_KEY" in r.output
    assert Setting.select().count() == 0


def test_it_refuses_to_set_a_locked_setting(cli, monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_SERVER_NAME", "From env")
    r = cli("settings", "set", "SERVER_NAME", "From CLI")
    assert r.exit_code != 0
    assert "PLEXPORTAL_SERVER_NAME" in r.output


def test_it_masks_secrets_in_list_and_get(cli):
    assert cli("settings", "set", "RADARR_API_KEY", SECRET_VALUE).exit_code == 0
    listing = cli("settings", "list")
    assert listing.exit_code == 0
    assert "[Radarr]" in listing.output and "RADARR_API_KEY" in listing.output
    assert SECRET_VALUE not in listing.output
    assert "••••••••3210" in listing.output
    got = cli("settings", "get", "RADARR_API_KEY")
    assert SECRET_VALUE not in got.output and "3210" in got.output


def test_it_reads_a_secret_from_stdin_to_keep_it_out_of_shell_history(cli):
    r = cli("settings", "set", "RADARR_API_KEY", "-", input=SECRET_VALUE + "\n")
    assert r.exit_code == 0, r.output
    assert service.get("RADARR_API_KEY") == SECRET_VALUE


def test_it_shows_where_each_value_comes_from(cli, monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_SONARR_URL", "http://sonarr:8989")
    cli("settings", "set", "SERVER_NAME", "Harbour")
    out = cli("settings", "list").output
    sonarr = next(line for line in out.splitlines() if "SONARR_URL" in line)
    assert "http://sonarr:8989" in sonarr and "(env)" in sonarr
    name = next(line for line in out.splitlines() if "SERVER_NAME" in line)
    assert "(database)" in name
    tz = next(line for line in out.splitlines() if "TIMEZONE" in line)
    assert "(default)" in tz


def test_it_records_cli_changes_in_the_audit_log(cli, admin):
    from plexportal.admin.models import AuditEntry

    cli("settings", "set", "SERVER_NAME", "Harbour")
    cli("reset-password", "admin", "--password-stdin", input="a new long passphrase\n")
    actions = [e.action for e in AuditEntry.select()]
    assert "settings.saved" in actions and "admin.password_reset" in actions


def test_plexportal_help_groups_commands_by_area_with_one_whole_line_each(tmp_path, monkeypatch):
    import re

    from click.testing import CliRunner

    from plexportal import console

    monkeypatch.setenv("PLEXPORTAL_DATA_DIR", str(tmp_path))
    out = CliRunner().invoke(console.cli, ["--help"], terminal_width=80)
    assert out.exit_code == 0, out.output
    text = out.output
    sections = re.findall(r"^(\S[^\n]*):\n", text.split("Options:", 1)[1], re.MULTILINE)
    assert sections == ["Start and set up", "People and messages", "Media and backups", "plexportal's own data",
                        "For developers"], sections
    start = text.split("Start and set up:", 1)[1].split("\n\n", 1)[0]
    assert start.split()[0] == "run" and "worker together" in start
    cut = re.compile(r"[\w,]\.\.\.$", re.MULTILINE)             # click's mark of a help line cut short
    assert not cut.search(text) and "--app" not in text
    for group in ("db", "invites", "notify", "monitors", "backups", "data", "settings"):
        sub = CliRunner().invoke(console.cli, [group, "--help"], terminal_width=80)
        assert sub.exit_code == 0 and not cut.search(sub.output), sub.output


def test_flask_help_does_not_offer_a_web_without_its_worker(tmp_path):
    import subprocess

    from tests.live import BIN, ROOT, server_env

    env = server_env(tmp_path)
    out = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "--help"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=False)
    commands = out.stdout.split("Commands:", 1)[1]
    names = [line.split()[0] for line in commands.splitlines() if line.startswith("  ") and line.split()]
    assert "run" not in names and {"db", "invites", "backups", "settings", "data"} <= set(names)
    assert "Plex backups: import logs, run one, check the set-up." in commands    # whole, not cut
