"""Two `flask db upgrade` at once (two containers starting together): the second waits for the
first, then finds nothing to do. Neither ends with a traceback."""
import subprocess

import pytest

from tests.live import BIN, ROOT, server_env

pytestmark = pytest.mark.slow


def test_two_upgrades_at_once_both_succeed(tmp_path, storage_env):
    env = server_env(tmp_path / "data", **storage_env)
    procs = [subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert not any("Traceback" in out for out in outputs), outputs
    applied = [out for out in outputs if "applied" in out]
    assert len(applied) == 1, outputs                      # one did the work, the others waited
    assert sum("database is up to date" in out for out in outputs) == 2
