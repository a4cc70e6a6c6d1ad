# Sourced by scripts that drive a live demo server (fuzz.sh, client_flows.sh):
#   start_demo_server WORK [VAR=value ...]
# builds nothing; starts ./target/debug/ekinerja on a throw-away SQLite database in WORK with the
# demo regency, on a free loopback port, with any extra environment given; waits until /readyz
# answers, and sets `base` (the URL) and `server` (the pid). The caller's EXIT trap stops it:
#   trap 'stop_demo_server; rm -rf "$work"' EXIT
# Then `login_of 'a staff member'` is a demo login as the server printed it, and
# `demo_password` the password of all of them.

start_demo_server() {
    local work="$1"
    shift
    local port
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    base="http://127.0.0.1:$port"
    demo_log="$work/server.log"
    env DATABASE_URL="sqlite://$work/demo.db" EKINERJA_SEED_DEMO=1 EKINERJA_BIND="127.0.0.1:$port" \
        EKINERJA_JWT_SECRET="$(head -c 48 /dev/urandom | base64)" RUST_LOG=error "$@" \
        ./target/debug/ekinerja serve >"$demo_log" 2>&1 &
    server=$!
    local _
    for _ in $(seq 1 600); do # loading the demo regency takes a minute or more on a slow machine
        curl -sf "$base/readyz" >/dev/null 2>&1 && return 0
        if ! kill -0 "$server" 2>/dev/null; then
            cat "$demo_log" >&2
            echo "$(basename "$0"): the demo server did not start" >&2
            exit 1
        fi
        sleep 1
    done
    tail -c 4000 "$demo_log" >&2
    echo "$(basename "$0"): the demo server was not ready after 600 s" >&2
    exit 1
}

stop_demo_server() {
    if [ -n "${server:-}" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
}

# A demo login by the words the server printed beside it.
login_of() { grep -m1 "$1" "$demo_log" | sed 's/ ([^)]*)$//' | awk '{print $NF}'; }

demo_password() { grep -m1 'password for all' "$demo_log" | sed 's/.*password for all: \(.*\)):.*/\1/'; }
