#!/usr/bin/env bash
# `npm test`: the whole suite on SQLite, then again on PostgreSQL (a throwaway
# server from Debian's postgresql package, started by the tests themselves on
# 127.0.0.1). Arguments go to vitest, e.g. `npm test -- test/http`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== latchkey tests on SQLite"
npx vitest run "$@"

bindir=$(pg_config --bindir 2>/dev/null || true)
if [ -n "$bindir" ] && [ -x "$bindir/initdb" ]; then
  echo "== latchkey tests on PostgreSQL"
  # The client packages' browser tests do not depend on the store: they ran
  # once above. The admin console's do (every screen is the management API).
  LATCHKEY_TEST_STORE=postgres npx vitest run --project node --project console "$@"
elif [ -n "${CI:-}" ]; then
  echo "latchkey: PostgreSQL server binaries not found (apt-get install postgresql); CI runs both stores" >&2
  exit 1
else
  echo "== PostgreSQL run skipped: no server binaries (apt-get install postgresql to run it)"
fi
