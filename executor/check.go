package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/providers"
)

// CheckStatus is the outcome of one check item.
type CheckStatus string

const (
	CheckOK      CheckStatus = "ok"
	CheckFailed  CheckStatus = "failed"
	CheckSkipped CheckStatus = "skipped" // not checked: an earlier item failed, or the provider cannot tell
	CheckNote    CheckStatus = "note"    // worth knowing, not a problem
)

// CheckItem is one line of a source check.
type CheckItem struct {
	Status CheckStatus
	Text   string
	// Fix says what to run or change, for a failed item (e.g. a GRANT).
	Fix string
}

// SourceCheck is what Check found for one source.
type SourceCheck struct {
	Source string
	// Where names the server and database, for display.
	Where string
	Items []CheckItem
}

// Problems counts the failed items.
func (sc SourceCheck) Problems() int {
	n := 0
	for _, it := range sc.Items {
		if it.Status == CheckFailed {
			n++
		}
	}
	return n
}

// Check connects to source addr (retrying like every command) and reports
// reachability, authentication, the server version, and, through the
// provider's providers.Checker, the privileges apply and rollback need: on
// every target table of the source and on the journal schema (or the right
// to create it). It changes nothing.
func (e *Engine) Check(ctx context.Context, addr string) SourceCheck {
	sc := SourceCheck{Source: addr}
	add := func(st CheckStatus, text, fix string) {
		sc.Items = append(sc.Items, CheckItem{Status: st, Text: text, Fix: fix})
	}
	src := e.cfg.Source(addr)
	if src == nil {
		add(CheckFailed, addr+" is not declared in the scenario files", "")
		return sc
	}
	s, err := e.settings(ctx, src)
	if err != nil {
		sc.Where = "secrets not resolved"
		add(CheckFailed, "secrets: "+err.Error(), "")
		return sc
	}
	switch {
	case s.Path != "":
		sc.Where = s.Path
	case s.DSN != "":
		sc.Where = "dsn"
	default:
		sc.Where = fmt.Sprintf("%s:%d, database %s", s.Host, s.Port, s.Database)
	}
	c := e.conns[addr]
	if c == nil {
		var err error
		c, err = e.connect(ctx, addr, s)
		if err != nil {
			e.connectFailed(&sc, err, s.Path != "")
			return sc
		}
		e.conns[addr] = c
		e.emit(Event{Kind: EventConnected, Message: fmt.Sprintf("%s: %s, database %s (%s)", addr, c.Host, c.Database, c.Version)})
	}
	where := c.Host
	if s.DSN == "" && s.Path == "" {
		where = fmt.Sprintf("%s:%d", s.Host, s.Port)
	}
	if s.Path == "" {
		sc.Where = fmt.Sprintf("%s, database %s", where, c.Database)
		add(CheckOK, "reachable: "+where, "")
	} else {
		add(CheckOK, "database file opened: "+s.Path, "")
	}
	switch {
	case c.User != "":
		add(CheckOK, "authenticated as "+providers.ScrubString(c.User, s), "")
	case s.Path == "":
		add(CheckOK, "authenticated", "")
	}
	add(CheckOK, "server version "+c.Version, "")
	if !src.AllowWrites {
		add(CheckNote, "allow_writes is not set: plan works, but apply and rollback refuse this source", "add allow_writes = true to the source block (only for databases you may change)")
	}

	var tables []string
	seen := map[string]bool{}
	for _, t := range e.cfg.Targets {
		if t.Source == nil || t.Source.Addr() != addr || seen[t.Table] {
			continue
		}
		seen[t.Table] = true
		p, err := c.Inspector.Profile(ctx, t.Table, "")
		var nt *providers.NoTableError
		switch {
		case errors.As(err, &nt):
			fix := "fix table in target \"" + t.Name + "\""
			if len(nt.Similar) > 0 {
				fix += "; similar tables: " + strings.Join(nt.Similar, ", ")
			}
			add(CheckFailed, fmt.Sprintf("table %s (target %q) does not exist, or the user may not see it", nt.Table, t.Name), fix)
		case err != nil:
			add(CheckFailed, fmt.Sprintf("table %s (target %q) cannot be inspected: %s", t.Table, t.Name, describe(providers.Scrub(err, s)).Error()), "")
		default:
			tables = append(tables, p.Table.String())
		}
	}
	checker, ok := c.Inspector.(providers.Checker)
	if !ok {
		add(CheckSkipped, fmt.Sprintf("privileges: not checked (the %s provider cannot list them yet)", src.Type), "")
		return sc
	}
	privs, err := checker.Privileges(ctx, tables, src.JournalSchema, false)
	if err != nil {
		add(CheckFailed, "privileges could not be read: "+describe(providers.Scrub(err, s)).Error(), "")
		return sc
	}
	for _, p := range privs {
		text := p.Privilege + " on " + p.Object
		if p.Detail != "" {
			text += ": " + p.Detail
		}
		if p.Granted {
			add(CheckOK, text, "")
			continue
		}
		fix := p.Grant
		if fix == "" {
			fix = p.Detail
			text = p.Privilege + " on " + p.Object
		}
		add(CheckFailed, text, fix)
	}
	return sc
}

// connectFailed reports a failed connection as the items it decides: what
// worked up to the failure, the failure, and what could not be checked.
func (e *Engine) connectFailed(sc *SourceCheck, err error, embedded bool) {
	add := func(st CheckStatus, text, fix string) {
		sc.Items = append(sc.Items, CheckItem{Status: st, Text: text, Fix: fix})
	}
	var ce *providers.ConnectError
	if !errors.As(err, &ce) {
		add(CheckFailed, "connection: "+providers.FirstLine(err.Error()), "")
		return
	}
	if embedded {
		add(CheckFailed, "database file: "+ce.Detail, ce.Hint)
		return
	}
	if i := strings.Index(ce.Source, " ("); i >= 0 && strings.HasSuffix(ce.Source, ")") {
		sc.Where = ce.Source[i+2 : len(ce.Source)-1]
	}
	skip := func(items ...string) {
		for _, it := range items {
			add(CheckSkipped, it+": not checked", "")
		}
	}
	switch ce.Class {
	case providers.ClassUnreachable, providers.ClassBusy:
		add(CheckFailed, "reachable: "+ce.Detail, ce.Hint)
		skip("authentication", "server version", "privileges")
	case providers.ClassTLS:
		add(CheckOK, "reachable", "")
		add(CheckFailed, "TLS: "+ce.Detail, ce.Hint)
		skip("authentication", "server version", "privileges")
	case providers.ClassAuth:
		add(CheckOK, "reachable", "")
		add(CheckFailed, "authentication: "+ce.Detail, ce.Hint)
		skip("server version", "privileges")
	case providers.ClassDatabase, providers.ClassPermission:
		add(CheckOK, "reachable", "")
		add(CheckOK, "authenticated", "")
		add(CheckFailed, "database: "+ce.Detail, ce.Hint)
		skip("server version", "privileges")
	default:
		add(CheckFailed, "connection: "+ce.Detail, ce.Hint)
		skip("privileges")
	}
}
