package sqlserver

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/anomgen/anomgen/providers"
	mssql "github.com/microsoft/go-mssqldb"
	"github.com/microsoft/go-mssqldb/msdsn"
)

// numbers lists the error numbers of a server error, first to last: a
// failed login reports why (4060: no such database) before 18456.
func numbers(e mssql.Error) []int32 {
	if len(e.All) == 0 {
		return []int32{e.Number}
	}
	out := make([]int32, len(e.All))
	for i, x := range e.All {
		out[i] = x.Number
	}
	return out
}

func has(nums []int32, want ...int32) bool {
	for _, n := range nums {
		for _, w := range want {
			if n == w {
				return true
			}
		}
	}
	return false
}

// message returns the message of the first error with one of the numbers.
func message(e mssql.Error, want ...int32) string {
	all := e.All
	if len(all) == 0 {
		all = []mssql.Error{e}
	}
	for _, x := range all {
		if has([]int32{x.Number}, want...) {
			return strings.TrimPrefix(x.Message, "login error: ")
		}
	}
	return strings.TrimPrefix(e.Message, "login error: ")
}

// classify turns a failed connection into a *providers.ConnectError that
// says what happened and what to do, and whether a retry may help.
func classify(err error, s providers.Settings, cfg msdsn.Config) error {
	at := where(cfg)
	ce := &providers.ConnectError{Class: providers.ClassOther, Source: fmt.Sprintf("source.%s.%s (%s, database %s)", s.Type, s.Name, at, cfg.Database)}
	var me mssql.Error
	var ne net.Error
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &me):
		nums := numbers(me)
		switch {
		case has(nums, 4060): // Cannot open database "x" requested by the login.
			ce.Class, ce.Detail = providers.ClassDatabase, fmt.Sprintf("database %q does not exist, or user %q may not open it", cfg.Database, cfg.User)
			ce.Hint = "Create it, fix database in the source block, or create a user for the login in that database (CREATE USER ... FOR LOGIN ...)."
		case has(nums, 18456): // Login failed for user 'x'.
			ce.Class, ce.Detail = providers.ClassAuth, fmt.Sprintf("login failed for user %q", cfg.User)
			ce.Hint = "Check the username and password (the password is not shown), and that the server allows SQL Server authentication (mixed mode)."
		case has(nums, 18470, 18486, 18487, 18488): // disabled, locked out, password expired, must change
			ce.Class, ce.Detail = providers.ClassAuth, fmt.Sprintf("login refused for user %q: %s", cfg.User, message(me, 18470, 18486, 18487, 18488))
			ce.Hint = "Ask an administrator to enable or unlock the login, or to reset its password."
		case has(nums, 18452): // Login is from an untrusted domain
			ce.Class, ce.Detail = providers.ClassAuth, "the server accepts only Windows authentication"
			ce.Hint = "Ask an administrator to enable SQL Server and Windows Authentication mode, or connect with a Windows login."
		case has(nums, 40613, 40501, 10928, 10929, 40197, 49918, 49919, 49920): // Azure SQL: unavailable, busy, resource limits
			ce.Class, ce.Detail, ce.Transient = providers.ClassBusy, "the database cannot take connections now ("+message(me, 40613, 40501, 10928, 10929, 40197, 49918, 49919, 49920)+")", true
			ce.Hint = "Try again in a moment."
		case has(nums, 17809, 18401): // too many connections; server in script upgrade / single user
			ce.Class, ce.Detail, ce.Transient = providers.ClassBusy, "the server cannot take connections now ("+message(me, 17809, 18401)+")", true
			ce.Hint = "Wait for other clients to disconnect or for the server to finish starting, then try again."
		default:
			ce.Detail = fmt.Sprintf("%s (SQL Server error %d)", strings.TrimPrefix(me.Message, "login error: "), me.Number)
		}
	case isTLS(err):
		ce.Class, ce.Detail = providers.ClassTLS, "the TLS handshake failed: "+tlsReason(err)
		ce.Hint = "Check tls (disable, require, verify-ca, verify-full), ca_file and the server's certificate."
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		ce.Class, ce.Detail = providers.ClassUnreachable, fmt.Sprintf("host %q was not found", cfg.Host)
		ce.Hint = "Check host in the source block."
	case strings.Contains(err.Error(), "unable to get instances from Sql Server Browser"):
		ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, fmt.Sprintf("the SQL Server Browser on %s did not answer for instance %q", cfg.Host, cfg.Instance), true
		ce.Hint = "Check that the SQL Server Browser service runs and UDP port 1434 is open, or give the instance's port in port."
	case errors.As(err, &ne) && ne.Timeout() || strings.Contains(err.Error(), "context deadline exceeded") || strings.Contains(err.Error(), "i/o timeout"):
		ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, fmt.Sprintf("the server did not answer within %s", cfg.ConnTimeout), true
		ce.Hint = fmt.Sprintf("Is SQL Server running and reachable on %s (a firewall may drop the packets)? Check host and port, or raise connect_timeout.", at)
	case errors.As(err, &ne) || strings.Contains(err.Error(), "unable to open tcp connection") || strings.Contains(err.Error(), "connection refused"):
		ce.Class, ce.Detail, ce.Transient = providers.ClassUnreachable, "the server did not answer", true
		ce.Hint = fmt.Sprintf("Is SQL Server running and listening on %s (TCP/IP enabled)? Check host and port.", at)
	case providers.IsConnLost(err):
		ce.Class, ce.Detail, ce.Transient = providers.ClassBusy, "the server closed the connection while it was being set up", true
		ce.Hint = "The server may be restarting, refusing clients or requiring encryption (tls); try again, and check its log."
	default:
		ce.Detail = providers.FirstLine(err.Error())
	}
	return ce
}

