package providers

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// Profiler is implemented (by an Inspector) where a provider can measure a
// table's statistics for anomgen profile.
type Profiler interface {
	// Stats measures table (schema-qualified or not); timeColumn, when not
	// empty, gives the time range and the daily counts. Cancelling ctx
	// cancels the queries.
	Stats(ctx context.Context, table, timeColumn string, o planner.StatsOptions) (*planner.TableStats, error)
}

// CollectStats is the shared implementation of Profiler.Stats: the
// aggregate pass, the daily counts, the top values of low-cardinality
// columns and the shapes of text values, rendered by d (which must
// implement sqlgen.StatsDialect).
func CollectStats(ctx context.Context, db DB, d sqlgen.Dialect, in Inspector, table, timeColumn string, o planner.StatsOptions) (*planner.TableStats, error) {
	o = o.WithDefaults()
	p, err := in.Profile(ctx, table, timeColumn)
	if err != nil {
		return nil, err
	}
	if timeColumn != "" && p.Column(timeColumn) == nil {
		return nil, fmt.Errorf("table %s has no column %q", p.Table, timeColumn)
	}
	st := &planner.TableStats{Table: p.Table, TimeColumn: timeColumn}
	scale := 1.0
	if o.Sampled() {
		st.Estimate, st.SamplePercent = true, o.SamplePercent
		scale = 100 / o.SamplePercent
		st.Note = fmt.Sprintf("estimates from a %s%% sample: counts are scaled up, distinct counts and shapes are those of the sample", sqlgen.Percent(o.SamplePercent))
	}

	q := sqlgen.ProfileStats(d, p, timeColumn, o)
	vals, ptrs := ScanSlots(len(q.Fields))
	if err := db.QueryRowContext(ctx, q.SQL).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("measuring %s: %w", p.Table, err)
	}
	var sampleRows int64
	cols := map[string]*planner.ColumnStats{}
	for _, c := range p.Columns {
		st.Columns = append(st.Columns, planner.ColumnStats{Name: c.Name, Type: c.Type, Class: c.Class, Distinct: -1})
	}
	for i := range st.Columns {
		cols[st.Columns[i].Name] = &st.Columns[i]
	}
	meanSq := map[string]float64{}
	for i, f := range q.Fields {
		v := vals[i]
		c := cols[f.Column]
		switch f.Measure {
		case "rows":
			sampleRows = toInt(v)
		case "non_null":
			c.NonNull = toInt(v)
		case "distinct":
			c.Distinct = toInt(v)
		case "non_finite":
			c.NonFinite = toInt(v)
		case "min", "max":
			s := toText(v, p.Column(f.Column), p.TimeFormat, f.Column == timeColumn)
			if f.Measure == "min" {
				c.Min = s
			} else {
				c.Max = s
			}
		case "mean":
			if x, ok := ToFloat(v); ok {
				c.Mean = &x
			}
		case "stddev":
			if x, ok := ToFloat(v); ok {
				c.Stddev = &x
			}
		case "mean_sq":
			if x, ok := ToFloat(v); ok {
				meanSq[f.Column] = x
			}
		case "min_len", "max_len":
			if v != nil {
				n := toInt(v)
				if f.Measure == "min_len" {
					c.MinLength = &n
				} else {
					c.MaxLength = &n
				}
			}
		}
	}
	st.Rows = int64(math.Round(float64(sampleRows) * scale))
	for i := range st.Columns {
		c := &st.Columns[i]
		if sq, ok := meanSq[c.Name]; ok && c.Mean != nil && c.NonNull > 1 {
			n := float64(c.NonNull)
			v := math.Max(0, (sq-*c.Mean**c.Mean)*n/(n-1))
			s := math.Sqrt(v)
			c.Stddev = &s
		}
		if sampleRows > 0 {
			c.NullShare = float64(sampleRows-c.NonNull) / float64(sampleRows)
		}
		c.NonNull = int64(math.Round(float64(c.NonNull) * scale))
		c.NonFinite = int64(math.Round(float64(c.NonFinite) * scale))
	}

	if timeColumn != "" {
		c := st.Column(timeColumn)
		if t, ok := parseTime(c.Min); ok {
			st.MinTime = &t
		}
		if t, ok := parseTime(c.Max); ok {
			st.MaxTime = &t
		}
		days, err := dailyCounts(ctx, db, d, p, timeColumn, o, scale)
		if err != nil {
			return nil, err
		}
		st.Daily = days
	}

	for i := range st.Columns {
		c := &st.Columns[i]
		pc := p.Column(c.Name)
		if c.Distinct > 0 && c.Distinct <= o.LowCardinality && c.Name != timeColumn && !isKey(p, c.Name) {
			rows, err := db.QueryContext(ctx, sqlgen.ProfileTop(d, p, c.Name, o.TopValues, o))
			if err != nil {
				return nil, fmt.Errorf("top values of %s: %w", c.Name, err)
			}
			for rows.Next() {
				var v any
				var n int64
				if err := rows.Scan(&v, &n); err != nil {
					rows.Close()
					return nil, err
				}
				share := 0.0
				if s := float64(c.NonNull) / scale; s > 0 {
					share = float64(n) / s
				}
				c.Top = append(c.Top, planner.ValueShare{Value: toText(v, pc, p.TimeFormat, false), Count: int64(math.Round(float64(n) * scale)), Share: share})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("top values of %s: %w", c.Name, err)
			}
		}
		if c.Class == planner.ClassText && c.NonNull > 0 {
			rows, err := db.QueryContext(ctx, sqlgen.ProfileValues(d, p, c.Name, o.ShapeSample, o))
			if err != nil {
				return nil, fmt.Errorf("reading values of %s: %w", c.Name, err)
			}
			counts := map[string]int64{}
			var total, nonASCII int64
			for rows.Next() {
				var v any
				if err := rows.Scan(&v); err != nil {
					rows.Close()
					return nil, err
				}
				text := toText(v, pc, p.TimeFormat, false)
				counts[planner.Shape(text)]++
				total++
				if !isASCII(text) {
					nonASCII++
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("reading values of %s: %w", c.Name, err)
			}
			c.Shapes = topShares(counts, total, 3)
			if total > 0 {
				c.NonASCII = float64(nonASCII) / float64(total)
			}
		}
	}
	return st, nil
}

