#!/usr/bin/env bash
# VictoriaLogs, the peer of the side-by-side log benchmark
# (cmd/micromegas-loadtest peer; docs/benchmarks.md). Not needed by the tests.
#
#   scripts/victorialogs.sh build   build victoria-logs v1.52.1 once into the CI cache
#                                   (about 3-6 minutes on 2 cores)
#   scripts/victorialogs.sh path    print the path of the binary
#
# The binary goes to ${MICROMEGAS_CI_CACHE:-$HOME/.cache/micromegas-ci}/bin/victoria-logs,
# outside the repository (its code is never committed here); the build is skipped
# when it is already there. MICROMEGAS_VICTORIALOGS_BIN overrides the path.
set -euo pipefail
cache="${MICROMEGAS_CI_CACHE:-$HOME/.cache/micromegas-ci}"
bin="${MICROMEGAS_VICTORIALOGS_BIN:-$cache/bin/victoria-logs}"
version=v1.52.1

case "${1:-}" in
  build)
    if [ -x "$bin" ]; then
      echo "victoria-logs already built: $bin"
      exit 0
    fi
    mkdir -p "$(dirname "$bin")"
    echo "building victoria-logs $version into $bin (about 3-6 minutes, once)"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    # go install builds the module at that version outside any module of
    # ours; the repository's GOFLAGS (duckdb_arrow tag) do not apply.
    GOWORK=off GOFLAGS=-buildvcs=false GOBIN="$tmp" \
      go install -trimpath -ldflags='-s -w' "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@$version"
    mv "$tmp/victoria-logs" "$bin"
    "$bin" -version
    ;;
  path)
    echo "$bin"
    ;;
  *)
    echo "usage: $0 build|path" >&2
    exit 2
    ;;
esac
