package main

import (
	"strings"
	"testing"
)

// suggest ranks kinds by the columns' data, not only their types: no
// date_format, no category kinds and no encoding_corruption for ASCII
// e-mails with about 2,000 distinct values, each left out with the reason;
// category kinds first for a column of two values; date_format for text
// dates.
func TestSuggestFromProfile(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		execSQL(t, f.db,
			"ALTER TABLE orders ADD COLUMN status VARCHAR(20)",
			"ALTER TABLE orders ADD COLUMN day VARCHAR(10)",
			"UPDATE orders SET status = CASE WHEN id % 3 = 0 THEN 'paid' ELSE 'shipped' END, day = CASE WHEN id % 2 = 0 THEN '2026-01-05' ELSE '2026-01-06' END")
		dir := scenario(t, f, "")
		r := mustOK(t, cli(t, dir, "anomalies", "suggest", "orders", "-no-color"))
		lines := map[string][]string{} // column → its kinds line and its "not" lines
		cur := ""
		for _, l := range strings.Split(r.stdout, "\n") {
			fields := strings.Fields(l)
			switch {
			case len(fields) > 1 && fields[0] == "not":
				lines[cur] = append(lines[cur], strings.TrimSpace(l))
			case len(fields) > 0 && strings.HasPrefix(l, "  "):
				cur = fields[0]
				lines[cur] = append(lines[cur], strings.TrimSpace(l))
			}
		}
		email := strings.Join(lines["email"], "\n")
		for _, want := range []string{
			"not date_format: no value reads as a date (its commonest shapes: ",
			"distinct values: not a category column (at most 50)",
			"not category_mix_shift:", "not invalid_category:",
			"not encoding_corruption: no value read holds a character outside ASCII",
		} {
			if !strings.Contains(email, want) {
				t.Errorf("email lacks %q:\n%s", want, r.stdout)
			}
		}
		if kinds := lines["email"][0]; strings.Contains(kinds, "date_format") || strings.Contains(kinds, "category_mix_shift") || !strings.Contains(kinds, "typos") {
			t.Errorf("email's kinds: %s", kinds)
		}
		if kinds := lines["status"]; len(kinds) == 0 || !strings.Contains(kinds[0], "category_mix_shift, invalid_category") {
			t.Errorf("status (two values) does not rank the category kinds first:\n%s", r.stdout)
		}
		if kinds := lines["day"]; len(kinds) == 0 || !strings.Contains(kinds[0], "date_format") {
			t.Errorf("day (text dates) lacks date_format:\n%s", r.stdout)
		}
	})
}
