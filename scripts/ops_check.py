#!/usr/bin/env python3
"""Running the server (issue 20), end to end against the real binary on SQLite:

- with EKINERJA_LOG_FORMAT=json, every line the process writes parses as one JSON object with a
  request_id key, and every request's access line names its route template, status, latency and
  the request id the caller sent;
- after traffic, /metrics on EKINERJA_METRICS_BIND shows every series with non-zero counts, and
  the API address answers 404 there;
- `ekinerja backup PATH`, run while daily logs are being written, makes a copy that a new server
  serves, holding every log acknowledged before the backup started.

    scripts/ops_check.py

The server is target/debug/ekinerja (build it first). Only the Python standard library is used.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_check import (  # noqa: E402
    BINARY, PASSWORD, Server, call, employees_with_accounts, free_port, request, slot_log)

WRITERS = 8
SECRET_MARKERS = [PASSWORD, "wrong-password-ops"]


def fetch(base, method, path, token=None, body=None, request_id=None):
    """Like crash_check.call, with the response's headers and raw body."""
    headers = {"x-request-id": request_id} if request_id else None
    status, response_headers, raw, _ = request(base, method, path, token, body, headers=headers)
    return status, response_headers, raw


def fail(why):
    sys.exit(f"ops-check: {why}")


def sample(text, name, **labels):
    """The sum of the samples of `name` whose labels include `labels`, or None."""
    total = None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^([a-z_]+)(\{[^}]*\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total = (total or 0.0) + float(m.group(3))
    return total


def main():
    if not os.path.exists(BINARY):
        fail("build target/debug/ekinerja first")
    work = tempfile.mkdtemp()
    db_path = os.path.join(work, "ops.db")
    url = "sqlite://" + db_path
    metrics_port = free_port()
    log_path = os.path.join(work, "server.log")
    log = open(log_path, "wb")
    server = Server(url, free_port(), log, name="ops-check", env={
        "EKINERJA_LOG_FORMAT": "json",
        "RUST_LOG": "info",
        "EKINERJA_METRICS_BIND": f"127.0.0.1:{metrics_port}",
    })
    server.start(seed=True)
    base = server.base
    sent_ids = []

    def traced(method, path, token=None, body=None):
        rid = f"ops-{len(sent_ids)}"
        sent_ids.append(rid)
        status, headers, raw = fetch(base, method, path, token, body, rid)
        if headers.get("x-request-id") != rid:
            fail(f"{method} {path}: the caller's request id {rid} did not come back: {headers}")
        return status, json.loads(raw or b"null")

    # Traffic: a wrong password, sign-ins, accounts, a key, pushed events, a scanned path.
    status, _ = traced("POST", "/api/v1/auth/login", body={"login": "bkpsdm.sukamaju", "password": "wrong-password-ops"})
    assert status == 401, status
    # Guessing the platform admin's password: slowed after five failures.
    guesses = [call(base, "POST", "/api/v1/auth/login", body={"login": "admin", "password": "wrong-password-ops"})[0]
               for _ in range(6)]
    assert guesses == [401] * 5 + [429], guesses
    status, body = traced("POST", "/api/v1/auth/login", body={"login": "bkpsdm.sukamaju", "password": PASSWORD})
    assert status == 200, body
    admin = body["access_token"]
    status, body = traced("GET", "/api/v1/employees?limit=60", admin)
    assert status == 200, body
    people = employees_with_accounts(base, admin, 30, WRITERS)
    status, key = traced("POST", "/api/v1/integration-keys", admin, {"name": "ops check", "scopes": ["attendance_write"]})
    assert status == 201, key
    at = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    events = [{"source_event_id": f"ops-{i}", "nip": p["nip"], "occurred_at": at, "kind": "check_in"}
              for i, p in enumerate(people)]
    status, body = traced("POST", "/api/v1/attendance-events/batch", key["key"], {"events": events})
    assert status == 200 and body["created"] == len(events), body
    status, _ = traced("GET", "/wp-login.php")
    assert status == 404, status

    # The write load, with a backup taken in the middle of it.
    today = (datetime.now(timezone.utc) + timedelta(hours=7)).date()
    acked, lock, stop, errors = [], threading.Lock(), threading.Event(), []

    def writer(p):
        for slot in range(40):
            if stop.is_set():
                return
            body = slot_log(today, 7 * 60 + slot * 10, 10, f"ops-check {p['nip']} {slot}")
            status, res = call(base, "POST", "/api/v1/daily-logs", p["token"], body, timeout=30)
            if status == 201:
                with lock:
                    acked.append((p, res["id"]))
            else:
                errors.append((status, res))

    threads = [threading.Thread(target=writer, args=(p,)) for p in people]
    for t in threads:
        t.start()
    deadline = time.time() + 120
    while time.time() < deadline and len(acked) < 100:
        time.sleep(0.01)
    with lock:
        before = list(acked)
    backup_path = os.path.join(work, "backup", "ops-backup.db")
    os.makedirs(os.path.dirname(backup_path))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("EKINERJA_")},
           "DATABASE_URL": url, "EKINERJA_LOG_FORMAT": "json", "RUST_LOG": "info"}
    began = time.time()
    run = subprocess.run([BINARY, "backup", backup_path], env=env, capture_output=True, text=True, timeout=300)
    took = time.time() - began
    with lock:
        during = len(acked) - len(before)
    stop.set()
    for t in threads:
        t.join()
    if run.returncode != 0:
        fail(f"ekinerja backup exited with {run.returncode}: {run.stderr}{run.stdout}")
    if errors:
        fail(f"writes other than 201 during the load: {errors[:3]}")
    if len(before) < 50:
        fail(f"only {len(before)} logs were acknowledged before the backup: too little load to mean anything")
    for line in (run.stdout + run.stderr).splitlines():
        json.loads(line)  # the backup command logs JSON too
    again = subprocess.run([BINARY, "backup", backup_path], env=env, capture_output=True, text=True, timeout=60)
    if again.returncode == 0 or "already exists" not in again.stderr + again.stdout:
        fail(f"a second backup to the same file was not refused: {again.returncode} {again.stderr}")
    print(f"ops-check: backup taken in {took:.1f} s with {len(before)} logs acknowledged before it "
          f"and {during} while it ran; a second backup to the same file is refused")

    # The container's health check: `ekinerja ready` asks /readyz.
    ready = subprocess.run([BINARY, "ready", "--address", f"127.0.0.1:{server.port}"], env=env,
                           capture_output=True, text=True, timeout=30)
    closed = subprocess.run([BINARY, "ready", "--address", f"127.0.0.1:{free_port()}"], env=env,
                            capture_output=True, text=True, timeout=30)
    if ready.returncode != 0 or closed.returncode == 0:
        fail(f"ekinerja ready: {ready.returncode} for the server, {closed.returncode} for a closed port: "
             f"{ready.stderr}{closed.stderr}")
    print("ops-check: `ekinerja ready` exits 0 for the ready server and 1 for a closed port")

    # The metrics, on their own address only.
    status, _, raw = fetch(f"http://127.0.0.1:{metrics_port}", "GET", "/metrics")
    if status != 200:
        fail(f"/metrics on the metrics address answered {status}")
    text = raw.decode()
    wanted = {
        "logins failed": sample(text, "ekinerja_logins_failed_total", check="login"),
        "sign-ins": sample(text, "ekinerja_http_requests_total", route="/api/v1/auth/login", method="POST", status="200"),
        "daily logs written": sample(text, "ekinerja_http_requests_total", route="/api/v1/daily-logs", method="POST",
                                     status="201"),
        "their latency": sample(text, "ekinerja_http_request_duration_seconds_sum", route="/api/v1/daily-logs"),
        "scanned paths": sample(text, "ekinerja_http_requests_total", route="unmatched", status="404"),
        "events pushed": sample(text, "ekinerja_attendance_events_stored_total", source="push"),
        "logins slowed": sample(text, "ekinerja_logins_slowed_total", check="login", reason="throttle"),
        "writer groups": sample(text, "ekinerja_daily_log_group_size_count"),
        "pooled connections": sample(text, "ekinerja_db_pool_connections"),
    }
    zero = [name for name, value in wanted.items() if not value]
    if zero:
        fail(f"series without counts after traffic: {zero}\n{text}")
    for series in ["ekinerja_db_pool_waiting", "ekinerja_daily_log_queue"]:
        if f"# TYPE {series}" not in text:
            fail(f"{series} is not described in /metrics")
    if sample(text, "ekinerja_daily_log_group_size_sum") < len(acked):
        fail("the writer's groups hold fewer logs than were acknowledged")
    status, _, _ = fetch(base, "GET", "/metrics")
    if status != 404:
        fail(f"the API address answered {status} for /metrics")
    print("ops-check: /metrics on its own address shows " + ", ".join(f"{k} {v:g}" for k, v in wanted.items())
          + "; the API address answers 404")

    # The restored copy, served by a new server: every log acknowledged before the backup.
    restored_log = open(os.path.join(work, "restored.log"), "wb")
    restored = Server("sqlite://" + backup_path, free_port(), restored_log, name="ops-check restored")
    restored.start(seed=False)
    missing = []
    for p, log_id in before:
        status, res = call(restored.base, "GET", f"/api/v1/daily-logs/{log_id}", p["token"])
        if status != 200:
            missing.append((log_id, status))
    restored.kill()
    if missing:
        fail(f"{len(missing)} of {len(before)} logs acknowledged before the backup are not in it: {missing[:5]}")
    print(f"ops-check: the restored backup serves all {len(before)} logs acknowledged before it began")

    # The logs: stop gracefully, then read every line.
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=60)
    log.close()
    with open(log_path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    access, seen_ids = 0, set()
    for n, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except ValueError:
            fail(f"line {n} of the server's output is not JSON: {line!r}")
        if not isinstance(entry, dict) or not {"time", "level", "target", "message", "request_id"} <= entry.keys():
            fail(f"line {n} lacks a field: {line}")
        for secret in SECRET_MARKERS + [admin, key["key"]]:
            # The start-up banner names the demo password, which is public, on purpose.
            if secret in line and not (secret == PASSWORD and entry["target"] == "ekinerja"):
                fail(f"line {n} holds a password, token or key: {line}")
        if entry["target"] == "access":
            access += 1
            for field in ("route", "method", "status", "latency_ms", "request_id"):
                if entry.get(field) in (None, ""):
                    fail(f"access line {n} has no {field}: {line}")
            if entry["route"] == "/api/v1/daily-logs" and entry["status"] == 201 and not entry.get("account_id"):
                fail(f"access line {n} of a signed-in write names no account: {line}")
            seen_ids.add(entry["request_id"])
    unseen = [rid for rid in sent_ids if rid not in seen_ids]
    if unseen:
        fail(f"requests with no access line carrying their id: {unseen}")
    print(f"ops-check: all {len(lines)} lines of the server's output are JSON objects; {access} access lines, "
          f"each with its request id, route template, status and latency; no password, token or key")


if __name__ == "__main__":
    main()
