"""Startup configuration: the data dir, the generated secret key, and clear startup errors."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from plexportal import create_app
from plexportal.config import Config, ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_it_generates_a_secret_key_once_into_the_data_dir_with_mode_0600(tmp_path):
    data = tmp_path / "fresh" / "data"                   # does not exist yet
    first = Config(data_dir=data)
    first.resolve_secret_key()
    key_file = data / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32
    second = Config(data_dir=data)
    second.resolve_secret_key()
    assert second.secret_key == first.secret_key         # kept, not regenerated
    assert [p.name for p in data.iterdir()] == ["secret.key"]


def test_it_prefers_the_secret_key_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PLEXPORTAL_SECRET_KEY", "k" * 40)
    cfg = Config.from_env()
    cfg.resolve_secret_key()
    assert cfg.secret_key == "k" * 40
    assert not (tmp_path / "secret.key").exists()


def test_it_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="too short"):
        Config.from_env()


def test_it_refuses_an_empty_secret_key_file(tmp_path):
    (tmp_path / "secret.key").write_text("\n")
    with pytest.raises(ConfigError, match="empty or too short"):
        Config(data_dir=tmp_path).resolve_secret_key()


def test_it_creates_a_missing_data_dir(tmp_path):
    data = tmp_path / "a" / "b"
    app = create_app(Config(data_dir=data, testing=True, huey_immediate=True))
    assert data.is_dir()
    assert app.config["SECRET_KEY"] == (data / "secret.key").read_text().strip()


def _read_only_dir(tmp_path) -> Path:
    if os.geteuid() == 0:
        return Path("/proc/self/fdinfo")        # root ignores file modes; procfs refuses new files
    path = tmp_path / "ro"
    path.mkdir()
    path.chmod(0o500)
    return path


def test_it_gives_a_clear_error_for_a_read_only_data_dir(tmp_path):
    data = _read_only_dir(tmp_path)
    with pytest.raises(ConfigError, match="not writable"):
        create_app(Config(data_dir=data, testing=True))


def test_it_starts_when_the_web_and_the_worker_check_the_data_dir_at_once(tmp_path):
    # make run starts both together; each checks that the data dir is writable.
    import threading

    barrier = threading.Barrier(16)
    errors = []

    def check():
        barrier.wait()
        for _ in range(50):
            try:
                Config(data_dir=tmp_path).ensure_data_dir()
            except ConfigError as err:
                errors.append(err)

    threads = [threading.Thread(target=check) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert not [p.name for p in tmp_path.iterdir()]          # no probe left behind


def test_it_gives_a_clear_error_when_the_data_dir_cannot_be_created(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ConfigError, match="Cannot create the data directory"):
        create_app(Config(data_dir=tmp_path / "file" / "data", testing=True))


def test_it_gives_a_clear_error_for_a_bad_database_url(tmp_path):
    with pytest.raises(ConfigError, match="PLEXPORTAL_DATABASE_URL"):
        create_app(Config(data_dir=tmp_path, database_url="mysql://nobody@127.0.0.1/x", testing=True))


def _start_wsgi(env_extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLEXPORTAL_")}
    env.update(env_extra)
    return subprocess.run(check=False, args=[sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_it_exits_with_a_message_not_a_traceback_when_the_data_dir_is_unusable(tmp_path):
    proc = _start_wsgi({"PLEXPORTAL_DATA_DIR": str(_read_only_dir(tmp_path))})
    assert proc.returncode == 2
    assert "plexportal cannot start:" in proc.stderr
    assert "not writable" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_it_exits_with_a_message_for_a_bad_setting_in_the_environment(tmp_path):
    proc = _start_wsgi({"PLEXPORTAL_DATA_DIR": str(tmp_path), "PLEXPORTAL_TRUSTED_PROXIES": "-1"})
    assert proc.returncode == 2
    assert "PLEXPORTAL_TRUSTED_PROXIES" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_it_starts_from_the_environment_on_a_fresh_data_dir(tmp_path):
    proc = _start_wsgi({"PLEXPORTAL_DATA_DIR": str(tmp_path / "new")})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "new" / "secret.key").exists()


def test_gunicorn_stops_on_an_unwritable_data_dir_instead_of_restarting_its_worker(tmp_path):
    from tests.live import BIN, free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith("PLEXPORTAL_")}
    env.update(PLEXPORTAL_DATA_DIR=str(_read_only_dir(tmp_path)), PLEXPORTAL_BIND=f"127.0.0.1:{free_port()}")
    proc = subprocess.run(check=False, args=[str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "plexportal cannot start:" in proc.stderr and "not writable" in proc.stderr
    assert "Booting worker" not in proc.stderr            # stopped in the master: no worker loop
    assert "Traceback" not in proc.stderr
