#!/usr/bin/env bash
# Checks the committed openapi.yaml with tools no one here wrote (issue 9):
#   1. Redocly's linter with its recommended rules (contract/redocly.yaml): no errors;
#   2. openapi-typescript generates a TypeScript client's types from it, and contract/client.ts,
#      a frontend's typed use of them, type-checks under `tsc --strict`.
# The tools' exact versions are pinned in contract/package-lock.json and installed with `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/../contract"

if ! command -v npm >/dev/null 2>&1; then
    echo "contract-check: npm (Node.js) is not installed: the OpenAPI lint and the TypeScript client check cannot run" >&2
    exit 1
fi
export NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
# Install the pinned tools once per lock file.
if ! cmp -s package-lock.json node_modules/.installed-lock.json 2>/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.installed-lock.json
fi
echo "==> Redocly lint of openapi.yaml"
node_modules/.bin/redocly lint ../openapi.yaml --config redocly.yaml --format=stylish
echo "==> openapi-typescript client types, type-checked with tsc"
node_modules/.bin/openapi-typescript ../openapi.yaml --output generated/api.d.ts
node_modules/.bin/tsc -p .
echo "contract-check: openapi.yaml lints clean and its TypeScript client type-checks"
