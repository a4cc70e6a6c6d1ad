# Sourced by contract-check.sh and client_flows.sh. `contract_tools` installs the contract's
# pinned npm tools once per lock file (contract/package-lock.json, `npm ci`);
# `contract_build` generates the client's types from openapi.yaml with openapi-typescript and
# compiles the client kit with `tsc --strict` into contract/dist (a type error fails it).
# Both run in contract/.

contract_tools() {
    if ! command -v npm >/dev/null 2>&1; then
        echo "$(basename "$0"): npm (Node.js) is not installed: the contract checks and the client kit cannot run" >&2
        exit 1
    fi
    export NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
    if ! cmp -s package-lock.json node_modules/.installed-lock.json 2>/dev/null; then
        npm ci --no-audit --no-fund --loglevel=error
        cp package-lock.json node_modules/.installed-lock.json
    fi
}

contract_build() {
    node_modules/.bin/openapi-typescript ../openapi.yaml --output generated/api.d.ts
    rm -rf dist
    node_modules/.bin/tsc -p .
}
