package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/spf13/cobra"
)

func (a *app) scoreCmd() *cobra.Command {
	var detections, labels, tolerance, format string
	cmd := &cobra.Command{
		Use:   "score -detections FILE [-labels FILE]",
		Short: "Score a monitor's alerts against the labels of the injected anomalies",
		Long: `Score any monitor against the ground truth: read its alerts (-detections, CSV
with a header or a JSON array: tool, table, column, metric, bucket_start,
bucket_end, detected_at, score) and the labels of what anomgen injected
(-labels, JSON or CSV, see docs/labels.md; without -labels, the labels this
workspace recorded, as anomgen labels exports them), match them, and print recall by
existence, range-based precision and recall (Tatbul et al., flat bias),
detection latency, the figures per kind and per category, and the alerts
that match no label (false positives).

An alert matches a label on the same table (with or without its schema, any
case), the same column where the label names one, a compatible metric
family, and a bucket overlapping the label's range widened by -tolerance.
With -labels it touches no database.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("-format %q: use text or json", format)
			}
			tol, err := config.ParseDuration(tolerance)
			if tolerance == "0" {
				tol, err = 0, nil
			}
			if err != nil || tol < 0 {
				return fmt.Errorf("-tolerance %q: give a duration such as 1d, 12h or 0 (%v)", tolerance, err)
			}
			if detections == "" {
				return fmt.Errorf("-detections FILE is required: the monitor's alerts as CSV or JSON (tool, table, column, metric, bucket_start, bucket_end, detected_at, score); anomgen detect -out FILE writes one")
			}
			alerts, err := readInput(a.in, detections, truth.ReadAlerts)
			if err != nil {
				return err
			}
			var ls []truth.Label
			if labels == "" {
				// The workspace's own labels (labels.go): state and label tables.
				if ls, _, err = a.workspaceLabels(cmd.Context(), nil); err != nil {
					return err
				}
				if len(ls) == 0 {
					return fmt.Errorf("this workspace has no labels yet: anomgen apply records one for every anomaly it applies (anomgen labels exports them), or give -labels FILE (JSON or CSV, docs/labels.md)")
				}
			} else if ls, err = readInput(a.in, labels, truth.ReadLabels); err != nil {
				return err
			}
			s := truth.Compute(ls, alerts, truth.ScoreOptions{Tolerance: tol})
			if format == "json" {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			writeScoreText(a.out, s, alerts, tol)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&detections, "detections", "", "the monitor's alerts: CSV with a header, or a JSON array (`FILE`, - for standard input)")
	fl.StringVar(&labels, "labels", "", "the labels of the injected anomalies: JSON or CSV (`FILE`; format in docs/labels.md); default: this workspace's labels")
	fl.StringVar(&tolerance, "tolerance", "1d", "widen each label's range by `D` on both sides when matching (e.g. 1d, 6h, 0)")
	fl.StringVar(&format, "format", "text", "print `text` or json (for dashboards)")
	return cmd
}

func readInput[T any](stdin io.Reader, path string, read func(string, []byte) ([]T, error)) ([]T, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	return read(path, data)
}

func fmtShare(f *float64) string {
	if f == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100**f)
}

// fmtSeconds renders a latency as a readable duration (negative: the alert
// came before the label's start, within the tolerance).
func fmtSeconds(f *float64) string {
	if f == nil {
		return "-"
	}
	d := time.Duration(math.Round(*f)) * time.Second
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	if d == 0 {
		return "0s"
	}
	var parts []string
	if days := d / (24 * time.Hour); days > 0 {
		parts = append(parts, fmt.Sprintf("%dd", days))
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 || (len(parts) > 0 && d > 0) {
		parts = append(parts, fmt.Sprintf("%dh", h))
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
		d -= m * time.Minute
	}
	if d > 0 && len(parts) < 2 {
		parts = append(parts, fmt.Sprintf("%ds", d/time.Second))
	}
	return sign + strings.Join(parts, "")
}

func writeScoreText(w io.Writer, s *truth.Score, alerts []truth.Alert, tol time.Duration) {
	tools := map[string]bool{}
	for _, a := range alerts {
		if a.Tool != "" {
			tools[a.Tool] = true
		}
	}
	var names []string
	for t := range tools {
		names = append(names, t)
	}
	sort.Strings(names)
	by := ""
	if len(names) > 0 {
		by = " from " + strings.Join(names, ", ")
	}
	fmt.Fprintf(w, "Scored %s%s against %s (tolerance %s).\n\n", counted(s.Alerts, "alert", "alerts"), by, counted(s.Labels, "label", "labels"), config.FormatDuration(tol))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  recall (existence)\t%d/%d\t%s\n", s.Detected, s.Labels, fmtShare(s.RecallExistence))
	fmt.Fprintf(tw, "  range recall\t\t%s\n", fmtShare(s.RangeRecall))
	fmt.Fprintf(tw, "  range precision\t\t%s\t(over %s)\n", fmtShare(s.RangePrecision), counted(s.Predictions, "merged alert run", "merged alert runs"))
	fmt.Fprintf(tw, "  range F1\t\t%s\n", fmtShare(s.RangeF1))
	fmt.Fprintf(tw, "  latency\t\tmedian %s, max %s\t(detected_at − label start)\n", fmtSeconds(s.LatencyMedian), fmtSeconds(s.LatencyMax))
	fmt.Fprintf(tw, "  false positives\t%d/%d\t\n", len(s.FalsePositives), s.Alerts)
	tw.Flush()

	if len(s.Results) > 0 {
		fmt.Fprintln(w, "\nLabels:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  KIND\tANOMALY\tTABLE.COLUMN\tMETRIC\tRANGE\tALERTS\tRANGE RECALL\tLATENCY\tMAX |SCORE|")
		for _, r := range s.Results {
			name := r.Address
			if name == "" {
				name = r.AnomalyID
			}
			col := r.Table
			if r.Column != "" {
				col += "." + r.Column
			}
			rng := r.Start.UTC().Format("2006-01-02 15:04") + " → " + r.End.UTC().Format("2006-01-02 15:04")
			alerts := "missed"
			if r.Detected {
				alerts = fmt.Sprint(r.Alerts)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%.1f%%\t%s\t%.1f\n", r.Kind, name, col, r.Metric, rng, alerts, 100*r.RangeRecall, fmtSeconds(r.Latency), r.MaxScore)
		}
		tw.Flush()
		for _, g := range []struct {
			title  string
			groups []truth.Group
		}{{"By kind", s.ByKind}, {"By category", s.ByCategory}} {
			fmt.Fprintf(w, "\n%s:\n", g.title)
			tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  NAME\tLABELS\tDETECTED\tRECALL\tRANGE RECALL\tMEDIAN LATENCY")
			for _, x := range g.groups {
				fmt.Fprintf(tw, "  %s\t%d\t%d\t%.1f%%\t%.1f%%\t%s\n", x.Name, x.Labels, x.Detected, 100*x.RecallExistence, 100*x.RangeRecall, fmtSeconds(x.LatencyMedian))
			}
			tw.Flush()
		}
	}
	if len(s.FalsePositives) > 0 {
		fmt.Fprintf(w, "\nFalse positives (%d alerts match no label):\n", len(s.FalsePositives))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  TOOL\tTABLE.COLUMN\tMETRIC\tBUCKET\tSCORE")
		for _, a := range s.FalsePositives {
			col := a.Table
			if a.Column != "" {
				col += "." + a.Column
			}
			b := a.BucketStart.UTC().Format("2006-01-02 15:04")
			if !a.BucketEnd.IsZero() {
				b += " → " + a.BucketEnd.UTC().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%.2f\n", a.Tool, col, a.Metric, b, a.Score)
		}
		tw.Flush()
	}
}
