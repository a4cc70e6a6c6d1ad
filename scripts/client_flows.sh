#!/usr/bin/env bash
# Each user's main path through the TypeScript client kit (contract/src/sdk.ts), against a live
# server on a throw-away SQLite database with the demo regency (issue 20): a phone's offline batch
# and its retries, the supervisor's review from /me/tasks, the change feed, an allowance run
# computed, approved and exported for payroll, and signed e-Presensi pushes (Standard Webhooks).
# The steps and their checks are in contract/src/flows.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p ekinerja-api --bin ekinerja
(
    cd contract
    . ../scripts/lib/contract_tools.sh
    contract_tools
    contract_build
)

. scripts/lib/demo_server.sh
work="$(mktemp -d)"
trap 'stop_demo_server; rm -rf "$work"' EXIT
start_demo_server "$work"

EKINERJA_BASE="$base" \
    EKINERJA_DEMO_PASSWORD="$(demo_password)" \
    EKINERJA_LOGIN_STAFF="$(login_of 'a staff member')" \
    EKINERJA_LOGIN_AGENCY_ADMIN="$(login_of 'agency admin')" \
    EKINERJA_LOGIN_FINANCE="$(login_of 'payroll office')" \
    node contract/dist/src/flows.js || {
    tail -50 "$demo_log" >&2
    echo "client-flows: a flow failed (the server's last log lines are above)" >&2
    exit 1
}
if ! kill -0 "$server" 2>/dev/null; then
    tail -50 "$demo_log" >&2
    echo "client-flows: the server died during the run" >&2
    exit 1
fi
