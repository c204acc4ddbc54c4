#!/usr/bin/env bash
# Makes PostgreSQL and MariaDB available for the anomgen tests and prints the
# DSNs as shell assignments for the caller to eval:
#
#   eval "$(.ci/services.sh)"
#
# stdout carries ONLY lines of the form
#   export ANOMGEN_TEST_POSTGRES='postgres://...'
#   export ANOMGEN_TEST_MYSQL='user@tcp(host:port)/'
# Everything else (progress, warnings, errors) goes to stderr.
#
# If ANOMGEN_TEST_POSTGRES / ANOMGEN_TEST_MYSQL are already set, they are only
# checked and printed unchanged. Otherwise a local server on 127.0.0.1 is used,
# installed (apt-get) and started if necessary.
#
# A service that cannot be made available is fatal when CI=true; otherwise a
# warning is printed and its export is omitted (the Go tests then skip the
# tests that need that server).
#
# Re-running is cheap and idempotent: a server that is already up and
# reachable is used as is.
set -euo pipefail

# Real stdout is kept on fd 3 for the export lines; everything else written to
# stdout by this script or its children goes to stderr.
exec 3>&1 1>&2

PG_HOST=127.0.0.1
PG_PORT=5432
MY_HOST=127.0.0.1
MY_PORT=3306
WAIT_SECONDS=60
LOG_DIR="${TMPDIR:-/tmp}/anomgen-ci"

log() { printf 'services: %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

is_ci() {
	case "${CI:-}" in
	true | TRUE | True | 1 | yes) return 0 ;;
	*) return 1 ;;
	esac
}

# shell_quote VALUE: VALUE as one single-quoted shell word.
shell_quote() {
	local q="'\\''"
	printf "'%s'" "${1//\'/$q}"
}

# Run a command as root (directly, or via password-less sudo). fd 3 (our real
# stdout, usually the caller's $(...) pipe) is closed so that daemons started
# by the command cannot keep the caller waiting.
can_root() {
	[ "$(id -u)" -eq 0 ] || { have sudo && sudo -n true 2>/dev/null; }
}
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@" 3>&-
	else
		sudo -n "$@" 3>&-
	fi
}

# Run a command with stdout+stderr in a log file (so that daemons it starts do
# not hold the caller's stdout/stderr open); on failure show the log tail.
logged() {
	local name=$1
	shift
	mkdir -p "$LOG_DIR"
	local logfile="$LOG_DIR/$name.log"
	local rc=0
	"$@" >"$logfile" 2>&1 </dev/null 3>&- || rc=$?
	[ "$rc" -eq 0 ] && return 0
	log "'$*' failed (exit $rc); last lines of $logfile:"
	tail -n 30 "$logfile" >&2 || true
	return "$rc"
}

APT_UPDATED=0
apt_install() {
	have apt-get || {
		REASON="apt-get is not available to install: $*"
		return 1
	}
	can_root || {
		REASON="installing $* needs root (or password-less sudo)"
		return 1
	}
	if [ "$APT_UPDATED" -eq 0 ]; then
		log "apt-get update"
		logged apt-update as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get -o DPkg::Lock::Timeout=300 update || {
			REASON="apt-get update failed (log: $LOG_DIR/apt-update.log)"
			return 1
		}
		APT_UPDATED=1
	fi
	log "apt-get install $* (log: $LOG_DIR/apt-install-$1.log)"
	logged "apt-install-$1" as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get -o DPkg::Lock::Timeout=300 install -y "$@" || {
		REASON="apt-get install $* failed (log: $LOG_DIR/apt-install-$1.log)"
		return 1
	}
}

# ---------------------------------------------------------------- PostgreSQL

PG_ERR=""
# pg_try DSN: succeeds if "select 1" works; the error text is left in PG_ERR.
pg_try() {
	local out
	if out=$(PGCONNECT_TIMEOUT=5 psql -w -X -At "$1" -c 'select 1' 2>&1 </dev/null 3>&-); then
		return 0
	fi
	PG_ERR=$out
	return 1
}

pg_ready() {
	have pg_isready && pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3 </dev/null 3>&-
}

