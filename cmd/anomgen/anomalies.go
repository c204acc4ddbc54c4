package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/spf13/cobra"
)

// suggestSampleAbove is the table size above which suggest reads a sample
// of the table for the columns' data (about this many rows).
const suggestSampleAbove = 1_000_000

func (a *app) anomaliesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "anomalies", Short: "Browse the anomaly catalog: list, describe, suggest"}
	var category string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List every kind with its category and summary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return planner.WriteKinds(a.out, category, asJSON)
		},
	}
	list.Flags().StringVar(&category, "category", "", "only kinds of this category: pipeline, quality or business")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	describe := &cobra.Command{
		Use:   "describe KIND",
		Short: "What a kind does, what a monitor sees, its arguments and defaults, and an example",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k := planner.LookupKind(args[0])
			if k == nil {
				var names []string
				for _, k := range planner.Kinds() {
					names = append(names, k.Name)
				}
				msg := fmt.Sprintf("no kind %q", args[0])
				if s := config.Nearest(args[0], names); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				return fmt.Errorf("%s (`anomgen anomalies list` shows them all)", msg)
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					planner.KindInfo
					Metric         string                  `json:"metric"`
					DetectStrength *planner.DetectStrength `json:"detect_strength,omitempty"`
				}{k.Info(), k.MetricFamily(), k.DetectStrength()})
			}
			planner.WriteDescription(a.out, k)
			if m := k.MetricFamily(); m != "" {
				fmt.Fprintf(a.out, "\nMetric that catches it: %s (the metric family its labels record; anomgen detect computes it, anomgen score matches alerts on it; docs/labels.md)\n", m)
			}
			if s := k.DetectStrength(); s != nil {
				fmt.Fprintf(a.out, "Measured: %s\n", detectStrengthText(s))
			}
			return nil
		},
	}
	describe.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	suggest := &cobra.Command{
		Use:   "suggest TARGET[.COLUMN]",
		Short: "The kinds that suit a target's columns, from its live profile",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, column, _ := strings.Cut(strings.TrimPrefix(args[0], "target."), ".")
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			t := cfg.Target(name)
			if t == nil {
				var names []string
				for _, t := range cfg.Targets {
					names = append(names, t.Name)
				}
				return fmt.Errorf("no target %q in the scenario files (targets: %s)", name, strings.Join(names, ", "))
			}
			eng := a.engine(cfg)
			defer eng.Close()
			if err := eng.Open(cmd.Context(), []string{t.Source.Addr()}); err != nil {
				return connectError(err)
			}
			p, err := eng.Conn(t.Source.Addr()).Inspector.Profile(cmd.Context(), t.Table, t.TimeColumn)
			if err != nil {
				return err
			}
			sugg, err := planner.Suggest(p, t.Source.Type, t.Key, t.TimeColumn != "", column)
			if err != nil {
				return err
			}
			// The columns' data ranks the kinds (suggest.go): no date_format
			// for e-mails, no category kinds on thousands of distinct values.
			if prof, ok := eng.Conn(t.Source.Addr()).Inspector.(providers.Profiler); ok {
				o := planner.StatsOptions{}.WithDefaults()
				if p.Rows > suggestSampleAbove {
					o.SamplePercent = max(0.1, 100*float64(suggestSampleAbove)/float64(p.Rows))
				}
				st, err := prof.Stats(cmd.Context(), t.Table, t.TimeColumn, o)
				if err != nil {
					fmt.Fprintf(a.err, "%s the columns' data could not be read (%v); the kinds below follow the types only\n", a.paint(yellow, "Warning:"), err)
				} else {
					planner.RankSuggestions(sugg, st, o.LowCardinality)
				}
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(sugg)
			}
			fmt.Fprintf(a.out, "target %s (%s, %s rows)\n", t.Name, p.Table, planner.Thousands(p.Rows))
			for _, s := range sugg {
				what := "whole rows"
				if s.Column != "" {
					what = fmt.Sprintf("%s (%s)", s.Column, s.Type)
				}
				kinds := strings.Join(s.Kinds, ", ")
				if kinds == "" {
					kinds = "none (a key or generated column)"
				}
				if s.Role != "" && s.Role != "key" {
					kinds += fmt.Sprintf(" (%s: kinds that write new values are left out)", s.Role)
				}
				fmt.Fprintf(a.out, "  %-28s %s\n", what, kinds)
				for _, sk := range s.Skipped {
					fmt.Fprintf(a.out, "  %-28s   not %s: %s\n", "", sk.Kind, sk.Why)
				}
			}
			fmt.Fprintln(a.out, "\n`anomgen anomalies describe KIND` shows a kind's arguments and an example.")
			return nil
		},
	}
	suggest.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(list, describe, suggest)
	return cmd
}

// detectStrengthText says what the detectability matrix measured for a
// kind at its defaults (planner/detect_strength.json).
func detectStrengthText(s *planner.DetectStrength) string {
	rec := planner.DetectStrengthRecord()
	day, _ := time.Parse("2006-01-02", rec.Measured)
	on := s.Metric
	if s.Column != "" {
		on += " of " + s.Column
	}
	return fmt.Sprintf("at its defaults, anomgen detect -seasonality day_of_week flags it on %s at |z| %s over the seven weekdays (the %d-day seeded table up to %s; README: Measuring monitors)",
		on, s.Range(), rec.Days, day.Format("2 January 2006"))
}