func isTLS(err error) bool {
	return providers.IsTLSError(err, "TLS Handshake failed", "server does not support encryption", "encrypt negotiation failed")
}

// tlsReason says why the handshake failed, in a few words. go-mssqldb
// reports most handshake failures as text, so the text is read too.
func tlsReason(err error) string {
	s := err.Error()
	if strings.Contains(s, "server does not support encryption") {
		return "the server does not offer TLS"
	}
	if r, ok := providers.CertificateReason(err); ok {
		return r
	}
	switch {
	case strings.Contains(s, "certificate signed by unknown authority"):
		return "the server's certificate is not signed by a trusted authority (ca_file)"
	case strings.Contains(s, "certificate is valid for") || strings.Contains(s, "certificate is not valid for any names"):
		return "the server's certificate does not name the host (a self-signed SQL Server certificate names the machine)"
	}
	if i := strings.LastIndex(s, "TLS Handshake failed: "); i >= 0 {
		return providers.FirstLine(s[i+len("TLS Handshake failed: "):])
	}
	return providers.FirstLine(s)
}

var (
	// 229, 230, 300: The SELECT permission was denied on the object
	// 'orders', database 'shop', schema 'dbo'.
	deniedObject = regexp.MustCompile(`^The (\w+(?: \w+)*) permission was denied on (?:the column '[^']*' of )?(?:the )?object '([^']*)', database '[^']*'(?:, schema '([^']*)')?`)
	// 262: CREATE TABLE permission denied in database 'shop'.
	deniedDatabase = regexp.MustCompile(`^(\w+(?: \w+)*) permission denied in database '([^']*)'`)
	// 2760: The specified schema name "anomgen" either does not exist or
	// you do not have permission to use it.
	deniedSchema = regexp.MustCompile(`schema name "([^"]*)"`)
	// 1088: Cannot find the object "dbo.orders" because it does not exist
	// or you do not have permissions (SET IDENTITY_INSERT without ALTER).
	missingObject = regexp.MustCompile(`Cannot find the object "([^"]*)"`)
)

// Classify recognises SQL Server's errors by number.
func (drv) Classify(err error) *providers.Error {
	var me mssql.Error
	if !errors.As(err, &me) {
		return nil
	}
	e := &providers.Error{Err: err}
	msg := me.Message
	switch me.Number {
	case 229, 230, 300:
		priv, object := "", ""
		if m := deniedObject.FindStringSubmatch(msg); m != nil {
			priv, object = m[1], m[2]
			if m[3] != "" {
				object = m[3] + "." + m[2]
			}
		}
		return providers.Permission(err, priv, object, "")
	case 262:
		if m := deniedDatabase.FindStringSubmatch(msg); m != nil {
			return providers.Permission(err, m[1], "database "+m[2], "")
		}
		return providers.Permission(err, "", "", "")
	case 2760:
		if m := deniedSchema.FindStringSubmatch(msg); m != nil {
			return providers.Permission(err, "ALTER", "schema "+m[1], "")
		}
		return providers.Permission(err, "", "", "")
	case 1088:
		if m := missingObject.FindStringSubmatch(msg); m != nil {
			return providers.Permission(err, "ALTER", m[1], "")
		}
		return nil
	case 1222:
		e.Class, e.Detail = providers.ClassLockTimeout, "lock request time out ("+msg+")"
		e.Hint = "Another session holds a lock on the table (a long transaction, an index rebuild, a backup): wait for it to finish, or raise LOCK_TIMEOUT, then run the command again"
	case 1205:
		e.Class, e.Detail = providers.ClassSerialization, "chosen as deadlock victim"
		e.Hint = "A concurrent transaction locked the same rows; run the command again"
	case 3960, 3961:
		e.Class, e.Detail = providers.ClassSerialization, "snapshot isolation update conflict ("+msg+")"
		e.Hint = "A concurrent transaction changed the same rows; run the command again"
	case 596, 233, 10054, 10053:
		return providers.ConnLost(err, msg)
	case 40613, 40501, 10928, 10929, 40197, 17809:
		e.Class, e.Detail = providers.ClassBusy, "the database cannot take the request now ("+msg+")"
		e.Hint = "Try again in a moment"
	case 4060:
		e.Class, e.Detail = providers.ClassDatabase, strings.TrimPrefix(msg, "login error: ")
		e.Hint = "Create it, or fix database in the source block"
	case 18456, 18470, 18486, 18487, 18488:
		e.Class, e.Detail = providers.ClassAuth, strings.TrimPrefix(msg, "login error: ")
		e.Hint = "Check the username and password (the password is not shown)"
	default:
		return nil
	}
	return e
}
