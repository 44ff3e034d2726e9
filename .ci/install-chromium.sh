#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium through playwright-core (no browser
# download). Install it when missing; without it those tests say they were skipped.
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1; then
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)) >/dev/null 2>&1 \
    || echo "warning: could not install chromium; the console's browser tests will be skipped"
else
  echo "warning: no apt-get; the console's browser tests will be skipped"
fi
exit 0
