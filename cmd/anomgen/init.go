package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/spf13/cobra"
)

func (a *app) initCmd() *cobra.Command {
	var from, out string
	var tables []string
	cmd := &cobra.Command{
		Use:   "init -from SOURCE|URL [-tables t1,t2] [-out DIR]",
		Short: "Write scenario files for a source's tables, with suggested anomalies commented out",
		Long: `Write scenario files into DIR for the tables of SOURCE (a source block of the
scenario files here) or of a connection URL (postgres://user:password@host:5432/db,
mysql://user:password@host:3306/db or user:password@tcp(host:3306)/db): main.hcl with the source block (credentials as env()
references, never their values) and a target per table with its key and
time column, and anomalies.hcl with, per target, a suggested anomaly for each
suitable column, commented out. The files validate as they are and plan
nothing until you uncomment an anomaly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return fmt.Errorf("name the source to scaffold from: anomgen init -from SOURCE (a source block of the scenario files here) or anomgen init -from URL (%s)", initURLForms)
			}
			cfg, src, err := a.initSource(from)
			if err != nil {
				return err
			}
			dir := out
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(a.dir, dir)
			}
			for _, f := range []string{"main.hcl", "anomalies.hcl"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
					return fmt.Errorf("%s already exists; choose another folder with -out", filepath.Join(dir, f))
				}
			}
			eng := a.engine(cfg)
			defer eng.Close()
			list, err := a.inspectSource(cmd.Context(), eng, src, "", tables)
			if err != nil {
				return err
			}
			mainHCL, anomHCL, skipped, err := scaffold(cfg, src, dir, list)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(mainHCL), 0o644); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "anomalies.hcl"), []byte(anomHCL), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Wrote %s and %s: %d targets.\n", filepath.Join(dir, "main.hcl"), filepath.Join(dir, "anomalies.hcl"), len(list)-len(skipped))
			for _, s := range skipped {
				fmt.Fprintf(a.out, "  skipped %s\n", s)
			}
			for _, e := range envNames(src) {
				fmt.Fprintf(a.out, "Set %s in the environment before running anomgen there.\n", e)
			}
			fmt.Fprintf(a.out, "Next: anomgen -chdir %s validate, then uncomment an anomaly in anomalies.hcl and plan.\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the `SOURCE` (name or address of a source block here, or a connection URL) whose tables to scaffold")
	cmd.Flags().StringSliceVar(&tables, "tables", nil, "only these tables (comma-separated, schema-qualified where needed)")
	cmd.Flags().StringVar(&out, "out", "anomgen-init", "write the files into `DIR` (created when missing)")
	return cmd
}

const initURLForms = `"postgres://user:password@host:5432/database" or "mysql://user:password@host:3306/database"`

// initSource finds the source init scaffolds from: a source block of the
// scenario files here, or one made from a connection URL, whose password
// the written files read from the environment.
func (a *app) initSource(from string) (*config.Config, *config.Source, error) {
	c, err := parseConnURL(from)
	if err == nil {
		a.redact.add(c.Secrets())
		name := ident(c.Database)
		env := strings.ToUpper(name) + "_PASSWORD"
		file := filepath.Join(a.dir, "-from URL")
		cfg, diags := config.LoadFiles(a.dir, map[string][]byte{file: []byte(c.sourceBlock(name, env, false))}, config.Options{
			Getenv: func(k string) string {
				if k == env {
					return c.Password
				}
				return os.Getenv(k)
			},
		})
		if diags.HasErrors() {
			return nil, nil, fmt.Errorf("-from URL: %s", a.redact.redact(diags.Error()))
		}
		return cfg, cfg.Sources[0], nil
	}
	if !errors.Is(err, errNotURL) {
		return nil, nil, fmt.Errorf("-from: %w", err)
	}
	if hcls, _ := filepath.Glob(filepath.Join(a.dir, "*.hcl")); len(hcls) == 0 {
		return nil, nil, fmt.Errorf("init -from %s needs a source block named %s in the scenario files of %s, and there are none. Write one first (see the README's Quickstart), or give a connection URL instead: anomgen init -from %s; its password goes into the files as an env() reference, never its value",
			from, from, a.dir, initURLForms)
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	src, err := resolveSource(cfg, from)
	if err != nil {
		return nil, nil, fmt.Errorf("%w. init -from takes a source block's name or address, or a connection URL (%s)", err, initURLForms)
	}
	return cfg, src, nil
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// ident turns a name into an HCL label word.
func ident(s string) string {
	s = strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "t_" + s
	}
	return s
}

// hclString quotes s as an HCL string without interpolation.
func hclString(s string) string {
	q := fmt.Sprintf("%q", s)
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}

func envName(src *config.Source, what string) string {
	return strings.ToUpper(ident(src.Name)) + "_" + what
}

// envNames lists the environment variables the written source block reads.
func envNames(src *config.Source) []string {
	var out []string
	if src.DSN.IsSet() {
		out = append(out, envName(src, "DSN"))
	} else if src.Password.IsSet() {
		out = append(out, envName(src, "PASSWORD"))
	}
	if src.UsernameSecret.IsSet() {
		out = append(out, envName(src, "USERNAME"))
	}
	return out
}

// scaffold renders main.hcl and anomalies.hcl for the inspected tables.
func scaffold(cfg *config.Config, src *config.Source, dir string, tables []inspectedTable) (mainHCL, anomHCL string, skipped []string, err error) {
	var m, an strings.Builder
	m.WriteString("# Written by anomgen init. Credentials are read from the environment.\n")
	fmt.Fprintf(&m, "source %q %q {\n", src.Type, src.Name)
	kv := func(k, v string) { fmt.Fprintf(&m, "  %-15s = %s\n", k, v) }
	switch {
	case src.Type == "sqlite":
		path := src.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(cfg.Dir, path)
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		if absDir, err := filepath.Abs(dir); err == nil {
			if rel, err := filepath.Rel(absDir, path); err == nil {
				path = rel
			}
		}
		kv("path", hclString(filepath.ToSlash(path)))
	case src.DSN.IsSet():
		kv("dsn", fmt.Sprintf("env(%q)", envName(src, "DSN")))
	default:
		kv("host", hclString(src.Host))
		kv("port", fmt.Sprint(src.Port))
		kv("database", hclString(src.Database))
		if src.UsernameSecret.IsSet() {
			kv("username", fmt.Sprintf("env(%q)", envName(src, "USERNAME")))
		} else if src.Username != "" {
			kv("username", hclString(src.Username))
		}
		if src.Password.IsSet() {
			kv("password", fmt.Sprintf("env(%q)", envName(src, "PASSWORD")))
		}
	}
	if src.TLS != "" {
		kv("tls", hclString(src.TLS))
	}
	if src.JournalSchema != "" && src.JournalSchema != "anomgen" {
		kv("journal_schema", hclString(src.JournalSchema))
	}
	for _, f := range []struct{ k, v string }{{"ca_file", src.CAFile}, {"cert_file", src.CertFile}, {"key_file", src.KeyFile}} {
		if f.v != "" {
			m.WriteString("  # " + f.k + " = \"...\" (copy from the original source block)\n")
		}
	}
	if len(src.Options) > 0 {
		var keys []string
		for k := range src.Options {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m.WriteString("  options = {\n")
		for _, k := range keys {
			fmt.Fprintf(&m, "    %s = %s\n", hclString(k), hclString(src.Options[k]))
		}
		m.WriteString("  }\n")
	}
	m.WriteString("  # allow_writes = true  # apply and rollback need it\n}\n")

	an.WriteString("# Suggested anomalies, one per suitable column, commented out: uncomment\n")
	an.WriteString("# one, adjust it, and run anomgen plan. `anomgen anomalies describe KIND`\n")
	an.WriteString("# explains a kind and its arguments.\n")
	used := map[string]bool{}
	for _, t := range tables {
		if len(t.PrimaryKey) == 0 {
			skipped = append(skipped, t.Table.String()+": no primary key (declare a target with key = [...] by hand)")
			continue
		}
		name := ident(t.Table.Name)
		if used[name] {
			name = ident(t.Table.String())
		}
		used[name] = true
		timeCol := ""
		for _, c := range t.TimeColumns {
			col := t.Profile.Column(c)
			if col != nil && (col.Class == planner.ClassTime || src.Type == "sqlite") {
				timeCol = c
				break
			}
		}
		fmt.Fprintf(&m, "\n# %s: %s rows\ntarget %q {\n", t.Table, planner.Thousands(t.Rows), name)
		fmt.Fprintf(&m, "  source      = %s\n  table       = %s\n", src.Addr(), hclString(t.Table.String()))
		if timeCol != "" {
			fmt.Fprintf(&m, "  time_column = %s\n", hclString(timeCol))
		} else {
			m.WriteString("  # no date or time column found: anomalies cannot have windows\n")
		}
		quoted := make([]string, len(t.PrimaryKey))
		for i, k := range t.PrimaryKey {
			quoted[i] = hclString(k)
		}
		fmt.Fprintf(&m, "  key         = [%s]\n}\n", strings.Join(quoted, ", "))

		sugg, err := planner.Suggest(t.Profile, src.Type, t.PrimaryKey, timeCol != "", "")
		if err != nil {
			return "", "", nil, err
		}
		fmt.Fprintf(&an, "\n# ── target.%s (%s) ──\n", name, t.Table)
		for _, s := range sugg {
			if len(s.Kinds) == 0 || s.Column == timeCol && s.Column != "" {
				continue
			}
			pick := preferredKind(s.Kinds)
			if s.Column == "" && len(t.Profile.ReferencedBy) > 0 && slices.Contains(s.Kinds, "volume_spike") {
				pick = "volume_spike" // deleting rows that others refer to fails
			}
			k := planner.LookupKind(pick)
			if k == nil || k.Example == "" {
				continue
			}
			what := "whole rows"
			if s.Column != "" {
				what = s.Column + " (" + s.Type + ")"
			}
			fmt.Fprintf(&an, "\n# %s: %s\n", what, strings.Join(s.Kinds, ", "))
			block := adaptExample(k.Name, k.Example, name, s.Column)
			if timeCol == "" {
				block = windowBlock.ReplaceAllString(block, "")
			}
			for _, line := range strings.Split(strings.TrimRight(block, "\n"), "\n") {
				an.WriteString(strings.TrimRight("# "+line, " ") + "\n")
			}
		}
	}
	return m.String(), an.String(), skipped, nil
}

var (
	targetRef   = regexp.MustCompile(`target\.[A-Za-z0-9_]+`)
	columnAttr  = regexp.MustCompile(`(?m)^(  column\s*=\s*)"[^"]*".*$`)
	windowBlock = regexp.MustCompile(`(?ms)^  window \{.*?^  \}\n`)
	anomalyHead = regexp.MustCompile(`^anomaly\s+"([^"]+)"\s+"[^"]+"`)
)

// adaptExample points a kind's catalog example at target and column, and
// names it after them.
func adaptExample(kind, example, target, column string) string {
	s := targetRef.ReplaceAllString(strings.TrimSpace(example), "target."+target)
	label := target + "_" + kind
	if column != "" {
		if loc := columnAttr.FindStringSubmatchIndex(s); loc != nil {
			s = s[:loc[3]] + hclString(column) + s[loc[1]:]
		}
		label = target + "_" + ident(column) + "_" + kind
	}
	return anomalyHead.ReplaceAllString(s, fmt.Sprintf("anomaly %q %q", kind, label))
}

// preferred are the kinds a scaffold suggests first, when they suit: the
// common, easily read ones.
var preferred = []string{"volume_drop", "null_rate", "numeric_shift", "category_mix_shift", "format_change", "stale_data", "outliers", "string_case", "stuck_values"}

func preferredKind(kinds []string) string {
	for _, p := range preferred {
		for _, k := range kinds {
			if k == p {
				return k
			}
		}
	}
	return kinds[0]
}
