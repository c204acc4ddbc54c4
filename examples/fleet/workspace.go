package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// window is an anomaly's [from, to).
type window struct{ from, to time.Time }

func (w window) hcl() string {
	return fmt.Sprintf("  window {\n    start    = %q\n    duration = %q\n  }\n",
		w.from.UTC().Format(time.RFC3339), fmt.Sprintf("%dh", int(w.to.Sub(w.from).Hours())))
}

func (w window) sql() string {
	return fmt.Sprintf("t.created_at >= '%s' AND t.created_at < '%s'",
		w.from.UTC().Format(time.RFC3339), w.to.UTC().Format(time.RFC3339))
}

// columns is the table's column list, key first.
const columns = "id, created_at, amount, qty, category, email, code, active, ship_date"

// copyCols is the column list after the key.
const copyCols = "t.created_at, t.amount, t.qty, t.category, t.email, t.code, t.active, t.ship_date"

// share is how a data engineer picks "30 % of the rows" reproducibly: a hash
// of the key.
func share(v float64) string {
	return fmt.Sprintf("abs(hashint8extended(t.id, 7)) %% 10000 < %d", int(v*10000))
}

// kind is one catalog kind as the benchmark uses it: its HCL arguments, and
// the same mutation written by hand (journal table j, mutation, restore).
type kind struct {
	name, family string
	// short says what it does here, for the README and -h.
	short string
	// days narrows the window to its first days (0: the whole slot).
	days int
	args string
	// hand returns the apply and restore SQL for table t with journal j.
	hand func(t, j string, w window) (apply, restore string)
}

// updateHand is the hand-written column update: journal the chosen rows'
// values, update from the journal, restore from it.
func updateHand(col, set, where string) func(t, j string, w window) (string, string) {
	return func(t, j string, w window) (string, string) {
		apply := fmt.Sprintf(`CREATE TABLE %[2]s AS SELECT t.id, t.%[3]s FROM public.%[1]s t WHERE %[5]s AND %[6]s;
UPDATE public.%[1]s t SET %[3]s = %[4]s FROM %[2]s j WHERE t.id = j.id;
`, t, j, col, set, w.sql(), where)
		restore := fmt.Sprintf(`UPDATE public.%[1]s t SET %[3]s = j.%[3]s FROM %[2]s j WHERE t.id = j.id;
DROP TABLE %[2]s;
`, t, j, col)
		return apply, restore
	}
}

// deleteHand journals whole rows, deletes them, and inserts them back.
func deleteHand(where string) func(t, j string, w window) (string, string) {
	return func(t, j string, w window) (string, string) {
		apply := fmt.Sprintf(`CREATE TABLE %[2]s AS SELECT t.* FROM public.%[1]s t WHERE %[3]s AND %[4]s;
DELETE FROM public.%[1]s t USING %[2]s j WHERE t.id = j.id;
`, t, j, w.sql(), where)
		restore := fmt.Sprintf(`INSERT INTO public.%[1]s SELECT * FROM %[2]s;
DROP TABLE %[2]s;
`, t, j)
		return apply, restore
	}
}

// copyHand inserts copies of the chosen rows under keys after the table's
// maximum, journaling the new keys, and deletes them on restore.
func copyHand(where string) func(t, j string, w window) (string, string) {
	return func(t, j string, w window) (string, string) {
		apply := fmt.Sprintf(`CREATE TABLE %[2]s AS SELECT (SELECT max(id) FROM public.%[1]s) + row_number() OVER (ORDER BY t.id) AS id, %[5]s
  FROM public.%[1]s t WHERE %[3]s AND %[4]s;
INSERT INTO public.%[1]s (%[6]s) SELECT * FROM %[2]s;
`, t, j, w.sql(), where, copyCols, columns)
		restore := fmt.Sprintf(`DELETE FROM public.%[1]s t USING %[2]s j WHERE t.id = j.id;
DROP TABLE %[2]s;
`, t, j)
		return apply, restore
	}
}

