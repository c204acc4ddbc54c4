package conformance

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// RunTextKinds runs the text data-quality kinds (planner/kinds_quality_text.go)
// against b: empty_values, sentinel_values (text, numeric, time),
// string_case, whitespace_padding, truncation, format_change (replace,
// prefix, regex) and invalid_category (values and generated labels). For
// each: the plan's count is computed from the data in Go and equals what
// apply changes, every chosen row holds exactly the value computed in Go
// from its old value, the changed share is the volume within 2 points,
// every other row is byte-identical, and rollback restores the table's
// checksum. It uses days 8 to 18 of the suite's data.
func RunTextKinds(t *testing.T, b Backend) {
	s := newSuite(t, b, rowData())
	for _, c := range textCases(b.Name) {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); testTextKind(t, s, c) })
	}
}

// textCase is one text kind on one column: want computes the new value
// from the old one (ok false: checked by check instead).
type textCase struct {
	name, kind, column, attrs string
	want                      func(id int64, old string) string
	// check, when set, measures the effect instead of want (non-text
	// columns); n is the number of changed rows.
	check func(t *testing.T, h *harness, n int64)
}

const textSeed, textVolume = 11, 0.3

// textHash is the selection hash of seed and key as a number.
func textHash(seed, id int64) uint32 {
	sum := md5.Sum([]byte(strconv.FormatInt(seed, 10) + ":" + strconv.FormatInt(id, 10)))
	return binary.BigEndian.Uint32(sum[:4])
}

func textCases(db string) []textCase {
	title := func(_ int64, s string) string { return strings.ToUpper(s[:1]) + strings.ToLower(s[1:]) }
	regexWant := func(_ int64, s string) string {
		return regexp.MustCompile(`^user([0-9]+)@`).ReplaceAllString(s, "u${1}#")
	}
	return []textCase{
		{name: "empty_values", kind: "empty_values", column: "email", attrs: `  value = ""` + "\n",
			want: func(int64, string) string { return "" }},
		{name: "empty_values/blank", kind: "empty_values", column: "status", attrs: `  value = "   "` + "\n",
			want: func(int64, string) string { return "   " }},
		{name: "sentinel_values/text", kind: "sentinel_values", column: "status",
			want: func(int64, string) string { return "N/A" }},
		{name: "sentinel_values/number", kind: "sentinel_values", column: "amount",
			check: func(t *testing.T, h *harness, n int64) {
				if got := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {amount} = -1"); got != n {
					t.Errorf("%d amounts are -1, want %d", got, n)
				}
			}},
		{name: "sentinel_values/integer", kind: "sentinel_values", column: "qty", attrs: `  value = "9999"` + "\n",
			check: func(t *testing.T, h *harness, n int64) {
				if got := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {qty} = 9999"); got != n {
					t.Errorf("%d qty are 9999, want %d", got, n)
				}
			}},
		{name: "sentinel_values/time", kind: "sentinel_values", column: "created_at",
			check: func(t *testing.T, h *harness, n int64) {
				if got := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} = ?", h.b.TimeValue(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))); got != n {
					t.Errorf("%d created_at are 1900-01-01, want %d", got, n)
				}
			}},
		{name: "string_case/upper", kind: "string_case", column: "email", attrs: `  case = "upper"` + "\n",
			want: func(_ int64, s string) string { return strings.ToUpper(s) }},
		{name: "string_case/title", kind: "string_case", column: "status", attrs: `  case = "title"` + "\n", want: title},
		{name: "string_case/lower", kind: "string_case", column: "status", attrs: `  case = "lower"` + "\n",
			want: func(_ int64, s string) string { return strings.ToLower(s) }},
		{name: "whitespace_padding", kind: "whitespace_padding", column: "email", attrs: "  pad = \"\\t\"\n  count = 2\n",
			want: func(_ int64, s string) string { return "\t\t" + s + "\t\t" }},
		{name: "whitespace_padding/leading", kind: "whitespace_padding", column: "status", attrs: `  side = "leading"` + "\n",
			want: func(_ int64, s string) string { return " " + s }},
		{name: "truncation", kind: "truncation", column: "email", attrs: "  length = 5\n",
			want: func(_ int64, s string) string { return s[:min(5, len(s))] }},
		{name: "format_change/replace", kind: "format_change", column: "email", attrs: "  replace = { \"@\" = \" at \", \".\" = \"\" }\n  prefix = \"<\"\n  suffix = \">\"\n",
			// key order: "." first, then "@"
			want: func(_ int64, s string) string {
				return "<" + strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), "@", " at ") + ">"
			}},
		{name: "format_change/default", kind: "format_change", column: "status",
			want: func(_ int64, s string) string { return "'" + s }},
		{name: "format_change/regex", kind: "format_change", column: "email", attrs: "  regex = \"^user([0-9]+)@\"\n  replacement = \"u\\\\1#\"\n", want: regexWant},
		{name: "invalid_category/values", kind: "invalid_category", column: "status", attrs: `  values = ["PAYED", "unknown", "x"]` + "\n",
			want: func(id int64, _ string) string { return []string{"PAYED", "unknown", "x"}[textHash(textSeed+1, id)%3] }},
		{name: "invalid_category/generated", kind: "invalid_category", column: "email",
			want: func(id int64, _ string) string { return fmt.Sprintf("INVALID_%d", textHash(textSeed+1, id)) }},
	}
}

