#!/bin/sh
# The CI use of dexra-tui: start your app, replay the committed fixtures at it, and
# fail the build when any answer is not what the fixture expects. Run from this
# directory:  DEXRA_TUI=dexra-tui sh ci.sh  (the test runs it with APP_FAIL=1 too).
set -eu
DEXRA_TUI="${DEXRA_TUI:-dexra-tui}"
export WEBHOOK_SECRET="${WEBHOOK_SECRET:-ci-example-secret}"
export PORT="${PORT:-38517}"
"${APP:-./app/app}" > app.log 2>&1 &
app=$!
trap 'kill $app 2>/dev/null' EXIT
# Wait until the app listens (it prints its address first).
for _ in $(seq 50); do
  grep -q listening app.log 2>/dev/null && break
  sleep 0.1
done
"$DEXRA_TUI" replay --fixtures fixtures --to "http://127.0.0.1:$PORT/*" \
  --secret "$WEBHOOK_SECRET" --report "junit=${REPORT:-report.xml}"