// kinds: every family of the catalog, five or more kinds each, all valid on
// the benchmark's schema. Table i gets pipeline[i%5], quality[i%9] and
// business[i%5].
var kinds = map[string][]kind{
	"pipeline": {
		{name: "volume_drop", short: "delete 30 % of the window's rows", args: "  volume = 0.3\n",
			hand: deleteHand(share(0.3))},
		{name: "duplicate_rows", short: "copy 30 % of the window's rows under fresh keys", args: "  volume = 0.3\n",
			hand: copyHand(share(0.3))},
		{name: "stuck_values", short: "qty frozen to the window's first value", args: "  column = \"qty\"\n",
			hand: func(t, j string, w window) (string, string) {
				first := fmt.Sprintf("(SELECT t.qty FROM public.%s t WHERE %s ORDER BY t.created_at, t.id LIMIT 1)", t, w.sql())
				return updateHand("qty", first, "t.qty IS DISTINCT FROM "+first)(t, j, w)
			}},
		{name: "missing_partition", short: "every row of one day deleted", days: 1, args: "",
			hand: deleteHand("true")},
		{name: "volume_spike", short: "+30 % rows: copies under fresh keys", args: "  amplitude = 0.3\n",
			hand: copyHand(share(0.3))},
	},
	"quality": {
		{name: "null_rate", short: "30 % of email set to NULL", args: "  column = \"email\"\n  volume = 0.3\n",
			hand: updateHand("email", "NULL", "t.email IS NOT NULL AND "+share(0.3))},
		{name: "numeric_shift", short: "30 % of amount × 1.25", args: "  column    = \"amount\"\n  volume    = 0.3\n  amplitude = 0.25\n",
			hand: updateHand("amount", "t.amount * 1.25", "t.amount <> 0 AND "+share(0.3))},
		{name: "string_case", short: "30 % of code lower-cased", args: "  column = \"code\"\n  volume = 0.3\n  case   = \"lower\"\n",
			hand: updateHand("code", "lower(t.code)", "t.code <> lower(t.code) AND "+share(0.3))},
		{name: "whitespace_padding", short: "30 % of email padded with spaces", args: "  column = \"email\"\n  volume = 0.3\n",
			hand: updateHand("email", "' ' || t.email || ' '", "t.email IS NOT NULL AND "+share(0.3))},
		{name: "truncation", short: "30 % of code cut to 3 characters", args: "  column = \"code\"\n  volume = 0.3\n",
			hand: updateHand("code", "left(t.code, 3)", "length(t.code) > 3 AND "+share(0.3))},
		{name: "negative_values", short: "30 % of qty negated", args: "  column = \"qty\"\n  volume = 0.3\n",
			hand: updateHand("qty", "-t.qty", "t.qty > 0 AND "+share(0.3))},
		{name: "unit_change", short: "30 % of amount × 100", args: "  column = \"amount\"\n  volume = 0.3\n",
			hand: updateHand("amount", "t.amount * 100", "t.amount <> 0 AND "+share(0.3))},
		{name: "empty_values", short: "30 % of email set to ''", args: "  column = \"email\"\n  volume = 0.3\n",
			hand: updateHand("email", "''", "t.email <> '' AND "+share(0.3))},
		{name: "invalid_category", short: "30 % of category set to 'unknown'", args: "  column = \"category\"\n  volume = 0.3\n  values = [\"unknown\"]\n",
			hand: updateHand("category", "'unknown'", "t.category IS NOT NULL AND "+share(0.3))},
	},
	"business": {
		{name: "level_shift", short: "amount −30 % for category 'standard'",
			args: "  column    = \"amount\"\n  amplitude = -0.3\n  segment {\n    column = \"category\"\n    values = [\"standard\"]\n  }\n",
			hand: updateHand("amount", "t.amount * 0.7", "t.category = 'standard' AND t.amount <> 0")},
		{name: "category_mix_shift", short: "half of 'express' relabelled 'standard'",
			args: "  column = \"category\"\n  from   = \"express\"\n  to     = \"standard\"\n  volume = 0.5\n",
			hand: updateHand("category", "'standard'", "t.category = 'express' AND "+share(0.5))},
		{name: "segment_drop", short: "every 'bulk' row deleted",
			args: "  segment {\n    column = \"category\"\n    values = [\"bulk\"]\n  }\n",
			hand: deleteHand("t.category = 'bulk'")},
		{name: "trend_change", short: "amount of 'priority' drifts up to +60 %",
			args: "  column    = \"amount\"\n  amplitude = 0.6\n  segment {\n    column = \"category\"\n    values = [\"priority\"]\n  }\n",
			hand: func(t, j string, w window) (string, string) {
				set := fmt.Sprintf("t.amount * (1 + 0.6 * extract(epoch FROM t.created_at - '%s'::timestamptz) / %d)",
					w.from.UTC().Format(time.RFC3339), int64(w.to.Sub(w.from).Seconds()))
				return updateHand("amount", set, "t.category = 'priority' AND t.amount <> 0")(t, j, w)
			}},
		{name: "segment_spike", short: "every 'return' row copied once",
			args: "  amplitude = 1\n  segment {\n    column = \"category\"\n    values = [\"return\"]\n  }\n",
			hand: copyHand("t.category = 'return'")},
	},
}

