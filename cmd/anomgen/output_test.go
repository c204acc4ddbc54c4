package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A warning prints once, as text: not a second time as a log line on
// standard error. The log line goes to a log that was asked for: a
// -log-file, or standard error with -log-level or -log-format.
func TestWarningPrintsOnce(t *testing.T) {
	f := sqliteFixture(t)
	dir := scenario(t, f, numericShift("shift"))
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	f.dropJournal(t, f.catalog(t)["anomaly.numeric_shift.shift"])
	r := mustOK(t, cli(t, dir, "plan", "-no-color"))
	if n := strings.Count(r.stderr, "is lost"); n != 1 {
		t.Errorf("the lost-journal warning shows %d times on stderr, want once:\n%s", n, r)
	}
	wantNone(t, r, r.stderr, "level=WARN")
	wantAll(t, r, r.stderr, "Warning: anomaly.numeric_shift.shift: the journal of anomaly.numeric_shift.shift is lost")

	// Asked for, the log has it too.
	f2 := sqliteFixture(t)
	dir = scenario(t, f2, numericShift("shift"))
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	f2.dropJournal(t, f2.catalog(t)["anomaly.numeric_shift.shift"])
	log := filepath.Join(t.TempDir(), "anomgen.log")
	r = mustOK(t, cli(t, dir, "-log-file", log, "plan", "-no-color"))
	if n := strings.Count(r.stderr, "is lost"); n != 1 {
		t.Errorf("with -log-file the warning shows %d times on stderr, want once:\n%s", n, r)
	}
	b, err := os.ReadFile(log)
	if err != nil || !strings.Contains(string(b), "level=WARN") || !strings.Contains(string(b), "is lost") {
		t.Errorf("the log file lacks the warning (%v):\n%s", err, b)
	}
}

// Counts in sentences agree with their numbers.
func TestValidatePlurals(t *testing.T) {
	f := sqliteFixture(t)
	r := mustOK(t, cli(t, scenario(t, f, nullRate("a", "0.1")), "validate"))
	wantAll(t, r, r.stdout, "The scenario files are valid: 1 source, 1 target, 1 anomaly.")
	r = mustOK(t, cli(t, scenario(t, f, nullRate("a", "0.1")+nullRate("b", "0.2")), "validate"))
	wantAll(t, r, r.stdout, "The scenario files are valid: 1 source, 1 target, 2 anomalies.")
}