func isKey(p *planner.TableProfile, name string) bool {
	return len(p.PrimaryKey) == 1 && p.PrimaryKey[0] == name
}

func topShares(counts map[string]int64, total int64, n int) []planner.ValueShare {
	var out []planner.ValueShare
	for v, c := range counts {
		out = append(out, planner.ValueShare{Value: v, Count: c, Share: float64(c) / float64(total)})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Count > out[j].Count || out[i].Count == out[j].Count && out[i].Value < out[j].Value
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float64:
		return int64(x)
	case []byte:
		n, _ := strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64)
		return n
	case string:
		n, _ := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n
	}
	if f, ok := ToFloat(v); ok {
		return int64(f)
	}
	return 0
}

// ToFloat reads a scanned numeric value (a number, or text holding one) as
// a float64; false for NULL or anything that is not a number.
func ToFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case nil:
		return 0, false
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case int:
		return float64(x), true
	case []byte:
		f, err := strconv.ParseFloat(strings.TrimSpace(string(x)), 64)
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
	return f, err == nil
}

// toText renders a value for display; epoch numbers of a SQLite time
// column become RFC 3339 text.
func toText(v any, c *planner.Column, f planner.TimeFormat, isTime bool) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 && c != nil && strings.EqualFold(strings.TrimSpace(c.Type), "date") {
			return x.Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	}
	if isTime && f.Epoch != "" {
		if n, ok := ToFloat(v); ok {
			if f.Epoch == "ms" {
				return time.UnixMilli(int64(n)).UTC().Format(time.RFC3339Nano)
			}
			return time.Unix(int64(n), 0).UTC().Format(time.RFC3339Nano)
		}
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprint(v)
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", time.DateOnly}

func parseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// dayText turns a day value (a date, or text starting with one) into
// YYYY-MM-DD.
func dayText(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.Format(time.DateOnly)
	case []byte:
		v = string(x)
	case sql.NullString:
		v = x.String
	}
	s, _ := v.(string)
	if len(s) < 10 {
		return ""
	}
	return s[:10]
}

