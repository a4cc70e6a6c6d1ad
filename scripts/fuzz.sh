#!/usr/bin/env bash
# Contract fuzzing with schemathesis (issue 9): a live server on a throw-away SQLite database with
# the demo regency; first runs with several identities at once for schemathesis's object-level
# authorization check, then every operation of openapi.yaml, authenticated as each role in turn.
# The demo's real ids are given to the fuzzer (scripts/fuzz_ids.py), so operations meet real
# objects and not only 404s.
#
#   scripts/fuzz.sh short   # a few examples per operation and role (part of `make test`)
#   scripts/fuzz.sh long    # many more (`make fuzz`)
#
# Checks: no 5xx, every status code, content type, header and body as documented, invalid input
# refused, 405 with its Allow header. Two checks are left out, each for a documented reason:
# - `positive_data_acceptance` expects every schema-valid request to succeed; the domain's rules
#   (a date inside the agreement's period, a supervisor's own subordinate, a record of one's own
#   agency) cannot be written in a schema, so such requests are rightly refused with a documented
#   404, 409 or 422;
# - `missing_required_header` expects a 400-class answer other than 428 when If-Match is missing;
#   the API conventions (and RFC 6585) answer 428 Precondition Required, as documented.
# One worker: with two, schemathesis's threads parse Python source at once, and CPython 3.11's
# AST constructor is not thread-safe ("AST constructor recursion depth mismatch", a runtime error
# of the tool that is not a finding about the server).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-short}"
case "$mode" in
    short) examples=3 ;;
    long) examples=60 ;;
    *) echo "usage: $0 short|long" >&2; exit 2 ;;
esac

venv=target/fuzz-venv
export SCHEMATHESIS_HOOKS="$PWD/scripts/fuzz_hooks.py" # an idempotency key per request
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi
cargo build -q -p ekinerja-api --bin ekinerja

. scripts/lib/demo_server.sh
work="$(mktemp -d)"
trap 'stop_demo_server; rm -rf "$work"' EXIT
# The analysis endpoints' per-account budget is lifted here: the suite tests the budget, and the
# fuzzer must reach the logic behind it rather than a wall of 429s.
start_demo_server "$work" EKINERJA_ANALYSIS_PER_MINUTE=1000000 EKINERJA_ACCESS_TOKEN_MINUTES=240

# openapi.yaml reads the same to a YAML 1.1 parser (PyYAML, as many generators use) as the JSON
# document the server serves: no time read as a number, no date as a date, no word as a boolean.
curl -sf "$base/openapi.json" >"$work/openapi.json"
"$venv/bin/python" - openapi.yaml "$work/openapi.json" <<'PY'
import json, sys, yaml

def first_difference(a, b, path="$"):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return f"{path}.{k}"
            found = first_difference(a[k], b[k], f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if type(a) is type(b) and a == b else f"{path}: {a!r} in YAML 1.1, {b!r} in JSON"

with open(sys.argv[1]) as y, open(sys.argv[2]) as j:
    found = first_difference(yaml.safe_load(y), json.load(j))
if found:
    sys.exit(f"fuzz: openapi.yaml reads differently under YAML 1.1 than the served JSON at {found}")
print("fuzz: openapi.yaml reads the same under YAML 1.1 (PyYAML) as the served openapi.json")
PY

# The demo's logins, as the server printed them. The order matters: an agency admin's run resets
# passwords (which signs the account out everywhere), and the platform admin's run may reset the
# agency admins', so the object-level runs go first and those two roles last.
roles=(
    "staff:$(login_of 'a staff member')"
    "supervisor:$(login_of 'a supervisor')"
    "head_of_opd:$(login_of 'head of Dinas Kesehatan')"
    "sekda_leader:$(login_of 'Sekda')"
    "leader:$(login_of "region head's office")"
    "finance:$(login_of 'payroll office')"
    "other_agency_admin:$(login_of 'admin of a 2nd agency')"
    "agency_admin:$(login_of 'agency admin')"
    "platform_admin:$(login_of 'platform admin')"
)
password="$(demo_password)"

token_of() {
    curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"$password\"}" | python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])'
}

# The demo's real ids, so every operation also meets real objects (scripts/fuzz_ids.py).
admin_token="$(token_of "$(login_of 'agency admin')")"
"$venv/bin/python" scripts/fuzz_ids.py "$base" "$admin_token" "$(token_of "$(login_of 'platform admin')")" "$work/ids.toml"
# A run's configuration as the role with token $1 starts it: the ids, and for the changes that
# name a version (If-Match) a record the role lists and the ETag it has now (earlier runs change
# them). It also writes the run's copy of the contract, $work/contract.json: openapi.yaml with the
# role's records as the examples of the ids a request body names, which the examples and coverage
# phases build their bodies from (constraints unchanged).
config_now() {
    cp "$work/openapi.json" "$work/contract.json" # the contract as served, should the next step fail
    "$venv/bin/python" scripts/fuzz_ids.py --etags "$base" "$admin_token" "$1" "$work/ids.toml.etags.json" "$work/etags.toml" \
        "$work/contract.json" ||
        echo "fuzz: the If-Match records could not be read again; this run is given those read before it" >&2
    cat "$work/ids.toml" "$work/etags.toml"
}

