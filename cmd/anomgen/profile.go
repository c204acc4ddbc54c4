package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/spf13/cobra"
	"github.com/xuri/excelize/v2"
)

type profileFlags struct {
	column  string
	days    int
	asJSON  bool
	csvFile string
	xlsx    string
	sample  float64
	timeout time.Duration
}

func (a *app) profileCmd() *cobra.Command {
	var f profileFlags
	cmd := &cobra.Command{
		Use:   "profile TARGET | SOURCE.[SCHEMA.]TABLE",
		Short: "Measure a table: row count, time range, rows per day, and per-column statistics",
		Long: `Measure a table as a monitor would baseline it: the row count, the time
column's range, the rows of each day as a bar chart (days without rows show
an empty bar), and per column its type, NULL share, distinct count,
min/max/mean/stddev (numbers), top values (low-cardinality columns), length
range and common shapes (text: 9 for a digit, A upper case, a lower case).

The table is a target of the scenario files, or SOURCE.TABLE where SOURCE
is a source block's name (source.TYPE.NAME.TABLE works too). -sample PCT
reads about PCT percent of the table (TABLESAMPLE, or a hash of the key
where the database has none); the figures are then marked as estimates.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runProfile(cmd.Context(), args[0], f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.column, "column", "", "the time `COLUMN` (default: the target's, or the table's first date/time column)")
	fl.IntVar(&f.days, "days", 30, "show the last `N` days of the daily chart (0: every day)")
	fl.BoolVar(&f.asJSON, "json", false, "print the statistics as JSON")
	fl.StringVar(&f.csvFile, "csv", "", "also write the statistics to CSV `FILE` (- for standard output)")
	fl.StringVar(&f.xlsx, "xlsx", "", "also write the statistics to an Excel workbook `FILE` (sheets summary, columns, daily, top values)")
	fl.Float64Var(&f.sample, "sample", 0, "read about `PCT` percent of the table (0 < PCT < 100); figures become estimates")
	fl.DurationVar(&f.timeout, "timeout", 0, "give up after `D` (e.g. 30s); Ctrl-C cancels too")
	return cmd
}

// resolveTable finds the source, table and time column an argument names.
func resolveTable(cfg *config.Config, arg string) (src *config.Source, table, timeColumn string, err error) {
	if t := cfg.Target(strings.TrimPrefix(arg, "target.")); t != nil {
		return t.Source, t.Table, t.TimeColumn, nil
	}
	rest := strings.TrimPrefix(arg, "source.")
	if rest != arg {
		// source.TYPE.NAME.TABLE
		if _, after, ok := strings.Cut(rest, "."); ok {
			rest = after
		}
	}
	name, table, ok := strings.Cut(rest, ".")
	var names []string
	for _, s := range cfg.Sources {
		names = append(names, s.Name)
		if ok && s.Name == name {
			src = s
		}
	}
	if src == nil {
		var targets []string
		for _, t := range cfg.Targets {
			targets = append(targets, t.Name)
		}
		return nil, "", "", fmt.Errorf("%q is neither a target (targets: %s) nor SOURCE.TABLE with a declared source (sources: %s)", arg, strings.Join(targets, ", "), strings.Join(names, ", "))
	}
	return src, table, "", nil
}

func (a *app) runProfile(ctx context.Context, arg string, f profileFlags) error {
	if f.sample < 0 || f.sample >= 100 {
		return fmt.Errorf("-sample %v: give a percentage above 0 and below 100", f.sample)
	}
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	src, table, timeColumn, err := resolveTable(cfg, arg)
	if err != nil {
		return err
	}
	if f.column != "" {
		timeColumn = f.column
	}
	eng := a.engine(cfg)
	defer eng.Close()
	cancelled := func(err error) error {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return fmt.Errorf("profiling %s took longer than -timeout %s (try -sample 1)", table, f.timeout)
		case ctx.Err() != nil:
			return fmt.Errorf("profiling %s: cancelled", table)
		}
		return err
	}
	if err := eng.Open(ctx, []string{src.Addr()}); err != nil {
		return cancelled(connectError(err))
	}
	conn := eng.Conn(src.Addr())
	prof, ok := conn.Inspector.(providers.Profiler)
	if !ok {
		return fmt.Errorf("%s: profiling is not supported on %s", src.Addr(), src.Type)
	}
	if timeColumn == "" {
		p, err := conn.Inspector.Profile(ctx, table, "")
		if err != nil {
			return cancelled(err)
		}
		cands, err := providers.TimeColumns(ctx, conn, p)
		if err != nil {
			return cancelled(err)
		}
		if len(cands) > 0 {
			timeColumn = cands[0]
		}
	}
	st, err := prof.Stats(ctx, table, timeColumn, planner.StatsOptions{SamplePercent: f.sample})
	if err != nil {
		return cancelled(err)
	}
	if f.csvFile != "" {
		if err := writeFileOr(a.out, f.csvFile, func(w io.Writer) error { return writeStatsCSV(w, st) }); err != nil {
			return err
		}
	}
	if f.xlsx != "" {
		if err := writeStatsXLSX(f.xlsx, st); err != nil {
			return err
		}
	}
	if f.csvFile == "-" {
		return nil
	}
	if f.asJSON {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	writeStatsText(a.out, st, f.days, a.paint)
	return nil
}

func writeFileOr(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(fh); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

func num(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', 6, 64)
}

// writeStatsText prints the statistics for a terminal; the daily chart
// keeps the last days days (all with 0).
func writeStatsText(w io.Writer, st *planner.TableStats, days int, paint func(code, s string) string) {
	fmt.Fprintf(w, "%s: %s rows\n", paint(bold, st.Table.String()), planner.Thousands(st.Rows))
	if st.Estimate {
		fmt.Fprintf(w, "%s %s\n", paint(yellow, "Estimates:"), st.Note)
	}
	if st.TimeColumn != "" {
		c := st.Column(st.TimeColumn)
		fmt.Fprintf(w, "time column %s: %s → %s\n", st.TimeColumn, orDash(c.Min), orDash(c.Max))
	}
	if len(st.Daily) > 0 {
		d := st.Daily
		if days > 0 && len(d) > days {
			d = d[len(d)-days:]
		}
		fmt.Fprintf(w, "\n%s\n", paint(bold, fmt.Sprintf("Rows per day of %s (%d days%s)", st.TimeColumn, len(d), map[bool]string{true: fmt.Sprintf(" of %d", len(st.Daily)), false: ""}[len(d) < len(st.Daily)])))
		planner.WriteDailyChart(w, d, 50, nil)
	}
	fmt.Fprintf(w, "\n%s\n", paint(bold, "Columns"))
	for _, c := range st.Columns {
		distinct := "n/a"
		if c.Distinct >= 0 {
			distinct = planner.Thousands(c.Distinct)
		}
		fmt.Fprintf(w, "  %s %s  nulls %s  distinct %s\n", paint(bold, c.Name), c.Type, pct(c.NullShare), distinct)
		var parts []string
		if c.Min != "" || c.Max != "" {
			parts = append(parts, fmt.Sprintf("min %s  max %s", c.Min, c.Max))
		}
		if c.Mean != nil {
			parts = append(parts, "mean "+num(c.Mean))
		}
		if c.Stddev != nil {
			parts = append(parts, "stddev "+num(c.Stddev))
		}
		if c.NonFinite > 0 {
			parts = append(parts, fmt.Sprintf("%s NaN or ±Infinity (left out of these figures)", planner.Thousands(c.NonFinite)))
		}
		if c.MinLength != nil && c.MaxLength != nil {
			parts = append(parts, fmt.Sprintf("length %d–%d", *c.MinLength, *c.MaxLength))
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "      %s\n", strings.Join(parts, "  "))
		}
		if len(c.Top) > 0 {
			fmt.Fprintf(w, "      top: %s\n", shares(c.Top, true))
		}
		if len(c.Shapes) > 0 {
			fmt.Fprintf(w, "      shapes: %s\n", shares(c.Shapes, false))
		}
	}
}

func shares(vs []planner.ValueShare, quote bool) string {
	var out []string
	for _, v := range vs {
		s := v.Value
		if quote {
			s = strconv.Quote(s)
		}
		out = append(out, s+" "+pct(v.Share))
	}
	return strings.Join(out, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// statsRecords flattens the statistics into part, column, name, value rows.
func statsRecords(st *planner.TableStats) (summary, columns, daily, top [][]string) {
	summary = [][]string{{"table", st.Table.String()}, {"rows", fmt.Sprint(st.Rows)}, {"time_column", st.TimeColumn}}
	if st.MinTime != nil {
		summary = append(summary, []string{"min_time", st.MinTime.Format(time.RFC3339Nano)}, []string{"max_time", st.MaxTime.Format(time.RFC3339Nano)})
	}
	summary = append(summary, []string{"estimate", strconv.FormatBool(st.Estimate)})
	if st.Estimate {
		summary = append(summary, []string{"note", st.Note})
	}
	columns = [][]string{{"column", "type", "class", "null_share", "distinct", "min", "max", "mean", "stddev", "min_length", "max_length", "shapes"}}
	for _, c := range st.Columns {
		ln := func(p *int64) string {
			if p == nil {
				return ""
			}
			return fmt.Sprint(*p)
		}
		var sh []string
		for _, s := range c.Shapes {
			sh = append(sh, s.Value+" "+pct(s.Share))
		}
		columns = append(columns, []string{c.Name, c.Type, string(c.Class), strconv.FormatFloat(c.NullShare, 'f', -1, 64), fmt.Sprint(c.Distinct),
			c.Min, c.Max, num(c.Mean), num(c.Stddev), ln(c.MinLength), ln(c.MaxLength), strings.Join(sh, "; ")})
	}
	daily = [][]string{{"day", "rows"}}
	for _, d := range st.Daily {
		daily = append(daily, []string{d.Day, fmt.Sprint(d.Rows)})
	}
	top = [][]string{{"column", "value", "count", "share"}}
	for _, c := range st.Columns {
		for _, v := range c.Top {
			top = append(top, []string{c.Name, v.Value, fmt.Sprint(v.Count), strconv.FormatFloat(v.Share, 'f', -1, 64)})
		}
	}
	return
}

// writeStatsCSV writes one CSV of part,column,name,value rows.
func writeStatsCSV(w io.Writer, st *planner.TableStats) error {
	cw := csv.NewWriter(w)
	summary, columns, daily, top := statsRecords(st)
	_ = cw.Write([]string{"part", "column", "name", "value"})
	for _, r := range summary {
		_ = cw.Write([]string{"summary", "", r[0], r[1]})
	}
	head := columns[0]
	for _, r := range columns[1:] {
		for i := 1; i < len(r); i++ {
			if r[i] != "" {
				_ = cw.Write([]string{"column", r[0], head[i], r[i]})
			}
		}
	}
	for _, r := range daily[1:] {
		_ = cw.Write([]string{"daily", "", r[0], r[1]})
	}
	for _, r := range top[1:] {
		_ = cw.Write([]string{"top", r[0], r[1], r[3]})
	}
	cw.Flush()
	return cw.Error()
}

// writeStatsXLSX writes a workbook with one sheet per part.
func writeStatsXLSX(path string, st *planner.TableStats) error {
	x := excelize.NewFile()
	defer x.Close()
	summary, columns, daily, top := statsRecords(st)
	sheets := []struct {
		name string
		rows [][]string
	}{{"summary", summary}, {"columns", columns}, {"daily", daily}, {"top values", top}}
	for i, s := range sheets {
		if i == 0 {
			if err := x.SetSheetName("Sheet1", s.name); err != nil {
				return err
			}
		} else if _, err := x.NewSheet(s.name); err != nil {
			return err
		}
		for r, row := range s.rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				var val any = v
				if n, err := strconv.ParseFloat(v, 64); err == nil && !(s.name == "top values" && c == 1) {
					val = n
				}
				if err := x.SetCellValue(s.name, cell, val); err != nil {
					return err
				}
			}
		}
	}
	return x.SaveAs(path)
}

// dailyCounts counts rows per day of the target of each windowed change
// (plan -daily). A target that cannot be counted is left out with a
// warning: the plan itself does not depend on it.
func (a *app) dailyCounts(ctx context.Context, s *session, p *planner.Plan) map[string][]planner.DayCount {
	out := map[string][]planner.DayCount{}
	for _, c := range p.Changes {
		if c.Window == nil || (c.Action != planner.Create && c.Action != planner.Replace) {
			continue
		}
		if _, done := out[c.Target]; done {
			continue
		}
		t := s.cfg.Target(c.Target)
		if t == nil || t.TimeColumn == "" {
			continue
		}
		conn := s.eng.Conn(t.Source.Addr())
		if conn == nil {
			continue
		}
		prof, err := conn.Inspector.Profile(ctx, t.Table, t.TimeColumn)
		var days []planner.DayCount
		if err == nil {
			days, err = providers.DailyCounts(ctx, conn, prof, t.TimeColumn)
		}
		if err != nil {
			fmt.Fprintf(a.err, "%s rows per day of %s: %v\n", a.paint(yellow, "Warning:"), t.Table, err)
		}
		out[c.Target] = days
	}
	return out
}
