package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/spf13/cobra"
	"github.com/xuri/excelize/v2"
)

func init() { executor.Version = version }

func (a *app) labelsCmd() *cobra.Command {
	var format, out, rowsOut string
	var rows bool
	cmd := &cobra.Command{
		Use:   "labels [DIR...]",
		Short: "Export the labels (ground truth) of the anomalies applied from this workspace",
		Long: `Export the label of every anomaly occurrence applied from this workspace (one
per apply, one-time or from the daemon, kept after its rollback with
reverted_at set): what was injected where, over which range of the time
column, the metric family that catches it, and that metric measured by
anomgen before and after the change. The format is in docs/labels.md; anomgen
score reads it (and reads the workspace's labels itself without -labels).

Labels come from the state, merged with the label tables beside the journal
catalogs of the workspace's sources, so a lost state still finds them. With
DIR arguments, the labels of each of those workspaces are exported together.

-rows writes the row-level truth (one line per changed row: key, column,
original value, injected value) to -rows-out, streamed from the journals.
Row-level truth exists only while an anomaly is applied: its journal is
dropped at rollback, so reverted anomalies have labels but no rows.`,
		RunE: func(cmd *cobra.Command, dirs []string) error {
			if format != "csv" && format != "json" && format != "xlsx" {
				return fmt.Errorf("-format %q: use csv, json or xlsx", format)
			}
			if format == "xlsx" && (out == "" || out == "-") {
				return fmt.Errorf("-format xlsx needs -out FILE (a workbook is not written to the terminal)")
			}
			ctx := cmd.Context()
			if len(dirs) == 0 {
				dirs = []string{""}
			}
			var all []truth.Label
			var rowFile *os.File
			var rw *csv.Writer
			if rows {
				f, err := os.Create(rowsOut)
				if err != nil {
					return err
				}
				defer f.Close()
				rowFile, rw = f, csv.NewWriter(f)
				if err := rw.Write(executor.LabelRowColumns); err != nil {
					return err
				}
			}
			streamed := 0
			for _, dir := range dirs {
				w := a
				if dir != "" {
					sub := *a
					sub.dir = dir
					if !filepath.IsAbs(dir) && a.dir != "" && a.dir != "." {
						sub.dir = filepath.Join(a.dir, dir)
					}
					w = &sub
				}
				ls, n, err := w.workspaceLabels(ctx, rw)
				if err != nil {
					if dir != "" {
						return fmt.Errorf("%s: %w", dir, err)
					}
					return err
				}
				all = append(all, ls...)
				streamed += n
			}
			if rw != nil {
				rw.Flush()
				if err := rw.Error(); err != nil {
					return err
				}
				if err := rowFile.Close(); err != nil {
					return err
				}
				fmt.Fprintf(a.err, "Wrote the row-level truth of %d applied anomalies to %s (reverted ones have no rows: their journals are gone).\n", streamed, rowsOut)
			}
			write := func(w io.Writer) error {
				switch format {
				case "json":
					return truth.WriteLabelsJSON(w, all)
				case "xlsx":
					return writeLabelsXLSX(w, all)
				}
				return truth.WriteLabelsCSV(w, all)
			}
			if out == "" {
				out = "-"
			}
			if err := writeFileOr(a.out, out, write); err != nil {
				return err
			}
			if out != "-" {
				fmt.Fprintf(a.err, "Wrote %d labels to %s.\n", len(all), out)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", "csv", "write `csv`, json or xlsx")
	fl.StringVar(&out, "out", "", "write the labels to `FILE` (default: standard output; xlsx needs a file)")
	fl.BoolVar(&rows, "rows", false, "also write the row-level truth of the anomalies still applied (key, column, original and injected value) to -rows-out")
	fl.StringVar(&rowsOut, "rows-out", "labels-rows.csv", "the row-level truth `FILE` (with -rows)")
	return cmd
}

// workspaceLabels returns the labels of the working folder's workspace:
// its state's, merged with the label tables of its sources when they can
// be reached (a warning otherwise). With rw set it streams the row-level
// truth of the applied ones to it and returns how many it streamed.
func (a *app) workspaceLabels(ctx context.Context, rw *csv.Writer) ([]truth.Label, int, error) {
	st, err := a.readState(ctx)
	if err != nil {
		return nil, 0, err
	}
	files, _ := filepath.Glob(filepath.Join(a.dir, "*.hcl"))
	if len(files) == 0 {
		return st.Labels, 0, nil
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, 0, err
	}
	eng := a.engine(cfg)
	defer eng.Close()
	var addrs []string
	for _, s := range cfg.Sources {
		addrs = append(addrs, s.Addr())
	}
	if err := eng.Open(ctx, addrs); err != nil {
		fmt.Fprintf(a.err, "Warning: the sources could not be reached (%v); the labels are the state's only.\n", connectError(err))
		return st.Labels, 0, nil
	}
	ls, err := eng.Labels(ctx, st)
	if err != nil {
		return nil, 0, err
	}
	n := 0
	if rw != nil {
		if n, err = eng.StreamLabelRows(ctx, st, ls, rw.Write); err != nil {
			return nil, 0, err
		}
	}
	return ls, n, nil
}

// writeLabelsXLSX writes labels as a workbook: one sheet, Labels, with a
// header row; figures as numbers, times as RFC 3339 text.
func writeLabelsXLSX(w io.Writer, labels []truth.Label) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Labels"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head := make([]any, len(truth.LabelColumns))
	for i, c := range truth.LabelColumns {
		head[i] = c
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	tm := func(t time.Time) any {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	fl := func(p *float64) any {
		if p == nil {
			return ""
		}
		return *p
	}
	for i, l := range labels {
		rev := any("")
		if l.RevertedAt != nil {
			rev = tm(*l.RevertedAt)
		}
		row := []any{l.AnomalyID, l.Address, l.Workspace, l.Kind, l.Category, l.Source, l.Table, l.Column, l.Segment, l.Metric,
			tm(l.Start), tm(l.End), tm(l.InjectedAt), rev, l.Grain, l.Magnitude, l.Unit, fl(l.BaselineValue), fl(l.InjectedValue),
			l.RowsAffected, strconv.FormatInt(l.Seed, 10), l.AnomgenVersion}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
