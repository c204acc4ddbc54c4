package providers

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
)

// Class says what kind of failure an error is, so that messages can say
// what happened and what to do, and callers can decide whether to retry.
type Class string

const (
	// ClassUnreachable: the server did not answer (refused, timed out,
	// unknown host).
	ClassUnreachable Class = "unreachable"
	// ClassTLS: the TLS handshake failed (certificate, mode).
	ClassTLS Class = "tls"
	// ClassAuth: the server refused the user name or password.
	ClassAuth Class = "auth"
	// ClassDatabase: the database does not exist.
	ClassDatabase Class = "database"
	// ClassPermission: the user lacks a privilege.
	ClassPermission Class = "permission"
	// ClassBusy: the server cannot take the connection now (too many
	// connections, starting up); worth retrying.
	ClassBusy Class = "busy"
	// ClassLockTimeout: a lock was not granted in time.
	ClassLockTimeout Class = "lock_timeout"
	// ClassSerialization: the database aborted the transaction to resolve
	// a conflict with another one (serialization failure, deadlock).
	ClassSerialization Class = "serialization"
	// ClassConnLost: the connection broke while it was in use.
	ClassConnLost Class = "connection_lost"
	// ClassOther is everything else.
	ClassOther Class = "other"
)

// Error is a classified database error: Detail says what happened, Hint
// what to do. Err is the driver's error.
type Error struct {
	Class  Class
	Detail string
	Hint   string
	// Privilege and Object name what a ClassPermission error refused,
	// e.g. UPDATE on public.orders; either may be empty when the database
	// did not say.
	Privilege, Object string
	// User is the account that was refused, when the database said.
	User string
	Err  error
}

func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Detail
	}
	return e.Detail + ". " + e.Hint
}

func (e *Error) Unwrap() error { return e.Err }

// Classifier is implemented by a Driver that recognises its database's
// errors (SQLSTATEs, error numbers). It returns nil for errors it does
// not know.
type Classifier interface {
	Classify(err error) *Error
}

// Granter is implemented by an Inspector that can write the statement
// that grants privilege on object (a table or schema as the database names
// it) to user.
type Granter interface {
	Grant(privilege, object, user string) string
}

// Classify returns err as an *Error with a class and a hint: the drivers'
// classifiers are asked first, then the errors every driver shares (a lost
// connection, a cancelled context). A *ConnectError or *Error is returned
// unchanged; nil stays nil.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var ce *ConnectError
	var pe *Error
	if errors.As(err, &ce) || errors.As(err, &pe) {
		return err
	}
	mu.Lock()
	var cls []Classifier
	for _, n := range namesLocked() {
		if c, ok := drivers[n].(Classifier); ok {
			cls = append(cls, c)
		}
	}
	mu.Unlock()
	for _, c := range cls {
		if e := c.Classify(err); e != nil {
			if e.Err == nil {
				e.Err = err
			}
			return e
		}
	}
	if IsConnLost(err) {
		return ConnLost(err, "")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Class: ClassOther, Detail: "the statement did not finish in time", Err: err}
	}
	return &Error{Class: ClassOther, Detail: FirstLine(err.Error()), Err: err}
}

// ClassOf returns the class of err (ClassOther when it is not classified).
func ClassOf(err error) Class {
	var ce *ConnectError
	if errors.As(err, &ce) {
		return ce.Class
	}
	var pe *Error
	if errors.As(Classify(err), &pe) {
		return pe.Class
	}
	return ClassOther
}

// ConnLost is the error for a connection that broke; why, when not empty,
// is what the server or the network said.
func ConnLost(err error, why string) *Error {
	d := "connection lost"
	if why != "" {
		d += " (" + why + ")"
	}
	return &Error{Class: ClassConnLost, Detail: d, Err: err,
		Hint: "Check that the server is up (it may have restarted, or an administrator ended the session), then run the command again"}
}

