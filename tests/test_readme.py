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
