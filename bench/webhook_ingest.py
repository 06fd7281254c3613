"""Webhook ingest and Download→email latency on the default setup (gunicorn 1 gthread worker,
SQLite, Huey consumer running), against real processes on 127.0.0.1.

    python bench/webhook_ingest.py [--clients 16] [--seconds 30] [--batch-delay 3]
    python bench/webhook_ingest.py --peer-url http://127.0.0.1:8790 --peer-cwd DIR --peer-cmd 'COMMAND'

Part 1: N client processes POST distinct Sonarr Grab webhooks for the given time, first back to
back (the most the server takes), then paced at --rate webhooks/s in all (the target load; latency
counts from when each request was due, so a stall is charged to every request it delays); reports
throughput, latency percentiles, errors, and checks every accepted webhook is stored. Part 2: a Seerr request, then Sonarr Downloads; measures last Download → SMTP accepted
against BATCH_INITIAL_DELAY (availability check off; delivery by the real worker).

With --peer-url, the same run then measures a peer (another app taking Sonarr webhooks at
/webhooks/sonarr, such as BingeAlert) right after plexportal: the same clients, the same Grab bodies
and pacing, then Download → email to the same SMTP server. Nothing of the peer lives here: it is
started by --peer-cmd (run in --peer-cwd, split like a shell line, no shell), in which {port},
{seerr}, {sonarr} and {smtp} are replaced by the peer's port and the ports of a fake Seerr (user
bob@example.com, key "seerr-key"), a fake Sonarr (empty queue, key "arr-key") and the SMTP server.
Its Seerr webhooks go to --peer-seerr-path. A peer that stores nothing for a Grab reports "stored"
as not applicable; its latency samples are sent --peer-spacing seconds apart, all then awaited
together, since a peer may hold its messages for minutes.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing as mp
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from tests.media.processes import Stack, prepare

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "media"
SECRET = "bench-webhook-secret"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"sonarr:{SECRET}".encode()).decode(),
        "Content-Type": "application/json"}


def client(url: str, seconds: float, index: int, out: mp.Queue, interval: float = 0.0, phase: float = 0.0,
           tag: str = "") -> None:
    # http.client with keep-alive: the client should cost far less CPU than the server it measures.
    grab = json.loads((FIXTURES / "sonarr_v4_grab.json").read_text())
    host, port = url.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    latencies, errors, ok = [], 0, 0
    start = time.perf_counter()
    end = start + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
        grab["downloadId"] = f"bench-{tag}-{index}-{n}"          # distinct bodies: nothing deduplicated away
        body = json.dumps(grab).encode()
        t = time.perf_counter()
        if interval:
            # Paced: the n-th request is due at a fixed time. Latency counts from that time, so a
            # stall that delays the following requests is charged to them too (no coordinated omission).
            due = start + phase + (n - 1) * interval
            if due > t:
                time.sleep(due - t)
            t = due
        try:
            conn.request("POST", "/webhooks/sonarr", body=body, headers=AUTH)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                ok += 1
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
        latencies.append(time.perf_counter() - t)
    out.put((ok, errors, latencies))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (from /proc)."""
    import os

    total = 0.0
    pids = [pid] + [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == pid]
    for p in pids:
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115 - read once; the file object goes at once
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def _parent(pid: int) -> int:
    try:
        return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


class Peer:
    """The peer's process, started from the operator's command against the fakes it needs."""

    def __init__(self, url: str, cmd: str, cwd: str, ports: dict[str, int], log_path: Path):
        self.url = url.rstrip("/")
        port = int(self.url.rsplit(":", 1)[1])
        self.args = [a.format(port=port, **ports) for a in shlex.split(cmd)]
        self.cwd = cwd
        self.log_path = log_path
        self.procs: list[subprocess.Popen] = []

    def start(self) -> Peer:
        with open(self.log_path, "wb") as log:
            self.procs.append(subprocess.Popen(self.args, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,  # nosec B603 - the operator's own command, from the command line
                                               start_new_session=True))
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/health/", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.procs[0].poll() is not None:
                break
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("the peer did not start:\n" + self.log_path.read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)      # its own session, started above
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
        self.procs.clear()


