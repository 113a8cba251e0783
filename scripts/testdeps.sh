#!/usr/bin/env bash
# Installs or builds, once, every outside program the tests run, and checks
# the services they talk to. scripts/test.sh (the README's test command)
# calls it first; run it alone to prepare a machine.
#
# What it provides (each step says what it does while it does it):
#   PostgreSQL on 127.0.0.1:5432 with trust auth: Debian's package installed
#     when the machine has none (apt-get, needs root or password-less sudo;
#     the new cluster then trusts connections from 127.0.0.1), started if the
#     machine has a cluster that is down. Its initdb and pg_ctl are used too
#     (the load test's own cluster).
#   weed (SeaweedFS), the S3 server of the object-store tests: built from the
#     Go module proxy by scripts/seaweedfs.sh (about 5-10 minutes, once).
#   hydra (Ory Hydra v2.3.0), the OAuth2 server of the authentication tests
#     (service accounts, JWT access tokens, key rotation): built from the Go
#     module proxy by scripts/hydra.sh (about 5-15 minutes, once).
#   chromium, the browser of the web UI's tests (ui/e2e): Debian's package,
#     apt-get install (about a minute, once; needs root or password-less sudo).
#   node and npm (Node.js 20 or later) for the web UI's build and tests:
#     Debian's packages when missing (apt-get, as above).
#   ui/node_modules: the web UI's npm packages (Vite, Vitest, Playwright's
#     playwright-core, which drives the machine's chromium and never
#     downloads a browser): npm ci from ui/package-lock.json (about 30 s,
#     again only when the lockfile changes).
#
# Built programs are cached in ${MICROMEGAS_CI_CACHE:-$HOME/.cache/micromegas-ci}
# (outside the repository), so only the first run pays for them.
set -euo pipefail
cd "$(dirname "$0")/.."
export MICROMEGAS_CI_CACHE="${MICROMEGAS_CI_CACHE:-$HOME/.cache/micromegas-ci}"
mkdir -p "$MICROMEGAS_CI_CACHE"

say() { printf 'testdeps: %s\n' "$*"; }

# with_progress LABEL CMD...: runs CMD, printing a line every 30 s while it
# runs, so a long first build is never silent.
with_progress() {
  local label=$1 start=$SECONDS pid
  shift
  "$@" &
  pid=$!
  while ! wait_for "$pid" 30; do
    say "$label: still running ($((SECONDS - start)) s)"
  done
  if ! wait "$pid"; then
    say "$label: failed after $((SECONDS - start)) s (its output is above)"
    return 1
  fi
}

# wait_for PID SECONDS: true once PID has ended, false after SECONDS.
wait_for() {
  local i
  for ((i = 0; i < $2; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 1
  done
  ! kill -0 "$1" 2>/dev/null
}

# as_root CMD...: runs CMD as root (directly, or through password-less
# sudo); false when neither is possible.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}

# apt_install WHY PACKAGE...: installs Debian packages, saying why, or stops
# with the command to run when this user cannot.
apt_install() {
  local why=$1
  shift
  if ! as_root true; then
    say "$why: run as root, or: sudo apt-get install -y $*"
    exit 1
  fi
  say "installing $* (Debian's packages) for $why: a minute or two, once"
  with_progress "apt-get install $*" as_root env DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get -o DPkg::Lock::Timeout=600 update -q && apt-get -o DPkg::Lock::Timeout=600 install -y -q $* >/dev/null"
}

postgres() {
  # The load test (cmd/micromegas-loadtest) runs a throwaway cluster of its own.
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
    apt_install "the catalog tests (PostgreSQL)" postgresql
    # A cluster this script created trusts local TCP connections, as the
    # tests expect (postgres://postgres@127.0.0.1:5432); nothing else
    # listens beyond loopback.
    local hba
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | head -1)
    if [ -n "$hba" ]; then
      as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
      as_root pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$(dirname "$hba")")")" main restart || true
    fi
  fi
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    return
  fi
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    say "PostgreSQL is down: starting the machine's cluster"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start ||
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && return; sleep 1; done
  fi
  if [ -n "${MICROMEGAS_TEST_POSTGRES_URL:-}" ]; then
    say "127.0.0.1:5432 does not answer; the tests will use MICROMEGAS_TEST_POSTGRES_URL"
    return
  fi
  say "the catalog tests need PostgreSQL on 127.0.0.1:5432 with trust auth (apt-get install postgresql),"
  say "or MICROMEGAS_TEST_POSTGRES_URL naming a server where the user may create databases"
  exit 1
}

seaweedfs() {
  if [ -x "$(scripts/seaweedfs.sh path)" ]; then
    return
  fi
  say "building SeaweedFS (weed) for the S3 tests: about 5-10 minutes, once"
  with_progress "building weed" scripts/seaweedfs.sh build
}

hydra() {
  if [ -x "$(scripts/hydra.sh path)" ]; then
    return
  fi
  say "building Ory Hydra for the authentication tests: about 5-15 minutes, once"
  with_progress "building hydra" scripts/hydra.sh build
}

# chromium for the browser tests of the web UI (ui/e2e).
chromium() {
  if [ -x /usr/bin/chromium ]; then
    return
  fi
  apt_install "the web UI's browser tests (ui/e2e)" chromium
}

# ui_npm installs the web UI's npm packages from the lockfile, again only
# when the lockfile changed since the last install.
ui_npm() {
  local stamp=ui/node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ ! ui/package-lock.json -nt "$stamp" ] && [ -d ui/node_modules/playwright-core ]; then
    return
  fi
  if ! command -v npm >/dev/null; then
    apt_install "the web UI's build and tests (Node.js and npm)" nodejs npm
  fi
  say "installing the web UI's npm packages (npm ci in ui/): about 30 s"
  with_progress "npm ci" sh -c 'cd ui && npm ci --no-audit --no-fund --loglevel=error'
}

postgres
seaweedfs
hydra
chromium
ui_npm
