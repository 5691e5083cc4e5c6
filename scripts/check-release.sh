#!/usr/bin/env bash
# CI: the release build works with production dependencies alone, as the
# Docker image runs it. Builds it (scripts/release.sh --install) into a
# temporary folder; checks that no dev dependency came along; runs the
# `latchkey` command from it; then starts the service twice, as the image's
# CMD does (node dist/src/cli.js serve) and as `npm start` does, each on a
# free port with a temporary SQLite file: /readyz must answer 200 through the
# image's HEALTHCHECK, /admin must serve the console built into the release
# (its page and an asset), and SIGTERM must end it with exit 0 leaving no process.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-release-XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "check-release: $*" >&2
  exit 1
}

bash "$root/scripts/release.sh" --install "$work/release"
cd "$work/release"

for dev in typescript tsx vitest drizzle-kit supertest esbuild playwright-core @redocly/cli; do
  [ ! -e "node_modules/$dev" ] || fail "dev dependency $dev was installed"
done
[ ! -e src ] || fail "the release holds src/"

export NODE_ENV=production HOST=127.0.0.1 LOG_LEVEL=info
export DATABASE_URL="$work/data/latchkey.db"
MANAGE_API_KEY="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("hex"))')"
export MANAGE_API_KEY

# The command line runs from the production install too.
node dist/src/cli.js migrate | grep -q '"migrated":true' || fail "latchkey migrate failed"
npm exec --no -- latchkey rotate-key --immediate | grep -q '"status":"current"' || fail "latchkey rotate-key failed"

# Every process below <pid> (npm start: sh or node, and what they started).
descendants() {
  local child
  for child in $(pgrep -P "$1" || true); do
    echo "$child"
    descendants "$child"
  done
}

free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# The admin console (§7) is in the release: its page, with the CSP, names a
# script that is served as JavaScript and cached as immutable.
check_console() {
  node -e '
    const base = process.argv[1];
    (async () => {
      const page = await fetch(`${base}/admin`);
      const html = await page.text();
      if (page.status !== 200 || !page.headers.get("content-security-policy")?.includes("script-src '"'"'self'"'"'")) throw new Error(`/admin: ${page.status}`);
      const script = html.match(/src="(\/admin\/assets\/[^"]+\.js)"/)?.[1];
      if (!script) throw new Error("/admin names no script");
      const asset = await fetch(base + script);
      if (asset.status !== 200 || !asset.headers.get("content-type")?.startsWith("text/javascript") || !asset.headers.get("cache-control")?.includes("immutable")) {
        throw new Error(`${script}: ${asset.status}`);
      }
    })().catch((error) => { console.error(`check-release: ${error.message}`); process.exit(1); });
  ' "$1"
}

# check_start <label> <command…>
check_start() {
  local label=$1
  shift
  PORT="$(free_port)"
  export PORT
  local log
  log="$(mktemp "$work/start-XXXXXX.log")"
  local started
  started=$(date +%s%N)
  "$@" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local tries=0
  until grep -q '"msg":"latchkey listening"' "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log" >&2
      fail "$label exited before listening"
    fi
    tries=$((tries + 1))
    [ "$tries" -lt 400 ] || fail "$label: not listening after 20 s"
    sleep 0.05
  done
  local ms=$((($(date +%s%N) - started) / 1000000))

  node dist/src/healthcheck.js || fail "$label: the HEALTHCHECK command failed"
  check_console "http://127.0.0.1:$PORT" || fail "$label: /admin does not serve the admin console"

  local children
  children="$(descendants "$pid")"
  kill -TERM "$pid"
  local code=0
  wait "$pid" || code=$?
  if [ "$code" -ne 0 ]; then
    cat "$log" >&2
    fail "$label: exit $code after SIGTERM"
  fi
  for child in $children; do
    ! kill -0 "$child" 2>/dev/null || fail "$label: process $child still runs after SIGTERM"
  done
  echo "check-release: $label: listening ${ms} ms after start, /readyz 200, /admin 200, SIGTERM -> exit 0"
}

check_start "node dist/src/cli.js serve" node dist/src/cli.js serve
check_start "npm start" npm start
echo "check-release: ok"
