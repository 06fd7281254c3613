"""pip-audit over the pinned runtime requirements, saying plainly when it could not audit.

pip-audit asks a vulnerability database about every pinned package and its dependencies: PyPI's
JSON API (AUDIT_SERVICES="pypi osv" adds OSV). Where neither can be reached (a machine that only
reaches a package index mirror), pip-audit reports every package as "not found on PyPI" and still
says "No known vulnerabilities found", which would read as a pass. This wrapper tells the three
cases apart:

- vulnerabilities found: listed, exit 1 (the build fails);
- audited: the counts, and any package that could not be audited, exit 0;
- no database reachable: "NOT AUDITED" and why, exit 0 (a missing service alone does not fail
  the build; it is not reported as a pass either).

Usage: python scripts/audit_dependencies.py [requirements.txt]
"""
from __future__ import annotations

import json
import os
import subprocess  # nosec B404 # runs pip-audit, a fixed program with fixed arguments
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIP_AUDIT = os.environ.get("PIP_AUDIT") or str(Path(sys.executable).parent / "pip-audit")


def run(requirements: Path, service: str) -> tuple[dict | None, str]:
    """pip-audit's JSON report (None when it did not produce one) and its error text."""
    argv = [str(PIP_AUDIT), "-r", str(requirements), "--format", "json", "--progress-spinner", "off",
            "--vulnerability-service", service, "--timeout", "20"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)  # nosec B603
    except (OSError, subprocess.TimeoutExpired) as err:
        return None, str(err)
    try:
        return json.loads(done.stdout), done.stderr
    except ValueError:
        return None, (done.stderr or done.stdout).strip()[-600:]


def main() -> int:
    requirements = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "requirements.txt"
    reasons = []
    # PyPI's JSON API only by default: it is part of the package registry this project installs
    # from. AUDIT_SERVICES="pypi osv" also asks api.osv.dev where that is reachable.
    for service in os.environ.get("AUDIT_SERVICES", "pypi").split():
        report, error = run(requirements, service)
        if report is None:
            reasons.append(f"{service}: pip-audit failed ({error.splitlines()[-1] if error else 'no output'})")
            continue
        deps = report.get("dependencies", [])
        audited = [d for d in deps if "skip_reason" not in d]
        skipped = [d for d in deps if "skip_reason" in d]
        if not audited:
            reasons.append(f"{service}: none of the {len(deps)} packages could be looked up "
                           f"({skipped[0]['skip_reason'] if skipped else 'empty report'})")
            continue
        vulnerable = [d for d in audited if d.get("vulns")]
        print(f"pip-audit ({service}): {len(audited)} packages audited from {requirements.name}, "
              f"{len(vulnerable)} with known vulnerabilities")
        for d in skipped:
            print(f"  not audited: {d['name']} {d.get('version', '')}: {d['skip_reason']}")
        for d in vulnerable:
            for v in d["vulns"]:
                fixed = ", ".join(v.get("fix_versions") or []) or "no fixed version yet"
                print(f"  VULNERABLE: {d['name']} {d['version']}: {v['id']} (fixed in: {fixed})")
        return 1 if vulnerable else 0
    print(f"pip-audit: NOT AUDITED. No vulnerability database could be reached from this machine, so the "
          f"dependencies in {requirements.name} were not checked (this is not a pass):")
    for reason in reasons:
        print(f"  {reason}")
    print("  Run `make audit` where PyPI's JSON API (pypi.org/pypi/<name>/<version>/json) is reachable, "
          "or with AUDIT_SERVICES=osv where api.osv.dev is; see docs/security.md.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
