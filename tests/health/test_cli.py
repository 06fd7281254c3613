"""flask monitors list / run NAME: what was found and done, errors on stderr, exit code."""


def test_it_lists_every_monitor(app, db):
    result = app.test_cli_runner().invoke(args=["monitors", "list"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == ["quality", "import-fix", "issue-fix", "stuck", "reconcile", "weekly-summary"]
    assert "never run" in result.output


def test_it_runs_one_and_prints_what_it_did(app, db, set_settings, fake_sonarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)
    fake_sonarr.add_series(42, "Show", 371234)
    fake_sonarr.add_queue_item(42000, download_id="D1", status="warning", error_message="stalled")
    result = app.test_cli_runner().invoke(args=["monitors", "run", "stuck"])
    assert result.exit_code == 0, result.output
    assert "alerted: Show.S01 (stalled: stalled)" in result.output
    assert result.output.strip().endswith("stuck: ok, found 1, acted on 1")
    listed = app.test_cli_runner().invoke(args=["monitors", "list"]).output
    assert "stuck           on  every    30 min  last run" in listed


def test_an_upstream_error_exits_non_zero(app, db, set_settings, fake_sonarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY="wrong")
    result = app.test_cli_runner().invoke(args=["monitors", "run", "import-fix"])
    assert result.exit_code == 1
    assert "Sonarr rejected the credentials (401)" in result.output


def test_an_unknown_name_is_refused(app, db):
    result = app.test_cli_runner().invoke(args=["monitors", "run", "nope"])
    assert result.exit_code != 0 and "unknown monitor 'nope'" in result.output
