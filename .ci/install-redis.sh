#!/usr/bin/env bash
# The Redis store tests run against a real redis-server (Debian package). Install it
# when missing; without it those tests say they were skipped, the rest still run.
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null 2>&1 \
    || echo "warning: could not install redis-server; the Redis store tests will be skipped"
else
  echo "warning: no apt-get; the Redis store tests will be skipped"
fi
exit 0
