#!/usr/bin/env bash
# Makes Chromium available for the daemon's status page test (a real
# headless browser, driven with chromedp) and prints its path as a shell
# assignment for the caller to eval:
#
#   eval "$(.ci/chromium.sh)"
#
# stdout carries ONLY the line
#   export ANOMGEN_TEST_CHROMIUM='/usr/bin/chromium'
# Everything else goes to stderr.
#
# ANOMGEN_TEST_CHROMIUM, when set, names the browser (default
# /usr/bin/chromium). When it is missing and CI=true, Debian's chromium
# package is installed with apt-get; if it is still missing then, the
# script fails (in CI the test must not skip). Outside CI it only warns:
# the browser part of the test then skips.
set -euo pipefail
exec 3>&1 1>&2

is_ci() {
	case "${CI:-}" in
	true | TRUE | True | 1 | yes) return 0 ;;
	*) return 1 ;;
	esac
}

path="${ANOMGEN_TEST_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$path" ] && is_ci && command -v apt-get >/dev/null 2>&1; then
	echo "chromium: $path is missing; installing Debian's chromium (apt-get)"
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
	"${sudo_cmd[@]}" apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq chromium || true
fi
if [ -x "$path" ]; then
	echo "chromium: $path ($("$path" --version 2>/dev/null || echo 'version unknown'))"
	printf "export ANOMGEN_TEST_CHROMIUM='%s'\n" "$path" >&3
	exit 0
fi
if is_ci; then
	echo "chromium: $path is missing and could not be installed; the status page test needs it (CI=true)"
	exit 1
fi
echo "chromium: $path is missing: the status page's browser test skips (apt-get install chromium, or set ANOMGEN_TEST_CHROMIUM)"
