#!/usr/bin/env bash
# Evidence files in S3-compatible object storage (issue 21), end to end against the real binary:
# a moto server (PyPI) stands in for MinIO or a data centre's S3. See scripts/s3_check.py.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/s3-venv
if [ ! -x "$venv/bin/moto_server" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.1'
fi
cargo build -q -p ekinerja-api --bin ekinerja
exec "$venv/bin/python" scripts/s3_check.py
