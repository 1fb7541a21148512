# Roster build, test and lint targets. `make test` is what CI runs.

# PostgreSQL that the store tests run against in addition to SQLite.
# Override it, or set it empty to skip the PostgreSQL runs:
#   make test ROSTER_TEST_POSTGRES=
ROSTER_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

# What the browser tests run (see docs/testing.md); `make test-deps` installs them.
# Evaluated when a recipe uses them, so a chromium installed by test-deps is found.
ROSTER_CHROMIUM ?= $(or $(shell command -v chromium 2>/dev/null),/usr/bin/chromium)
AXE_JS := $(CURDIR)/test/browser/node_modules/axe-core/axe.min.js
ROSTER_AXE ?= $(AXE_JS)
ROSTER_TEST_ARTIFACTS ?= $(CURDIR)/test-artifacts

.PHONY: run build test test-deps lint bench clean

## run: start Roster on the embedded SQLite database (roster.db in this directory)
run:
	go run ./cmd/roster serve

## build: build the static binary bin/roster
build:
	CGO_ENABLED=0 go build -o bin/roster ./cmd/roster

## test: gofmt, vet and staticcheck, then every test on SQLite and PostgreSQL (and in Chromium)
test: test-deps lint
	ROSTER_TEST_POSTGRES='$(ROSTER_TEST_POSTGRES)' \
	ROSTER_CHROMIUM='$(ROSTER_CHROMIUM)' \
	ROSTER_AXE='$(ROSTER_AXE)' \
	ROSTER_TEST_ARTIFACTS='$(ROSTER_TEST_ARTIFACTS)' \
	go test -count=1 -timeout 20m ./...

## test-deps: install what the browser tests need when it is missing: Chromium (apt) and axe-core (npm ci)
test-deps:
	@pkgs=; \
	command -v chromium >/dev/null 2>&1 || pkgs=" chromium"; \
	if [ ! -f '$(AXE_JS)' ] && ! command -v npm >/dev/null 2>&1; then pkgs="$$pkgs npm"; fi; \
	if [ -n "$$pkgs" ]; then \
		if [ "$$(id -u)" -eq 0 ]; then sudo=; \
		elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
		else \
			echo "The browser tests need these Debian packages:$$pkgs" >&2; \
			echo "Install them as root: apt-get install -y --no-install-recommends$$pkgs" >&2; \
			exit 1; \
		fi; \
		echo "Installing$$pkgs with apt-get"; \
		$$sudo apt-get update && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$pkgs; \
	fi
	@if [ ! -f '$(AXE_JS)' ]; then \
		echo "Installing axe-core from test/browser/package-lock.json"; \
		npm ci --prefix test/browser --no-audit --no-fund; \
	fi

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
