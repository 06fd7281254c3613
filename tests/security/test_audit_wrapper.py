"""scripts/audit_dependencies.py tells "vulnerable", "audited" and "could not audit" apart; the last
must never read as a pass. pip-audit is replaced by a program printing the report it would."""
import json
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_with(tmp_path, report: dict | None, exit_code: int = 0, stderr: str = ""):
    fake = tmp_path / "pip-audit"
    body = json.dumps(report) if report is not None else ""
    fake.write_text(f"#!/bin/sh\ncat <<'JSON'\n{body}\nJSON\necho '{stderr}' >&2\nexit {exit_code}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return subprocess.run(check=False, args=[sys.executable, str(ROOT / "scripts" / "audit_dependencies.py"), str(ROOT / "requirements.txt")],
                          capture_output=True, text=True, timeout=60, env={"PIP_AUDIT": str(fake), "PATH": "/usr/bin:/bin"})


def test_nothing_looked_up_is_reported_as_not_audited_without_failing(tmp_path):
    report = {"dependencies": [{"name": "flask", "version": "3.1.3",
                                "skip_reason": "Dependency not found on PyPI and could not be audited: flask (3.1.3)"}],
              "fixes": []}
    done = run_with(tmp_path, report)
    assert done.returncode == 0
    assert "NOT AUDITED" in done.stdout and "this is not a pass" in done.stdout
    assert "0 with known vulnerabilities" not in done.stdout


def test_a_known_vulnerability_fails_the_build(tmp_path):
    report = {"dependencies": [{"name": "requests", "version": "2.0.0", "vulns": [
        {"id": "PYSEC-2099-1", "fix_versions": ["2.99.0"], "aliases": [], "description": "x"}]},
        {"name": "flask", "version": "3.1.3", "vulns": []}], "fixes": []}
    done = run_with(tmp_path, report, exit_code=1)
    assert done.returncode == 1
    assert "VULNERABLE: requests 2.0.0: PYSEC-2099-1 (fixed in: 2.99.0)" in done.stdout


def test_an_audit_without_findings_says_how_much_it_checked(tmp_path):
    report = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []},
                               {"name": "odd", "version": "1", "skip_reason": "not on PyPI"}], "fixes": []}
    done = run_with(tmp_path, report)
    assert done.returncode == 0
    assert "1 packages audited" in done.stdout and "not audited: odd 1: not on PyPI" in done.stdout


def test_pip_audit_crashing_is_not_a_pass(tmp_path):
    done = run_with(tmp_path, None, exit_code=2, stderr="ConnectionError: could not reach pypi.org")
    assert done.returncode == 0 and "NOT AUDITED" in done.stdout and "ConnectionError" in done.stdout
