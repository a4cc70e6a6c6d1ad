#!/usr/bin/env python3
"""The demo's real ids, as a schemathesis configuration (issue 20), so that the fuzzer's
operations meet real objects rather than only 404s.

    fuzz_ids.py BASE ADMIN_TOKEN PLATFORM_TOKEN OUT.toml

Reads the regency as its agency admin (and the agencies as the platform admin), and writes one
dictionary per kind of record (employees, agreements, runs, ...) with a binding for every path
parameter of openapi.yaml: each operation's `{id}` is drawn from the records it names in most
examples, and stays random in the others (404s are tested too), but for the changes that name a
version (below), which always meet their record so as to reach their rules (the fuzzer's negative
cases still send them malformed and missing ETags; their 404s are the suite's to test). Planned
results and indicators
come from one agreement, and an evaluation's indicators from one evaluation, so that the ids of
one path belong together. Common filters (`employee_id`, `org_unit_id`, ...) are bound the same
way, in the query and in request bodies. Prints how many ids of each kind it found; a kind that
came back empty stops the run.

A change that names the version it edits (`If-Match`) meets one record of its kind, and the ETag
that record has as its run starts: OUT.toml.etags.json says which kinds, and

    fuzz_ids.py --etags BASE ADMIN_TOKEN ROLE_TOKEN OUT.toml.etags.json ETAGS.toml [CONTRACT.json]

chooses them again before each run: the first record of each kind that the role's own lists show
(the admin's where the role lists none), with its ETag as of now (the runs before it change them).
So each role's changes reach the rules behind the precondition (200, 403, 409) rather than only
404s and 412s. Likewise the evaluation whose realisation is stated is the role's own, if it has
one. With CONTRACT.json it also writes the fuzzer's copy of openapi.yaml, in which the ids a
request body names have the role's records as examples (`with_examples`): its own agency and
employee record, a planned result and activity of its own logs, and the admin's first record of
each other kind; and each path's parameters the record the run binds them to, or else the first
of that kind the role's own list shows. (Idempotency keys and log ids are made per request by
scripts/fuzz_hooks.py.)
"""
import datetime
import json
import re
import sys
import urllib.error
import urllib.request

import yaml


def read_from(base, path, token):
    """A GET of `base` + `path` as `token`'s caller: the answer's ETag (if any) and its body."""
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=60) as res:
        return res.headers["ETag"], json.load(res)


DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def picked_from(records, fields):
    """The first value each of `fields` has in `records` (a field none of them holds is left out)."""
    return {f: v for f in fields for v in [next((r[f] for r in records if r.get(f)), None)] if v}


def with_examples(doc, examples, parameters):
    """`doc` with each id property of a request body that `examples` names given that record as its
    example, and each parameter of a path that `parameters` binds (`{path: {"path.id": id}}`) its
    value. Schemathesis's examples and coverage phases build requests from a schema's examples
    (and otherwise from made-up ids and versions, which only ever meet 404s and 412s, or "no such
    ..." answers); its fuzzing phase draws from the dictionaries instead. The schemas' constraints
    are left exactly as they are."""
    schemas = doc["components"]["schemas"]

    def resolved(schema):
        while isinstance(schema, dict) and "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    seen = set()

    def visit(schema):
        schema = resolved(schema)
        if not isinstance(schema, dict) or id(schema) in seen:
            return
        seen.add(id(schema))
        for part in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []):
            visit(part)
        if "items" in schema:
            visit(schema["items"])
        for name, prop in (schema.get("properties") or {}).items():
            # An id where the property is an id, a day where it is a date (no name is both).
            if name in examples and f'"{"date" if DAY.fullmatch(examples[name]) else "uuid"}"' in json.dumps(resolved(prop)):
                prop["example"] = examples[name]
            visit(prop)

    for path, operations in doc["paths"].items():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                value = parameters.get(path, {}).get(f"{parameter['in']}.{parameter['name']}")
                if value:
                    parameter["example"] = value
            if "requestBody" in operation:
                for content in operation["requestBody"]["content"].values():
                    visit(content.get("schema"))
    # Examples that must agree with the body's other examples, where the committed contract can
    # give none (utoipa drops an example beside a `$ref`): a leave request's window is a
    # permission's, so its kind is a permission. The property becomes a copy of the schema it
    # names, with the example; its constraints stay the same.
    for schema, values in TOGETHER.items():
        properties = schemas.get(schema, {}).get("properties", {})
        for name, value in values.items():
            if isinstance(properties.get(name), dict):
                properties[name] = {**resolved(properties[name]), "example": value}
    return doc