func testTextKind(t *testing.T, s *suite, c textCase) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	block := fmt.Sprintf("\nanomaly %q \"k\" {\n  target = target.orders\n  column = %q\n  volume = %v\n  seed = %d\n%s  window {\n%s  }\n}\n",
		c.kind, c.column, textVolume, textSeed, c.attrs, absWindow(winFrom, winTo.Sub(winFrom)))
	cfg := h.load(block)
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	ch := h.only(p)
	addr := "anomaly." + c.kind + ".k"
	// Rows whose value the kind would write as it is are left out: a
	// value not NULL that the kind changes is eligible.
	notNull := func(o order) bool {
		value := func(s string) bool { return c.want == nil || c.want(o.id, s) != s }
		switch c.column {
		case "email":
			return !o.emailNull && value(o.email)
		case "status":
			return !o.statusNull && value(o.status)
		}
		return true
	}
	inWin := func(o order) bool { return inWindow(o.at, winFrom, winTo) }
	wantIDs := expect(h.data, winFrom, winTo, textSeed, textVolume, notNull)
	if len(wantIDs) == 0 {
		// Nothing would change (lower case on lower-case values): plan
		// says so and applies nothing.
		if ch.Action != planner.NoOp || !strings.Contains(ch.Nothing, "would keep their values") {
			t.Fatalf("change %s %s (nothing: %q), want a no-op saying the chosen rows would keep their values", ch.Action, ch.Address, ch.Nothing)
		}
		return
	}
	if ch.Action != planner.Create || ch.Address != addr {
		t.Fatalf("change %s %s, want create %s", ch.Action, ch.Address, addr)
	}
	eligible := countOrders(h.data, func(o order) bool { return inWin(o) && notNull(o) })
	if ch.WindowRows != countOrders(h.data, inWin) || ch.Rows != int64(len(wantIDs)) {
		t.Errorf("plan counted %d rows of %d in the window, want %d of %d (computed from the data)", ch.Rows, ch.WindowRows, len(wantIDs), countOrders(h.data, inWin))
	}
	if share := float64(ch.Rows) / float64(eligible); math.Abs(share-textVolume) > 0.02 {
		t.Errorf("changed share %.3f of the non-NULL window values, want %.2f ± 0.02", share, textVolume)
	}
	entry := h.applyCounted(t, e, p, st, addr, ch.Rows)
	after := h.snapshot()
	chosenSet := map[int64]bool{}
	for _, id := range wantIDs {
		chosenSet[id] = true
	}
	if c.want != nil {
		col := before.col(c.column)
		bad := 0
		for _, id := range wantIDs {
			old, _ := before.raw[id][col].(string)
			got, _ := after.raw[id][col].(string)
			if w := c.want(id, old); got != w {
				if bad++; bad <= 3 {
					t.Errorf("row %d: %s is %q, want %q (from %q)", id, c.column, got, w, old)
				}
			}
		}
		if bad > 3 {
			t.Errorf("... %d rows in all hold the wrong value", bad)
		}
	} else {
		c.check(t, h, ch.Rows)
	}
	untouched := func(id int64) bool { return !chosenSet[id] }
	if got, want := after.sum(untouched), before.sum(untouched); got != want {
		t.Errorf("rows the change must not touch differ: checksum %s, was %s", got, want)
	}
	h.mustApply(e, h.plan(e, cfg, st, true), st)
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	h.journalGone(entry)
}
