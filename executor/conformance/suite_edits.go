package conformance

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// RunEditKinds runs encoding_corruption and typos (planner/kinds_quality_edits.go)
// against b, on the suite's data from day 8 to day 18 with three e-mails in
// four made non-ASCII (é, ü, ’, €, Á: UTF-8 bytes in 0x80-0x9F included).
// For each: the plan's count equals the eligible rows (non-NULL, and
// non-ASCII or non-empty) chosen by the hash, computed in Go, and what
// apply changes; every chosen row holds exactly the value computed in Go;
// the changed share is the volume within 2 points; every other row (those
// outside the window included) is byte-identical; rollback restores the
// table's checksum.
func RunEditKinds(t *testing.T, b Backend) {
	s := newSuite(t, b, editData())
	for _, c := range editCases(b.Name) {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); testEditKind(t, s, c) })
	}
}

// editData is rowData with non-ASCII e-mails for ids not ≡ 3 (mod 4).
func editData() []order {
	data := rowData()
	for i := range data {
		o := &data[i]
		if o.emailNull {
			continue
		}
		switch o.id % 4 {
		case 0, 1:
			o.email = fmt.Sprintf("josé.müller%d@example.com", o.id)
		case 2:
			o.email = fmt.Sprintf("ana’s€shop%d@exÁmple.com", o.id)
		}
	}
	return data
}

type editCase struct {
	name, kind, column string
	// eligible reports whether a value may be chosen.
	eligible func(v string) bool
	want     func(id int64, old string) string
}

// Mojibake1252 reads s's UTF-8 bytes as MySQL's latin1 (Windows-1252 with
// C1 controls for its five undefined bytes); latin1 as ISO-8859-1.
func mojibake(s string, iso bool) string {
	high := [32]rune{
		0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
		0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !iso && c >= 0x80 && c < 0xA0 {
			b.WriteRune(high[c-0x80])
		} else {
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// typo is planner.Typo computed in Go: type hash(seed) mod 4, position
// hash(seed+1) mod length.
func typo(seed, id int64, s string) string {
	r := []rune(s)
	L := uint32(len(r))
	k, h := textHash(seed, id)%4, textHash(seed+1, id)
	p := int(h % L)
	switch {
	case k == 0 && strings.ContainsRune(planner.TypoKeys, r[p]):
		i := strings.IndexRune(planner.TypoKeys, r[p])
		r[p] = rune(planner.TypoNeighbours[i])
		return string(r)
	case k == 1 && L > 1:
		return string(append(r[:p:p], r[p+1:]...))
	case k == 3 && L > 1:
		q := int(h % (L - 1))
		r[q], r[q+1] = r[q+1], r[q]
		return string(r)
	}
	return string(r[:p+1]) + string(r[p:])
}

func editCases(db string) []editCase {
	nonASCII := func(v string) bool { return utf8.RuneCountInString(v) != len(v) }
	nonEmpty := func(v string) bool { return v != "" }
	return []editCase{
		{name: "encoding_corruption", kind: "encoding_corruption", column: "email", eligible: nonASCII,
			want: func(_ int64, s string) string { return mojibake(s, db == "postgres") }},
		{name: "typos/status", kind: "typos", column: "status", eligible: nonEmpty,
			want: func(id int64, s string) string { return typo(textSeed+1, id, s) }},
		{name: "typos/email", kind: "typos", column: "email", eligible: nonEmpty,
			want: func(id int64, s string) string { return typo(textSeed+1, id, s) }},
	}
}

func testEditKind(t *testing.T, s *suite, c editCase) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	block := fmt.Sprintf("\nanomaly %q \"k\" {\n  target = target.orders\n  column = %q\n  volume = %v\n  seed = %d\n  window {\n%s  }\n}\n",
		c.kind, c.column, textVolume, textSeed, absWindow(winFrom, winTo.Sub(winFrom)))
	cfg := h.load(block)
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	ch := h.only(p)
	addr := "anomaly." + c.kind + ".k"
	if ch.Action != planner.Create || ch.Address != addr {
		t.Fatalf("change %s %s, want create %s", ch.Action, ch.Address, addr)
	}
	// A value is chosen when eligible and changed by the kind (a typo
	// that swaps two equal characters leaves it as it is: not counted).
	ok := func(o order) bool {
		changes := func(s string) bool { return c.want == nil || c.want(o.id, s) != s }
		switch c.column {
		case "email":
			return !o.emailNull && c.eligible(o.email) && changes(o.email)
		case "status":
			return !o.statusNull && c.eligible(o.status) && changes(o.status)
		}
		return true
	}
	inWin := func(o order) bool { return inWindow(o.at, winFrom, winTo) }
	wantIDs := expect(h.data, winFrom, winTo, textSeed, textVolume, ok)
	eligible := countOrders(h.data, func(o order) bool { return inWin(o) && ok(o) })
	if ch.WindowRows != countOrders(h.data, inWin) || ch.Rows != int64(len(wantIDs)) {
		t.Errorf("plan counted %d rows of %d in the window, want %d of %d (computed from the data)", ch.Rows, ch.WindowRows, len(wantIDs), countOrders(h.data, inWin))
	}
	if share := float64(ch.Rows) / float64(eligible); math.Abs(share-textVolume) > 0.02 {
		t.Errorf("changed share %.3f of the %d eligible window values, want %.2f ± 0.02", share, eligible, textVolume)
	}
	t.Logf("%d of %d eligible window values chosen (%d rows in the window)", ch.Rows, eligible, ch.WindowRows)
	entry := h.applyCounted(t, e, p, st, addr, ch.Rows)
	after := h.snapshot()
	chosenSet := map[int64]bool{}
	col := before.col(c.column)
	bad, same := 0, 0
	for _, id := range wantIDs {
		chosenSet[id] = true
		old := text(before.raw[id][col])
		got := text(after.raw[id][col])
		if got == old {
			same++
		}
		if w := c.want(id, old); got != w {
			if bad++; bad <= 3 {
				t.Errorf("row %d: %s is %q, want %q (from %q)", id, c.column, got, w, old)
			}
		}
	}
	if bad > 3 {
		t.Errorf("... %d rows in all hold the wrong value", bad)
	}
	if c.kind == "encoding_corruption" && same > 0 {
		t.Errorf("%d chosen values are unchanged", same)
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

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}
