package main

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
	"github.com/spf13/cobra"
)

func (a *app) validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the scenario files without touching a database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%s %s, %s, %s.\n", a.paint(green, "The scenario files are valid:"),
				counted(len(cfg.Sources), "source", "sources"), counted(len(cfg.Targets), "target", "targets"), counted(len(cfg.Anomalies), "anomaly", "anomalies"))
			return nil
		},
	}
}

func (a *app) planCmd() *cobra.Command {
	var targets, replace []string
	var asJSON, destroy, daily, detailedExit bool
	var format string
	var outFile string // saved.go
	var showSQL bool
	var parallelism int
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would change, with exact row counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			view, err := planFormat(format, asJSON) // planview.go
			if err != nil {
				return err
			}
			if err := checkParallelism(parallelism); err != nil {
				return err
			}
			s, err := a.open(cmd.Context(), openOptions{only: targets})
			if err != nil {
				return connectError(err)
			}
			defer s.close()
			s.replace = replace
			s.eng.Parallelism = parallelism
			p, err := a.makePlan(cmd.Context(), s, targets, destroy)
			if err != nil {
				return err
			}
			if outFile != "" {
				if err := a.writeSavedPlan(outFile, p); err != nil {
					return err
				}
			}
			switch view {
			case "json":
				err = writePlanJSON(a.out, p) // planjson.go
			case "markdown":
				err = writePlanMarkdown(a.out, p, 0) // planmd.go
			default:
				opt := textOptions{Color: !a.noColor}
				if daily {
					opt.Daily = a.dailyCounts(cmd.Context(), s, p) // profile.go
				}
				writePlanText(a.out, p, opt)
				a.writeOthers(s, p)
				if showSQL {
					writePlanSQL(a.out, p) // saved.go
				}
				if outFile != "" {
					fmt.Fprintf(a.out, "\nSaved the plan to %s. To apply exactly this plan, run: anomgen apply %s\n", outFile, outFile)
				}
			}
			if err != nil {
				return err
			}
			if detailedExit && !p.Empty() {
				return exitError{2} // -detailed-exitcode: there are changes
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&targets, "target", nil, "limit to anomaly `ADDR` (repeatable)")
	cmd.Flags().StringArrayVar(&replace, "replace", nil, "apply anomaly `ADDR` anew even if unchanged (rolled back first), or on top of the rows its lost journal left (repeatable)")
	cmd.Flags().BoolVar(&daily, "daily", true, "show each windowed change's target as rows per day, the window marked (-daily=false to leave it out)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON (the same as -format json; see docs/plan-json.md)")
	cmd.Flags().StringVar(&format, "format", "text", "print the plan as `text`, json or markdown (a pull-request comment)")
	cmd.Flags().BoolVar(&detailedExit, "detailed-exitcode", false, "exit 0 when there are no changes, 1 on an error, 2 when there are changes")
	cmd.Flags().BoolVar(&destroy, "destroy", false, "plan the rollback of every applied anomaly")
	cmd.Flags().StringVar(&outFile, "out", "", "save the plan to `FILE` (mode 0600, no secrets) for `anomgen apply FILE`")
	cmd.Flags().BoolVar(&showSQL, "sql", false, "also print each change's statements and their reverse, as the database runs them")
	cmd.Flags().IntVar(&parallelism, "parallelism", executor.DefaultParallelism, "profile and count up to `N` targets at once (each source also bounded by its max_connections)")
	return cmd
}

type applyFlags struct {
	targets         []string
	replace         []string
	autoApprove     bool
	lockTimeout     time.Duration
	force           bool
	continueOnError bool
	maxRows         int64
	dryRun          bool
	planFile        string // apply FILE: a saved plan (saved.go)
	parallelism     int
}

func (f *applyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.targets, "target", nil, "limit to anomaly `ADDR` (repeatable)")
	cmd.Flags().BoolVar(&f.autoApprove, "auto-approve", false, "skip the confirmation prompt")
	cmd.Flags().DurationVar(&f.lockTimeout, "lock-timeout", 0, "wait up to this long for another run's state lock (e.g. 60s)")
	cmd.Flags().Int64Var(&f.maxRows, "max-rows", planner.DefaultMaxRowsPerApply, "the most rows one apply may change in all")
	cmd.Flags().BoolVar(&f.force, "force", false, "when rolling back, overwrite rows changed since injection too")
	cmd.Flags().BoolVar(&f.continueOnError, "continue-on-error", false, "after a failed anomaly, carry on with the others and report every failure at the end")
	cmd.Flags().IntVar(&f.parallelism, "parallelism", executor.DefaultParallelism, "run up to `N` changes on different tables at once (changes on one table keep their order; each source also bounded by its max_connections)")
}

// checkParallelism refuses a -parallelism below 1.
func checkParallelism(n int) error {
	if n < 1 {
		return fmt.Errorf("-parallelism %d: use 1 or more (1 runs one change at a time; the default is %d)", n, executor.DefaultParallelism)
	}
	return nil
}

func (a *app) applyCmd() *cobra.Command {
	var f applyFlags
	cmd := &cobra.Command{
		Use:   "apply [FILE]",
		Short: "Inject the planned anomalies, each with its rollback journal (or exactly a saved plan)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if err := refusePlanningFlags(cmd, args[0]); err != nil {
					return err
				}
				f.planFile = args[0]
			}
			return a.runApply(cmd, f, false)
		},
	}
	f.register(cmd)
	cmd.Flags().StringArrayVar(&f.replace, "replace", nil, "apply anomaly `ADDR` anew even if unchanged (rolled back first), or on top of the rows its lost journal left (repeatable)")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "run each mutation in a transaction that is rolled back: real row counts and the effect on the metric, nothing kept")
	return cmd
}

