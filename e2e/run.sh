#!/usr/bin/env bash
# make e2e: the Powerpipe mod's benchmark run by the real Powerpipe v1.5.2 on
# plain PostgreSQL 15 through the Postgres bridge, against the AWS emulator
# seeded with the clean and the bad scenario accounts (see e2e/e2e_test.go).
#
# Uses CLOUDTRAILCC_TEST_DATABASE_URL when set (a superuser URL on loopback;
# .ci/run sets it), else starts PostgreSQL 15 with .ci/testdb.sh. Uses the
# Powerpipe binary at CLOUDTRAILCC_POWERPIPE or
# ~/.cache/cloudtrailcc/powerpipe-v1.5.2, building it there when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CLOUDTRAILCC_TEST_DATABASE_URL:-}" ]; then
  CLOUDTRAILCC_TEST_DATABASE_URL="$(./.ci/testdb.sh)"
fi
export CLOUDTRAILCC_TEST_DATABASE_URL
CLOUDTRAILCC_POWERPIPE="$(./e2e/powerpipe.sh)"
export CLOUDTRAILCC_POWERPIPE
echo "e2e: powerpipe $CLOUDTRAILCC_POWERPIPE"

exec go test -tags e2e -count=1 -timeout 30m -v ./e2e/
