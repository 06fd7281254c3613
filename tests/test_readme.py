"""The README's promises: the two commands at the top, and every docs page listed."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_it_starts_with_the_run_and_test_commands_and_both_exist():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert commands[:2] == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.MULTILINE) and re.search(r"^test:", makefile, re.MULTILINE)


def test_it_lists_every_docs_page_under_documentation():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Documentation", 1)[1]
    missing = [p.name for p in sorted((ROOT / "docs").glob("*.md")) if f"(docs/{p.name})" not in section]
    assert not missing, f"add a line for {missing} under '## Documentation' in README.md"


def test_make_test_says_what_is_missing_before_pytest_starts(tmp_path):
    import os
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text()
    for need in ("Chromium", "PostgreSQL", "database\n`test`", "Redis"):
        assert need in readme, f"README's test paragraph does not name {need!r}"
    env = {**os.environ, "PLEXPORTAL_TEST_CHROMIUM": str(tmp_path / "no-chromium"),
           "PLEXPORTAL_TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/test",
           "PLEXPORTAL_TEST_REDIS_URL": "redis://127.0.0.1:1/0"}
    out = subprocess.run([sys.executable, str(ROOT / "scripts/test-prerequisites")], env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.startswith("  - ")]
    assert [line.split()[1] for line in lines] == ["Chromium", "PostgreSQL", "Redis"], out.stderr
    assert "apt-get install chromium" in out.stderr and "createdb test" in out.stderr
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("test-prerequisites") < recipe.index("$(PYTEST)")