// TimeColumns lists the candidate time columns of a table: its date and
// time columns, then text columns whose first non-NULL value parses as a
// timestamp (SQLite stores times as text).
func TimeColumns(ctx context.Context, c *Conn, p *planner.TableProfile) ([]string, error) {
	var out []string
	for _, col := range p.Columns {
		if col.Class == planner.ClassTime {
			out = append(out, col.Name)
		}
	}
	for _, col := range p.Columns {
		if col.Class != planner.ClassText {
			continue
		}
		var v any
		err := c.DB.QueryRowContext(ctx, sqlgen.ProfileValues(c.Dialect, p, col.Name, 1, planner.StatsOptions{})).Scan(&v)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, err
		}
		if s := toText(v, &col, p.TimeFormat, false); len(s) >= 10 {
			if _, ok := parseTime(s); ok {
				out = append(out, col.Name)
			}
		}
	}
	return out, nil
}

// Lister is implemented (by an Inspector) where a provider can list the
// tables of a database for anomgen inspect and init.
type Lister interface {
	// Tables lists the base tables of schema, or of every user schema
	// when schema is "" (MySQL: the connected database), sorted.
	Tables(ctx context.Context, schema string) ([]planner.TableInfo, error)
}

// ScanTables reads rows of schema, name, rows estimate and bytes (NULL
// where unknown).
func ScanTables(rows *sql.Rows, err error) ([]planner.TableInfo, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []planner.TableInfo
	for rows.Next() {
		var schema, name string
		var est, bytes sql.NullInt64
		if err := rows.Scan(&schema, &name, &est, &bytes); err != nil {
			return nil, err
		}
		ti := planner.TableInfo{Table: planner.TableName{Schema: schema, Name: name}, RowsEstimate: -1, Bytes: -1}
		if est.Valid && est.Int64 >= 0 {
			ti.RowsEstimate = est.Int64
		}
		if bytes.Valid {
			ti.Bytes = bytes.Int64
		}
		out = append(out, ti)
	}
	return out, rows.Err()
}

// DailyCounts counts the rows of each day of a table's time column, every
// day from the first to the last (0 for days without rows).
func DailyCounts(ctx context.Context, c *Conn, p *planner.TableProfile, timeColumn string) ([]planner.DayCount, error) {
	return dailyCounts(ctx, c.DB, c.Dialect, p, timeColumn, planner.StatsOptions{}, 1)
}

func dailyCounts(ctx context.Context, db DB, d sqlgen.Dialect, p *planner.TableProfile, timeColumn string, o planner.StatsOptions, scale float64) ([]planner.DayCount, error) {
	rows, err := db.QueryContext(ctx, sqlgen.ProfileDaily(d, p, timeColumn, o))
	if err != nil {
		return nil, fmt.Errorf("counting rows per day: %w", err)
	}
	defer rows.Close()
	var days []planner.DayCount
	for rows.Next() {
		var day any
		var n int64
		if err := rows.Scan(&day, &n); err != nil {
			return nil, err
		}
		if ds := dayText(day); ds != "" {
			days = append(days, planner.DayCount{Day: ds, Rows: int64(math.Round(float64(n) * scale))})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting rows per day: %w", err)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Day < days[j].Day })
	return planner.FillDays(days), nil
}

// isASCII reports whether s holds ASCII characters only.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
