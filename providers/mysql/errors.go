package mysql

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/anomgen/anomgen/providers"
	driver "github.com/go-sql-driver/mysql"
)

// classify turns a failed connection into a *providers.ConnectError that
// says what happened and what to do, and whether a retry may help.
func classify(err error, s providers.Settings, cfg *driver.Config) error {
	ce := &providers.ConnectError{Class: providers.ClassOther, Source: fmt.Sprintf("source.%s.%s (%s, database %s)", s.Type, s.Name, cfg.Addr, cfg.DBName)}
	var me *driver.MySQLError
	var ne net.Error
	var dnsErr *net.DNSError
	var se *sessionError
	switch {
	case errors.As(err, &se) && errors.As(err, &me):
		ce.Detail = fmt.Sprintf("the session variables of options could not be set: %s (MySQL error %d)", me.Message, me.Number)
		ce.Hint = "Check the names and values in the source's options: a value is passed as it is written (a number, or a string without quotes)"
	case errors.As(err, &me):
		switch me.Number {
		case 1045:
			ce.Class, ce.Detail = providers.ClassAuth, fmt.Sprintf("authentication failed for user %q", cfg.User)
			ce.Hint = "Check the username and password (the password is not shown)."
		case 1130:
			ce.Class, ce.Detail = providers.ClassAuth, fmt.Sprintf("user %q may not connect from this host (%s)", cfg.User, me.Message)
			ce.Hint = "Create the user for this host, or connect from an allowed one."
		case 1049:
			ce.Class, ce.Detail = providers.ClassDatabase, fmt.Sprintf("database %q does not exist", cfg.DBName)
			ce.Hint = "Create it, or fix database in the source block."
		case 1044:
			ce.Class, ce.Detail = providers.ClassPermission, fmt.Sprintf("user %q may not use database %q", cfg.User, cfg.DBName)
			ce.Hint = fmt.Sprintf("Ask an administrator to grant access, e.g. GRANT SELECT, INSERT, UPDATE, DELETE ON %s.* TO the user.", Dialect{}.Quote(cfg.DBName))
		case 1040, 1203:
			ce.Class, ce.Detail, ce.Transient = providers.ClassBusy, "the server has too many connections ("+me.Message+")", true
			ce.Hint = "Wait for other clients to disconnect, or raise max_connections (max_user_connections)."
		case 1053:
			ce.Class, ce.Detail, ce.Transient = providers.ClassBusy, "the server is shutting down", true
			ce.Hint = "Try again when it is up."
		default:
			ce.Detail = fmt.Sprintf("%s (MySQL error %d)", me.Message, me.Number)
		}
	case isTLS(err):
		ce.Class, ce.Detail = providers.ClassTLS, "the TLS handshake failed: "+tlsReason(err)
		ce.Hint = "Check tls (disable, require, verify-ca, verify-full), ca_file and the server's certificate."
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		host, _, _ := net.SplitHostPort(cfg.Addr)
		ce.Class, ce.Detail = providers.ClassUnreachable, fmt.Sprintf("host %q was not found", host)
		ce.Hint = "Check host in the source block."
	case errors.As(err, &ne) && ne.Timeout():
		ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, fmt.Sprintf("the server did not answer within %s", cfg.Timeout), true
		ce.Hint = fmt.Sprintf("Is MySQL/MariaDB running and reachable on %s (a firewall may drop the packets)? Check host and port, or raise connect_timeout.", cfg.Addr)
	case errors.As(err, &ne), strings.Contains(err.Error(), "connection refused"):
		ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, "the server did not answer", true
		ce.Hint = fmt.Sprintf("Is MySQL/MariaDB running and listening on %s? Check host and port.", cfg.Addr)
	case providers.IsConnLost(err):
		ce.Class, ce.Detail, ce.Transient = providers.ClassBusy, "the server closed the connection while it was being set up", true
		ce.Hint = "The server may be restarting or refusing clients; try again, and check its log."
	default:
		ce.Detail = providers.FirstLine(err.Error())
	}
	return ce
}

func isTLS(err error) bool {
	return errors.Is(err, driver.ErrNoTLS) || providers.IsTLSError(err)
}

func tlsReason(err error) string {
	if errors.Is(err, driver.ErrNoTLS) {
		return "the server does not offer TLS"
	}
	if r, ok := providers.CertificateReason(err); ok {
		return r
	}
	return providers.FirstLine(err.Error())
}

