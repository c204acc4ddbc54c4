package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/spf13/cobra"
)

type detectFlags struct {
	grain       string
	baseline    int
	threshold   float64
	seasonality string
	format      string
	out         string
}

func (a *app) detectCmd() *cobra.Command {
	var f detectFlags
	cmd := &cobra.Command{
		Use:   "detect [TARGET...]",
		Short: "Run the built-in reference monitor over targets and write its alerts",
		Long: `A reference monitor, so that the loop inject → detect → score closes without
other tools. Per target (every target with a time_column, or the TARGETs
named) and per day (or hour) of its time column, the database computes: the
row count; freshness both ways (the lag of the bucket's latest time behind
the bucket's end, and rows dated after now); per column the NULL share; per
text column the blank share, the share of its commonest shape (letters → a
or A, digits → 9, runs collapsed) and, for low-cardinality columns, each
category's share; per numeric column the mean and standard deviation; the
distinct count and duplicate ratio; and a schema snapshot compared with the
previous run's (.anomgen/detect/).

Each complete bucket is compared with its baseline, the -baseline prior
buckets (or, with -seasonality day_of_week, the same weekday and hour of the
4 prior weeks, at least 2): z = (x − mean) / max(sd, floor), and |z| ≥
-threshold is an alert. A baseline without variance gives z capped at ±100,
marked capped. Alerts are written as CSV or JSON in the format anomgen score
reads (tool = anomgen-detect).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.format != "csv" && f.format != "json" {
				return fmt.Errorf("-format %q: use csv or json", f.format)
			}
			if f.grain != "day" && f.grain != "hour" {
				return fmt.Errorf("-grain %q: use day or hour", f.grain)
			}
			if f.threshold <= 0 {
				return fmt.Errorf("-threshold %v: give a |z| above 0, e.g. 3", f.threshold)
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			targets, err := detectTargets(cfg, args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			eng := a.engine(cfg)
			defer eng.Close()
			var addrs []string
			seen := map[string]bool{}
			for _, t := range targets {
				if !seen[t.Source.Addr()] {
					seen[t.Source.Addr()] = true
					addrs = append(addrs, t.Source.Addr())
				}
			}
			if err := eng.Open(ctx, addrs); err != nil {
				return connectError(err)
			}
			o := executor.DetectOptions{Grain: f.grain, Baseline: f.baseline, Threshold: f.threshold, Seasonality: f.seasonality,
				Now: time.Now().UTC(), SnapshotDir: filepath.Join(a.dir, ".anomgen", "detect")}
			var alerts []truth.Alert
			var reports []*executor.DetectReport
			for _, t := range targets {
				rep, err := executor.Detect(ctx, eng.Conn(t.Source.Addr()), t, o)
				if err != nil {
					return err
				}
				reports = append(reports, rep)
				alerts = append(alerts, rep.Alerts...)
			}
			write := func(w io.Writer) error {
				if f.format == "json" {
					return truth.WriteAlertsJSON(w, alerts)
				}
				return truth.WriteAlertsCSV(w, alerts)
			}
			if f.out == "" {
				if err := write(a.out); err != nil {
					return err
				}
				writeDetectSummary(a.err, reports, f, "")
				return nil
			}
			if err := writeFileOr(a.out, f.out, write); err != nil {
				return err
			}
			writeDetectSummary(a.out, reports, f, f.out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.grain, "grain", "day", "bucket the time column by `day` or hour")
	fl.IntVar(&f.baseline, "baseline", 14, "compare each bucket with the `N` prior buckets (seasonality none)")
	fl.Float64Var(&f.threshold, "threshold", 3, "alert where |z| reaches `Z`")
	fl.StringVar(&f.seasonality, "seasonality", "none", "`none`, or day_of_week: compare a bucket with the same weekday (and hour) of the 4 prior weeks")
	fl.StringVar(&f.format, "format", "csv", "write the alerts as `csv` or json")
	fl.StringVar(&f.out, "out", "", "write the alerts to `FILE` and a summary to standard output (default: alerts to standard output, summary to standard error)")
	return cmd
}

// detectTargets resolves TARGET arguments (name or target.NAME); none
// means every target with a time_column.
func detectTargets(cfg *config.Config, args []string) ([]*config.Target, error) {
	var names []string
	for _, t := range cfg.Targets {
		names = append(names, t.Name)
	}
	if len(args) == 0 {
		var out []*config.Target
		for _, t := range cfg.Targets {
			if t.TimeColumn != "" {
				out = append(out, t)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("no target has a time_column to bucket by (targets: %s): add time_column = \"...\" to a target block", strings.Join(names, ", "))
		}
		return out, nil
	}
	var out []*config.Target
	for _, arg := range args {
		t := cfg.Target(strings.TrimPrefix(arg, "target."))
		if t == nil {
			msg := fmt.Sprintf("no target %q (targets: %s)", arg, strings.Join(names, ", "))
			if s := config.Nearest(strings.TrimPrefix(arg, "target."), names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			return nil, fmt.Errorf("%s", msg)
		}
		out = append(out, t)
	}
	return out, nil
}

func writeDetectSummary(w io.Writer, reports []*executor.DetectReport, f detectFlags, out string) {
	for _, r := range reports {
		span := ""
		if r.Buckets > 0 {
			layout := "2006-01-02"
			if f.grain == "hour" {
				layout = "2006-01-02 15:00"
			}
			span = fmt.Sprintf(" %s to %s,", r.First.Format(layout), r.Last.Format(layout))
		}
		fmt.Fprintf(w, "%s (%s): %s,%s %s followed, %d evaluated against a baseline, %s.\n", r.Target, r.Table,
			counted(r.Buckets, f.grain, f.grain+"s"), span, counted(r.Series, "metric", "metrics"), r.Evaluated, counted(len(r.Alerts), "alert", "alerts"))
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
		if len(r.Alerts) == 0 {
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  BUCKET\tCOLUMN\tMETRIC\tVALUE\tBASELINE\tZ\tDETAIL")
		for _, a := range r.Alerts {
			z := fmt.Sprintf("%+.1f", a.Score)
			if a.Capped {
				z += " (capped: no variance)"
			}
			b := a.BucketStart.Format("2006-01-02")
			if f.grain == "hour" || a.BucketEnd.Sub(a.BucketStart) != 24*time.Hour {
				b = a.BucketStart.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", b, a.Column, a.Metric, detectFig(a.Value), baselineFig(a), z, a.Detail)
		}
		tw.Flush()
	}
	if out != "" {
		fmt.Fprintf(w, "Wrote the alerts to %s. Score them: anomgen score -detections %s -labels LABELS\n", out, out)
	}
}

func detectFig(v *float64) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf("%.4g", *v)
}

func baselineFig(a truth.Alert) string {
	if a.BaselineMean == nil {
		return ""
	}
	s := fmt.Sprintf("%.4g", *a.BaselineMean)
	if a.BaselineSD != nil {
		s += fmt.Sprintf(" ± %.3g", *a.BaselineSD)
	}
	return s
}
