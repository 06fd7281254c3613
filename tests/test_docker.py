"""The image's build file and its publishing: hadolint passes, and the names agree."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


@pytest.mark.skipif(not Path(HADOLINT).exists(), reason="hadolint is installed by requirements-dev.txt")
def test_hadolint_passes_on_the_dockerfile():
    done = subprocess.run(check=False, args=[HADOLINT, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_published_image_is_the_one_the_docs_and_compose_use():
    workflow = (ROOT / ".github" / "workflows" / "docker-publish.yml").read_text()
    assert "linux/amd64,linux/arm64" in workflow and "ghcr.io" in workflow and 'tags: ["v*.*.*"]' in workflow
    assert "/plexportal" in workflow
    for doc in ("README.md", "docs/install.md", "docker-compose.yml"):
        assert "ghcr.io/plexportal/plexportal" in (ROOT / doc).read_text(), doc


def test_the_image_has_what_the_backup_script_needs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    install = re.search(r"apt-get install[^\n]*", dockerfile).group(0)
    assert {"bash", "rsync", "openssh-client"} <= set(install.split())
