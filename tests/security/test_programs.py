"""An admin page is not a shell: the programs plexportal runs, and their arguments, come only from
the host's environment (DESIGN law 10)."""
import re
import stat
from pathlib import Path

import pytest

from plexportal.backups import runner, schedule
from plexportal.settings import service
from plexportal.settings.models import Setting

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def marker_program(tmp_path):
    """A program that leaves a file behind when it runs: proof of execution."""
    marker = tmp_path / "ran"
    program = tmp_path / "evil"
    program.write_text(f"#!/bin/sh\necho \"$@\" > {marker}\nid\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program, marker


def test_it_refuses_programs_and_arguments_sent_from_the_settings_page(logged_in, marker_program):
    program, marker = marker_program
    r = logged_in.post("/settings/group/Backups", htmx=True, data={
        "CRON_COMMAND": str(program), "CRON_USER": "-c", "BACKUP_SCRIPT_PATH": str(program),
        "BACKUP_GRACE": "60", "BACKUP_MAX_RUNTIME": "360", "BACKUP_SIZE_DROP_PCT": "20",
        "BACKUP_DURATION_FACTOR": "3", "BACKUP_ANOMALY_MIN_HISTORY": "7", "LOG_POLL_INTERVAL": "300",
        "BACKUP_COOLDOWN": "900"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Set PLEXPORTAL_CRON_COMMAND in the environment or the .env file on the server" in body
    assert service.get("CRON_COMMAND") == "crontab" and service.get("CRON_USER") == ""
    assert service.get("BACKUP_SCRIPT_PATH") == ""
    assert not Setting.select().where(Setting.key.in_(["CRON_COMMAND", "CRON_USER", "BACKUP_SCRIPT_PATH"])).exists()

    # The pages that read the crontab, and Run now, run nothing the form named.
    assert logged_in.get("/backups/").status_code == 200
    assert logged_in.get("/backups/schedule").status_code == 200
    run = logged_in.post("/backups/run", htmx=True)
    assert "PLEXPORTAL_BACKUP_SCRIPT_PATH" in run.get_data(as_text=True)
    assert not marker.exists()


def test_a_value_stored_before_is_ignored(db, marker_program):
    program, _marker = marker_program
    Setting.create(key="CRON_COMMAND", value=str(program))
    Setting.create(key="BACKUP_SCRIPT_PATH", value=str(program))
    service.invalidate()
    assert schedule._argv("-l")[0] == "crontab"
    assert runner.script_problem().startswith("No backup script is set")


def test_the_environment_still_sets_them(db, marker_program, monkeypatch):
    program, marker = marker_program
    monkeypatch.setenv("PLEXPORTAL_CRON_COMMAND", str(program))
    monkeypatch.setenv("PLEXPORTAL_CRON_USER", "plex")
    assert schedule._argv("-l") == [str(program), "-u", "plex", "-l"]
    schedule.read_crontab(fresh=True)
    assert marker.read_text().split() == ["-u", "plex", "-l"]


def test_the_page_shows_them_read_only_with_the_variable_to_set(logged_in):
    html = logged_in.get("/settings/").get_data(as_text=True)
    for key in ("BACKUP_SCRIPT_PATH", "CRON_COMMAND", "CRON_USER", "CRON_EDIT_ENABLED"):
        field = re.search(rf'<(?:input|select)[^>]*id="f-{key}"[^>]*>', html).group(0)
        assert "readonly" in field or "disabled" in field, field
        assert f"<code>PLEXPORTAL_{key}</code>" in html


def test_the_command_line_refuses_them_too(db):
    from plexportal.settings.registry import InvalidSetting

    with pytest.raises(InvalidSetting, match="PLEXPORTAL_BACKUP_SCRIPT_PATH"):
        service.set_value("BACKUP_SCRIPT_PATH", "/usr/bin/id")


def test_every_subprocess_call_is_reviewed_in_the_security_doc():
    """A new call to a program must be added to docs/security.md's list (and so reviewed)."""
    doc = (ROOT / "docs" / "security.md").read_text()
    calls = []
    for path in sorted((ROOT / "plexportal").rglob("*.py")):
        text = path.read_text()
        for m in re.finditer(r"\b(subprocess\.(?:run|Popen|call|check_call|check_output)|os\.(?:system|popen|exec\w+|spawn\w+))\(",
                             text):
            func = None
            for line in text[:m.start()].splitlines()[::-1]:
                if line.startswith("def "):
                    func = line[4:].split("(")[0]
                    break
            calls.append(f"{path.relative_to(ROOT)}:{func}")
    assert calls, "the scan found nothing: the pattern is broken"
    missing = [c for c in calls if f"`{c}`" not in doc]
    assert not missing, f"not reviewed in docs/security.md: {missing}"
