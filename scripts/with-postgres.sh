#!/usr/bin/env bash
# scripts/with-postgres.sh — run a command against a throw-away PostgreSQL cluster.
#
# Usage:
#   scripts/with-postgres.sh <command> [args...]
#
# What it does:
#   1. Locates the PostgreSQL server binaries (initdb, pg_ctl, postgres):
#        - if EKINERJA_PG_BIN_DIR is set, ONLY that directory is used
#          (set it to a non-existent dir to simulate "PostgreSQL missing");
#        - otherwise PATH is searched, then /usr/lib/postgresql/15/bin.
#      If they are not found, a loud warning is printed to stderr and
#        - with CI=true (or CI=1) the script exits 1 (never a silent skip in CI);
#        - otherwise it exits 0 WITHOUT running the command.
#   2. Creates a fresh cluster in a temp dir (initdb -U postgres --auth=trust
#      -E UTF8 --locale=C). When run as root the server runs as the `postgres`
#      OS user (via runuser) and the temp dir is created under /tmp and chowned
#      to postgres.
#   3. Starts it on a free port on 127.0.0.1 only (unix socket inside the temp
#      dir, fsync/synchronous_commit/full_page_writes off, max_connections=400;
#      with EKINERJA_PG_DURABLE=1 they stay on, as in production, for benchmarks).
#   4. Exports EKINERJA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/postgres
#      and EKINERJA_TEST_PG_CTL (a helper: `stop` or `start` the cluster, for a
#      database restart under load), and runs the command (in the foreground,
#      not exec'd).
#   4b. With EKINERJA_PG_REPLICA=1, also makes a streaming replica of it (pg_basebackup -R),
#      starts it as a hot standby on another free port, and exports
#      EKINERJA_TEST_READ_DATABASE_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres.
#   5. Always stops the cluster (and its replica) and removes the temp dir on exit (also on
#      failure, Ctrl-C, SIGTERM/SIGHUP) and exits with the command's status.
#      Note: a SIGTERM sent to this script alone is handled once the running
#      command has exited (bash defers traps while a foreground child runs);
#      Ctrl-C reaches the whole foreground process group, so it is immediate.
#   6. If the cluster cannot be initialised or started, the relevant log is
#      printed and the script exits non-zero (without running the command).
#
# Environment:
#   EKINERJA_PG_BIN_DIR  directory holding initdb/pg_ctl/postgres (optional)
#   EKINERJA_PG_REPLICA  "1" also starts a streaming replica (needs pg_basebackup beside initdb)
#   EKINERJA_PG_DURABLE  "1" keeps fsync, synchronous_commit and full_page_writes on (the
#                        defaults of a production server), for benchmarks that name fsync on
#   CI                   "true"/"1" turns a missing PostgreSQL into a failure
#   TMPDIR               parent of the temp dir when not running as root
set -euo pipefail

prog="with-postgres.sh"

if [[ $# -eq 0 ]]; then
    echo "usage: $0 <command> [args...]" >&2
    exit 2
fi

is_ci() {
    case "${CI:-}" in
        true | TRUE | True | 1) return 0 ;;
        *) return 1 ;;
    esac
}

# ---------------------------------------------------------------------------
# 1. Locate the server binaries.
# ---------------------------------------------------------------------------
INITDB=""
PG_CTL=""
POSTGRES=""

find_in_dir() { # dir
    local d="$1"
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
        INITDB="$d/initdb"
        PG_CTL="$d/pg_ctl"
        POSTGRES="$d/postgres"
        return 0
    fi
    return 1
}

if [[ -n "${EKINERJA_PG_BIN_DIR:-}" ]]; then
    find_in_dir "$EKINERJA_PG_BIN_DIR" || true
