"""The configuration reference (.env.example, docs/configuration.md) is generated from the code;
these tests fail when someone adds a setting or a variable without regenerating it."""
import re
from pathlib import Path

from plexportal.settings import docs
from plexportal.settings.registry import all_defs

HOW = f"run `{docs.REGENERATE}` (or `make docs`) and commit .env.example and docs/configuration.md"


def test_it_keeps_the_committed_reference_in_step_with_the_settings_registry():
    stale = [str(p.relative_to(docs.ROOT)) for p in docs.stale()]
    assert not stale, f"out of date: {', '.join(stale)}; {HOW}"


def test_it_lists_every_setting_and_every_process_variable():
    env_text = docs.ENV_FILE.read_text()
    md_text = docs.MARKDOWN_FILE.read_text()
    config_source = (Path(docs.ROOT) / "plexportal" / "config.py").read_text()
    read_by_config = {f"PLEXPORTAL_{name}" for name in re.findall(r'_env\("(\w+)"', config_source)}
    assert read_by_config, "config.py no longer reads variables through _env()"
    documented = {v.name for v in docs.PROCESS_VARS}
    assert read_by_config <= documented, (f"plexportal/config.py reads {sorted(read_by_config - documented)}: "
                                          f"describe them in PROCESS_VARS (plexportal/settings/docs.py), then {HOW}")
    for name in documented | {d.env_var for d in all_defs().values() if not d.hidden}:
        assert f"#{name}=" in env_text, f"{name} missing from .env.example; {HOW}"
        assert f"`{name}`" in md_text, f"{name} missing from docs/configuration.md; {HOW}"


def test_it_never_puts_a_secret_value_in_the_example(tmp_path):
    text = docs.env_example()
    for d in all_defs().values():
        if d.is_secret and not d.hidden:          # hidden ones (a key plexportal makes) are not listed at all
            assert f"#{d.env_var}=\n" in text
        elif d.is_secret:
            assert d.env_var not in text


def test_it_reports_stale_files_from_the_cli_and_rewrites_them(app, monkeypatch, tmp_path):
    env_file, md_file = tmp_path / ".env.example", tmp_path / "docs" / "configuration.md"
    env_file.write_text("# an old copy\n")
    monkeypatch.setattr(docs, "ROOT", tmp_path)
    monkeypatch.setattr(docs, "ENV_FILE", env_file)
    monkeypatch.setattr(docs, "MARKDOWN_FILE", md_file)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["settings", "docs", "--check"])
    assert result.exit_code == 1
    assert "out of date: .env.example" in result.output
    assert "out of date: docs/configuration.md" in result.output
    assert docs.REGENERATE in result.output

    result = runner.invoke(args=["settings", "docs"])
    assert result.exit_code == 0, result.output
    assert env_file.read_text() == docs.env_example()
    assert md_file.read_text() == docs.markdown()
    assert runner.invoke(args=["settings", "docs", "--check"]).exit_code == 0
