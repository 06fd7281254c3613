import pytest


@pytest.fixture
def backup_files(tmp_path, set_settings):
    """A log and tracking file in a temp dir, with the settings pointing at them (New York time)."""
    log = tmp_path / "plex-backup.log"
    tracking = tmp_path / "plex-backup-tracking.log"
    set_settings(BACKUP_LOG_PATH=str(log), BACKUP_TIMEZONE="America/New_York", TIMEZONE="America/New_York")
    return log, tracking