TOGETHER = {"CreateLeaveRequest": {"kind": "permission"}}


def as_caller(doc, caller):
    """`doc` with what this caller must send stated as required: the agency, for the platform
    admin, where a body's `agency_id` is "Required for a platform admin" (or an import's query's
    is for "Platform admins only"); the employee, for an account with no employee record of its
    own, where a body's `employee_id` is the caller's own when left out. The server refuses
    either when missing or null (the descriptions say so), so the fuzzer's cases without them
    are negative cases, not schema-valid ones."""
    platform = "platform_admin" in (caller.get("roles") or [])
    nobody = not caller.get("employee")
    for schema in doc["components"]["schemas"].values():
        properties = schema.get("properties") or {}
        for name, says in (("agency_id", platform and "Required for a platform admin"),
                           ("employee_id", nobody and ("own when left out", "own by default"))):
            description = (properties.get(name) or {}).get("description") or ""
            if not says or not any(s in description for s in ([says] if isinstance(says, str) else says)):
                continue
            properties[name] = {**properties[name], "type": "string"}
            schema["required"] = sorted(set(schema.get("required", [])) | {name})
    # A new account names its agency, for the platform admin, unless it is a platform admin's
    # ("Required except for a platform admin": an agency admin's is their own by default).
    for schema in doc["components"]["schemas"].values():
        agency = (schema.get("properties") or {}).get("agency_id") or {}
        if platform and "Required except for a platform admin" in (agency.get("description") or ""):
            schema.setdefault("allOf", []).append({
                "if": {"properties": {"role": {"const": "platform_admin"}}, "required": ["role"]},
                "else": {"required": ["agency_id"], "properties": {"agency_id": {"type": "string"}}}})
    # An import names its agency in the query: "Platform admins only", and required of them.
    for operations in doc["paths"].values():
        for parameter in (operations.get("post") or {}).get("parameters", []):
            if platform and parameter["name"] == "agency_id" and "Platform admins only" in parameter.get("description", ""):
                parameter["required"] = True
    return doc


