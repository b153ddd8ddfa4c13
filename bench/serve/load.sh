#!/usr/bin/env bash
# Load benchmark of `demarc serve`: the matrix page of a 15 × 10 model (15 responsibilities,
# 10 services) and the API (reads; writes with the audit log), at 50 and 200 concurrent
# clients, on SQLite and on PostgreSQL, on loopback, each run bounded in time.
#
#   bench/serve/load.sh                 # SECONDS_PER_RUN=10 by default
#   SKIP_BUILD=1 bench/serve/load.sh    # reuse the release build
#   PG_URL=postgres://postgres@127.0.0.1:5432/test bench/serve/load.sh   (the default; PG_URL= to skip)
#
# The load generator is crates/demarc-server/examples/load.rs (tokio + reqwest). Everything
# it makes goes under target/bench-serve. Figures: docs/performance.md#the-workshop-server.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${BENCH_DIR:-$root/target/bench-serve}
secs=${SECONDS_PER_RUN:-10}
pg=${PG_URL-postgres://postgres@127.0.0.1:5432/test}
rm -rf "$work" && mkdir -p "$work"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "== building (release)" >&2
    # One target selection per build: `--example` would apply to every package given.
    (cd "$root" && cargo build --release -q -p demarc-cli \
        && cargo build --release -q -p demarc-server --example load \
        && cargo build --release -q -p demarc-formats --example synth)
fi
bin=$root/target/release
demarc=$bin/demarc
load=$bin/examples/load

"$bin/examples/synth" --suppliers 4 --services 10 --responsibilities 15 --chain-depth 2 "$work/model" >/dev/null
password=bench-password-long-enough

urls=("$work/bench.db")
if [ -n "$pg" ]; then
    schema=bench_$(date +%s)
    psql "$pg" -qc "CREATE SCHEMA $schema" >/dev/null
    urls+=("$pg?options=-c%20search_path%3D$schema")
fi

printf '%s\n' "$("$demarc" --version) ($(cd "$root" && git rev-parse --short HEAD)); $(nproc) cores; $(date -u +%Y-%m-%d)"
printf 'database\tscenario\tclients\treq/s\tp50\tp99\tok\terrors\tconflicts\n'
for url in "${urls[@]}"; do
    label=sqlite; [[ $url == postgres* ]] && label=postgres
    DEMARC_PASSWORD=$password "$demarc" user add --database "$url" --email bench@example.org --name Bench >/dev/null
    ws=$("$demarc" workspace import --database "$url" "$work/model" --owner bench@example.org | cut -f1)
    token=$("$demarc" workspace token --database "$url" "$ws" --name load --role editor 2>/dev/null)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$demarc" serve --database "$url" --listen "127.0.0.1:$port" --today 2026-11-23 >"$work/serve-$label.log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null || true' EXIT
    for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
    for scenario in matrix api-read api-write; do
        for clients in 50 200; do
            line=$("$load" --base "http://127.0.0.1:$port" --email bench@example.org --password "$password" \
                --workspace "$ws" --token "$token" --scenario "$scenario" --clients "$clients" --seconds "$secs")
            printf '%s\t%s\n' "$label" "$line"
        done
    done
    "$demarc" audit verify --database "$url" | sed "s/^/$label: /" >&2
    kill $pid; wait $pid 2>/dev/null || true
done
if [ -n "$pg" ]; then psql "$pg" -qc "DROP SCHEMA $schema CASCADE" >/dev/null; fi
