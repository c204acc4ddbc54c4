package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/spf13/cobra"
)

// inspectedTable is one table as anomgen inspect shows it.
type inspectedTable struct {
	Table planner.TableName `json:"table"`
	// RowsEstimate and Bytes are the catalog's (-1: unknown); Rows is
	// exact below providers.ExactCountBelow rows.
	RowsEstimate int64            `json:"rows_estimate"`
	Bytes        int64            `json:"bytes"`
	Rows         int64            `json:"rows"`
	Columns      []planner.Column `json:"columns"`
	PrimaryKey   []string         `json:"primary_key,omitempty"`
	ForeignKeys  []foreignKey     `json:"foreign_keys,omitempty"`
	// TimeColumns are the candidate time columns: date and time columns,
	// then text columns whose values parse as timestamps.
	TimeColumns []string `json:"time_columns,omitempty"`
	// Profile is the full profile (for init), not printed.
	Profile *planner.TableProfile `json:"-"`
}

// foreignKey is a foreign key of the table, pointing at References.
type foreignKey struct {
	Name       string            `json:"name,omitempty"`
	Columns    []string          `json:"columns"`
	References planner.TableName `json:"references"`
	RefColumns []string          `json:"ref_columns"`
}

func (a *app) inspectCmd() *cobra.Command {
	var schema string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect SOURCE",
		Short: "List a source's schemas, tables, columns, keys and candidate time columns",
		Long: `List what a source holds: its schemas and tables (with the row estimate and
size where the database keeps them), each table's columns (type, nullability,
default, primary key, foreign keys) and its candidate time columns (date and
time columns, and text columns whose values parse as timestamps).

SOURCE is a source block's name or address (source.TYPE.NAME).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			src, err := resolveSource(cfg, args[0])
			if err != nil {
				return err
			}
			eng := a.engine(cfg)
			defer eng.Close()
			tables, err := a.inspectSource(cmd.Context(), eng, src, schema, nil)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(tables)
			}
			writeInspect(a.out, eng.Conn(src.Addr()), src, tables, a.paint)
			return nil
		},
	}
	cmd.Flags().StringVar(&schema, "schema", "", "only this `SCHEMA` (MySQL: database; default every user schema, on MySQL the connected database)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// resolveSource finds a source by name or address.
func resolveSource(cfg *config.Config, arg string) (*config.Source, error) {
	var names []string
	for _, s := range cfg.Sources {
		if s.Name == arg || s.Addr() == arg {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return nil, fmt.Errorf("no source %q in the scenario files (sources: %s)", arg, strings.Join(names, ", "))
}

// inspectSource opens src and describes its tables (those named in only,
// when given; each may be schema-qualified).
func (a *app) inspectSource(ctx context.Context, eng *executor.Engine, src *config.Source, schema string, only []string) ([]inspectedTable, error) {
	if err := eng.Open(ctx, []string{src.Addr()}); err != nil {
		return nil, connectError(err)
	}
	conn := eng.Conn(src.Addr())
	lister, ok := conn.Inspector.(providers.Lister)
	if !ok {
		return nil, fmt.Errorf("%s: listing tables is not supported on %s", src.Addr(), src.Type)
	}
	list, err := lister.Tables(ctx, schema)
	if err != nil {
		return nil, fmt.Errorf("listing the tables of %s: %w", src.Addr(), err)
	}
	journal := src.JournalSchema
	if journal == "" {
		journal = "anomgen"
	}
	var out []inspectedTable
	for _, ti := range list {
		if ti.Table.Schema == journal {
			continue
		}
		if len(only) > 0 && !slices.Contains(only, ti.Table.Name) && !slices.Contains(only, ti.Table.String()) {
			continue
		}
		p, err := conn.Inspector.Profile(ctx, ti.Table.String(), "")
		if err != nil {
			return nil, fmt.Errorf("inspecting %s: %w", ti.Table, err)
		}
		times, err := providers.TimeColumns(ctx, conn, p)
		if err != nil {
			return nil, fmt.Errorf("inspecting %s: %w", ti.Table, err)
		}
		out = append(out, inspectedTable{Table: ti.Table, RowsEstimate: ti.RowsEstimate, Bytes: ti.Bytes, Rows: p.Rows,
			Columns: p.Columns, PrimaryKey: p.PrimaryKey, TimeColumns: times, Profile: p})
	}
	for _, missing := range only {
		if !slices.ContainsFunc(out, func(t inspectedTable) bool { return t.Table.Name == missing || t.Table.String() == missing }) {
			return nil, fmt.Errorf("%s has no table %s", src.Addr(), missing)
		}
	}
	// A table's foreign keys are the ReferencedBy entries of the tables
	// they point at.
	for i := range out {
		for _, fk := range out[i].Profile.ReferencedBy {
			for j := range out {
				if sameTable(out[j].Table, fk.Table) {
					out[j].ForeignKeys = append(out[j].ForeignKeys, foreignKey{Name: fk.Name, Columns: fk.Columns, References: out[i].Table, RefColumns: fk.RefColumns})
				}
			}
		}
	}
	return out, nil
}

func sameTable(a, b planner.TableName) bool {
	return a.Name == b.Name && (a.Schema == b.Schema || a.Schema == "" || b.Schema == "")
}

func writeInspect(w io.Writer, conn *providers.Conn, src *config.Source, tables []inspectedTable, paint func(code, s string) string) {
	fmt.Fprintf(w, "%s: %s, database %s (%s)\n", src.Addr(), conn.Host, conn.Database, conn.Version)
	schema := "\x00"
	for _, t := range tables {
		if t.Table.Schema != schema {
			schema = t.Table.Schema
			if schema != "" {
				fmt.Fprintf(w, "\n%s\n", paint(bold, "schema "+schema))
			}
		}
		size := planner.Thousands(t.Rows) + " rows"
		if t.RowsEstimate >= 0 && t.RowsEstimate != t.Rows {
			size += fmt.Sprintf(" (catalog estimate %s)", planner.Thousands(t.RowsEstimate))
		}
		if t.Bytes >= 0 {
			size += ", " + bytesText(t.Bytes)
		}
		fmt.Fprintf(w, "\n  %s  %s\n", paint(bold, t.Table.Name), size)
		width, twidth := 0, 0
		for _, c := range t.Columns {
			width, twidth = max(width, len(c.Name)), max(twidth, len(c.Type))
		}
		for _, c := range t.Columns {
			var notes []string
			if !c.Nullable {
				notes = append(notes, "not null")
			}
			if slices.Contains(t.PrimaryKey, c.Name) {
				notes = append(notes, "primary key")
			}
			if c.Identity {
				notes = append(notes, "identity")
			}
			if c.Generated {
				notes = append(notes, "generated")
			}
			if c.Default != "" {
				notes = append(notes, "default "+c.Default)
			}
			for _, fk := range t.ForeignKeys {
				if len(fk.Columns) == 1 && fk.Columns[0] == c.Name {
					notes = append(notes, fmt.Sprintf("→ %s(%s)", fk.References, strings.Join(fk.RefColumns, ", ")))
				}
			}
			if slices.Contains(t.TimeColumns, c.Name) {
				notes = append(notes, "time column candidate")
			}
			fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("    %-*s  %-*s  %s", width, c.Name, twidth, c.Type, strings.Join(notes, ", ")), " "))
		}
		for _, fk := range t.ForeignKeys {
			if len(fk.Columns) > 1 {
				fmt.Fprintf(w, "    foreign key (%s) → %s(%s)\n", strings.Join(fk.Columns, ", "), fk.References, strings.Join(fk.RefColumns, ", "))
			}
		}
		if len(t.PrimaryKey) == 0 {
			fmt.Fprintln(w, "    (no primary key: a target needs key = [...])")
		}
	}
	if len(tables) == 0 {
		fmt.Fprintln(w, "no tables")
	}
}

func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), 0
	units := []string{"kB", "MB", "GB", "TB", "PB"}
	for f /= unit; f >= unit && i < len(units)-1; f /= unit {
		i++
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}