if sys.argv[1:2] == ["--etags"]:
    base, admin, role, where, out = sys.argv[2:7]
    contract = sys.argv[7] if len(sys.argv) > 7 else None

    def read(path, token):
        return read_from(base, path, token)

    found = []
    picked = {}  # the first value of each dictionary chosen here
    chosen = json.load(open(where))
    caller = read("/api/v1/me", role)[1]
    me = (caller.get("employee") or {}).get("id")
    # An evaluation of the role's own, a draft if there is one (a realisation is the evaluated
    # employee's to state), with its agreement's indicators; the admin's choice otherwise.
    evaluation, indicators = chosen["evaluation"]  # the admin's; none on days the demo has none
    if evaluation:
        try:
            own = [e for e in read("/api/v1/evaluations?limit=200", role)[1]["items"] if me and e["employee_id"] == me]
            if own:
                pick = next((e for e in own if e["status"] == "draft"), own[0])
                agreement = read(f"/api/v1/agreements/{pick['agreement_id']}", role)[1]
                theirs = [i["id"] for r in agreement["planned_results"] for i in r["indicators"]]
                if theirs:
                    evaluation, indicators = pick["id"], theirs
        except urllib.error.HTTPError:
            pass  # a role that reads no evaluations: the admin's, which it meets as a 404
        found += ["[dictionaries.one_evaluation]", f"values = {json.dumps([evaluation])}", ""]
        picked["one_evaluation"] = evaluation
        if indicators:
            found += ["[dictionaries.evaluation_indicators]", f"values = {json.dumps(indicators)}", ""]
            picked["evaluation_indicators"] = indicators[0]
    for kind, (segment, admins, listed) in chosen["if_match"].items():
        record = admins
        if listed:
            try:
                items = read(f"/api/v1/{segment}?limit=1", role)[1]["items"]
                record = items[0]["id"] if items else admins
            except urllib.error.HTTPError:
                pass  # a list the role may not read: the admin's record, which it meets as a 404
        try:
            etag = read(f"/api/v1/{segment}/{record}", role)[0]
        except urllib.error.HTTPError:
            etag = read(f"/api/v1/{segment}/{record}", admin)[0]
        found += [f"[dictionaries.if_match_{kind}]", f"values = {json.dumps([record])}", "",
                  f"[dictionaries.etag_{kind}]", f"values = {json.dumps([etag])}", ""]
        picked.update({f"if_match_{kind}": record, f"etag_{kind}": etag})
    # The records a filter or a body names, as this role would name them: its own agency, and
    # for a role of another agency than the regency, its own employees, units and posts (the
    # object-level runs test that the regency's stay out of its reach).
    theirs = {}
    if caller.get("agency_id"):
        theirs["agencies"] = [caller["agency_id"]]
        if caller["agency_id"] != chosen["regency"]:
            for kind, segment in (("employees", "employees"), ("org_units", "org-units"), ("positions", "positions")):
                try:
                    values = [item["id"] for item in read(f"/api/v1/{segment}?limit=50", role)[1]["items"]]
                except urllib.error.HTTPError:
                    values = []
                if values:
                    theirs[kind] = values
    for kind, values in theirs.items():
        found += [f"[dictionaries.own_{kind}]", f"values = {json.dumps(values)}", ""]
    found.append("[parameters]")
    for key, kind in chosen["filters"].items():
        name = f"own_{kind}" if kind in theirs else kind
        found.append(f'"{key}" = {{ dictionary = "{name}", probability = {chosen["probability"]} }}')
    found.append("")
    with open(out, "w") as f:
        f.write("\n".join(found))
    if contract:
        # The records a request body names, as the role would name them: its own agency, itself,
        # a planned result and activity of its own logs; the admin's choice for the rest.
        examples = dict(chosen["examples"])
        examples.update({name: theirs[kind][0] for name, kind in chosen["named"].items() if kind in theirs})
        if me:
            examples["employee_id"] = me
            try:
                logs = [entry for entry in read("/api/v1/daily-logs?limit=200", role)[1]["items"] if entry["employee_id"] == me]
                examples.update(picked_from(logs, ("planned_result_id", "activity_id")))
            except urllib.error.HTTPError:
                pass  # a role that reads no logs: the admin's choice
        # A path's parameters (and If-Match) as the run binds them: the records chosen here, else
        # the first the role's own list of that kind shows, else the admin's first.
        own = {}
        for kind, segment in chosen["lists"].items():
            try:
                # Holidays and shifts take no `limit` (their queries refuse unknown parameters).
                query = "" if segment in ("holidays", "shifts") else "?limit=1"
                items = read(f"/api/v1/{segment}{query}", role)[1].get("items") or []
                if items and items[0].get("id"):
                    own[kind] = items[0]["id"]
            except (urllib.error.URLError, ValueError):
                pass  # a list the role may not read (or none answered): the admin's record
        parameters = {path: {key: picked.get(kind) or own.get(kind) or chosen["first"].get(kind) for key, kind in bound.items()}
                      for path, bound in chosen["paths"].items()}
        copy = json.dumps(as_caller(with_examples(yaml.safe_load(open("openapi.yaml")), examples, parameters), caller))
        with open(contract, "w") as f:  # made whole first: a failure leaves fuzz.sh's fallback as it was
            f.write(copy)
    sys.exit(0)

BASE, ADMIN, PLATFORM, OUT = sys.argv[1:5]
PER_KIND = 25
PROBABILITY = 0.8


def get(path, token=ADMIN):
    return read_from(BASE, path, token)[1]


def post(path, body, token=ADMIN):
    req = urllib.request.Request(
        BASE + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + token, "content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=120) as res:
        return json.load(res)


def ids(path, key="id", token=ADMIN):
    return [item[key] for item in get(path, token)["items"][:PER_KIND] if item.get(key)]


employees = get("/api/v1/employees?limit=200")["items"]
# Records of kinds the demo does not hold, made here so that their operations meet one: a draft
# allowance run of an earlier month, an integration key, an attendance machine and a leave.
today = datetime.date.today()
earlier = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1) - datetime.timedelta(days=1)  # two months back
post("/api/v1/allowance-runs", {"month": earlier.strftime("%Y-%m")})
post("/api/v1/integration-keys", {"name": "fuzz", "scopes": ["employees_read"]})
post("/api/v1/attendance-devices", {"serial_number": "FUZZ0001", "name": "Mesin fuzz", "allowed_sources": ["127.0.0.1"]})
post("/api/v1/absences", {"employee_id": employees[0]["id"], "kind": "leave", "starts_on": earlier.replace(day=2).isoformat(),
                          "ends_on": earlier.replace(day=3).isoformat(), "note": "fuzz"})
