package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/providers"
)

// auditRecord is one line of the audit log: who changed what, where, how
// many rows, and how it ended. It never holds a secret: sources are named
// by address, host and database, errors are scrubbed.
type auditRecord struct {
	Time     time.Time `json:"time"`
	User     string    `json:"user"`
	Host     string    `json:"host"`
	Command  string    `json:"command"`
	Address  string    `json:"address"`
	Action   string    `json:"action"`
	Source   string    `json:"source"`
	DBHost   string    `json:"source_host"`
	Database string    `json:"database"`
	Table    string    `json:"table"`
	Rows     int64     `json:"rows"`
	Outcome  string    `json:"outcome"` // done, failed
	Error    string    `json:"error,omitempty"`
	// Note says why the daemon did nothing (a skipped occurrence).
	Note string `json:"note,omitempty"`
	// Occurrence is the fire time of the daemon's occurrence the record
	// is about (applied, reverted or skipped).
	Occurrence *time.Time `json:"occurrence,omitempty"`
}

// auditor collects executor events of one run and appends them to the
// audit log (mode 0600), one JSON line per change.
type auditor struct {
	mu      sync.Mutex
	path    string
	command string
	recs    []auditRecord
	s       *session
	// occurrence, when set, gives the fire time of an address's
	// occurrence (the daemon).
	occurrence func(addr string) time.Time
}

func (a *app) auditPath() string {
	if a.auditLog != "" {
		return a.auditLog
	}
	return filepath.Join(a.dir, ".anomgen", "audit.log")
}

// watch wraps the session's event handler to record outcomes.
func (a *app) watch(s *session, command string) *auditor {
	au := &auditor{path: a.auditPath(), command: command, s: s}
	next := s.eng.Events
	s.eng.Events = func(ev executor.Event) {
		if ev.Kind == executor.EventDone || ev.Kind == executor.EventFailed {
			au.add(ev)
		}
		if next != nil {
			next(ev)
		}
	}
	return au
}

func (au *auditor) add(ev executor.Event) {
	au.mu.Lock()
	defer au.mu.Unlock()
	host, _ := os.Hostname()
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	rec := auditRecord{Time: time.Now().UTC(), User: who, Host: host, Command: au.command, Address: ev.Address,
		Action: string(ev.Action), Rows: ev.Rows, Outcome: "done"}
	if ev.Kind == executor.EventFailed {
		rec.Outcome = "failed"
		if ev.Err != nil {
			rec.Error = ev.Err.Error()
			for _, src := range au.s.cfg.Sources {
				rec.Error = providers.Scrub(fmt.Errorf("%s", rec.Error), executor.Settings(src, au.s.cfg.Dir)).Error()
			}
		}
	}
	if a := au.s.cfg.Anomaly(ev.Address); a != nil && a.Target != nil {
		rec.Source, rec.Table = a.Target.Source.Addr(), a.Target.Table
	} else if prior := au.s.st.Get(ev.Address); prior != nil {
		rec.Source, rec.Table = prior.Source, prior.Journal.Table
	}
	if c := au.s.eng.Conn(rec.Source); c != nil {
		rec.DBHost, rec.Database = c.Host, c.Database
	}
	if au.occurrence != nil {
		if t := au.occurrence(ev.Address); !t.IsZero() {
			rec.Occurrence = &t
		}
	}
	au.recs = append(au.recs, rec)
}

// flush appends the records; an audit log that cannot be written is an
// error the user sees, since the change itself has happened.
func (au *auditor) flush() error {
	au.mu.Lock()
	defer au.mu.Unlock()
	if len(au.recs) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(au.path), 0o700); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(au.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, r := range au.recs {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
	}
	au.recs = nil
	return f.Sync()
}
