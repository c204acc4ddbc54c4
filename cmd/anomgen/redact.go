package main

import (
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/anomgen/anomgen/providers"
)

// redactor is the last line of defence: every stream a command writes
// (standard output, standard error, the log) passes through it, and it
// replaces each secret the engine revealed to a driver, in every form
// providers.SecretForms lists, with (sensitive). Secrets are kept out of
// messages where they arise (providers.Scrub); this catches what a driver
// or a future message lets through.
type redactor struct {
	mu    sync.RWMutex
	forms []string // longest first
}

// add registers secret values (executor.Engine.Revealed).
func (r *redactor) add(values []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, f := range r.forms {
		seen[f] = true
	}
	for _, v := range values {
		if len(v) < 3 {
			continue
		}
		for _, f := range providers.SecretForms(v) {
			if !seen[f] {
				seen[f] = true
				r.forms = append(r.forms, f)
			}
		}
	}
	sort.SliceStable(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })
}

func (r *redactor) redact(s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, "(sensitive)")
	}
	return s
}

// writer wraps w. Each Write is redacted as a whole: fmt and slog write a
// message (a log record) in one call.
func (r *redactor) writer(w io.Writer) io.Writer { return &redactWriter{r: r, w: w} }

type redactWriter struct {
	r *redactor
	w io.Writer
}

func (w *redactWriter) Write(p []byte) (int, error) {
	w.r.mu.RLock()
	none := len(w.r.forms) == 0
	w.r.mu.RUnlock()
	if none {
		return w.w.Write(p)
	}
	if _, err := io.WriteString(w.w, w.r.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Unwrap returns the underlying writer (isTerminal looks through it).
func (w *redactWriter) Unwrap() io.Writer { return w.w }