var (
	// 1142: UPDATE command denied to user 'u'@'h' for table `db`.`orders`
	tableDenied = regexp.MustCompile(`^(\w+) command denied to user (\S+) for table (.+)$`)
	// 1143: SELECT command denied to user 'u'@'h' for column 'c' in table 't'
	columnDenied = regexp.MustCompile(`^(\w+) command denied to user (\S+) for column (\S+) in table (.+)$`)
	// 1044: Access denied for user 'u'@'h' to database 'x'
	databaseDenied = regexp.MustCompile(`^Access denied for user (\S+) to database (.+)$`)
)

func unquote(s string) string {
	return strings.NewReplacer("`", "", "'", "").Replace(strings.TrimSpace(s))
}

// Classify recognises MySQL's and MariaDB's errors by number.
func (drv) Classify(err error) *providers.Error {
	var me *driver.MySQLError
	if !errors.As(err, &me) {
		if errors.Is(err, driver.ErrInvalidConn) {
			return providers.ConnLost(err, "")
		}
		return nil
	}
	e := &providers.Error{Err: err}
	switch me.Number {
	case 1142:
		if m := tableDenied.FindStringSubmatch(me.Message); m != nil {
			return providers.Permission(err, m[1], unquote(m[3]), unquote(m[2]))
		}
		return providers.Permission(err, "", "", "")
	case 1143:
		if m := columnDenied.FindStringSubmatch(me.Message); m != nil {
			return providers.Permission(err, m[1], "column "+unquote(m[3])+" of "+unquote(m[4]), unquote(m[2]))
		}
		return providers.Permission(err, "", "", "")
	case 1044:
		if m := databaseDenied.FindStringSubmatch(me.Message); m != nil {
			return providers.Permission(err, "", "database "+unquote(m[2]), unquote(m[1]))
		}
		return providers.Permission(err, "", "", "")
	case 1227: // Access denied; you need (at least one of) the X privilege(s)
		return providers.Permission(err, "", "", "")
	case 1205:
		e.Class, e.Detail = providers.ClassLockTimeout, "lock wait timeout ("+me.Message+")"
		e.Hint = "Another session holds locks on the rows (a long transaction, a migration, a backup): wait for it to finish, or raise innodb_lock_wait_timeout in the source's options, then run the command again"
	case 1213:
		e.Class, e.Detail = providers.ClassSerialization, "deadlock with another transaction ("+me.Message+")"
		e.Hint = "A concurrent transaction locked the same rows; run the command again"
	case 1927, 2006, 2013, 1053, 1158, 1159, 1160, 1161:
		return providers.ConnLost(err, me.Message)
	case 1040, 1203:
		e.Class, e.Detail = providers.ClassBusy, "the server has too many connections"
		e.Hint = "Wait for other clients to disconnect, or raise max_connections"
	case 3024, 1969:
		e.Class, e.Detail = providers.ClassOther, "the statement ran out of time ("+me.Message+")"
		e.Hint = "Raise max_execution_time (max_statement_time) in the source's options, or run the command again"
	case 1049:
		e.Class, e.Detail = providers.ClassDatabase, me.Message
		e.Hint = "Create it, or fix database in the source block"
	case 1045:
		e.Class, e.Detail = providers.ClassAuth, me.Message
		e.Hint = "Check the username and password (the password is not shown)"
	default:
		return nil
	}
	return e
}

// Grant returns the statement that grants privilege on object to user
// (user@host as CURRENT_USER() gives it): object is database.table or
// "database NAME".
func (*inspector) Grant(privilege, object, user string) string { return grant(privilege, object, user) }

func grant(privilege, object, user string) string {
	d := Dialect{}
	on := ""
	if db, ok := strings.CutPrefix(object, "database "); ok {
		on = d.Quote(db) + ".*"
	} else {
		object = strings.TrimPrefix(object, "table ")
		schema, name := providers.SplitTable(object)
		on = d.Quote(name)
		if schema != "" {
			on = d.Quote(schema) + "." + on
		}
	}
	return fmt.Sprintf("GRANT %s ON %s TO %s;", privilege, on, account(user))
}

// account writes user@host as 'user'@'host'.
func account(user string) string {
	if user == "" {
		return "<user>"
	}
	if strings.HasPrefix(user, "'") {
		return user
	}
	name, host := user, "%"
	if i := strings.LastIndex(user, "@"); i >= 0 {
		name, host = user[:i], user[i+1:]
	}
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	return q(name) + "@" + q(host)
}
