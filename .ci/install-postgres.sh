#!/usr/bin/env bash
# The postgres destination tests run against a real PostgreSQL server (Debian package,
# /usr/lib/postgresql/<ver>/bin). Install it when missing; without it those tests say
# they were skipped, the rest still run.
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1 \
    || echo "warning: could not install postgresql; the postgres destination tests will be skipped"
else
  echo "warning: no apt-get; the postgres destination tests will be skipped"
fi
exit 0
