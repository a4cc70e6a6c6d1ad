# e-Kinerja: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

DATABASE_URL ?= sqlite://ekinerja.db
export DATABASE_URL

# cargo-nextest runs each test in its own process (fast, isolated); plain cargo test otherwise.
TEST_RUNNER := $(shell cargo nextest --version >/dev/null 2>&1 && echo "cargo nextest run --workspace --no-fail-fast" || echo "cargo test --workspace --no-fail-fast")

.PHONY: run test test-sqlite test-postgres lint contract fuzz fuzz-short client-flows crash-check ops-check s3-check container-check two-instances replica-check fmt openapi migrate seed-demo release clean-db bench

## run: build, migrate the SQLite file, load the demo regency when the database is empty, serve on 127.0.0.1:8080
run:
	cargo build -p ekinerja-api --bin ekinerja
	EKINERJA_SEED_DEMO=1 ./target/debug/ekinerja serve

## test: lint (Rust and the OpenAPI contract), the whole suite on SQLite and on a throw-away PostgreSQL cluster,
## then a short schemathesis run against a live demo server as each role, each user's main path through the
## TypeScript client kit against a live demo server, the SIGKILL crash check on both engines,
## the operations check, evidence files in S3-compatible storage, the container check (skipped, loudly, where no
## container engine runs), two server processes on one PostgreSQL, and reports on a streaming replica
test: lint contract test-sqlite test-postgres fuzz-short client-flows crash-check ops-check s3-check container-check two-instances replica-check

test-sqlite:
	@echo "==> test suite on SQLite"
	env -u EKINERJA_TEST_DATABASE_URL $(TEST_RUNNER)

test-postgres:
	@echo "==> test suite on PostgreSQL"
	scripts/with-postgres.sh $(TEST_RUNNER)

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## contract: Redocly lints openapi.yaml, and the TypeScript client kit generated from it compiles (npm)
contract:
	scripts/contract-check.sh

## fuzz-short / fuzz: schemathesis (PyPI) over every operation of openapi.yaml: first its object-level authorization
## check between peers who must not see each other's objects, then as each demo role; the demo's real ids are in its
## configuration (scripts/fuzz_ids.py), so operations meet real objects and not only 404s
fuzz-short:
	scripts/fuzz.sh short

fuzz:
	scripts/fuzz.sh long

## client-flows: each user's main path through the TypeScript client kit (contract/src/flows.ts) against a live
## demo server: a phone's offline batch and its retries, the supervisor's review from /me/tasks, the change feed,
## an allowance run computed, approved and exported for payroll, signed e-Presensi pushes
client-flows:
	scripts/client_flows.sh

## crash-check: unsafe production settings stop start-up; SIGKILL the server during a write load, restart it, and find every acknowledged write (SQLite, then PostgreSQL);
## a webhook delivery survives a SIGKILL between its commit and its send, and one cut mid-send is sent again under its webhook-id;
## on PostgreSQL, stop and start the database under a write load: only 201 or a prompt 503, reconnection, no acknowledged write lost
crash-check:
	cargo build -q -p ekinerja-api --bin ekinerja
	@echo "==> crash check on SQLite"
	python3 scripts/crash_check.py
	@echo "==> crash check on PostgreSQL"
	scripts/with-postgres.sh python3 scripts/crash_check.py

## ops-check: a live server with JSON logs and metrics on their own address: every output line is JSON with its
## request id, /metrics counts the traffic (the API address answers 404), and a backup taken under write load restores
ops-check:
	cargo build -q -p ekinerja-api --bin ekinerja
	python3 scripts/ops_check.py

## s3-check: evidence files in S3-compatible object storage (a moto server from PyPI stands in for MinIO): an uploaded
## photo lands in the bucket without its metadata and is served back from there; with the storage gone, an upload
## answers 503 and records nothing
s3-check:
	scripts/s3_check.sh

## container-check: build the image and start it on SQLite and, with compose, on PostgreSQL 15; healthy, not root,
## small. Says so loudly and skips where no container engine runs
container-check:
	scripts/container_check.sh

## two-instances: two server processes on one PostgreSQL agree on idempotency and refresh-token rotation
two-instances:
	cargo build -q -p ekinerja-api --bin ekinerja
	scripts/with-postgres.sh python3 scripts/two_instances.py

## replica-check: reports served by a PostgreSQL streaming replica (pg_basebackup) never miss an acknowledged write,
## and go to the primary while the replica lags, is gone or is no replica
replica-check:
	EKINERJA_PG_REPLICA=1 scripts/with-postgres.sh cargo test -q -p ekinerja-tests --test api replica:: -- --include-ignored

fmt:
	cargo fmt --all

## openapi: regenerate the committed openapi.yaml from the code
openapi:
	cargo run -q -p ekinerja-api --bin ekinerja -- openapi > openapi.yaml

migrate:
	cargo run -q -p ekinerja-api --bin ekinerja -- migrate

seed-demo:
	cargo run -q -p ekinerja-api --bin ekinerja -- seed-demo

## bench: the benchmark figures on SQLite and PostgreSQL, each next to its baseline (release build)
bench:
	cargo build --release -p ekinerja-bench -p ekinerja-api
	@echo "==> benchmarks on SQLite"
	env -u EKINERJA_TEST_DATABASE_URL ./target/release/ekinerja-bench
	@echo "==> benchmarks on PostgreSQL (a throw-away cluster, fsync off)"
	scripts/with-postgres.sh ./target/release/ekinerja-bench --only cascade,attendance,analysis
	@echo "==> daily-log creates on PostgreSQL with fsync on (both baselines on the same durable cluster)"
	EKINERJA_PG_DURABLE=1 scripts/with-postgres.sh ./target/release/ekinerja-bench --only daily-logs
	@echo "==> the largest agencies' size: 100,000 employees, on SQLite, then PostgreSQL (fsync off)"
	env -u EKINERJA_TEST_DATABASE_URL ./target/release/ekinerja-bench --employees 100000 --runs 1 --only cascade,attendance,analysis
	scripts/with-postgres.sh ./target/release/ekinerja-bench --employees 100000 --runs 1 --only cascade,attendance,analysis

## release: an optimised binary at target/release/ekinerja
release:
	cargo build --release -p ekinerja-api --bin ekinerja

## clean-db: delete the local SQLite database (demo data reloads on the next `make run`)
clean-db:
	rm -f ekinerja.db ekinerja.db-wal ekinerja.db-shm