def ingest(stack: Stack | Peer, clients: int, seconds: float, rate: float = 0.0) -> dict:
    """rate 0: every client sends back to back (the most the server takes); otherwise the clients
    together send `rate` webhooks/s, evenly spread."""
    web = stack.procs[0].pid
    worker = stack.procs[1].pid if len(stack.procs) > 1 else None
    drained(stack)
    before = stored_grabs(stack)
    cpu0 = (cpu_seconds(web), cpu_seconds(worker) if worker else 0.0)
    out: mp.Queue = mp.Queue()
    interval = clients / rate if rate else 0.0
    procs = [mp.Process(target=client, args=(stack.url, seconds, i, out, interval, interval * i / clients, f"{rate:g}"))
             for i in range(clients)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    drained(stack)
    cpu = (cpu_seconds(web) - cpu0[0], (cpu_seconds(worker) - cpu0[1]) if worker else 0.0)
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    lat = [x for r in results for x in r[2]]
    after = stored_grabs(stack)
    stored = after - before if after is not None and before is not None else None
    return {"web_cpu_ms": cpu[0] / max(ok, 1) * 1000, "worker_cpu_ms": cpu[1] / max(ok, 1) * 1000 if worker else None,
            "load": open("/proc/loadavg").read().split()[0], "ok": ok, "errors": errors, "rate": ok / seconds, "elapsed": elapsed, "stored": stored,
            "p50": pct(lat, .5), "p95": pct(lat, .95), "p99": pct(lat, .99), "max": max(lat) * 1000}


def stored_grabs(stack: Stack | Peer) -> int | None:
    if isinstance(stack, Peer):
        return None                      # what a peer keeps is its own affair; it is not read here
    with sqlite3.connect(stack.data_dir / "plexportal.db") as conn:
        return conn.execute("SELECT COUNT(*) FROM webhook_event WHERE event_type = 'Grab'").fetchone()[0]


def drained(stack: Stack | Peer, timeout: float = 120) -> None:
    """Wait for the worker to finish the ingest backlog, so the latency run measures a settled system."""
    if isinstance(stack, Peer):
        return                           # it answers only when done: nothing is left behind
    deadline = time.time() + timeout
    while time.time() < deadline:
        with sqlite3.connect(stack.data_dir / "plexportal.db") as conn:
            if not conn.execute("SELECT COUNT(*) FROM webhook_event WHERE status = 'received'").fetchone()[0]:
                return
        time.sleep(0.5)


def latency(stack: Stack, smtp, batch_delay: int, sample: int = 0) -> float:
    drained(stack)
    seerr = json.loads((FIXTURES / "seerr_media_approved_tv.json").read_text())
    seerr["request"]["request_id"] = str(100 + sample)
    seerr["media"]["tvdbId"] = str(900000 + sample)        # a show of its own each time: a message of its own
    seerr["media"]["tmdbId"] = str(800000 + sample)
    r = requests.post(stack.url + "/webhooks/seerr", data=json.dumps(seerr), headers={"Authorization": SECRET,
                                                                                      "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    time.sleep(1.0 + (sample % 4) * 0.7)                   # processed before the Download; and the worker
    #                                                        idle for a varying time, as between real events
    download = json.loads((FIXTURES / "sonarr_v4_download.json").read_text())
    download["series"]["tvdbId"] = 900000 + sample
    download["series"]["tmdbId"] = 800000 + sample
    download["downloadId"] = f"latency-{sample}"
    before = len(smtp.messages)
    # One Download (one batch item), so the message is due exactly BATCH_INITIAL_DELAY after it.
    r = requests.post(stack.url + "/webhooks/sonarr", data=json.dumps(download), headers=AUTH)
    assert r.status_code == 200, r.text
    last = time.perf_counter()
    smtp.wait_for(before + 1, timeout=batch_delay + 60)
    arrived = time.perf_counter()
    return arrived - last


def peer_latency(peer: Peer, smtp, samples: int, spacing: float, seerr_path: str, timeout: float) -> list[float]:
    """Download → SMTP accepted on the peer: each sample a show of its own (its own Seerr request,
    Sonarr series id and title, so nothing batches them together), sent `spacing` s apart, so they
    fall at different points of any polling interval; then all awaited together."""
    sent: dict[str, float] = {}
    for sample in range(samples):
        if sample:
            time.sleep(spacing)
        seerr = json.loads((FIXTURES / "seerr_media_approved_tv.json").read_text())
        seerr["request"]["request_id"] = str(300 + sample)
        seerr["media"]["tvdbId"] = str(700000 + sample)
        seerr["media"]["tmdbId"] = str(600000 + sample)
        r = requests.post(peer.url + seerr_path, data=json.dumps(seerr), headers={"Authorization": SECRET,
                                                                                  "Content-Type": "application/json"})
        assert r.status_code == 200 and r.json().get("success") is not False, r.text
        time.sleep(1.0)
        title = f"Latency Show {sample}"
        download = json.loads((FIXTURES / "sonarr_v4_download.json").read_text())
        download["series"].update(id=7000 + sample, title=title, tvdbId=700000 + sample, tmdbId=600000 + sample)
        download["downloadId"] = f"peer-latency-{sample}"
        r = requests.post(peer.url + "/webhooks/sonarr", data=json.dumps(download), headers=AUTH)
        assert r.status_code == 200 and r.json().get("success") is not False, r.text
        sent[title] = time.perf_counter()
    arrived: dict[str, float] = {}
    deadline = time.perf_counter() + timeout
    while len(arrived) < len(sent) and time.perf_counter() < deadline:
        with smtp.lock:
            subjects = [str(m["Subject"]) for m in smtp.messages]
        for title in sent:
            if title not in arrived and any(title in subject for subject in subjects):
                arrived[title] = time.perf_counter()
        time.sleep(0.05)
    missing = [t for t in sent if t not in arrived]
    if missing:
        raise RuntimeError(f"the peer sent no message for {missing} within {timeout:.0f} s")
    return [arrived[t] - sent[t] for t in sent]


def report(label: str, r: dict) -> None:
    if r["stored"] is None:
        stored = "not applicable: a Grab is not stored"
    else:
        stored = f"stored {r['stored']} ({'all stored' if r['stored'] == r['ok'] else 'MISSING ' + str(r['ok'] - r['stored'])})"
    print(f"  {label}: accepted {r['ok']} ({r['rate']:.0f}/s), errors {r['errors']}, {stored}")
    print(f"    latency ms: p50 {r['p50']:.1f}  p95 {r['p95']:.1f}  p99 {r['p99']:.1f}  max {r['max']:.1f}")
    worker = "no worker process" if r["worker_cpu_ms"] is None else f"worker {r['worker_cpu_ms']:.2f} ms"
    print(f"    CPU per webhook: web {r['web_cpu_ms']:.2f} ms, {worker}"
          f" (machine: {mp.cpu_count()} cores, load average {r['load']} at the end)")


def print_own(args: argparse.Namespace, runs: list, lags: list[float]) -> None:
    cmd = " ".join(["python", "bench/webhook_ingest.py"] + [shlex.quote(a) for a in sys.argv[1:]])
    print(f"command: {cmd}")
    print(f"ingest: {args.clients} clients x {args.seconds:.0f} s, gunicorn 1 gthread worker x {args.threads} threads,"
          f" SQLite, consumer running")
    for label, r in runs:
        report(label, r)
    print(f"download→SMTP with BATCH_INITIAL_DELAY={args.batch_delay} s, the shipped consumer command"
          f" (load average {os.getloadavg()[0]:.2f}):")
    if lags:
        print("  " + ", ".join(f"{lag:.2f} s ({lag - args.batch_delay:+.2f})" for lag in lags))
        print(f"  worst overhead {max(lags) - args.batch_delay:+.2f} s,"
              f" median {sorted(lags)[len(lags) // 2] - args.batch_delay:+.2f} s")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--batch-delay", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rate", type=float, default=400,
                        help="webhooks/s for the paced run (the clients together); 0 skips it")
    parser.add_argument("--latency-only", action="store_true", help="skip the ingest runs")
    parser.add_argument("--latency-samples", type=int, default=5)
    parser.add_argument("--peer-url", help="measure the peer at this address too (http://127.0.0.1:PORT)")
    parser.add_argument("--peer-cmd", help="command starting the peer; {port} {seerr} {sonarr} {smtp} replaced")
    parser.add_argument("--peer-cwd", default=".", help="directory the peer's command runs in")
    parser.add_argument("--peer-seerr-path", default="/webhooks/jellyseerr")
    parser.add_argument("--peer-latency-samples", type=int, default=3)
    parser.add_argument("--peer-spacing", type=float, default=20.0)
    parser.add_argument("--peer-latency-timeout", type=float, default=900.0)
    args = parser.parse_args()
    if args.peer_url and (not args.peer_cmd or not args.peer_url.startswith(("http://127.", "http://localhost:"))):
        parser.error("--peer-url needs --peer-cmd and an address on 127.0.0.0/8")
    from tests.fakes.smtp import SmtpServer

    smtp = SmtpServer().start()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        prepare(data, {"WEBHOOK_SECRET": SECRET, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
                       "SMTP_SECURITY": "none", "SMTP_FROM": "portal@example.com", "AVAILABILITY_CHECK": "none",
                       "BATCH_INITIAL_DELAY": str(args.batch_delay), "BATCH_EXTEND_DELAY": "1",
                       "BATCH_MAX_WAIT": str(args.batch_delay + 10), "BASE_URL": "http://portal.example.com"})
        stack = Stack(data, threads=args.threads).start()
        try:
            runs = [] if args.latency_only else [("back to back", ingest(stack, args.clients, args.seconds))]
            if args.rate and not args.latency_only:
                runs.append((f"paced at {args.rate:.0f}/s", ingest(stack, args.clients, args.seconds, args.rate)))
            lags = [latency(stack, smtp, args.batch_delay, n) for n in range(args.latency_samples)]
        finally:
            stack.stop()
        print_own(args, runs, lags)
        peer_runs, peer_lags = [], []
        if args.peer_url:
            from tests.fakes.arr import FakeSonarr
            from tests.fakes.seerr import FakeSeerr

            seerr, sonarr = FakeSeerr(), FakeSonarr()
            seerr.add_user(2, "bob", "bob@example.com")
            seerr.start()
            sonarr.start()
            peer = Peer(args.peer_url, args.peer_cmd, args.peer_cwd,
                        {"seerr": seerr.port, "sonarr": sonarr.port, "smtp": smtp.port}, data / "peer.log")
            try:
                peer.start()
                if not args.latency_only:
                    peer_runs.append(("back to back", ingest(peer, args.clients, args.seconds)))
                    if args.rate:
                        peer_runs.append((f"paced at {args.rate:.0f}/s", ingest(peer, args.clients, args.seconds, args.rate)))
                if args.peer_latency_samples:
                    peer_lags = peer_latency(peer, smtp, args.peer_latency_samples, args.peer_spacing,
                                             args.peer_seerr_path, args.peer_latency_timeout)
            finally:
                peer.stop()
                seerr.stop()
                sonarr.stop()
        smtp.stop()
    if peer_runs:
        print(f"peer at {args.peer_url}, the same clients and bodies:")
        for label, r in peer_runs:
            report(label, r)
    if peer_lags:
        print(f"peer download→SMTP ({len(peer_lags)} samples {args.peer_spacing:g} s apart, load average"
              f" {os.getloadavg()[0]:.2f}): " + ", ".join(f"{lag:.2f} s" for lag in peer_lags))

if __name__ == "__main__":
    main()
