#!/usr/bin/env bash
# scripts/container_check.sh: build the image (Dockerfile) and start it, alone on SQLite and with
# PostgreSQL 15 (compose.yaml): it must become healthy through its own health check, run as a
# user other than root, stay small, and answer /readyz on the published port.
#
# Where no container engine answers (`docker info` fails; these CI machines have only the client),
# it says so loudly and is skipped: it never passes without having built the image.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
    {
        echo
        echo "################################################################################"
        echo "##"
        echo "##  SKIPPED: container check. No container engine answers here"
        echo "##  ($(command -v docker >/dev/null 2>&1 && echo 'docker is only a client: no daemon' || echo 'no docker command'))."
        echo "##  The Dockerfile and compose.yaml were NOT built or started by this run."
        echo "##  Run scripts/container_check.sh where Docker runs."
        echo "##"
        echo "################################################################################"
        echo
    } >&2
    exit 0
fi

image="ekinerja:check-$$"
secret="container-check-secret-container-check!"
name="ekinerja-check-$$"
project="ekinerja-check-$$"
cleanup() {
    docker rm -f "$name" >/dev/null 2>&1 || true
    POSTGRES_PASSWORD=x EKINERJA_JWT_SECRET="$secret" docker compose -p "$project" down -v >/dev/null 2>&1 || true
    docker rmi "$image" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "==> docker build"
docker build -q -t "$image" . >/dev/null

size=$(docker image inspect -f '{{.Size}}' "$image")
echo "container-check: the image is $((size / 1024 / 1024)) MiB"
[[ $size -lt $((200 * 1024 * 1024)) ]] || { echo "container-check: the image is over 200 MiB" >&2; exit 1; }
uid=$(docker run --rm --entrypoint id "$image" -u)
[[ "$uid" != "0" ]] || { echo "container-check: the image runs as root" >&2; exit 1; }
echo "container-check: runs as uid $uid"

# Production settings without a secret stop start-up.
if docker run --rm "$image" >/dev/null 2>&1; then
    echo "container-check: the image started without EKINERJA_JWT_SECRET" >&2
    exit 1
fi

echo "==> docker run (SQLite in the /data volume)"
docker run -d --name "$name" -e EKINERJA_JWT_SECRET="$secret" -p 127.0.0.1::8080 "$image" >/dev/null
for _ in $(seq 1 60); do
    health=$(docker inspect -f '{{.State.Health.Status}}' "$name")
    [[ "$health" == healthy ]] && break
    sleep 2
done
[[ "$health" == healthy ]] || { docker logs "$name" | tail -20 >&2; echo "container-check: not healthy: $health" >&2; exit 1; }
port=$(docker port "$name" 8080/tcp | head -1 | sed 's/.*://')
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null
docker logs "$name" 2>&1 | python3 -c 'import json, sys; [json.loads(l) for l in sys.stdin if l.strip()]'
echo "container-check: healthy on SQLite, /readyz answers on port $port, every log line is JSON"

echo "==> docker compose (PostgreSQL 15)"
export POSTGRES_PASSWORD="container-check-db-password" EKINERJA_JWT_SECRET="$secret"
docker compose -p "$project" up --build --wait -d
curl -sf "http://127.0.0.1:8080/readyz" >/dev/null
echo "container-check: compose is healthy on PostgreSQL, /readyz answers on 127.0.0.1:8080"
