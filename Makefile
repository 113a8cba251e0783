# The DuckDB Arrow API needs the duckdb_arrow build tag everywhere.
export GOFLAGS := -buildvcs=false -tags=duckdb_arrow

.PHONY: build test lint bench fuzz serve ui

build:
	go build -o bin/micromegas ./cmd/micromegas

# The test command of README.md and .ci/run: builds what the tests need once
# (scripts/testdeps.sh), then go test -race on every package.
test:
	scripts/test.sh

lint:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	go tool staticcheck ./...
	cd ui && npm run lint

# Rebuilds the web UI into ui/dist (committed, embedded in the binary).
ui:
	cd ui && npm run build

bench:
	go test -run '^$$' -bench . -benchmem ./telemetry/... ./internal/transit/ ./internal/engine/

# Short fuzzing of every network decoder.
fuzz:
	go test -run '^$$' -fuzz FuzzDecodeBlock -fuzztime 20s ./internal/transit/
	go test -run '^$$' -fuzz FuzzParseObjects -fuzztime 20s ./internal/transit/
	go test -run '^$$' -fuzz FuzzParseDependencies -fuzztime 20s ./internal/transit/
	go test -run '^$$' -fuzz FuzzIntervals -fuzztime 20s ./internal/gotrace/
	go test -run '^$$' -fuzz FuzzParse -fuzztime 20s ./telemetry/traceparent/
	go test -run '^$$' -fuzz FuzzParseBearer -fuzztime 20s ./internal/auth/
	go test -run '^$$' -fuzz FuzzOIDCToken -fuzztime 20s ./internal/auth/
	go test -run '^$$' -fuzz FuzzHTTP -fuzztime 20s ./internal/otlp/
	go test -run '^$$' -fuzz FuzzDecodeOTLP -fuzztime 20s ./internal/lakehouse/
	go test -run '^$$' -fuzz FuzzDecode -fuzztime 20s ./internal/bloom/
	go test -run '^$$' -fuzz FuzzAsyncBlock -fuzztime 20s ./internal/lakehouse/

serve:
	go run ./cmd/micromegas serve
