#!/usr/bin/env bash
# SeaweedFS (`weed`), the S3-compatible server the tests run against.
#
#   scripts/seaweedfs.sh build   build weed once into the CI cache (about 5 min)
#   scripts/seaweedfs.sh path    print the path of the binary
#   scripts/seaweedfs.sh start [DIR]
#                            run `weed mini` on 127.0.0.1 with data in DIR
#                            (default: a new temp folder) and a bucket
#                            "micromegas", wait until S3 answers, print the
#                            object store URI and the pid file
#   scripts/seaweedfs.sh stop [DIR]
#
# The binary goes to ${MICROMEGAS_CI_CACHE:-$HOME/.cache/micromegas-ci}/bin/weed,
# outside the repository; the build is skipped when it is already there.
# The tests (internal/blobstore/s3test) find it there or in MICROMEGAS_WEED_BIN.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${MICROMEGAS_CI_CACHE:-$HOME/.cache/micromegas-ci}"
bin="${MICROMEGAS_WEED_BIN:-$cache/bin/weed}"
# Ports of `weed start`: S3 first, the others only need to be free.
s3_port="${MICROMEGAS_WEED_S3_PORT:-8333}"
bucket="${MICROMEGAS_WEED_BUCKET:-micromegas}"

build() {
  if [ -x "$bin" ]; then
    echo "weed already built: $bin"
    return
  fi
  mkdir -p "$(dirname "$bin")"
  echo "building weed into $bin (about 5 minutes, once)"
  # The wrapper module is not part of the repository's module; its GOFLAGS
  # (duckdb_arrow tag) do not apply.
  (cd "$here/seaweedfs" && GOWORK=off GOFLAGS=-buildvcs=false \
    go build -trimpath -ldflags='-s -w' -o "$bin.tmp" github.com/seaweedfs/seaweedfs/weed)
  mv "$bin.tmp" "$bin"
  "$bin" version
}

start() {
  [ -x "$bin" ] || { echo "weed is missing: run $0 build" >&2; exit 1; }
  dir="${1:-$(mktemp -d -t micromegas-weed.XXXXXX)}"
  mkdir -p "$dir"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-micromegas}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-micromegas-secret}"
  "$bin" mini -dir="$dir" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
    -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.port="$s3_port" -bucket="$bucket" >"$dir/weed.log" 2>&1 &
  echo $! >"$dir/weed.pid"
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null "http://127.0.0.1:$s3_port/$bucket"; then
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$s3_port/$bucket" || true)
      # 403 (anonymous, bucket exists) or 200: S3 answers with the bucket.
      if [ "$code" = 200 ] || [ "$code" = 403 ]; then
        echo "MICROMEGAS_OBJECT_STORE_URI=s3://$bucket?endpoint=http://127.0.0.1:$s3_port&region=us-east-1&use_path_style=true"
        echo "pid file: $dir/weed.pid  log: $dir/weed.log"
        return
      fi
    fi
    if ! kill -0 "$(cat "$dir/weed.pid")" 2>/dev/null; then
      echo "weed mini exited; log:" >&2; tail -30 "$dir/weed.log" >&2; exit 1
    fi
    sleep 0.5
  done
  echo "S3 did not answer on 127.0.0.1:$s3_port within 60 s; log: $dir/weed.log" >&2
  exit 1
}

stop() {
  dir="${1:?usage: $0 stop DIR}"
  [ -f "$dir/weed.pid" ] && kill "$(cat "$dir/weed.pid")" 2>/dev/null || true
}

case "${1:-}" in
  build) build ;;
  path) echo "$bin" ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 build|path|start [DIR]|stop DIR" >&2; exit 2 ;;
esac
