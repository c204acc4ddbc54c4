package postgres

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/anomgen/anomgen/providers"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// classify turns a failed connection into a *providers.ConnectError that
// says what happened and what to do, and whether a retry may help.
func classify(err error, s providers.Settings, cfg *pgx.ConnConfig) error {
	where := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	ce := &providers.ConnectError{Class: providers.ClassOther, Source: fmt.Sprintf("source.%s.%s (%s, database %s)", s.Type, s.Name, where, cfg.Database)}
	var pgErr *pgconn.PgError
	var netErr net.Error
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case "28P01":
			ce.Class, ce.Detail = providers.ClassAuth, fmt.Sprintf("authentication failed for user %q", cfg.User)
			ce.Hint = "Check the username and password (the password is not shown)."
		case "28000":
			ce.Class, ce.Detail = providers.ClassAuth, fmt.Sprintf("authentication failed for user %q: %s", cfg.User, pgErr.Message)
			ce.Hint = "The server's pg_hba.conf does not let this user in from here (or requires TLS): check username and tls, or ask the administrator."
		case "3D000":
			ce.Class, ce.Detail = providers.ClassDatabase, fmt.Sprintf("database %q does not exist", cfg.Database)
			ce.Hint = "Create it, or fix database in the source block."
		case "42501":
			ce.Class, ce.Detail = providers.ClassPermission, fmt.Sprintf("permission denied: CONNECT on database %s for user %s", cfg.Database, cfg.User)
			ce.Hint = "Ask an administrator to run: " + grant("CONNECT", "database "+cfg.Database, cfg.User)
		case "53300":
			ce.Class, ce.Detail, ce.Transient = providers.ClassBusy, "the server has too many connections ("+pgErr.Message+")", true
			ce.Hint = "Wait for other clients to disconnect, or raise max_connections."
		case "57P03", "57P01", "57P02":
			ce.Class, ce.Detail, ce.Transient = providers.ClassBusy, "the server cannot take connections now ("+pgErr.Message+")", true
			ce.Hint = "The server is starting up, shutting down or in recovery; try again when it is up."
		default:
			ce.Detail = fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
		}
	case isTLS(err):
		ce.Class, ce.Detail = providers.ClassTLS, "the TLS handshake failed: "+tlsReason(err)
		ce.Hint = "Check tls (disable, require, verify-ca, verify-full), ca_file and the server's certificate."
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		ce.Class, ce.Detail = providers.ClassUnreachable, fmt.Sprintf("host %q was not found", cfg.Host)
		ce.Hint = "Check host in the source block."
	case pgconn.Timeout(err) || errors.As(err, &netErr) && netErr.Timeout():
		ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, fmt.Sprintf("the server did not answer within %s", cfg.ConnectTimeout), true
		ce.Hint = fmt.Sprintf("Is PostgreSQL running and reachable on %s (a firewall may drop the packets)? Check host and port, or raise connect_timeout.", where)
	case errors.As(err, &netErr) || strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "dial error"):
		ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, "the server did not answer", true
		ce.Hint = fmt.Sprintf("Is PostgreSQL running and listening on %s? Check host and port.", where)
	case providers.IsConnLost(err):
		ce.Class, ce.Detail, ce.Transient = providers.ClassBusy, "the server closed the connection while it was being set up", true
		ce.Hint = "The server may be restarting or refusing clients; try again, and check its log."
	default:
		ce.Detail = providers.FirstLine(err.Error())
	}
	return ce
}

func isTLS(err error) bool {
	return providers.IsTLSError(err, "tls error", "server refused TLS")
}

// tlsReason says why the handshake failed, in a few words.
func tlsReason(err error) string {
	if strings.Contains(err.Error(), "server refused TLS") {
		return "the server does not offer TLS"
	}
	if r, ok := providers.CertificateReason(err); ok {
		return r
	}
	s := err.Error()
	if i := strings.LastIndex(s, "tls error: "); i >= 0 {
		return s[i+len("tls error: "):]
	}
	return providers.FirstLine(s)
}

// Classify recognises PostgreSQL's errors by SQLSTATE.
func (driver) Classify(err error) *providers.Error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return nil
	}
	e := &providers.Error{Err: err}
	switch pgErr.Code {
	case "42501": // insufficient_privilege: "permission denied for table orders"
		object := ""
		if rest, ok := strings.CutPrefix(pgErr.Message, "permission denied for "); ok {
			object = rest
		}
		return providers.Permission(err, "", object, "")
	case "55P03": // lock_not_available
		e.Class, e.Detail = providers.ClassLockTimeout, "lock wait timeout ("+pgErr.Message+")"
		e.Hint = "Another session holds a lock on the table (a long transaction, a migration, a backup): wait for it to finish, or raise lock_timeout in the source's options, then run the command again"
	case "40001": // serialization_failure
		e.Class, e.Detail = providers.ClassSerialization, "serialization failure ("+pgErr.Message+")"
		e.Hint = "A concurrent transaction changed the same rows; run the command again"
	case "40P01": // deadlock_detected
		e.Class, e.Detail = providers.ClassSerialization, "deadlock with another transaction ("+pgErr.Message+")"
		e.Hint = "A concurrent transaction locked the same rows; run the command again"
	case "57P01", "57P02", "57P03", "57P05", "08000", "08003", "08006":
		return providers.ConnLost(err, pgErr.Message)
	case "57014": // query_canceled
		e.Class, e.Detail = providers.ClassOther, "the statement was cancelled ("+pgErr.Message+")"
		e.Hint = "A statement_timeout or an administrator cancelled it; raise statement_timeout in the source's options, or run the command again"
	case "53300":
		e.Class, e.Detail = providers.ClassBusy, "the server has too many connections"
		e.Hint = "Wait for other clients to disconnect, or raise max_connections"
	case "3D000":
		e.Class, e.Detail = providers.ClassDatabase, pgErr.Message
		e.Hint = "Create it, or fix database in the source block"
	case "28P01", "28000":
		e.Class, e.Detail = providers.ClassAuth, pgErr.Message
		e.Hint = "Check the username and password (the password is not shown)"
	default:
		return nil
	}
	return e
}

// Grant returns the statement that grants privilege on object to user:
// object is schema.table, "schema NAME" or "database NAME".
func (inspector) Grant(privilege, object, user string) string { return grant(privilege, object, user) }

func grant(privilege, object, user string) string {
	d := Dialect{}
	on := ""
	switch {
	case strings.HasPrefix(object, "schema "):
		on = "SCHEMA " + d.Quote(strings.TrimPrefix(object, "schema "))
	case strings.HasPrefix(object, "database "):
		on = "DATABASE " + d.Quote(strings.TrimPrefix(object, "database "))
	default:
		schema, name := providers.SplitTable(strings.TrimPrefix(object, "table "))
		on = d.Quote(name)
		if schema != "" {
			on = d.Quote(schema) + "." + on
		}
	}
	if user == "" {
		user = "<user>"
	} else {
		user = d.Quote(user)
	}
	return fmt.Sprintf("GRANT %s ON %s TO %s;", privilege, on, user)
}
