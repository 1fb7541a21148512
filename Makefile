# Roster build, test and lint targets. `make test` is what CI runs.

# PostgreSQL that the store tests run against in addition to SQLite.
# Override it, or set it empty to skip the PostgreSQL runs:
#   make test ROSTER_TEST_POSTGRES=
ROSTER_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build test lint bench clean

## run: start Roster on the embedded SQLite database (roster.db in this directory)
run:
	go run ./cmd/roster serve

## build: build the static binary bin/roster
build:
	CGO_ENABLED=0 go build -o bin/roster ./cmd/roster

## test: gofmt, vet and staticcheck, then every test on SQLite and PostgreSQL
test: lint
	ROSTER_TEST_POSTGRES='$(ROSTER_TEST_POSTGRES)' go test -count=1 -timeout 20m ./...

## lint: formatting, vet and staticcheck (staticcheck is fetched through the module proxy)
lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "These files need gofmt:"; echo "$$unformatted"; exit 1; \
	fi
	go vet ./...
	go run $(STATICCHECK) ./...

# The benchmark's database: a scratch SQLite file, recreated on each run, by
# default. To measure PostgreSQL, point it at a scratch database:
#   make bench BENCH_DB='postgres://postgres@127.0.0.1:5432/roster_bench?sslmode=disable'
BENCH_DB ?= sqlite:bench.db
BENCH_FLAGS ?= --users 100000

## bench: seed users into a scratch database and measure the user list queries (see docs/performance.md)
bench:
	rm -f bench.db bench.db-wal bench.db-shm
	go run ./cmd/roster bench --db '$(BENCH_DB)' $(BENCH_FLAGS)

## clean: remove build output (the database file is left alone)
clean:
	rm -rf bin/ roster