else
    if command -v initdb >/dev/null 2>&1 &&
        command -v pg_ctl >/dev/null 2>&1 &&
        command -v postgres >/dev/null 2>&1; then
        INITDB="$(command -v initdb)"
        PG_CTL="$(command -v pg_ctl)"
        POSTGRES="$(command -v postgres)"
    else
        find_in_dir /usr/lib/postgresql/15/bin || true
    fi
fi

if [[ -z "$INITDB" ]]; then
    {
        echo
        echo "################################################################################"
        echo "##"
        echo "##  WARNING: PostgreSQL not found: the PostgreSQL half of the test suite is"
        echo "##           NOT being run!"
        echo "##"
        echo "##  $prog needs the PostgreSQL 15 server binaries initdb, pg_ctl and"
        if [[ -n "${EKINERJA_PG_BIN_DIR:-}" ]]; then
            echo "##  postgres in EKINERJA_PG_BIN_DIR=$EKINERJA_PG_BIN_DIR"
        else
            echo "##  postgres on PATH or in /usr/lib/postgresql/15/bin"
        fi
        echo "##  (e.g. apt-get install postgresql-15, or set EKINERJA_PG_BIN_DIR)."
        echo "##"
        if is_ci; then
            echo "##  CI=${CI} -> this is a FAILURE."
        else
            echo "##  Not in CI -> skipping: $*"
        fi
        echo "##"
        echo "################################################################################"
        echo
    } >&2
    if is_ci; then
        exit 1
    fi
    exit 0
fi

# ---------------------------------------------------------------------------
# 2. Temp dir, running as the right user.
# ---------------------------------------------------------------------------
AS_ROOT=0
if [[ "$(id -u)" -eq 0 ]]; then
    AS_ROOT=1
    if ! id -u postgres >/dev/null 2>&1; then
        echo "$prog: running as root but there is no 'postgres' OS user to run the server as" >&2
        exit 1
    fi
    RUNUSER="$(command -v runuser 2>/dev/null || true)"
    for cand in /usr/sbin/runuser /sbin/runuser; do
        [[ -n "$RUNUSER" ]] && break
        [[ -x "$cand" ]] && RUNUSER="$cand"
    done
    if [[ -z "$RUNUSER" ]]; then
        echo "$prog: running as root but 'runuser' is not available" >&2
        exit 1
    fi
    # /tmp is world-traversable, so the postgres user can reach the dir.
    TMP_DIR="$(mktemp -d /tmp/ekinerja-pg.XXXXXX)"
    chown postgres: "$TMP_DIR"
else
    TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ekinerja-pg.XXXXXX")"
fi

DATA_DIR="$TMP_DIR/data"
LOG_FILE="$TMP_DIR/server.log"
REPLICA_DIR="$TMP_DIR/replica"
REPLICA_LOG="$TMP_DIR/replica.log"
SERVER_STARTED=0
PORT=""

