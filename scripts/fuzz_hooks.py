"""Schemathesis hooks of scripts/fuzz.sh (loaded through SCHEMATHESIS_HOOKS).

An idempotency key names one request, and a log's `client_id` one log: a client makes a new one
for each request or log it means, and sends it again only with the same body, to retry. The
fuzzer's generators send the same few of them with every body of an operation (the coverage phase
builds all its bodies on one template), and the server rightly refuses one reused with another
body (422 for a key, 409 for a log's id, as the API conventions say), so most of its cases met that
refusal and never the rules behind it. Here each well-formed key and log id a request carries is
made anew for it; a malformed one is sent as generated, to be refused. (So the fuzzer sends no
replay: the suite tests those, `an_idempotency_key_replays_and_refuses_another_body` and the batch
retries.)
"""
import re
import uuid

import schemathesis

KEY = re.compile(r"[!-~]{1,255}")  # the Idempotency-Key header's pattern and length in openapi.yaml
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def fresh_log_ids(value):
    """`value` (a log, a batch of them, or anything else) with each well-formed `client_id` new."""
    if isinstance(value, dict):
        return {k: str(uuid.uuid4()) if k == "client_id" and isinstance(v, str) and UUID.fullmatch(v)
                else fresh_log_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fresh_log_ids(v) for v in value]
    return value


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name, value in headers.items():
        if name.lower() == "idempotency-key" and isinstance(value, str) and KEY.fullmatch(value):
            headers[name] = f"fuzz-{uuid.uuid4().hex}"
    if "/daily-logs" in case.operation.path and case.method.upper() == "POST":
        body = fresh_log_ids(case.body)
        if body != case.body:
            case.body = body
