#!/usr/bin/env python3
"""Crash safety (issue 9): kill the server with SIGKILL in the middle of a write load of daily
logs and attendance events, start it again on the same database, and check that every write that
was answered 2xx is there, whole, and that nothing is half-written. Then notifications (issue 21):
a webhook delivery committed with its change survives a kill before it is sent, and one killed
while being sent is sent again, under the same webhook-id, after its lease. On PostgreSQL, then
restart the database under a write load (issue 20): only 201 or a prompt 503 with Retry-After,
the server reconnects by itself, and every acknowledged write is there.

    scripts/crash_check.py            # SQLite, a new database file
    EKINERJA_TEST_DATABASE_URL=postgres://…/postgres scripts/crash_check.py   # a new PostgreSQL database

The server is target/debug/ekinerja (build it first). Only the Python standard library is used.
"""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "debug", "ekinerja")
PASSWORD = "kinerja-demo-2026"
WRITERS = 16
READY_SECONDS = 600


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def request(base, method, path, token=None, body=None, timeout=30, headers=None):
    """One HTTP call: the status, the response's headers, its raw body, and the seconds it took."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    began = time.time()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.headers, res.read(), time.time() - began
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read(), time.time() - began


def call(base, method, path, token=None, body=None, timeout=30, headers=None):
    """A JSON call: the status and the decoded body."""
    status, _, raw, _ = request(base, method, path, token, body, timeout, headers)
    return status, json.loads(raw or b"null")


def slot_log(day, start_minute, minutes, description):
    """An additional-duty daily log of `day` from `start_minute` after midnight, `minutes` long."""
    end = start_minute + minutes
    return {"date": str(day), "start_time": f"{start_minute // 60:02}:{start_minute % 60:02}",
            "end_time": f"{end // 60:02}:{end % 60:02}", "description": description,
            "output_quantity": 1, "additional_duty": True}


def employees_with_accounts(base, admin, first, count):
    """Employees `first` to `first + count` of the agency admin's list, each given an account
    (or keeping the demo's) and signed in: dicts of id, nip and access token."""
    status, body = call(base, "GET", "/api/v1/employees?limit=100", admin)
    assert status == 200, body
    people = []
    for e in body["items"][first:first + count]:
        status, _ = call(base, "POST", "/api/v1/accounts", admin,
                         {"role": "employee", "employee_id": e["id"], "password": PASSWORD})
        assert status in (201, 409), status
        status, login = call(base, "POST", "/api/v1/auth/login", body={"login": e["nip"], "password": PASSWORD})
        assert status == 200, login
        people.append({"id": e["id"], "nip": e["nip"], "token": login["access_token"]})
    return people


class Server:
    def __init__(self, url, port, log, name="crash-check", env=None):
        self.url, self.port, self.log, self.name = url, port, log, name
        self.env = env or {}
        self.base = f"http://127.0.0.1:{port}"
        self.proc = None

    def start(self, seed):
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.url,
            "EKINERJA_BIND": f"127.0.0.1:{self.port}",
            "EKINERJA_SEED_DEMO": "1" if seed else "0",
            "EKINERJA_JWT_SECRET": "crash-check-secret-crash-check-secret!!",
            "EKINERJA_ACCESS_TOKEN_MINUTES": "120",
            "RUST_LOG": "error",
            # The webhook check's subscriber listens on loopback.
            "EKINERJA_WEBHOOK_PRIVATE_NETWORKS": "127.0.0.0/8",
        })
        env.update(self.env)
        self.proc = subprocess.Popen([BINARY, "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        began = time.time()
        # Loading the demo regency takes a minute or more on a slow machine; give it ten.
        while time.time() - began < READY_SECONDS:
            if self.proc.poll() is not None:
                self.fail(f"the server exited with {self.proc.returncode}")
            try:
                if call(self.base, "GET", "/readyz", timeout=2)[0] == 200:
                    print(f"{self.name}: the server on port {self.port} was ready after {time.time() - began:.0f} s"
                          + (" (demo data loaded)" if seed else ""), flush=True)
                    return
            except OSError:
                pass
            time.sleep(0.5)
        self.fail(f"the server was not ready after {READY_SECONDS} s")

    def fail(self, why):
        """Stop, and show the end of the server's own log so the cause can be read in CI."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        self.log.flush()
        with open(self.log.name, "rb") as f:
            tail = f.read()[-4000:].decode(errors="replace")
        sys.exit(f"{self.name}: {why}; the server's log ends with:\n{tail}")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def database_url(work):
    admin_url = os.environ.get("EKINERJA_TEST_DATABASE_URL", "")
    if admin_url and admin_url != "sqlite":
        name = "crash_check_" + uuid.uuid4().hex
        subprocess.run(["psql", admin_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
        return admin_url.rsplit("/", 1)[0] + "/" + name, "postgresql"
    return "sqlite://" + os.path.join(work, "crash.db"), "sqlite"


def unsafe_settings_stop_start_up(work):
    """Production settings (issue 17): the development JWT secret never serves beyond this
    machine, and demo accounts never load in production. Each start-up must stop with status 2,
    naming the setting, before it opens a port."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("EKINERJA_")}
    base_env["DATABASE_URL"] = "sqlite://" + os.path.join(work, "settings.db")
    cases = [
        ("EKINERJA_BIND", {"EKINERJA_BIND": f"0.0.0.0:{free_port()}"}),
        ("EKINERJA_SEED_DEMO", {"EKINERJA_ENV": "production", "EKINERJA_SEED_DEMO": "1",
                                "EKINERJA_JWT_SECRET": "settings-check-secret-settings-check!",
                                "EKINERJA_BIND": f"127.0.0.1:{free_port()}"}),
    ]
    for name, extra in cases:
        run = subprocess.run([BINARY, "serve"], env={**base_env, **extra}, capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and name in run.stderr, (name, run.returncode, run.stderr)
        print(f"ok    start-up refused: {run.stderr.strip()}")


def main():
    if not os.path.exists(BINARY):
        sys.exit("crash-check: build target/debug/ekinerja first")
    work = tempfile.mkdtemp()
    unsafe_settings_stop_start_up(work)
    url, engine = database_url(work)
    log = open(os.path.join(work, "server.log"), "wb")
    server = Server(url, free_port(), log)
    server.start(seed=True)
    base = server.base

    # Setup: the agency admin gives 16 employees accounts and issues an integration key.
    status, body = call(base, "POST", "/api/v1/auth/login", body={"login": "bkpsdm.sukamaju", "password": PASSWORD})
    assert status == 200, body
    admin = body["access_token"]
    people = employees_with_accounts(base, admin, 20, WRITERS)
    status, key = call(base, "POST", "/api/v1/integration-keys", admin,
                       {"name": "crash check", "scopes": ["attendance_write"]})
    assert status == 201, key
    key = key["key"]

    # The load: each writer posts ten-minute additional-duty logs of today; one pusher sends
    # batches of 50 attendance events. Every 2xx answer is recorded.
    today = (datetime.now(timezone.utc) + timedelta(hours=7)).date()
    logs_ok, events_ok, lock = [], [], threading.Lock()
    stop = threading.Event()
    errors = []

    def writer(p):
        for slot in range(40):
            if stop.is_set():
                return
            body = slot_log(today, 7 * 60 + slot * 10, 10, f"crash-check {p['nip']} {slot}")
            try:
                status, res = call(base, "POST", "/api/v1/daily-logs", p["token"], body, timeout=10)
            except OSError:
                return  # the server is gone
            if 200 <= status < 300:
                with lock:
                    logs_ok.append((p, res["id"], body["description"]))
            elif status >= 500:
                errors.append((status, res))

    def pusher():
        n = 0
        while not stop.is_set():
            batch = []
            for _ in range(50):
                n += 1
                p = random.choice(people)
                at = datetime.now(timezone.utc) - timedelta(minutes=random.randint(10, 600))
                batch.append({"source_event_id": f"crash-{n}", "nip": p["nip"],
                              "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "kind": "check_in"})
            try:
                status, res = call(base, "POST", "/api/v1/attendance-events/batch", key, {"events": batch}, timeout=10)
            except OSError:
                return
            if status == 200:
                with lock:
                    for item, ev in zip(res["items"], batch):
                        if item["outcome"] in ("created", "existing"):
                            events_ok.append(ev)
            elif status >= 500:
                errors.append((status, res))

    threads = [threading.Thread(target=writer, args=(p,)) for p in people] + [threading.Thread(target=pusher)]
    for t in threads:
        t.start()
    # Kill once a good part of the load was answered, while the rest is in flight.
    deadline = time.time() + 60
    while time.time() < deadline:
        with lock:
            if len(logs_ok) >= 150 and len(events_ok) >= 500:
                break
        time.sleep(0.01)
    server.kill()
    stop.set()
    for t in threads:
        t.join()
    print(f"crash-check [{engine}]: killed with {len(logs_ok)} logs and {len(events_ok)} events acknowledged")
    if errors:
        sys.exit(f"crash-check: 5xx during the load: {errors[:3]}")
    if len(logs_ok) < 50 or len(events_ok) < 100:
        sys.exit("crash-check: too little load was acknowledged before the kill to mean anything")

    # Restart on the same database and check.
    server.start(seed=False)
    base = server.base
    missing = []
    for p, log_id, description in logs_ok:
        status, res = call(base, "GET", f"/api/v1/daily-logs/{log_id}", p["token"])
        if status != 200 or res.get("description") != description or res.get("duration_minutes") != 10:
            missing.append((log_id, status))
    stored_logs = 0
    for p in people:
        status, res = call(base, "GET", f"/api/v1/daily-logs?employee_id={p['id']}&from={today}&to={today}&limit=200", p["token"])
        assert status == 200, res
        for item in res["items"]:
            if not item.get("description", "").startswith("crash-check"):
                continue  # the demo's own logs
            stored_logs += 1
            # Whole: every stored log reads back complete.
            if item.get("status") != "submitted" or item.get("duration_minutes") != 10 or not item.get("description"):
                missing.append((item.get("id"), "half-written"))
    acknowledged_events = {}
    for ev in events_ok:
        acknowledged_events.setdefault(ev["nip"], set()).add(ev["source_event_id"])
    stored_events = 0
    for p in people:
        seen, cursor = set(), None
        while True:
            path = f"/api/v1/employees/{p['id']}/attendance-events?limit=200&from={today - timedelta(days=2)}"
            if cursor:
                path += "&cursor=" + urllib.request.quote(cursor)
            status, res = call(base, "GET", path, admin)
            assert status == 200, res
            seen.update(i["source_event_id"] for i in res["items"] if i["source_event_id"].startswith("crash-"))
            cursor = res.get("next_cursor")
            if not cursor:
                break
        stored_events += len(seen)
        for sid in acknowledged_events.get(p["nip"], ()):
            if sid not in seen:
                missing.append((sid, "event"))
    # Batches are all or nothing: the stored events are whole batches of 50.
    if stored_events % 50 != 0:
        missing.append(("events", f"{stored_events} stored, not whole batches of 50"))
    if missing:
        server.kill()
        sys.exit(f"crash-check [{engine}]: {len(missing)} acknowledged writes missing or broken, e.g. {missing[:5]}")
    print(f"crash-check [{engine}]: after restart all {len(logs_ok)} acknowledged logs and {len(events_ok)} "
          f"acknowledged events are there, whole ({stored_logs} logs and {stored_events} events stored)")
    webhooks_survive_kills(server, admin, logs_ok)
    if engine == "postgresql":
        database_restart(server, admin)
    server.kill()
    log.close()


class Receiver:
    """A subscriber's endpoint: records each message's webhook-id; while `hang` is set it takes the
    request and never answers (the sender is killed meanwhile), else it answers 200."""

    def __init__(self):
        import http.server
        receiver = self
        self.got, self.hang, self.lock = [], threading.Event(), threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    receiver.got.append((self.headers.get("webhook-id"), json.loads(body)))
                if receiver.hang.is_set():
                    time.sleep(45)
                    return
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self):
        with self.lock:
            return [i for i, _ in self.got]


def webhooks_survive_kills(server, admin, logs_ok):
    """A delivery written to the outbox with its change is sent even when the server is killed
    between the commit and the send (the subscriber paused meanwhile, so the window is held
    open), and one whose send is cut by the kill is sent again under the same webhook-id once
    its lease runs out: nothing acknowledged is lost."""
    base = server.base
    receiver = Receiver()
    status, sub = call(base, "POST", "/api/v1/webhook-subscriptions", admin,
                       {"url": receiver.url, "event_types": ["log_reviewed"]})
    assert status == 201, sub
    sub_path = f"/api/v1/webhook-subscriptions/{sub['id']}"
    # Two acknowledged logs of one author, reviewed by their supervisor (given an account).
    author, first, _ = logs_ok[0]
    second = next(l for p, l, _ in logs_ok if p is author and l != first)
    status, sups = call(base, "GET", f"/api/v1/employees/{author['id']}/supervisors", admin)
    assert status == 200 and sups["items"], sups
    boss = sups["items"][0]["employee"]
    status, _ = call(base, "POST", "/api/v1/accounts", admin,
                     {"role": "employee", "employee_id": boss["id"], "password": PASSWORD})
    assert status in (201, 409), status
    status, login = call(base, "POST", "/api/v1/auth/login", body={"login": boss["nip"], "password": PASSWORD})
    assert status == 200, login
    reviewer = login["access_token"]

    def accept(log_id):
        status, res = call(base, "GET", f"/api/v1/daily-logs/{log_id}", reviewer)
        assert status == 200, res
        status, res = call(base, "POST", f"/api/v1/daily-logs/{log_id}/accept", reviewer,
                           headers={"if-match": f'"v{res["version"]}"'})
        assert status == 200, res

    def deliveries():
        status, res = call(base, "GET", sub_path + "/deliveries", admin)
        assert status == 200, res
        return res["items"]

    def wait(what, check, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if check():
                return
            time.sleep(0.2)
        server.fail(f"webhooks: {what} within {seconds} s (deliveries: {deliveries()}, received: {receiver.ids()})")

    # Committed, then killed before sending: paused, the delivery cannot go out.
    status, _ = call(base, "PATCH", sub_path, admin, {"paused": True})
    assert status == 200
    accept(first)
    held = deliveries()
    assert len(held) == 1 and held[0]["status"] == "pending" and not held[0]["attempts"], held
    server.kill()
    server.start(seed=False)
    base = server.base
    status, _ = call(base, "PATCH", sub_path, admin, {"paused": False})
    assert status == 200
    wait("the delivery committed before the kill was not delivered after the restart",
         lambda: any(d["status"] == "delivered" for d in deliveries()), 30)
    if receiver.ids() != [held[0]["id"]]:
        server.fail(f"webhooks: expected exactly one message {held[0]['id']}, got {receiver.ids()}")
    print(f"crash-check [webhooks]: a delivery committed before a SIGKILL was sent once after the restart")

    # Killed while sending: the subscriber takes the request and does not answer.
    receiver.hang.set()
    accept(second)
    wait("the second delivery was not sent", lambda: len(receiver.ids()) == 2, 30)
    cut = receiver.ids()[1]
    server.kill()
    receiver.hang.clear()
    killed_at = time.time()
    server.start(seed=False)
    base = server.base
    wait("the delivery cut by the kill was not sent again", lambda: receiver.ids().count(cut) == 2, 120)
    wait("the delivery cut by the kill was not recorded as delivered",
         lambda: all(d["status"] == "delivered" for d in deliveries()), 30)
    again = [d for d in deliveries() if d["id"] == cut][0]
    print(f"crash-check [webhooks]: a delivery cut by a SIGKILL was sent again {time.time() - killed_at:.0f} s later "
          f"under the same webhook-id ({len(again['attempts'])} recorded attempt), as the lease ran out")


def timed_call(base, method, path, token, body, timeout):
    """A JSON call that also returns the Retry-After header and how long the answer took; a
    timeout or a lost connection is status 0."""
    began = time.time()
    try:
        status, headers, raw, took = request(base, method, path, token, body, timeout)
    except OSError:
        return 0, None, None, time.time() - began
    return status, json.loads(raw or b"null"), headers.get("retry-after"), took


def database_restart(server, admin):
    """PostgreSQL restarts under a write load (issue 20): while it is gone every write is answered
    503 with Retry-After, never a hang nor another error; the server reconnects by itself; and
    every write answered 201, before, during or after, is there afterwards."""
    pg_ctl = os.environ.get("EKINERJA_TEST_PG_CTL")
    if not pg_ctl:
        sys.exit("crash-check: EKINERJA_TEST_PG_CTL is not set: run under scripts/with-postgres.sh to restart the cluster")
    base = server.base
    # Other employees than the crash load's, so that no day goes over the agency's cap.
    people = employees_with_accounts(base, admin, 60, WRITERS // 2)
    today = (datetime.now(timezone.utc) + timedelta(hours=7)).date()
    acked, answers, lock, stop, phase = [], {}, threading.Lock(), threading.Event(), ["before"]
    problems = []

    def writer(p):
        # One-minute logs from 14:00: a slot answered 503 is not tried again (the client would
        # retry it; here only what was acknowledged matters).
        for slot in range(450):
            if stop.is_set():
                return
            body = slot_log(today, 14 * 60 + slot, 1, f"restart-check {p['nip']} {slot}")
            status, res, retry_after, took = timed_call(base, "POST", "/api/v1/daily-logs", p["token"], body, 20)
            with lock:
                key = (phase[0], status)
                answers[key] = answers.get(key, 0) + 1
                if status == 201:
                    acked.append((p, res["id"], body["description"]))
                elif status == 503 and retry_after and retry_after.isdigit() and took < 10:
                    pass
                else:
                    problems.append((phase[0], status, retry_after, round(took, 1), res))
            if status == 503:
                time.sleep(0.1)

    threads = [threading.Thread(target=writer, args=(p,)) for p in people]
    for t in threads:
        t.start()

    def wait_for(n, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            with lock:
                if len(acked) >= n:
                    return True
            time.sleep(0.05)
        return False

    if not wait_for(100, 60):
        stop.set()
        sys.exit("crash-check: the restart load was not acknowledged before the restart")
    subprocess.run([pg_ctl, "stop"], check=True, stdout=subprocess.DEVNULL)
    with lock:
        phase[0] = "down"
        before = len(acked)
    time.sleep(3)
    subprocess.run([pg_ctl, "start"], check=True, stdout=subprocess.DEVNULL)
    with lock:
        phase[0] = "after"
        at_start = len(acked)
    back = wait_for(at_start + 100, 60)
    stop.set()
    for t in threads:
        t.join()
    summary = ", ".join(f"{ph} {st or 'timeout'}: {n}" for (ph, st), n in sorted(answers.items(), key=str))
    print(f"crash-check [postgresql]: PostgreSQL stopped for 3 s under load; answers {summary}")
    if problems:
        sys.exit(f"crash-check: answers other than 201 or a prompt 503 with Retry-After: {problems[:5]}")
    if not answers.get(("down", 503)):
        sys.exit("crash-check: no write met the stopped database: the restart was not exercised")
    if not back:
        sys.exit(f"crash-check: the server did not take writes again within 60 s of the restart ({len(acked) - at_start})")
    missing = []
    for p, log_id, description in acked:
        status, res = call(base, "GET", f"/api/v1/daily-logs/{log_id}", p["token"])
        if status != 200 or res.get("description") != description:
            missing.append((log_id, status))
    if missing:
        sys.exit(f"crash-check: {len(missing)} of {len(acked)} acknowledged writes are missing after the restart: {missing[:5]}")
    print(f"crash-check [postgresql]: the server reconnected by itself; all {len(acked)} acknowledged logs are "
          f"there ({before} before the stop, {at_start - before} while it was down, {len(acked) - at_start} after)")


if __name__ == "__main__":
    main()
