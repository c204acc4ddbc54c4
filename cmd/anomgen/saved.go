package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/spf13/cobra"
)

// Saved plans (issue 12): `plan -out FILE` writes the plan value, `apply
// FILE` applies exactly it once it is checked against the state and the
// tables, `show FILE` prints it. A plan file never holds a secret: the
// sources' credentials are resolved again from the scenario files at
// apply.

// planClock is the clock plans are made with (tests set it; a saved plan
// carries its own: apply FILE never reads it).
var planClock = time.Now

// savedPlanFormat is the format version of a plan file; a file of a newer
// version is refused.
const savedPlanFormat = 1

// savedPlan is a plan file.
type savedPlan struct {
	FormatVersion  int           `json:"format_version"`
	AnomgenVersion string        `json:"anomgen_version"`
	Plan           *planner.Plan `json:"plan"`
}

// writeSavedPlan writes p to path with mode 0600. It refuses to write a
// plan that would hold a sensitive value.
func (a *app) writeSavedPlan(path string, p *planner.Plan) error {
	b, err := json.MarshalIndent(savedPlan{FormatVersion: savedPlanFormat, AnomgenVersion: version, Plan: p}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the plan: %w", err)
	}
	if a.redact != nil && a.redact.redact(string(b)) != string(b) {
		return errors.New("refusing to save the plan: it would hold the value of a sensitive variable (in a setting or a value the scenario writes). Plan files are for review and must never hold secrets")
	}
	b = append(b, '\n')
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		f.Close()
		return fmt.Errorf("saving the plan: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("saving the plan: %w", err)
	}
	return f.Close()
}

// readSavedPlan reads a plan file.
func readSavedPlan(path string) (*planner.Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the saved plan: %w", err)
	}
	var sp savedPlan
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&sp); err != nil {
		return nil, fmt.Errorf("%s is not a saved plan (%v); save one with `anomgen plan -out %s`", path, err, path)
	}
	switch {
	case sp.FormatVersion == 0 || sp.Plan == nil:
		return nil, fmt.Errorf("%s is not a saved plan (no format_version or plan); save one with `anomgen plan -out %s`", path, path)
	case sp.FormatVersion > savedPlanFormat:
		return nil, fmt.Errorf("%s has plan format version %d (written by anomgen %s); this anomgen (%s) reads up to %d: upgrade anomgen", path, sp.FormatVersion, sp.AnomgenVersion, version, savedPlanFormat)
	}
	return sp.Plan, nil
}

// writePlanSQL prints each change's statements and their reverse (plan
// -sql).
func writePlanSQL(w io.Writer, p *planner.Plan) {
	for _, ch := range p.Changes {
		if len(ch.SQL) == 0 && len(ch.ReverseSQL) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n-- %s (%s)\n", ch.Address, ch.Action)
		write := func(title string, stmts []planner.Statement) {
			if len(stmts) == 0 {
				return
			}
			fmt.Fprintf(w, "-- %s:\n", title)
			for _, s := range stmts {
				fmt.Fprintf(w, "%s;\n", strings.TrimRight(s.SQL, "; \n"))
				if len(s.Args) > 0 {
					fmt.Fprintf(w, "--   args: %s\n", strings.Join(s.Args, ", "))
				}
			}
		}
		write("apply", ch.SQL)
		write("rollback", ch.ReverseSQL)
	}
	if len(p.Changes) > 0 {
		fmt.Fprintf(w, "\n-- %s stands for the journal id, drawn when the change is applied.\n", "{id}")
	}
}

// planningFlags are the apply flags that plan; a saved plan is applied as
// it was reviewed, so they are refused with it.
var planningFlags = []string{"target", "replace", "dry-run"}

// refusePlanningFlags says which planning flags were given with a saved plan.
func refusePlanningFlags(cmd *cobra.Command, path string) error {
	var given []string
	for _, n := range planningFlags {
		if f := cmd.Flags().Lookup(n); f != nil && f.Changed {
			given = append(given, "-"+n)
		}
	}
	if len(given) == 0 {
		return nil
	}
	return fmt.Errorf("%s cannot be used with a saved plan: %s is applied exactly as it was planned and reviewed. Plan again with them (`anomgen plan %s -out %s`), review, then `anomgen apply %s`",
		strings.Join(given, ", "), path, strings.Join(given, " ... "), path, path)
}

// loadSavedPlan reads the plan file and checks it against the state and
// the tables: it returns the plan to apply, or an error naming what
// changed since it was made.
func (a *app) loadSavedPlan(ctx context.Context, s *session, path string) (*planner.Plan, error) {
	p, err := readSavedPlan(path)
	if err != nil {
		return nil, err
	}
	var addrs []string
	for _, ch := range p.Changes {
		if ch.Action != planner.NoOp && s.eng.Conn(ch.Source) == nil {
			return nil, fmt.Errorf("the saved plan %s changes %s on %s, which the scenario files no longer declare; nothing was changed. Plan again with `anomgen plan -out %s` and review it", path, ch.Address, ch.Source, path)
		}
		if ch.Mutation != nil && (ch.Action == planner.Create || ch.Action == planner.Replace) {
			addrs = append(addrs, ch.Address)
		}
	}
	profiles := map[string]*planner.TableProfile{}
	if len(addrs) > 0 {
		// The columns only: the stale check's one query per target counts
		// the rows itself (executor/savedcount.go).
		prof, d := s.eng.Profiles(providers.WithEstimatedCounts(ctx), addrs)
		if d.HasErrors() {
			_ = a.diagnostics(s.cfg.Files, d)
			return nil, fmt.Errorf("the saved plan %s is stale: a target it changes cannot be inspected now (see above); nothing was changed. Plan again with `anomgen plan -out %s` and review it", path, path)
		}
		profiles = prof
	}
	why, err := s.eng.Stale(ctx, p, s.st, profiles)
	if err != nil {
		return nil, err
	}
	if len(why) > 0 {
		return nil, &staleError{path: path, why: why}
	}
	if p.Serial == 0 && s.st.Serial == 0 {
		// Planned before any state was saved: the apply records the
		// lineage the plan was made with.
		s.st.Lineage = p.Lineage
	}
	for _, ch := range p.Changes {
		if ch.Prior != nil {
			if live := s.st.Get(ch.Prior.Address); live != nil {
				ch.Prior = live
			}
		}
	}
	return p, nil
}

// staleError is a saved plan that no longer holds: what changed since it
// was made.
type staleError struct {
	path string
	why  []string
}

func (e *staleError) Error() string {
	return fmt.Sprintf("the saved plan %s is stale; nothing was changed:\n  - %s\nPlan again with `anomgen plan -out %s`, review it, then `anomgen apply %s`",
		e.path, strings.Join(e.why, "\n  - "), e.path, e.path)
}

func (a *app) showCmd() *cobra.Command {
	var asJSON, showSQL bool
	cmd := &cobra.Command{
		Use:   "show FILE",
		Short: "Print a plan saved with plan -out",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := readSavedPlan(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writePlanJSON(a.out, p) // planjson.go: the view plan -json prints
			}
			writePlanText(a.out, p, textOptions{Color: !a.noColor})
			if showSQL {
				writePlanSQL(a.out, p)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the saved plan as plan -json does (docs/plan-json.md)")
	cmd.Flags().BoolVar(&showSQL, "sql", false, "also print each change's statements and their reverse")
	return cmd
}