failed=()
# Object-level authorization: one run with several identities (a Web Fuzzing Commons auth
# document), each operation served as the first identity it admits. Every object one of the
# peers reads successfully is read again as each other peer, and it is a failure when a peer
# gets an object that is neither public nor in a list that peer may read. The peers of a run must
# not see each other's objects.
# Another member of staff of the staff member's own division (Dinas Kesehatan, Bidang 2; ranks
# II/c and III/a in the demo): no one reports to either of them, and it is outside Dinas Pendidikan.
division="$(curl -sf "$base/api/v1/org-units?limit=200" -H "Authorization: Bearer $admin_token" | python3 -c '
import sys, json
print(next(u["id"] for u in json.load(sys.stdin)["items"] if u["code"] == "DINKES-BID2"))')"
colleague_nip="$(curl -sf "$base/api/v1/employees?org_unit_id=$division&limit=200" -H "Authorization: Bearer $admin_token" | python3 -c '
import sys, json
staff = sys.argv[1]
others = [e for e in json.load(sys.stdin)["items"] if e["rank"] in ("II/c", "III/a") and e["nip"] != staff]
print(others[-1]["id"], others[-1]["nip"])' "$(login_of 'a staff member')")"
colleague_id="${colleague_nip%% *}"
colleague_nip="${colleague_nip#* }"
# The colleague signs in with an account of their own (201), or the one the demo gave them (409).
created="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/accounts" -H "Authorization: Bearer $admin_token" \
    -H 'content-type: application/json' \
    -d "{\"role\":\"employee\",\"employee_id\":\"$colleague_id\",\"password\":\"$password\"}")"
case "$created" in 201 | 409) ;; *) echo "fuzz: could not give the colleague an account ($created)" >&2; exit 1 ;; esac
# Two runs, each among peers whose objects must stay private to each other:
# - inside the regency, a staff member, a colleague and the head of another OPD (a unit head
#   sees their OPD only), with another agency's admin;
# - the regency's leader and finance (finance reads no logs, agreements or evaluations, which the
#   leader lists), with another agency's admin.
ola_run() {
    local name="$1"
    shift
    python3 - "$work/wfc-$name.json" "$@" <<'PY'
import json, sys
pairs = [a.split("=", 1) for a in sys.argv[2:]]
json.dump({"auth": [{"name": n, "fixedHeaders": [{"name": "Authorization", "value": "Bearer " + t}]}
                    for n, t in pairs]}, open(sys.argv[1], "w"))
PY
    local peers
    peers="$(printf '"%s", ' "${@%%=*}")"
    {
        config_now "${1#*=}" # the records of the first peer, who is served first
        printf '\n[auth.wfc]\npath = "%s"\npeers = [%s]\n' "$work/wfc-$name.json" "${peers%, }"
    } >"$work/schemathesis-$name.toml"
    echo "==> schemathesis, object-level authorization between ${*%%=*}"
    if ! "$venv/bin/schemathesis" --config-file "$work/schemathesis-$name.toml" run "$work/contract.json" --url "$base" \
        --checks object_level_authorization,not_a_server_error \
        --phases examples,coverage,fuzzing,stateful \
        --max-examples "$examples" --workers 1 --seed 2026 \
        --no-color --report junit --report-dir "target/fuzz-report/$name"; then
        failed+=("$name")
    fi
}
# Each peer signs in here, where a failed sign-in stops the run (inside ola_run's arguments it
# would pass an empty token, and the check would run as an anonymous peer).
other_admin="$(token_of "$(login_of 'admin of a 2nd agency')")"
staff_token="$(token_of "$(login_of 'a staff member')")"
colleague_token="$(token_of "$colleague_nip")"
other_head_token="$(token_of "$(login_of 'head of Dinas Pendidikan')")"
leader_token="$(token_of "$(login_of "region head's office")")"
finance_token="$(token_of "$(login_of 'payroll office')")"
ola_run peers "staff=$staff_token" "colleague=$colleague_token" "head_of_other_opd=$other_head_token" \
    "other_agency_admin=$other_admin"
ola_run granted "leader=$leader_token" "finance=$finance_token" "other_agency_admin=$other_admin"

for entry in "${roles[@]}"; do
    role="${entry%%:*}"
    login="${entry#*:}"
    token="$(token_of "$login")" || { echo "fuzz: $role ($login) could not sign in" >&2; failed+=("$role"); continue; }
    echo "==> schemathesis as $role ($login), $examples examples per operation"
    config_now "$token" >"$work/schemathesis-$role.toml"
    if ! "$venv/bin/schemathesis" --config-file "$work/schemathesis-$role.toml" run "$work/contract.json" --url "$base" \
        -H "Authorization: Bearer $token" \
        --exclude-checks positive_data_acceptance,missing_required_header \
        --phases examples,coverage,fuzzing \
        --max-examples "$examples" --workers 1 --seed 2026 \
        --no-color --report junit --report-dir "target/fuzz-report/$role"; then
        failed+=("$role")
    fi
done

if ! kill -0 "$server" 2>/dev/null; then
    echo "fuzz: the server died during the run" >&2
    tail -50 "$demo_log" >&2
    exit 1
fi
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: failures as ${failed[*]} (reports in target/fuzz-report/)" >&2
    exit 1
fi
echo "fuzz: no failures as any role"
