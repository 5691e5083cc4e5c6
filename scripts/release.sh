#!/usr/bin/env bash
# Release build: a tree that runs with production dependencies only.
#
#   scripts/release.sh [--install] <dir>      (or: npm run release -- [--install] <dir>)
#
# <dir> (new or empty) receives dist/ (compiled here from src/, never copied
# from a dist/ that may hold stale files; the admin console built from admin/
# into dist/admin-console), drizzle/ (the migrations),
# package.json (without the scripts that need dev dependencies) and
# package-lock.json. With --install it then runs `npm ci --omit=dev` in <dir>.
# Start it with `node dist/src/cli.js serve` (or `npm start`) in <dir>.
#
# scripts/check-release.sh runs this into a temporary folder and starts the
# result; the Dockerfile runs this and nothing else, so what CI proved is
# what the image does.
set -euo pipefail

install=false
if [ "${1:-}" = "--install" ]; then install=true; shift; fi
if [ $# -ne 1 ]; then
  echo "usage: scripts/release.sh [--install] <dir>" >&2
  exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
if [ -n "$(ls -A "$out")" ]; then
  echo "release: $out is not empty" >&2
  exit 2
fi

cd "$root"
node_modules/.bin/tsc -p tsconfig.build.json --outDir "$out/dist"
chmod +x "$out/dist/src/cli.js"
node_modules/.bin/tsx admin/build.ts "$out/dist/admin-console"
cp -R drizzle "$out/drizzle"
cp package-lock.json "$out/package-lock.json"
# A production install runs `prepare` too, and its `tsc` is a dev dependency:
# the release keeps only the scripts that run from a built tree.
node -e '
  const pkg = JSON.parse(require("fs").readFileSync("package.json", "utf8"));
  pkg.scripts = { start: pkg.scripts.start };
  process.stdout.write(JSON.stringify(pkg, null, 2) + "\n");
' > "$out/package.json"

if $install; then
  (cd "$out" && npm ci --omit=dev --no-audit --no-fund)
fi
echo "release: $out"