// IsConnLost reports whether err says that a connection broke, in the
// words every driver shares.
func IsConnLost(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) {
		return true
	}
	s := strings.ToLower(err.Error())
	for _, w := range []string{"connection reset", "broken pipe", "use of closed network connection", "unexpected eof",
		"conn closed", "bad connection", "invalid connection", "server has gone away", "lost connection"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// Permission is the error for a refused privilege. privilege and object
// may be empty when the database did not say.
func Permission(err error, privilege, object, user string) *Error {
	e := &Error{Class: ClassPermission, Privilege: strings.ToUpper(privilege), Object: object, User: user, Err: err}
	e.describe()
	e.Hint = "Ask an administrator to grant it; `anomgen check` lists every privilege apply and rollback need"
	return e
}

// describe writes Detail of a permission error from its fields.
func (e *Error) describe() {
	d := "permission denied"
	switch {
	case e.Privilege != "" && e.Object != "":
		d += fmt.Sprintf(": %s on %s", e.Privilege, e.Object)
	case e.Object != "":
		d += " on " + e.Object
	case e.Privilege != "":
		d += ": " + e.Privilege
	}
	if e.User != "" {
		d += fmt.Sprintf(" for user %s", e.User)
	}
	e.Detail = d
}

// WithStatement completes a permission error from the statement that got
// it: where the database named only the object (PostgreSQL does), the
// privilege is the statement's verb when the object is the table the
// statement writes, UPDATE when it is read with FOR UPDATE, SELECT when it
// is a table it reads, and CREATE (or
// USAGE) for a schema or database. Other errors are returned unchanged.
func WithStatement(err error, stmt string) error {
	var pe *Error
	if !errors.As(err, &pe) || pe.Class != ClassPermission || pe.Privilege != "" {
		return err
	}
	c := *pe
	verb, target := statementTarget(stmt)
	kind, name := splitKind(c.Object)
	switch kind {
	case "schema":
		c.Privilege = "USAGE"
		if verb == "CREATE" {
			c.Privilege = "CREATE"
		}
	case "database":
		c.Privilege = "CREATE"
		if verb != "CREATE" && !strings.Contains(strings.ToUpper(stmt), "CREATE SCHEMA") {
			c.Privilege = "CONNECT"
		}
	default:
		c.Object = name
		written := ""
		if verb == "WITH" && name != "" {
			written = cteWrite(stmt, name)
		}
		switch {
		case name != "" && target != "" && sameName(name, target) && (verb == "UPDATE" || verb == "DELETE" || verb == "INSERT"):
			c.Privilege = verb
		case written != "":
			// A data-modifying CTE (PostgreSQL's batches): the verb of the
			// part that writes the object.
			c.Privilege = written
		case strings.Contains(strings.ToUpper(stmt), " FOR UPDATE"):
			// A locking read (a journal's before-images) needs UPDATE on
			// the table it locks.
			c.Privilege = "UPDATE"
		case verb == "DROP":
			c.Privilege = "DROP"
		default:
			c.Privilege = "SELECT"
		}
	}
	c.describe()
	return &c
}

// splitKind splits "table orders" / "schema anomgen" into kind and name.
func splitKind(object string) (kind, name string) {
	for _, k := range []string{"table", "schema", "database", "relation", "view", "sequence"} {
		if rest, ok := strings.CutPrefix(object, k+" "); ok {
			if k == "relation" || k == "view" {
				k = "table"
			}
			return k, rest
		}
	}
	return "table", object
}

// statementTarget returns the verb of a statement and the table it writes
// (unquoted), e.g. UPDATE and public.orders.
func statementTarget(stmt string) (verb, target string) {
	return targetOf(strings.Fields(stmt))
}

// targetOf is statementTarget over a statement's words.
func targetOf(f []string) (verb, target string) {
	if len(f) == 0 {
		return "", ""
	}
	verb = strings.ToUpper(f[0])
	pick := func(i int) string {
		if i < len(f) && strings.EqualFold(f[i], "ONLY") { // UPDATE ONLY t, DELETE FROM ONLY t (PostgreSQL)
			i++
		}
		if i < len(f) {
			return unquote(f[i])
		}
		return ""
	}
	switch verb {
	case "UPDATE":
		return verb, pick(1)
	case "INSERT":
		return verb, pick(2) // INSERT INTO t
	case "DELETE":
		if len(f) > 1 && strings.EqualFold(f[1], "FROM") {
			return verb, pick(2)
		}
		return verb, pick(3) // DELETE t FROM table AS t
	case "CREATE", "DROP":
		return verb, ""
	}
	return verb, ""
}

// cteWrite returns the verb (UPDATE, DELETE, INSERT) with which a
// statement of data-modifying CTEs writes table name, or "" where none
// of its parts does: each part read as a statement (statementTarget)
// from the word that opens it.
func cteWrite(stmt, name string) string {
	f := strings.Fields(stmt)
	for i := range f {
		switch strings.ToUpper(strings.TrimLeft(f[i], "(")) {
		case "UPDATE", "DELETE", "INSERT":
			verb, target := targetOf(append([]string{strings.TrimLeft(f[i], "(")}, f[i+1:]...))
			if target != "" && sameName(name, target) {
				return verb
			}
		}
	}
	return ""
}

func unquote(s string) string {
	return strings.NewReplacer(`"`, "", "`", "", "[", "", "]", "").Replace(s)
}

// sameName compares a table name as an error gave it (maybe unqualified)
// with one as a statement wrote it (maybe qualified).
func sameName(a, b string) bool {
	a, b = strings.ToLower(unquote(a)), strings.ToLower(unquote(b))
	if a == b {
		return true
	}
	_, ta := SplitTable(a)
	_, tb := SplitTable(b)
	return ta == tb && (!strings.Contains(a, ".") || !strings.Contains(b, "."))
}

// FirstLine returns the first line of s.
func FirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