# A job: that run recomputed with `Prefer: respond-async` (202, the job's id in the body).
job_req = urllib.request.Request(
    BASE + "/api/v1/allowance-runs", data=json.dumps({"month": earlier.strftime("%Y-%m")}).encode(), method="POST",
    headers={"Authorization": "Bearer " + ADMIN, "content-type": "application/json", "prefer": "respond-async"},
)
with urllib.request.urlopen(job_req, timeout=60) as res:
    job_ids = [json.load(res)["id"]]
# And a job that makes a file: a year's SIASN export, likewise (so `/jobs/{id}/file` meets one).
year_id = get("/api/v1/performance-periods?limit=1")["items"][0]["id"]
export_req = urllib.request.Request(
    BASE + f"/api/v1/performance-periods/{year_id}/siasn-export", method="GET",
    headers={"Authorization": "Bearer " + ADMIN, "prefer": "respond-async"},
)
with urllib.request.urlopen(export_req, timeout=60) as res:
    job_ids.append(json.load(res)["id"])
agreements = ids("/api/v1/agreements?status=approved&limit=50")
kinds = {
    "agencies": ids("/api/v1/agencies?limit=50", token=PLATFORM),
    "employees": [e["id"] for e in employees[:PER_KIND]],
    "nips": [e["nip"] for e in employees[:PER_KIND]],
    "org_units": ids("/api/v1/org-units?limit=200"),
    "positions": ids("/api/v1/positions?limit=200"),
    "agreements": agreements,
    "daily_logs": ids("/api/v1/daily-logs?limit=200"),
    "evaluations": ids("/api/v1/evaluations?limit=200"),
    "evaluation_periods": ids("/api/v1/evaluation-periods?limit=50"),
    "performance_periods": ids("/api/v1/performance-periods?limit=50"),
    "goals": ids("/api/v1/organisational-goals?limit=200"),
    "runs": ids("/api/v1/allowance-runs?limit=50"),
    "holidays": [h["id"] for h in get("/api/v1/holidays")["items"][:PER_KIND]],
    "devices": ids("/api/v1/attendance-devices?limit=50"),
    "keys": ids("/api/v1/integration-keys?limit=50"),
    "grants": ids("/api/v1/role-grants?limit=50"),
    "acting": ids("/api/v1/acting-assignments?limit=50"),
    "accounts": ids("/api/v1/role-grants?limit=50", key="account_id"),
    "leave_requests": ids("/api/v1/leave-requests?limit=200"),
    "subscriptions": ids("/api/v1/webhook-subscriptions?limit=50"),
    "shifts": ids("/api/v1/shifts"),
    "jobs": job_ids,
    # A job's file: the export's (the run's job made none, which is a 404).
    "file_jobs": job_ids[1:],
}
# Absences and attendance events hang off an employee.
absences, events = [], []
for e in employees[:40]:
    absences += ids(f"/api/v1/employees/{e['id']}/absences?limit=5")
    events += ids(f"/api/v1/employees/{e['id']}/attendance-events?limit=5")
kinds["absences"] = absences[:PER_KIND]
kinds["attendance_events"] = events[:PER_KIND]
# Evidence files hang off a log: those of the first logs that have any.
files = []
for log_id in kinds["daily_logs"][:40]:
    files += ids(f"/api/v1/daily-logs/{log_id}/files")
