# Roster build, test and lint targets. `make test` is what CI runs.

# PostgreSQL that the store tests run against in addition to SQLite.
# Override it, or set it empty to skip the PostgreSQL runs:
#   make test ROSTER_TEST_POSTGRES=
ROSTER_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@2025.1.1

.PHONY: run build test lint bench clean

## run: start Roster on the embedded SQLite database (roster.db in this directory)
run:
	go run ./cmd/roster serve

## build: build the static binary bin/roster
build:
	CGO_ENABLED=0 go build -o bin/roster ./cmd/roster

## test: vet, then run every test on SQLite and PostgreSQL
test:
	go vet ./...
	ROSTER_TEST_POSTGRES='$(ROSTER_TEST_POSTGRES)' go test -count=1 -timeout 20m ./...

## lint: formatting, vet and staticcheck (staticcheck is fetched through the module proxy)
lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "These files need gofmt:"; echo "$$unformatted"; exit 1; \
	fi
	go vet ./...
	go run $(STATICCHECK) ./...

## bench: run the load benchmark against a local server
bench:
	go run ./cmd/roster bench

## clean: remove build output (the database file is left alone)
clean:
	rm -rf bin/ roster