func (a *app) rollbackCmd() *cobra.Command {
	var f applyFlags
	var all bool
	cmd := &cobra.Command{
		Use:   "rollback [ADDR...]",
		Short: "Restore tables from the journals of applied anomalies",
		Long: `Restore tables from the journals of applied anomalies: the named ones, or
every one with -all (newest first). Rows someone changed after injection are
reported and left alone, with their before-images kept in the journal, unless
-force is given.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.targets = append(f.targets, args...)
			if len(f.targets) == 0 && !all {
				return errors.New("name the anomalies to roll back (e.g. anomgen rollback anomaly.null_rate.email_nulls), or use -all for every applied anomaly; `anomgen state list` shows them")
			}
			if all {
				f.targets = nil
			}
			return a.runApply(cmd, f, true)
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&all, "all", false, "roll back every applied anomaly")
	return cmd
}

func (a *app) runApply(cmd *cobra.Command, f applyFlags, destroy bool) error {
	ctx := cmd.Context()
	op, verb := "apply", "apply"
	if destroy {
		op, verb = "rollback", "rollback"
	}
	if err := checkParallelism(f.parallelism); err != nil {
		return err
	}
	s, err := a.open(ctx, openOptions{lockOp: op, lockTimeout: f.lockTimeout, only: f.targets})
	if err != nil {
		return connectError(err)
	}
	defer s.close()
	s.eng.Parallelism = f.parallelism
	s.eng.Force = f.force
	s.eng.ContinueOnError = f.continueOnError
	s.replace = f.replace
	var p *planner.Plan
	if f.planFile != "" {
		p, err = a.loadSavedPlan(ctx, s, f.planFile) // saved.go
	} else {
		p, err = a.makePlan(ctx, s, f.targets, destroy)
	}
	if err != nil {
		return err
	}
	writePlanText(a.out, p, textOptions{Color: !a.noColor})
	a.writeOthers(s, p)
	if p.Empty() {
		if s.refreshed {
			return s.saveState(s.st) // records what the journal catalogs showed
		}
		return nil
	}
	if !destroy {
		if err := refuseOverLimits(p, f.maxRows); err != nil {
			return err
		}
	}
	if f.dryRun {
		// Nothing is kept, so no confirmation; the source must still allow
		// writes, since the mutations run (and are rolled back) there.
		if err := a.confirm(s, p, "dry run", true); err != nil {
			return err
		}
		s.eng.DryRun = true
		fmt.Fprintln(a.out)
		res, err := s.eng.Apply(ctx, p, s.st, func(*state.State) error { return nil })
		if err != nil {
			return err
		}
		fmt.Fprintf(a.out, "\n%s %s tried inside transactions that were rolled back; nothing was changed and the state was not written.\n", a.paint(bold+green, "Dry run complete!"), counted(res.Applied, "anomaly", "anomalies"))
		return nil
	}
	if err := a.confirm(s, p, verb, f.autoApprove); err != nil {
		return err
	}
	fmt.Fprintln(a.out)
	audit := a.watch(s, op)
	res, err := s.eng.Apply(ctx, p, s.st, s.saveState)
	if aerr := audit.flush(); aerr != nil {
		fmt.Fprintf(a.err, "%s %v\n", a.paint(yellow, "Warning:"), aerr)
	}
	fmt.Fprintln(a.out)
	summary := fmt.Sprintf("%d applied, %d rolled back", res.Applied, res.RolledBack)
	if res.Incomplete > 0 {
		summary += fmt.Sprintf(", %d rolled back in part (rows changed since injection left alone, journals kept)", res.Incomplete)
	}
	var failures *executor.Failures
	if errors.As(err, &failures) {
		// -continue-on-error: every failure, then one summary.
		code := 2 // only rollbacks that left changed rows alone
		for _, ferr := range failures.Errs {
			if !errors.Is(ferr, executor.ErrConflicts) {
				code = 1
				fmt.Fprintf(a.err, "%s %s\n", a.paint(red, "Error:"), ferr)
			}
		}
		fmt.Fprintf(a.out, "%s %s, %d failed. Every failed anomaly is either fully applied with its journal or untouched; the state lists exactly the applied ones.\n",
			a.paint(red, capitalize(verb)+" finished with errors:"), summary, res.Failed)
		return exitError{code}
	}
	if err != nil {
		if errors.Is(err, executor.ErrConflicts) {
			fmt.Fprintf(a.out, "%s %s; rows changed since injection were left alone (see the warnings above).\n", a.paint(yellow, "Rollback incomplete:"), summary)
			return exitError{2}
		}
		notAttempted := ""
		if res.NotAttempted > 0 {
			notAttempted = fmt.Sprintf(" %d more not attempted (-continue-on-error carries on past a failure).", res.NotAttempted)
		}
		fmt.Fprintf(a.out, "%s %s before the failure.%s Every anomaly is either fully applied with its journal or untouched.\n", a.paint(red, capitalize(verb)+" stopped:"), summary, notAttempted)
		return err
	}
	fmt.Fprintf(a.out, "%s %s.\n", a.paint(bold+green, capitalize(verb)+" complete!"), summary)
	return nil
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.out, "anomgen %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// capitalize upper-cases the first letter of an ASCII word.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