kinds["files"] = files[:PER_KIND]
# One agreement with its planned results and indicators, and one evaluation with its indicators.
one = get(f"/api/v1/agreements/{agreements[0]}") if agreements else {"planned_results": []}
kinds["one_agreement"] = [one["id"]] if agreements else []
kinds["results"] = [r["id"] for r in one["planned_results"]]
kinds["indicators"] = [i["id"] for r in one["planned_results"] for i in r["indicators"]]
evaluation = get(f"/api/v1/evaluations/{kinds['evaluations'][0]}") if kinds["evaluations"] else None
kinds["one_evaluation"] = [evaluation["id"]] if evaluation else []
# An evaluation's indicators are those of the agreement it evaluates.
evaluated = get(f"/api/v1/agreements/{evaluation['agreement_id']}") if evaluation else {"planned_results": []}
kinds["evaluation_indicators"] = [i["id"] for r in evaluated["planned_results"] for i in r["indicators"]]
print("fuzz ids: " + ", ".join(f"{k} {len(v)}" for k, v in kinds.items()))
# These the demo (with the records made above) has on any day; an empty one means the demo or a
# list changed. The others depend on the date: no past quarter is evaluated from January to
# March, and on the 1st of January no day of the year has logs; an empty kind is left unbound.
required = ["agencies", "employees", "nips", "org_units", "positions", "agreements", "performance_periods", "runs",
            "devices", "keys", "absences", "grants", "one_agreement", "results", "indicators", "leave_requests",
            "subscriptions", "shifts", "jobs", "file_jobs"]
missing = [k for k in required if not kinds[k]]
if missing:
    sys.exit(f"fuzz ids: the demo gave no {', '.join(missing)}")
unbound = [k for k in kinds if not kinds[k]]
if unbound:
    print(f"fuzz ids: none today of {', '.join(unbound)}: their parameters stay random")

# Which dictionary each path's parameters draw from: by the path's first segment after /api/v1/.
by_collection = {
    "absences": "absences", "accounts": "accounts", "acting-assignments": "acting", "agencies": "agencies",
    "agreements": "agreements", "allowance-runs": "runs", "attendance-devices": "devices",
    "attendance-events": "attendance_events", "daily-logs": "daily_logs", "employees": "employees",
    "evaluation-periods": "evaluation_periods", "evaluations": "evaluations", "holidays": "holidays",
    "integration-keys": "keys", "integration": "runs", "org-units": "org_units", "organisational-goals": "goals",
    "performance-periods": "performance_periods", "positions": "positions", "role-grants": "grants",
    "leave-requests": "leave_requests", "webhook-subscriptions": "subscriptions", "shifts": "shifts",
    "files": "files", "jobs": "jobs",
}
filters = {
    "query.employee_id": "employees", "query.org_unit_id": "org_units", "query.position_id": "positions",
    "query.agency_id": "agencies", "query.period_id": "performance_periods",
    "query.performance_period_id": "performance_periods", "query.evaluation_period_id": "evaluation_periods",
    "query.parent_id": "org_units", "query.supervisor_position_id": "positions", "query.entity_id": "employees",
    "query.account_id": "accounts", "query.actor_account_id": "accounts", "query.nip": "nips",
    # The same records where a request body names them.
    "body.employee_id": "employees", "body.position_id": "positions", "body.org_unit_id": "org_units",
    "body.parent_id": "org_units", "body.supervisor_position_id": "positions", "body.agency_id": "agencies",
    "body.period_id": "performance_periods", "body.performance_period_id": "performance_periods",
    "body.evaluation_period_id": "evaluation_periods", "body.account_id": "accounts", "body.goal_id": "goals",
    "body.parent_result_id": "results",
}

# The record each id a request body may name stands for, as the example of that property in the
# fuzzer's copy of the contract (`--etags ... CONTRACT.json`): the first of its kind, and a planned
# result and an activity that logs name.
named = {
    "account_id": "accounts", "agency_id": "agencies", "employee_id": "employees",
    "evaluation_period_id": "evaluation_periods", "goal_id": "goals", "org_unit_id": "org_units",
    "parent_id": "org_units", "parent_result_id": "results", "performance_period_id": "performance_periods",
    "period_id": "performance_periods", "position_id": "positions", "supervisor_position_id": "positions",
    "shift_id": "shifts",
}
examples = {name: kinds[kind][0] for name, kind in named.items() if kinds[kind]}
examples.update(picked_from(get("/api/v1/daily-logs?limit=200")["items"], ("planned_result_id", "activity_id")))
# And the day a request names (a log's, a leave's, an absence's): the last weekday up to today in
# Jakarta, inside the demo's agreements and its open evaluation period (a made-up day is years off).
day = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=7)).date()
while day.weekday() >= 5:
    day -= datetime.timedelta(days=1)
examples.update({"date": day.isoformat(), "starts_on": day.isoformat(), "ends_on": day.isoformat()})


def toml(value):
    return json.dumps(value)  # TOML basic strings and arrays of them read as JSON does