# Run a PostgreSQL tool as the server's OS user, from inside the temp dir
# (the postgres user may not be able to access the caller's cwd).
as_pg() {
    if [[ $AS_ROOT -eq 1 ]]; then
        (cd "$TMP_DIR" && "$RUNUSER" -u postgres -- "$@")
    else
        (cd "$TMP_DIR" && "$@")
    fi
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM HUP
    if [[ -f "$REPLICA_DIR/postmaster.pid" ]]; then
        as_pg "$PG_CTL" -D "$REPLICA_DIR" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            kill -9 "$(head -n 1 "$REPLICA_DIR/postmaster.pid" 2>/dev/null)" 2>/dev/null
    fi
    if [[ $SERVER_STARTED -eq 1 || -f "$DATA_DIR/postmaster.pid" ]]; then
        if ! as_pg "$PG_CTL" -D "$DATA_DIR" -m immediate -w -t 30 stop >/dev/null 2>&1; then
            # Last resort: kill the postmaster we started, by its pid.
            if [[ -f "$DATA_DIR/postmaster.pid" ]]; then
                local pid
                pid="$(head -n 1 "$DATA_DIR/postmaster.pid" 2>/dev/null)"
                if [[ "$pid" =~ ^[0-9]+$ ]]; then
                    kill -9 "$pid" 2>/dev/null
                    sleep 0.5
                fi
            fi
        fi
    fi
    rm -rf "$TMP_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------------------
# initdb
# ---------------------------------------------------------------------------
if ! as_pg "$INITDB" -D "$DATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C \
    --no-sync >"$TMP_DIR/initdb.log" 2>&1; then
    echo "$prog: initdb failed; output:" >&2
    cat "$TMP_DIR/initdb.log" >&2 || true
    exit 1
fi

# Settings (everything but the port, which is passed on the command line so
# that it can change between start attempts).
sock_dir_escaped="${TMP_DIR//\'/\'\'}"
cat >>"$DATA_DIR/postgresql.conf" <<EOF

# --- added by scripts/with-postgres.sh (throw-away test cluster) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock_dir_escaped'
max_connections = 400
EOF
if [ "${EKINERJA_PG_DURABLE:-}" = "1" ]; then
    echo "$prog: a durable cluster: fsync, synchronous_commit and full_page_writes on" >&2
else
    # A throw-away cluster for tests need not survive a power cut.
    cat >>"$DATA_DIR/postgresql.conf" <<EOF
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
fi

# ---------------------------------------------------------------------------
# 3. Pick a free port and start the server.
# ---------------------------------------------------------------------------
pick_port() {
    local p
    if command -v python3 >/dev/null 2>&1 &&
        p="$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null)" && [[ "$p" =~ ^[0-9]+$ ]]; then
        echo "$p"
        return 0
    fi
    # Fallback: random ports where nothing answers on 127.0.0.1.
    local i
    for i in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

attempt=0
max_attempts=5
while :; do
    attempt=$((attempt + 1))
    if ! PORT="$(pick_port)"; then
        echo "$prog: could not find a free TCP port on 127.0.0.1" >&2
        exit 1
    fi
    : >"$LOG_FILE"
    [[ $AS_ROOT -eq 1 ]] && chown postgres: "$LOG_FILE"
    SERVER_STARTED=1
    if as_pg "$PG_CTL" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 \
        -o "-c port=$PORT" start >"$TMP_DIR/pg_ctl.log" 2>&1; then
        break
    fi
    # Lost a race for the port? Try another one.
    if [[ $attempt -lt $max_attempts ]] &&
        grep -qiE 'could not bind|address already in use' "$LOG_FILE" 2>/dev/null &&
        [[ ! -f "$DATA_DIR/postmaster.pid" ]]; then
        echo "$prog: port $PORT was taken, retrying with another port" >&2
        continue
    fi
    {
        echo "$prog: failed to start PostgreSQL on 127.0.0.1:$PORT"
        echo "---- pg_ctl output ----"
        cat "$TMP_DIR/pg_ctl.log" 2>/dev/null || true
        echo "---- server log ($LOG_FILE) ----"
        cat "$LOG_FILE" 2>/dev/null || true
        echo "-------------------------------"
    } >&2
    exit 1
done

# Belt and braces: wait until it accepts connections on TCP.
if command -v pg_isready >/dev/null 2>&1; then
    ready=0
    for _ in $(seq 1 100); do
        if pg_isready -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; then
            ready=1
            break
        fi
        sleep 0.1
    done
    if [[ $ready -ne 1 ]]; then
        {
            echo "$prog: PostgreSQL on 127.0.0.1:$PORT did not become ready"
            echo "---- server log ($LOG_FILE) ----"
            cat "$LOG_FILE" 2>/dev/null || true
            echo "-------------------------------"
        } >&2
        exit 1
    fi
fi

# ---------------------------------------------------------------------------
# 4b. A streaming replica, when asked for.
# ---------------------------------------------------------------------------
if [[ "${EKINERJA_PG_REPLICA:-}" == "1" ]]; then
    BASEBACKUP="$(dirname "$INITDB")/pg_basebackup"
    [[ -x "$BASEBACKUP" ]] || BASEBACKUP="$(command -v pg_basebackup || true)"
    if [[ -z "$BASEBACKUP" ]]; then
        echo "$prog: EKINERJA_PG_REPLICA=1 but pg_basebackup is not installed" >&2
        exit 1
    fi
    if ! as_pg "$BASEBACKUP" -h 127.0.0.1 -p "$PORT" -U postgres -D "$REPLICA_DIR" -R -X stream -c fast \
        --no-sync >"$TMP_DIR/basebackup.log" 2>&1; then
        echo "$prog: pg_basebackup failed; output:" >&2
        cat "$TMP_DIR/basebackup.log" >&2 || true
        exit 1
    fi
    if ! REPLICA_PORT="$(pick_port)"; then
        echo "$prog: could not find a free TCP port on 127.0.0.1 for the replica" >&2
        exit 1
    fi
    : >"$REPLICA_LOG"
    [[ $AS_ROOT -eq 1 ]] && chown postgres: "$REPLICA_LOG"
    if ! as_pg "$PG_CTL" -D "$REPLICA_DIR" -l "$REPLICA_LOG" -w -t 60 \
        -o "-c port=$REPLICA_PORT -c hot_standby=on" start >"$TMP_DIR/pg_ctl_replica.log" 2>&1; then
        {
            echo "$prog: failed to start the replica on 127.0.0.1:$REPLICA_PORT"
            cat "$TMP_DIR/pg_ctl_replica.log" "$REPLICA_LOG" 2>/dev/null || true
        } >&2
        exit 1
    fi
    export EKINERJA_TEST_READ_DATABASE_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres"
    echo "$prog: its streaming replica on port $REPLICA_PORT: EKINERJA_TEST_READ_DATABASE_URL=$EKINERJA_TEST_READ_DATABASE_URL" >&2
fi

# ---------------------------------------------------------------------------
# 4. Run the command.
# ---------------------------------------------------------------------------
export EKINERJA_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"

# A helper to stop and start this cluster from the command (a database restart under load):
#   "$EKINERJA_TEST_PG_CTL" stop    # fast shutdown: sessions are ended, as an operator's restart does
#   "$EKINERJA_TEST_PG_CTL" start   # on the same port
PG_CTL_HELPER="$TMP_DIR/pg-ctl"
{
    echo '#!/usr/bin/env bash'
    echo 'set -euo pipefail'
    if [[ $AS_ROOT -eq 1 ]]; then
        printf 'as_pg() { (cd %q && %q -u postgres -- "$@"); }\n' "$TMP_DIR" "$RUNUSER"
    else
        printf 'as_pg() { (cd %q && "$@"); }\n' "$TMP_DIR"
    fi
    printf 'case "${1:-}" in\n'
    printf '  stop) as_pg %q -D %q -m fast -w -t 60 stop ;;\n' "$PG_CTL" "$DATA_DIR"
    printf '  start) as_pg %q -D %q -l %q -w -t 60 -o %q start ;;\n' "$PG_CTL" "$DATA_DIR" "$LOG_FILE" "-c port=$PORT"
    printf '  *) echo "usage: $0 stop|start" >&2; exit 2 ;;\n'
    printf 'esac\n'
} >"$PG_CTL_HELPER"
chmod 755 "$PG_CTL_HELPER"
export EKINERJA_TEST_PG_CTL="$PG_CTL_HELPER"
echo "$prog: throw-away PostgreSQL on port $PORT: EKINERJA_TEST_DATABASE_URL=$EKINERJA_TEST_DATABASE_URL" >&2

status=0
"$@" || status=$?

# 5. cleanup (EXIT trap) stops the cluster, removes the temp dir and
#    preserves this exit status.
exit "$status"