pg_latest_version() {
	local bin vers=()
	for bin in /usr/lib/postgresql/*/bin/postgres; do
		[ -x "$bin" ] || continue
		bin=${bin#/usr/lib/postgresql/}
		vers+=("${bin%%/*}")
	done
	[ "${#vers[@]}" -gt 0 ] || return 1
	printf '%s\n' "${vers[@]}" | sort -V | tail -n 1
}

pg_start_local() {
	local pkgs=() ver
	pg_latest_version >/dev/null || pkgs+=(postgresql)
	{ have psql && have pg_isready && have pg_ctlcluster; } || pkgs+=(postgresql-client)
	if [ "${#pkgs[@]}" -gt 0 ]; then
		apt_install "${pkgs[@]}" || return 1
	fi
	# The package scripts may have started it already.
	pg_ready && return 0

	can_root || {
		REASON="no server answers on $PG_HOST:$PG_PORT, and starting one needs root (or password-less sudo)"
		return 1
	}
	ver=$(pg_latest_version) || {
		REASON="no PostgreSQL server binary found under /usr/lib/postgresql after installing"
		return 1
	}
	if ! pg_lsclusters -h 2>/dev/null | awk -v v="$ver" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
		log "creating PostgreSQL $ver cluster 'main'"
		logged pg-createcluster as_root pg_createcluster "$ver" main || {
			REASON="pg_createcluster $ver main failed (log: $LOG_DIR/pg-createcluster.log)"
			return 1
		}
	fi
	# Normally created by systemd-tmpfiles; not there in containers without systemd.
	as_root install -d -m 2775 -o postgres -g postgres /var/run/postgresql || true
	log "starting PostgreSQL $ver cluster 'main'"
	# "already running" is not an error: the wait below decides.
	logged pg-start as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true

	local i
	for ((i = 0; i < WAIT_SECONDS; i++)); do
		pg_ready && return 0
		sleep 1
	done
	REASON="PostgreSQL $ver did not become ready on $PG_HOST:$PG_PORT within ${WAIT_SECONDS}s (see $LOG_DIR/pg-start.log and /var/log/postgresql/)"
	return 1
}

setup_postgres() {
	REASON=""
	if [ -n "${ANOMGEN_TEST_POSTGRES:-}" ]; then
		DSN=$ANOMGEN_TEST_POSTGRES
		if ! have psql; then
			log "warning: psql not installed; using ANOMGEN_TEST_POSTGRES from the environment unchecked"
			return 0
		fi
		pg_try "$DSN" || {
			REASON="ANOMGEN_TEST_POSTGRES is set but does not connect: $PG_ERR"
			return 1
		}
		log "PostgreSQL: using ANOMGEN_TEST_POSTGRES from the environment"
		return 0
	fi

	if pg_ready; then
		log "PostgreSQL is running on $PG_HOST:$PG_PORT"
	else
		log "PostgreSQL is not answering on $PG_HOST:$PG_PORT; installing/starting it"
		pg_start_local || return 1
		log "PostgreSQL is running on $PG_HOST:$PG_PORT"
	fi

	local plain="postgres://postgres@$PG_HOST:$PG_PORT/postgres?sslmode=disable"
	local withpw="postgres://postgres:anomgen@$PG_HOST:$PG_PORT/postgres?sslmode=disable"
	DSN=$plain
	pg_try "$DSN" && return 0
	local first_err=$PG_ERR
	# A previous run may already have set the password.
	DSN=$withpw
	pg_try "$DSN" && return 0

	case "$first_err" in
	*"password authentication failed"* | *"no password supplied"* | *"authentication failed"*) ;;
	*)
		REASON="cannot connect as postgres over TCP: $first_err"
		return 1
		;;
	esac
	can_root || {
		REASON="TCP login as postgres needs a password, and setting one needs root (or password-less sudo): $first_err"
		return 1
	}
	log "setting a password for the postgres role (TCP logins require one)"
	(cd / && as_root su postgres -c "psql -X -c \"ALTER USER postgres PASSWORD 'anomgen'\"") || {
		REASON="could not set a password for the postgres role via the local socket"
		return 1
	}
	pg_try "$DSN" || {
		REASON="cannot connect as postgres over TCP even with a password: $PG_ERR"
		return 1
	}
}

# ------------------------------------------------------------------- MariaDB

MY_CLIENT=""
MY_ADMIN=""
find_mysql_clients() {
	MY_CLIENT=""
	MY_ADMIN=""
	if have mariadb; then MY_CLIENT=mariadb; elif have mysql; then MY_CLIENT=mysql; fi
	if have mariadb-admin; then MY_ADMIN=mariadb-admin; elif have mysqladmin; then MY_ADMIN=mysqladmin; fi
}

MY_ERR=""
# my_try USER PASSWORD HOST PORT [SOCKET]: succeeds if "select 1" works over
# TCP (or over SOCKET if given). --no-defaults keeps ~/.my.cnf from supplying
# credentials that the Go driver would not have.
my_try() {
	local user=$1 pass=$2 host=$3 port=$4 sock=${5:-} out
	local args=(--no-defaults -u"$user" --connect-timeout=5)
	if [ -n "$sock" ]; then
		args+=(--protocol=SOCKET --socket="$sock")
	else
		args+=(--protocol=TCP -h"$host" -P"$port")
	fi
	if out=$(MYSQL_PWD="$pass" "$MY_CLIENT" "${args[@]}" -e 'select 1' 2>&1 </dev/null 3>&-); then
		return 0
	fi
	MY_ERR=$out
	return 1
}

my_alive() {
	[ -n "$MY_ADMIN" ] &&
		"$MY_ADMIN" --no-defaults --protocol=TCP -h"$MY_HOST" -P"$MY_PORT" --connect-timeout=2 ping >/dev/null 2>&1 </dev/null 3>&-
}

# Checks a go-sql-driver DSN ([user[:password]@][tcp[(addr)]|unix(path)]/db[?params]).
my_check_dsn() {
	local dsn=$1 re='^(([^:@]*)(:(.*))?@)?((tcp|unix)(\(([^)]*)\))?)?/([^?]*)(\?.*)?$'
	if ! [[ $dsn =~ $re ]]; then
		log "warning: cannot parse ANOMGEN_TEST_MYSQL to check it; using it unchecked"
		return 0
	fi
	local user=${BASH_REMATCH[2]} pass=${BASH_REMATCH[4]} proto=${BASH_REMATCH[6]:-tcp} addr=${BASH_REMATCH[8]}
	if [ "$proto" = unix ]; then
		my_try "$user" "$pass" "" "" "${addr:-/tmp/mysql.sock}"
		return
	fi
	local host=${addr:-127.0.0.1:3306} port=3306
	if [[ $host =~ ^(.*):([0-9]+)$ ]]; then
		host=${BASH_REMATCH[1]}
		port=${BASH_REMATCH[2]}
	fi
	host=${host#\[}
	host=${host%\]}
	my_try "$user" "$pass" "$host" "$port"
}

my_start_local() {
	local pkgs=()
	[ -x /usr/sbin/mariadbd ] || pkgs+=(mariadb-server)
	{ [ -n "$MY_CLIENT" ] && [ -n "$MY_ADMIN" ]; } || pkgs+=(mariadb-client)
	if [ "${#pkgs[@]}" -gt 0 ]; then
		apt_install "${pkgs[@]}" || return 1
		find_mysql_clients
	fi
	{ [ -n "$MY_CLIENT" ] && [ -n "$MY_ADMIN" ]; } || {
		REASON="no mariadb/mysql client or admin tool found after installing"
		return 1
	}
	# The package scripts may have started it already.
	my_alive && return 0

	can_root || {
		REASON="no server answers on $MY_HOST:$MY_PORT, and starting one needs root (or password-less sudo)"
		return 1
	}
	as_root install -d -m 0755 -o mysql -g mysql /run/mysqld || {
		REASON="could not create /run/mysqld owned by mysql"
		return 1
	}
	# The Debian package initialises the data directory; do it if that did not happen.
	if ! as_root test -d /var/lib/mysql/mysql; then
		log "initialising the MariaDB data directory"
		logged mariadb-install-db as_root mariadb-install-db --user=mysql || {
			REASON="mariadb-install-db failed (log: $LOG_DIR/mariadb-install-db.log)"
			return 1
		}
	fi
	log "starting MariaDB (/usr/sbin/mariadbd, output in $LOG_DIR/mariadbd.log)"
	mkdir -p "$LOG_DIR"
	# start-stop-daemon --background closes the other fds; --output keeps the
	# server's own messages. --user=mysql: mariadbd refuses to run as root.
	as_root start-stop-daemon --start --oknodo --background \
		--output "$LOG_DIR/mariadbd.log" \
		--exec /usr/sbin/mariadbd -- --user=mysql </dev/null || {
		REASON="start-stop-daemon could not start /usr/sbin/mariadbd"
		return 1
	}

	local i
	for ((i = 0; i < WAIT_SECONDS; i++)); do
		my_alive && return 0
		sleep 1
	done
	log "last lines of $LOG_DIR/mariadbd.log:"
	tail -n 30 "$LOG_DIR/mariadbd.log" >&2 2>/dev/null || true
	REASON="MariaDB did not answer '$MY_ADMIN ping' on $MY_HOST:$MY_PORT within ${WAIT_SECONDS}s (see $LOG_DIR/mariadbd.log and /var/log/mysql/)"
	return 1
}

setup_mysql() {
	REASON=""
	find_mysql_clients
	if [ -n "${ANOMGEN_TEST_MYSQL:-}" ]; then
		DSN=$ANOMGEN_TEST_MYSQL
		if [ -z "$MY_CLIENT" ]; then
			log "warning: no mariadb/mysql client installed; using ANOMGEN_TEST_MYSQL from the environment unchecked"
			return 0
		fi
		my_check_dsn "$DSN" || {
			REASON="ANOMGEN_TEST_MYSQL is set but does not connect: $MY_ERR"
			return 1
		}
		log "MariaDB: using ANOMGEN_TEST_MYSQL from the environment"
		return 0
	fi

	local root_dsn="root@tcp($MY_HOST:$MY_PORT)/"
	local user_dsn="anomgen:anomgen@tcp($MY_HOST:$MY_PORT)/"
	if [ -n "$MY_CLIENT" ]; then
		DSN=$root_dsn
		my_try root "" "$MY_HOST" "$MY_PORT" && return 0
		# A previous run may already have created the anomgen user.
		DSN=$user_dsn
		my_try anomgen anomgen "$MY_HOST" "$MY_PORT" && return 0
	fi

	if my_alive; then
		log "MariaDB is running on $MY_HOST:$MY_PORT"
	else
		log "MariaDB is not answering on $MY_HOST:$MY_PORT; installing/starting it"
		my_start_local || return 1
		log "MariaDB is running on $MY_HOST:$MY_PORT"
	fi

	DSN=$root_dsn
	my_try root "" "$MY_HOST" "$MY_PORT" && return 0
	local first_err=$MY_ERR
	DSN=$user_dsn
	my_try anomgen anomgen "$MY_HOST" "$MY_PORT" && return 0

	# Fresh Debian installs authenticate root via unix_socket only: create a
	# password user through the local socket instead.
	can_root || {
		REASON="root over TCP without a password is refused, and creating a user needs root (or password-less sudo): $first_err"
		return 1
	}
	log "root over TCP is refused ($first_err); creating user 'anomgen' via the local socket"
	as_root "$MY_CLIENT" -uroot -e "CREATE USER IF NOT EXISTS 'anomgen'@'127.0.0.1' IDENTIFIED BY 'anomgen'; CREATE USER IF NOT EXISTS 'anomgen'@'localhost' IDENTIFIED BY 'anomgen'; GRANT ALL PRIVILEGES ON *.* TO 'anomgen'@'127.0.0.1' WITH GRANT OPTION; GRANT ALL PRIVILEGES ON *.* TO 'anomgen'@'localhost' WITH GRANT OPTION;" </dev/null || {
		REASON="could not create user 'anomgen' via the local socket as root"
		return 1
	}
	my_try anomgen anomgen "$MY_HOST" "$MY_PORT" || {
		REASON="cannot connect as anomgen over TCP after creating it: $MY_ERR"
		return 1
	}
}

# ---------------------------------------------------------------------- main

EXPORTS=()
FAILED=()
DSN=""
REASON=""

if setup_postgres; then
	log "PostgreSQL: ANOMGEN_TEST_POSTGRES=$DSN"
	EXPORTS+=("export ANOMGEN_TEST_POSTGRES=$(shell_quote "$DSN")")
else
	FAILED+=("PostgreSQL: $REASON")
fi

if setup_mysql; then
	log "MariaDB: ANOMGEN_TEST_MYSQL=$DSN"
	EXPORTS+=("export ANOMGEN_TEST_MYSQL=$(shell_quote "$DSN")")
else
	FAILED+=("MariaDB: $REASON")
fi

if [ "${#FAILED[@]}" -gt 0 ]; then
	for f in "${FAILED[@]}"; do
		if is_ci; then
			log "ERROR: $f"
		else
			log "warning: $f -- its tests will be skipped"
		fi
	done
	if is_ci; then
		log "ERROR: CI=true and not all database servers are available"
		exit 1
	fi
fi

if [ "${#EXPORTS[@]}" -gt 0 ]; then
	printf '%s\n' "${EXPORTS[@]}" >&3
fi
