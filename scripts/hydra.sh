#!/usr/bin/env bash
# Ory Hydra v2.3.0, the OAuth2/OIDC server the authentication tests run
# against (client credentials with JWT access tokens, key rotation).
#
#   scripts/hydra.sh build   build hydra once into the CI cache (about 5-15 min)
#   scripts/hydra.sh path    print the path of the binary
#
# The binary goes to ${MICROMEGAS_CI_CACHE:-$HOME/.cache/micromegas-ci}/bin/hydra,
# outside the repository; the build is skipped when it is already there.
# The tests (internal/auth/hydratest) find it there or in MICROMEGAS_HYDRA_BIN
# and start it themselves (DSN=memory, free ports on 127.0.0.1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${MICROMEGAS_CI_CACHE:-$HOME/.cache/micromegas-ci}"
bin="${MICROMEGAS_HYDRA_BIN:-$cache/bin/hydra}"

build() {
  if [ -x "$bin" ]; then
    echo "hydra already built: $bin"
    return
  fi
  mkdir -p "$(dirname "$bin")"
  echo "building hydra into $bin (about 5-15 minutes, once)"
  # The wrapper module is not part of the repository's module; its GOFLAGS
  # (duckdb_arrow tag) do not apply. -tags sqlite gives DSN=memory.
  (cd "$here/hydra" && GOWORK=off GOFLAGS=-buildvcs=false \
    go build -tags sqlite -trimpath -ldflags='-s -w' -o "$bin.tmp" github.com/ory/hydra/v2)
  mv "$bin.tmp" "$bin"
  "$bin" version
}

case "${1:-}" in
  build) build ;;
  path) echo "$bin" ;;
  *) echo "usage: $0 build|path" >&2; exit 2 ;;
esac