doc = yaml.safe_load(open("openapi.yaml"))
lines = []
for name, values in kinds.items():
    if values and name not in ("one_evaluation", "evaluation_indicators"):  # chosen per run (--etags)
        lines += [f"[dictionaries.{name}]", f"values = {toml(values)}", ""]
# The examples and coverage phases build a path's ids and versions from the examples in the run's
# copy of the contract (`--etags ... CONTRACT.json`), and not from ids their responses showed,
# which schemathesis pairs with parameters by name alone (a unit's id as an agreement's: 404s).
for phase in ("examples", "coverage"):
    lines += [f"[phases.{phase}.extra-data-sources]", "responses = false", ""]
# The filters' bindings (`[parameters]`) are written per run by `--etags`: a role of another
# agency draws them from its own records.
bound_filters = {key: kind for key, kind in filters.items() if kinds[kind]}
bound = 0
etags = {}
# The list each kind of record has, for `--etags` to find the role's own first record of it: not
# accounts (the role's own would have its password reset in the runs, and signing in again fail),
# nor files (they are listed under their owner: a log, a leave request, an evaluation).
lists = {kind: segment for segment, kind in by_collection.items()
         if "get" in doc["paths"].get(f"/api/v1/{segment}", {}) and kind not in ("accounts", "files")}
paths = {}  # each path's bindings, as the examples of its parameters (`--etags ... CONTRACT.json`)


def takes_if_match(path):
    return any(p.get("name") == "If-Match" for op in doc["paths"][path].values() if isinstance(op, dict)
               for p in op.get("parameters", []))


for path in doc["paths"]:
    if "{" not in path:
        continue
    segment = path.split("/")[3]
    pairs = {}
    if "{id}" in path:
        if segment == "agreements" and ("{result_id}" in path or "{indicator_id}" in path):
            pairs["path.id"] = "one_agreement"
        elif segment == "evaluations" and "{indicator_id}" in path:
            pairs["path.id"] = "one_evaluation"
        elif segment == "jobs" and path.endswith("/file"):
            pairs["path.id"] = "file_jobs"
        else:
            pairs["path.id"] = by_collection[segment]
    if "{result_id}" in path:
        pairs["path.result_id"] = "results"
    if "{indicator_id}" in path:
        pairs["path.indicator_id"] = "evaluation_indicators" if segment == "evaluations" else "indicators"
    pairs = {k: v for k, v in pairs.items() if kinds[v]}
    if not pairs:
        continue
    bound += 1
    sure = {}
    if takes_if_match(path) and "path.id" in pairs:
        # A change that names the version it edits meets one record and that record's ETag as the
        # run starts, so it reaches the rules behind the precondition rather than only 412s: a
        # record of the role's own lists, unless the path's other ids belong to the admin's one.
        # Always that record, its ETag and its parts: a made-up id or version is refused before
        # any rule is asked.
        kind = pairs.pop("path.id")
        etags[kind] = (segment, kinds[kind][0], not kind.startswith("one_"))
        sure = {"path.id": f"if_match_{kind}", "header.If-Match": f"etag_{kind}"}
        sure.update({k: pairs.pop(k) for k in ("path.result_id", "path.indicator_id") if k in pairs})
    paths[path] = {**pairs, **sure}
    binding = ", ".join([f'"{k}" = {{ dictionary = "{v}", probability = {PROBABILITY} }}' for k, v in pairs.items()]
                        + [f'"{k}" = {{ dictionary = "{v}", probability = 1.0 }}' for k, v in sure.items()])
    lines += ["[[operations]]", f"include-path = {toml(path)}", f"parameters = {{ {binding} }}", ""]
with open(OUT, "w") as f:
    f.write("\n".join(lines))
# The kinds whose record and ETag `fuzz_ids.py --etags` chooses before each run.
with open(OUT + ".etags.json", "w") as f:
    json.dump({"if_match": etags, "evaluation": [next(iter(kinds["one_evaluation"]), None),
                                               kinds["evaluation_indicators"]],
               "examples": examples, "paths": paths, "lists": lists, "first": {kind: values[0] for kind, values in kinds.items() if values},
               "filters": bound_filters, "probability": PROBABILITY, "named": named, "regency": get("/api/v1/me")["agency_id"]}, f)
print(f"fuzz ids: {bound} paths bind their parameters to the demo's records ({OUT})")
