#!/usr/bin/env bash
# Browser tests of the workshop: start `demarc serve` on an empty database in a temporary
# folder, wait until it is ready, run the Playwright tests against it with Debian's chromium,
# and stop the server whatever happens. Exits non-zero on any failure.
#
#   e2e/run.sh                     # uses ../target/debug/demarc (relative to e2e/)
#   DEMARC_BIN=path/to/demarc e2e/run.sh
#
# Optional: E2E_PORT (default: a free port), CHROMIUM_PATH (default /usr/bin/chromium),
# E2E_SCREENSHOTS (default e2e/screenshots).
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEMARC_BIN="${DEMARC_BIN:-$E2E_DIR/../target/debug/demarc}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

say() { printf 'e2e: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$DEMARC_BIN" ] || die "no demarc binary at $DEMARC_BIN: build it (cargo build -p demarc-cli) or set DEMARC_BIN"
DEMARC_BIN="$(cd "$(dirname "$DEMARC_BIN")" && pwd)/$(basename "$DEMARC_BIN")"
command -v node >/dev/null || die "node is missing (apt-get install -y nodejs npm)"
command -v npm >/dev/null || die "npm is missing (apt-get install -y npm)"

if [ ! -x "$CHROMIUM_PATH" ]; then
  # Playwright cannot download its own browsers here: Debian's chromium is the one to use.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium"
    apt-get update -qq </dev/null >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null >/dev/null
  fi
  [ -x "$CHROMIUM_PATH" ] || die "no chromium at $CHROMIUM_PATH: apt-get install -y chromium"
fi

if [ ! -d "$E2E_DIR/node_modules/playwright-core" ]; then
  say "npm ci"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund </dev/null) || die "npm ci failed"
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/demarc-e2e.XXXXXX")"
SERVER_PID=""
cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$rc" != 0 ] && [ -s "$TMP/server.log" ]; then
    say "server log (last 40 lines):"
    tail -n 40 "$TMP/server.log" >&2 || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port on the loopback interface, unless one is given.
PORT="${E2E_PORT:-$(node -e '
  const s = require("net").createServer();
  s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
')}"
BASE="http://127.0.0.1:$PORT"

# Never test someone else's server: the port must be free.
if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/" || true)" != 000 ]; then
  die "something already answers on $BASE: choose another E2E_PORT"
fi

say "starting $DEMARC_BIN serve on $BASE"
# The flags win over any DEMARC_DATABASE_URL / DEMARC_LISTEN in the environment.
"$DEMARC_BIN" serve --database "$TMP/e2e.db" --listen "127.0.0.1:$PORT" --color never \
  </dev/null >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

started=$SECONDS
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/readyz" || true)" = 200 ]; do
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited before it was ready"
  [ $((SECONDS - started)) -lt 30 ] || die "the server was not ready at $BASE/readyz within 30 s"
  sleep 0.2
done
kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited (was the port taken?)"
say "server ready after $((SECONDS - started)) s"

cd "$E2E_DIR"
E2E_BASE_URL="$BASE" node --test --test-concurrency=1 tests/ </dev/null