// families in the order their anomalies run on a table.
var families = []string{"pipeline", "quality", "business"}

// slots gives each family its own window: pipeline the newest two ninths of
// the history, quality the two ninths before, business the two before that,
// so the three anomalies of a table never touch the same rows.
func (b *bench) slot(f int) window {
	width := time.Duration(b.opt.Days*2/9) * 24 * time.Hour
	if width < 24*time.Hour {
		width = 24 * time.Hour
	}
	to := b.end.Add(-time.Duration(f) * width)
	return window{from: to.Add(-width), to: to}
}

// pick is the kind of family f for table index i, with its window.
func (b *bench) pick(f, i int) (kind, window) {
	k := kinds[families[f]][i%len(kinds[families[f]])]
	k.family = families[f]
	w := b.slot(f)
	if k.days > 0 {
		w.to = w.from.Add(time.Duration(k.days) * 24 * time.Hour)
	}
	return k, w
}

// writeWorkspace writes main.hcl (source and targets) and anomalies.hcl.
func (b *bench) writeWorkspace(c *customer) error {
	u, err := url.Parse(c.DSN)
	if err != nil {
		return err
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	user := "postgres"
	if u.User != nil && u.User.Username() != "" {
		user = u.User.Username()
	}
	extra := "" // tls, batch_lanes
	if u.Query().Get("sslmode") == "disable" {
		extra = "  tls          = \"disable\"\n"
	}
	if b.opt.BatchLanes > 0 {
		extra += fmt.Sprintf("  batch_lanes  = %d\n", b.opt.BatchLanes)
	}
	var m strings.Builder
	fmt.Fprintf(&m, `# Customer %s of the fleet benchmark (examples/fleet), written by it.
# The password, if any, comes from FLEET_PG_PASSWORD (the benchmark sets it).
source "postgres" "db" {
  host         = %q
  port         = %s
  database     = %q
  username     = %q
  password     = env("FLEET_PG_PASSWORD", "")
%s  allow_writes = true
}
`, c.Name, u.Hostname(), port, strings.TrimPrefix(u.Path, "/"), user, extra)
	var a strings.Builder
	fmt.Fprintf(&a, "# Three anomalies per table, one of each catalog family, in disjoint windows.\n")
	for i, t := range c.Tables {
		fmt.Fprintf(&m, "\ntarget %q {\n  source      = source.postgres.db\n  table       = \"public.%s\"\n  time_column = \"created_at\"\n}\n", t, t)
		for f := range families {
			k, w := b.pick(f, i)
			fmt.Fprintf(&a, "\n# %s: %s\nanomaly %q %q {\n  target = target.%s\n%s%s  seed = 7\n}\n",
				k.family, k.short, k.name, t+"_"+k.name, t, k.args, w.hcl())
		}
	}
	if err := writeFile(filepath.Join(c.Dir, "main.hcl"), m.String()); err != nil {
		return err
	}
	return writeFile(filepath.Join(c.Dir, "anomalies.hcl"), a.String())
}

// handScripts returns, per table, the hand-written apply and restore
// scripts: each anomaly in its own transaction, restores newest first.
func (b *bench) handScripts(c *customer) (apply, restore map[string]string) {
	apply, restore = map[string]string{}, map[string]string{}
	for i, t := range c.Tables {
		var ap, re []string
		for f := range families {
			k, w := b.pick(f, i)
			j := fmt.Sprintf("hand.%s_%d", t, f)
			a, r := k.hand(t, j, w)
			ap = append(ap, "BEGIN;\n"+a+"COMMIT;\n")
			re = append([]string{"BEGIN;\n" + r + "COMMIT;\n"}, re...)
		}
		apply[t] = strings.Join(ap, "")
		restore[t] = strings.Join(re, "")
	}
	return apply, restore
}
