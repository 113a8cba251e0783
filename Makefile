# The DuckDB Arrow API needs the duckdb_arrow build tag everywhere.
export GOFLAGS := -buildvcs=false -tags=duckdb_arrow

.PHONY: build test lint bench fuzz serve

build:
	go build -o bin/micromegas ./cmd/micromegas

# The same command as README.md and .ci/run.
test:
	go test -race -count=1 ./...

lint:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)
	go tool staticcheck ./...

bench:
	go test -run '^$$' -bench . -benchmem ./telemetry/... ./internal/transit/ ./internal/engine/

# Short fuzzing of every network decoder.
fuzz:
	go test -run '^$$' -fuzz FuzzDecodeBlock -fuzztime 20s ./internal/transit/
	go test -run '^$$' -fuzz FuzzParseObjects -fuzztime 20s ./internal/transit/
	go test -run '^$$' -fuzz FuzzParseDependencies -fuzztime 20s ./internal/transit/

serve:
	go run ./cmd/micromegas serve
