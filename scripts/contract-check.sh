#!/usr/bin/env bash
# Checks the committed openapi.yaml with tools no one here wrote (issue 9):
#   1. Redocly's linter with its recommended rules (contract/redocly.yaml): no errors;
#   2. openapi-typescript generates a TypeScript client's types from it, and the client kit
#      (contract/src/sdk.ts, on openapi-fetch), the flows that drive it (contract/src/flows.ts)
#      and a frontend's typed use (contract/client.ts) compile under `tsc --strict`.
# The tools' exact versions are pinned in contract/package-lock.json and installed with `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/../contract"
. ../scripts/lib/contract_tools.sh
contract_tools
echo "==> Redocly lint of openapi.yaml"
node_modules/.bin/redocly lint ../openapi.yaml --config redocly.yaml --format=stylish
echo "==> openapi-typescript client types; the client kit compiled with tsc"
contract_build
echo "contract-check: openapi.yaml lints clean and its TypeScript client kit compiles"
