#!/usr/bin/env bash
# The test command (README.md, `make test`, .ci/run): prepares what the tests
# need (scripts/testdeps.sh: builds or installs it once, saying so), then
# runs every package with the race detector.
#
#   scripts/test.sh                  every package
#   scripts/test.sh ./internal/app/  some packages (any `go test` arguments)
set -euo pipefail
cd "$(dirname "$0")/.."
# The DuckDB Arrow API needs the duckdb_arrow build tag everywhere.
case "${GOFLAGS:-}" in
  *duckdb_arrow*) ;;
  *) export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false -tags=duckdb_arrow" ;;
esac
scripts/testdeps.sh
if [ $# -eq 0 ]; then
  set -- ./...
fi
# 20 minutes per package: the load test (cmd/micromegas-loadtest) runs a
# cluster of processes for a few minutes, longer on a busy machine.
echo "test: go test -race -count=1 -timeout 20m $*"
exec go test -race -count=1 -timeout 20m "$@"
