#!/usr/bin/env bash
# The one test command for anomgen:
#
#   ./test.sh                 # everything
#   ./test.sh -run Foo -v     # extra arguments are passed to `go test`
#
# Steps: start/locate PostgreSQL and MariaDB (.ci/services.sh), gofmt check,
# go vet, go test -race. With CI=true a missing database server is an error
# (ANOMGEN_TEST_REQUIRE_SERVERS=1); otherwise the server tests are skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Each step says when it starts (seconds since the script began).
step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }

is_ci() {
	case "${CI:-}" in
	true | TRUE | True | 1 | yes) return 0 ;;
	*) return 1 ;;
	esac
}

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || {
	echo "test.sh: go is not installed (not on PATH, no /usr/local/go/bin/go)" >&2
	exit 1
}

step "database servers (.ci/services.sh)"
# Assign first so that a failure of services.sh stops the script (set -e does
# not see failures inside eval "$(...)").
services_env="$(.ci/services.sh)"
# What services.sh omitted is unavailable: do not let a stale value from the
# environment through, so that the tests skip instead.
unset ANOMGEN_TEST_POSTGRES ANOMGEN_TEST_MYSQL
eval "$services_env"
if is_ci; then
	export ANOMGEN_TEST_REQUIRE_SERVERS=1
fi
echo "ANOMGEN_TEST_POSTGRES=${ANOMGEN_TEST_POSTGRES:-<unset: PostgreSQL tests skip>}" >&2
echo "ANOMGEN_TEST_MYSQL=${ANOMGEN_TEST_MYSQL:-<unset: MariaDB tests skip>}" >&2

step "Chromium for the status page test (.ci/chromium.sh)"
# With CI=true a missing Chromium is installed (apt-get) or the script fails.
chromium_env="$(.ci/chromium.sh)"
unset ANOMGEN_TEST_CHROMIUM
eval "$chromium_env"
echo "ANOMGEN_TEST_CHROMIUM=${ANOMGEN_TEST_CHROMIUM:-<unset: the status page browser test skips>}" >&2

step "gofmt -l (tracked .go files)"
go_files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	while IFS= read -r -d '' f; do
		[ -f "$f" ] && go_files+=("$f")
	done < <(git ls-files -z -- '*.go')
else
	while IFS= read -r -d '' f; do
		go_files+=("$f")
	done < <(find . -name '*.go' -not -path './vendor/*' -print0)
fi
if [ "${#go_files[@]}" -gt 0 ]; then
	unformatted="$(gofmt -l "${go_files[@]}")" || {
		echo "test.sh: gofmt failed (syntax errors?)" >&2
		exit 1
	}
	if [ -n "$unformatted" ]; then
		echo "test.sh: these files are not gofmt-formatted (run: gofmt -w <file>):" >&2
		while IFS= read -r f; do printf '  %s\n' "$f"; done <<<"$unformatted" >&2
		exit 1
	fi
fi

step "go vet ./..."
go vet ./...

if ! command -v gcc >/dev/null 2>&1 && ! command -v cc >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
	# go test -race needs cgo, and cgo needs a C compiler; a fresh Debian has none.
	step "installing gcc for go test -race (apt-get)"
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
	"${sudo_cmd[@]}" apt-get update -qq >&2 || true
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq gcc libc6-dev >&2 || true
fi

race=(-race)
if [ "$(go env CGO_ENABLED)" != 1 ]; then
	# -race needs cgo, i.e. a C compiler.
	if is_ci; then
		echo "test.sh: go test -race needs cgo, but CGO_ENABLED=$(go env CGO_ENABLED) (is a C compiler such as gcc installed?)" >&2
		exit 1
	fi
	echo "test.sh: warning: cgo is unavailable (no C compiler?), running go test WITHOUT -race" >&2
	race=()
fi

test_goflags="${GOFLAGS:-}"
if [ "${#race[@]}" -gt 0 ]; then
	# -race turns on -d=checkptr, which checks every unsafe.Pointer
	# conversion. modernc.org/sqlite is SQLite's C translated to Go and does
	# little else: the checks took half the CPU of the SQLite tests. Race
	# detection stays on everywhere, checkptr on our own code. In GOFLAGS,
	# so that the crash tests' own `go build -race` reuses the same build.
	test_goflags="${test_goflags:+$test_goflags }-gcflags=modernc.org/...=-d=checkptr=0"
fi

# The tests' SQLite files (t.TempDir) go to a RAM folder when there is one:
# each commit fsyncs, and on a disk the waits doubled the SQLite tests'
# time. The build keeps using the usual temporary folder.
test_tmp=""
if [ -z "${ANOMGEN_TEST_TMPDIR_KEEP:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	test_tmp="$(mktemp -d /dev/shm/anomgen-test.XXXXXX 2>/dev/null || true)"
fi
if [ -n "$test_tmp" ]; then
	trap 'rm -rf "$test_tmp"' EXIT
	export GOTMPDIR="${GOTMPDIR:-${TMPDIR:-/tmp}}"
	export TMPDIR="$test_tmp"
	echo "test.sh: test temporary files in $test_tmp (RAM; ANOMGEN_TEST_TMPDIR_KEEP=1 keeps \$TMPDIR)" >&2
fi

step "GOFLAGS='$test_goflags' go test ${race[*]} -count=1 -timeout 25m ./... $*"
GOFLAGS="$test_goflags" go test "${race[@]}" -count=1 -timeout 25m ./... "$@"

# The fuzz run is bounded by a count of inputs, not a duration: with a
# duration, Go 1.26's fuzz coordinator can report its own deadline as a
# failure ("context deadline exceeded", no crashing input) when a worker is
# mid-input as the time runs out (go.dev/issue/75804, fixed in Go 1.27).
step "go test -fuzz FuzzLoad (bounded: 300,000 inputs)"
go test -run '^$' -fuzz FuzzLoad -fuzztime 300000x ./config/

step "done"
