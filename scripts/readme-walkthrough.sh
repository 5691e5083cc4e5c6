#!/usr/bin/env bash
# CI: the README's walk-through, run as written. The README is the source:
# every ```sh block that follows a `<!-- walkthrough -->` line is taken from
# it, in order, and run in one bash against fresh services — so the README
# cannot show a command that does not work, and there is no second copy of
# it to keep in sync. What the README leaves to the reader (starting the two
# services) this script does: a plain service on B, one with proof of work
# on P, each on a free port with a temporary database and MANAGE_API_KEY.
#
# Every curl of the walk-through must succeed: curl is run with
# --fail-with-body, so a 4xx or 5xx stops the run with the answer shown.
# Needs the build (npm ci makes it); runs `npm run build` first so it never
# tests a stale dist/. Leaves nothing behind (the demo key files the README
# writes in the repository are removed; they are git-ignored anyway).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
work="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-readme-XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f demo-key.pem demo-key.json
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "readme-walkthrough: $*" >&2
  exit 1
}

npm run build --silent

# The marked blocks, in README order.
awk '
  /^<!-- walkthrough -->$/ { armed = 1; next }
  armed && /^```sh$/ { inside = 1; armed = 0; blocks++; print "# --- README block " blocks; next }
  inside && /^```$/ { inside = 0; next }
  inside { print }
' README.md >"$work/blocks.sh"
blocks=$(grep -c '^# --- README block' "$work/blocks.sh" || true)
[ "$blocks" -ge 3 ] || fail "found $blocks walkthrough blocks in README.md, expected at least 3"

free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

MANAGE_API_KEY="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("hex"))')"
export MANAGE_API_KEY

# start <name> [VAR=value…]: `latchkey serve` from the build, as npm start runs it; prints its URL.
start() {
  local name=$1
  shift
  local port log
  port="$(free_port)"
  log="$work/$name.log"
  env HOST=127.0.0.1 PORT="$port" DATABASE_URL="$work/$name.db" LOG_LEVEL=warn "$@" \
    node dist/src/cli.js serve >"$log" 2>&1 &
  pids+=("$!")
  local tries=0
  until node -e 'fetch(process.argv[1]).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$port/readyz"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 100 ]; then
      cat "$log" >&2
      fail "the $name service did not become ready"
    fi
    sleep 0.1
  done
  echo "http://127.0.0.1:$port"
}

B="$(start plain)"
P="$(start pow POW_HMAC_SECRET="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex"))')")"
export B P

{
  echo 'set -euo pipefail'
  # Each answer on a line of its own; a failed request fails the walk-through.
  echo 'curl() { local status=0; command curl --fail-with-body --show-error "$@" || status=$?; echo; return "$status"; }'
  cat "$work/blocks.sh"
  # What the walk-through promised, checked on the variables it set.
  cat <<'CHECKS'
# --- checks
[[ "$APP" =~ ^app_ ]] || { echo "APP is '$APP'" >&2; exit 1; }
[[ "$PAPP" =~ ^app_ ]] || { echo "PAPP is '$PAPP'" >&2; exit 1; }
[ -n "$TOKEN" ] && [ -n "$SOLUTION" ] && [ -n "$JWT" ] || { echo "a token is missing" >&2; exit 1; }
CHECKS
} >"$work/walkthrough.sh"

bash "$work/walkthrough.sh" 2>&1 | tee "$work/output.txt"

expect() {
  grep -q -- "$1" "$work/output.txt" || fail "the walk-through's output has no $1"
}
expect '"userId":"anon_'                            # anonymous session, refresh, introspection
expect '"authMethod":"anonymous"'                   # introspection
expect '"keys":\[{'                                 # JWKS
expect '"allowAnonymous":false'                     # the PATCH
expect '"algorithm":"SHA-256"'                      # the proof-of-work challenge
expect '"authMethod":"authenticated"'               # sign-in with the customer's key
expect '"verifiedClaims":{"plan":"pro"}'
[ "$(grep -c '"userId":"anon_' "$work/output.txt")" -ge 4 ] || fail "expected 4 anonymous answers (session, refresh, introspection, proof of work)"
echo "readme-walkthrough: ok ($blocks README blocks)"
