#!/usr/bin/env python3
"""Two server processes on one PostgreSQL database (issue 9).

A phone retrying a batch alternately against both creates nothing twice; an Idempotency-Key
replays on the other process; a refresh token rotated on one is refused reused on the other, and
the reuse ends the family on both. Needs EKINERJA_TEST_DATABASE_URL (a PostgreSQL maintenance
URL, as scripts/with-postgres.sh sets it) and target/debug/ekinerja.
"""

import os
import re
import sys
import tempfile
import uuid
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_check import BINARY, PASSWORD, Server, call, database_url, free_port  # noqa: E402


def main():
    if not os.path.exists(BINARY):
        sys.exit("two-instances: build target/debug/ekinerja first")
    work = tempfile.mkdtemp()
    url, engine = database_url(work)
    if engine != "postgresql":
        sys.exit("two-instances: needs PostgreSQL (EKINERJA_TEST_DATABASE_URL)")
    log_a = open(os.path.join(work, "a.log"), "wb")
    log_b = open(os.path.join(work, "b.log"), "wb")
    a = Server(url, free_port(), log_a, "two-instances")
    a.start(seed=True)
    b = Server(url, free_port(), log_b, "two-instances")
    b.start(seed=False)
    log_a.flush()
    text = open(os.path.join(work, "a.log"), encoding="utf-8", errors="replace").read()
    staff = re.search(r"a staff member\s+(\d{18})", text).group(1)
    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failures.append(what)

    status, login = call(a.base, "POST", "/api/v1/auth/login", body={"login": staff, "password": PASSWORD})
    assert status == 200, login
    token = login["access_token"]
    today = str((datetime.now(timezone.utc) + timedelta(hours=7)).date())

    def item(start, end):
        return {"client_id": str(uuid.uuid4()), "date": today, "start_time": start, "end_time": end,
                "description": "Rapat malam", "output_quantity": 1, "additional_duty": True}

    batch = {"items": [item("20:00", "20:10"), item("20:10", "20:20")]}
    answers = []
    for server in (a, b, a, b):
        status, res = call(server.base, "POST", "/api/v1/daily-logs/batch", token, batch)
        assert status == 200, res
        answers.append(res)
    outcomes = [[i["outcome"] for i in r["items"]] for r in answers]
    check(outcomes[0] == ["created", "created"], f"the first post creates both logs {outcomes[0]}")
    check(all(o == ["existing", "existing"] for o in outcomes[1:]), f"every retry finds them {outcomes[1:]}")
    ids = [[i["log"]["id"] for i in r["items"]] for r in answers]
    check(all(i == ids[0] for i in ids), "every retry answers with the same logs")
    for server in (a, b):
        status, res = call(server.base, "GET", f"/api/v1/daily-logs?from={today}&to={today}&limit=200", token)
        night = [i for i in res["items"] if i["description"] == "Rapat malam"]
        check(len(night) == 2, f"two logs stored, read on {server.port}")

    body = {"date": today, "start_time": "20:30", "end_time": "20:40", "description": "Rapat malam lanjutan",
            "output_quantity": 1, "additional_duty": True}

    def send(server, b):
        return call(server.base, "POST", "/api/v1/daily-logs", token, b, headers={"idempotency-key": "two-processes-1"})

    s1, first = send(a, body)
    s2, replay = send(b, body)
    check(s1 == 201 and s2 == 201 and first["id"] == replay["id"], "an Idempotency-Key replays on the other process")
    s3, _ = send(b, dict(body, description="Isi lain"))
    check(s3 == 422, "the same key with another body is refused on the other process")

    status, pair = call(a.base, "POST", "/api/v1/auth/login", body={"login": staff, "password": PASSWORD})
    first_refresh = pair["refresh_token"]
    status, rotated = call(a.base, "POST", "/api/v1/auth/refresh", body={"refresh_token": first_refresh})
    check(status == 200, "a refresh token rotates on the first process")
    status, _ = call(b.base, "POST", "/api/v1/auth/refresh", body={"refresh_token": first_refresh})
    check(status == 401, "the rotated token is refused reused on the second process")
    for server in (a, b):
        status, _ = call(server.base, "POST", "/api/v1/auth/refresh", body={"refresh_token": rotated["refresh_token"]})
        check(status == 401, f"the reuse ended the family, on {server.port}")

    a.kill()
    b.kill()
    if failures:
        sys.exit(f"two-instances: {len(failures)} failures")
    print("two-instances: two processes on one PostgreSQL agree on idempotency and token rotation")


if __name__ == "__main__":
    main()
