package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/anomgen/anomgen/providers"
	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// exitError carries an exit code for an error already shown to the user.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// app is one invocation: its streams and global flags.
type app struct {
	in       io.Reader
	out, err io.Writer

	chdir     string
	dir       string // the working folder: -chdir or "."
	vars      []string
	varFiles  []string
	noColor   bool
	logLevel  string
	logFormat string
	logFile   string
	auditLog  string

	log *slog.Logger
	// logShown is true when the log writes to standard error (-log-level
	// or -log-format given, no -log-file): what it says is then on screen.
	logShown bool
	// redact keeps revealed secrets out of out, err and the log.
	redact *redactor
	// isTerminal reports whether the user can answer a prompt.
	isTerminal func() bool
}

func run(ctx context.Context, args []string, in io.Reader, out, errw io.Writer) int {
	return newApp(in, out, errw).execute(ctx, args)
}

// newApp returns an invocation writing to out and errw through one
// redactor: every byte it prints, from the first on, passes it.
func newApp(in io.Reader, out, errw io.Writer) *app {
	// Prompts read from in, so in (not the process's stdin) decides whether
	// the user can answer one.
	rd := &redactor{}
	return &app{in: in, out: rd.writer(out), err: rd.writer(errw), redact: rd, isTerminal: func() bool { return isTerminal(in) }}
}

// execute runs the command line args. A panic is reported through the
// redacting standard error too (its value may hold a secret), without a
// stack trace, as an error (exit code 1).
func (a *app) execute(ctx context.Context, args []string) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(a.err, "anomgen: internal error (a bug; please report it with the command that caused it): %v\n", p)
			code = 1
		}
	}()
	// A connection URL on the command line (demo -source, init -from, or
	// one mistyped where cobra quotes it back) holds a password.
	a.redact.add(argSecrets(args))
	root := a.rootCmd()
	root.SetArgs(normalizeArgs(root, args))
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.err)
	err := root.ExecuteContext(ctx)
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintf(a.err, "%s %s\n", a.paint(red, "Error:"), err)
		return 1
	}
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "anomgen",
		Short: "Inject realistic anomalies into databases, with plans, journals and exact rollback",
		Long: `anomgen injects realistic anomalies (nulls, shifts, dropped rows, ...) into real
databases so you can test that your data-quality checks and monitors catch them.

Scenarios are HCL files (*.hcl) in the working folder. "anomgen plan" shows what
would change, with exact row counts; "anomgen apply" changes it and writes a
rollback journal into the database; "anomgen rollback" restores every byte.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			// The daemon's log is its record of what it did (one info line
			// per occurrence): info unless -log-level says otherwise.
			if cmd.Name() == "daemon" && !cmd.Flags().Changed("log-level") {
				a.logLevel = "info"
			}
			if err := a.setup(cmd.Flags().Changed("log-level") || cmd.Flags().Changed("log-format")); err != nil {
				return err
			}
			cmd.SetContext(providers.WithLogger(cmd.Context(), a.log))
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.chdir, "chdir", "", "run in folder `DIR` (scenario files and .anomgen/ are read there)")
	pf.StringArrayVar(&a.vars, "var", nil, "set a variable: -var name=value (repeatable)")
	pf.StringArrayVar(&a.varFiles, "var-file", nil, "read variables from an HCL `FILE` of name = value lines (repeatable)")
	pf.BoolVar(&a.noColor, "no-color", false, "do not colour the output")
	pf.StringVar(&a.logLevel, "log-level", "warn", "log level: debug (every statement), info, warn, error (the daemon: default info); given, the log goes to standard error (or -log-file)")
	pf.StringVar(&a.logFormat, "log-format", "text", "log format: text or json; given, the log goes to standard error (or -log-file)")
	pf.StringVar(&a.logFile, "log-file", "", "write the log to `FILE` (without it and without -log-level or -log-format there is no log: warnings and errors are printed once, as text)")
	pf.StringVar(&a.auditLog, "audit-log", "", "append the audit trail of apply and rollback to `FILE` (default .anomgen/audit.log)")
	root.AddCommand(a.anomaliesCmd(), a.withValidateJSON(a.validateCmd()), a.checkCmd(), a.planCmd(), a.applyCmd(), a.rollbackCmd(), a.stateCmd(), a.demoCmd(), a.forceUnlockCmd(), a.journalCmd(), a.versionCmd())
	root.AddCommand(a.profileCmd(), a.inspectCmd(), a.initCmd())
	root.AddCommand(a.fmtCmd())
	root.AddCommand(a.showCmd())   // saved.go
	root.AddCommand(a.daemonCmd()) // daemon.go
	root.AddCommand(a.fleetCmd())  // fleet.go

	root.AddCommand(a.scheduleCmd()) // schedule.go
	root.AddCommand(a.scoreCmd())    // score.go
	root.AddCommand(a.detectCmd())   // detect.go
	root.AddCommand(a.labelsCmd())   // labels.go
	return root
}

// setup applies the global flags. The log (slog) is written to -log-file,
// or to standard error when asked for (logAsked: -log-level or -log-format
// given); otherwise there is none, since warnings and errors are printed
// as text already and would show twice.
func (a *app) setup(logAsked bool) error {
	a.dir = "."
	if a.chdir != "" {
		st, err := os.Stat(a.chdir)
		if err != nil || !st.IsDir() {
			return fmt.Errorf("-chdir %s: no such folder", a.chdir)
		}
		a.dir = a.chdir
	}
	if os.Getenv("NO_COLOR") != "" || !isTerminal(a.out) {
		a.noColor = true
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return fmt.Errorf("-log-level %q: use debug, info, warn or error", a.logLevel)
	}
	var w io.Writer = io.Discard
	if logAsked {
		w = a.err
	}
	if a.logFile != "" {
		f, err := os.OpenFile(a.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("-log-file: %w", err)
		}
		w = a.redact.writer(f)
	}
	a.logShown = w == a.err
	opts := &slog.HandlerOptions{Level: level}
	switch a.logFormat {
	case "text":
		a.log = slog.New(slog.NewTextHandler(w, opts))
	case "json":
		a.log = slog.New(slog.NewJSONHandler(w, opts))
	default:
		return fmt.Errorf("-log-format %q: use text or json", a.logFormat)
	}
	return nil
}

// normalizeArgs accepts Terraform-style single-dash long flags (-target,
// -auto-approve=true) by rewriting them to the double-dash form cobra
// parses. Arguments after "--" are left alone.
func normalizeArgs(root *cobra.Command, args []string) []string {
	known := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	known["help"] = true
	out := make([]string, 0, len(args))
	for i, arg := range args {
		if arg == "--" {
			return append(out, args[i:]...)
		}
		if len(arg) > 2 && arg[0] == '-' && arg[1] != '-' {
			name := strings.SplitN(arg[1:], "=", 2)[0]
			if known[name] && len(name) > 1 {
				arg = "-" + arg
			}
		}
		out = append(out, arg)
	}
	return out
}

// isTerminal reports whether v is a terminal. A character device is not
// enough: /dev/null is one too (stdin of cron jobs, CI steps, go test).
func isTerminal(v any) bool {
	if u, ok := v.(interface{ Unwrap() io.Writer }); ok {
		v = u.Unwrap()
	}
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

func (a *app) paint(code, s string) string {
	if a.noColor {
		return s
	}
	return code + s + reset
}
