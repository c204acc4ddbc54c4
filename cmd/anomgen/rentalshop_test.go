package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
)

// The rental shop (providertest.RentalPostgres, RentalMariaDB): the
// features that tripped the plan on Pagila, driven through the CLI. The
// data spans 2026-01-31 to 2026-03-01, so windows are absolute.

type rentalShop struct {
	name string // postgres, mysql
	db   *sql.DB
	// source is the source block "shop" with allow_writes; targets are
	// rental (time column rental_date), film and payment.
	source, targets string
	// fk is the name of rental's foreign key on inventory_id.
	fk string
	// step is how far copies' rental_date moves: the smallest step of its
	// type.
	step string
}

// rentalFixtures runs fn as a parallel subtest on the rental shop in
// PostgreSQL and MariaDB.
func rentalFixtures(t *testing.T, fn func(t *testing.T, s *rentalShop)) {
	for _, name := range []string{"postgres", "mysql"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newRentalShop(t, name))
		})
	}
}

func newRentalShop(t *testing.T, name string) *rentalShop {
	t.Helper()
	s := &rentalShop{name: name}
	var schema []string
	// rental, customer and film set last_update from a trigger on
	// PostgreSQL: triggers = "disable" switches them off inside
	// anomgen's transactions, so rollbacks are byte-identical. MariaDB
	// uses ON UPDATE CURRENT_TIMESTAMP there, which anomgen keeps.
	triggers := ""
	if name == "postgres" {
		pg := providertest.NewPostgres(t)
		s.db, schema = pg.DB, providertest.RentalPostgres
		s.source = pgSource(pg, "shop", true)
		s.fk, s.step, triggers = "rental_inventory_id_fkey", "1µs", "  triggers = \"disable\"\n"
	} else {
		m := providertest.NewMySQL(t)
		s.db, schema = m.DB, providertest.RentalMariaDB
		s.source = fmt.Sprintf("source \"mysql\" \"shop\" {\n  dsn            = %q\n  journal_schema = %q\n  allow_writes   = true\n}\n", m.DSN, m.Journal)
		s.fk, s.step = "fk_rental_inventory", "1s"
	}
	execSQL(t, s.db, schema...)
	for _, tg := range []struct{ name, time string }{{"rental", "rental_date"}, {"film", ""}, {"payment", "payment_date"}, {"customer", "create_date"}} {
		s.targets += fmt.Sprintf("target %q {\n  source = source.%s.shop\n  table  = %q\n", tg.name, name, tg.name)
		if tg.time != "" {
			s.targets += fmt.Sprintf("  time_column = %q\n", tg.time)
		}
		s.targets += triggers + "}\n"
	}
	return s
}

// dir writes main.hcl and anomalies.hcl into a new folder.
func (s *rentalShop) dir(t *testing.T, anomalies string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", s.source+s.targets)
	writeFile(t, dir, "anomalies.hcl", anomalies)
	return dir
}

func (s *rentalShop) checksum(t *testing.T) string {
	t.Helper()
	var parts []string
	for _, tb := range providertest.RentalTables {
		parts = append(parts, providertest.Checksum(t, s.db, fmt.Sprintf("SELECT * FROM %s ORDER BY %s", tb.Name, tb.Key)))
	}
	return strings.Join(parts, " ")
}

// rentalWindow is a window block over the last two weeks of the data.
const rentalWindow = "  window {\n    start    = \"2026-02-15T00:00:00Z\"\n    duration = \"14d\"\n  }\n"

// TestRentalForeignKeyColumns: a change that writes new values into a
// foreign-key column is refused at plan time naming the constraint (on
// PostgreSQL also one declared on a partition of payment only), instead of
// failing at apply; suggest and init propose no numeric kind for it.
func TestRentalForeignKeyColumns(t *testing.T) {
	rentalFixtures(t, func(t *testing.T, s *rentalShop) {
		before := s.checksum(t)
		dir := s.dir(t, "anomaly \"numeric_shift\" \"inv\" {\n  target = target.rental\n  column = \"inventory_id\"\n"+rentalWindow+"}\n")
		r := cli(t, dir, "plan")
		if r.code == 0 {
			t.Fatalf("numeric_shift on a foreign-key column planned:\n%s", r)
		}
		wantAll(t, r, r.stderr, "Column inventory_id of", "has the foreign key "+s.fk, "stuck_values, duplicate_keys")
		if r := cli(t, dir, "apply", "-auto-approve"); r.code == 0 {
			t.Errorf("apply went ahead:\n%s", r)
		}
		if s.name == "postgres" {
			dir := s.dir(t, "anomaly \"numeric_shift\" \"cust\" {\n  target = target.payment\n  column = \"customer_id\"\n"+rentalWindow+"}\n")
			r := cli(t, dir, "plan")
			if r.code == 0 {
				t.Fatalf("numeric_shift on a column whose foreign key a partition declares planned:\n%s", r)
			}
			wantAll(t, r, r.stderr, "payment_p2026_01_customer_id_fkey", "declared on partition public.payment_p2026_01")
		}
		if got := s.checksum(t); got != before {
			t.Error("a refused plan changed the tables")
		}

		r = mustOK(t, cli(t, dir, "anomalies", "suggest", "target.rental"))
		line := regexp.MustCompile(`(?m)^\s*inventory_id \(\S+\)\s+(.*)$`).FindStringSubmatch(r.stdout)
		if line == nil || strings.Contains(line[1], "numeric_shift") || strings.Contains(line[1], "outliers") || !strings.Contains(line[1], "stuck_values") || !strings.Contains(line[1], "foreign key "+s.fk) {
			t.Errorf("suggest for inventory_id: %q\n%s", line, r)
		}

		src := t.TempDir()
		writeFile(t, src, "main.hcl", s.source)
		mustOK(t, cli(t, src, "init", "-from", "shop", "-tables", "rental", "-out", "scaf"))
		anoms, err := os.ReadFile(filepath.Join(src, "scaf", "anomalies.hcl"))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(anoms), "\n") {
			if strings.HasPrefix(l, "# inventory_id") || strings.HasPrefix(l, "# customer_id") {
				if strings.Contains(l, "numeric_shift") || strings.Contains(l, "level_shift") {
					t.Errorf("init proposes a numeric kind for a foreign-key column: %s", l)
				}
			}
		}
		if strings.Contains(string(anoms), `"numeric_shift" "rental_inventory_id_numeric_shift"`) {
			t.Errorf("init suggests numeric_shift on inventory_id:\n%s", anoms)
		}
	})
}

// TestRentalCopiesKeepUniqueIndexes: copies of rental keep its unique
// index across (rental_date, inventory_id, customer_id) by moving their
// rental_date by the type's smallest step, which plan says; they apply and
// roll back. A unique index the copies could not keep (film's title) is
// refused at plan time, naming the index.
func TestRentalCopiesKeepUniqueIndexes(t *testing.T) {
	rentalFixtures(t, func(t *testing.T, s *rentalShop) {
		before := s.checksum(t)
		dir := s.dir(t, "anomaly \"volume_spike\" \"replay\" {\n  target = target.rental\n  amplitude = 1.5\n  seed = 3\n"+rentalWindow+"}\n"+
			"anomaly \"duplicate_rows\" \"twice\" {\n  target = target.rental\n  volume = 0.3\n  seed = 4\n"+rentalWindow+"}\n")
		r := mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, "idx_unq_rental_rental_date_inventory_id_customer_id (rental_date, inventory_id, customer_id) kept", "later than its original's, in steps of "+s.step)
		rows := plannedRows(t, r.stdout)
		r = mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		n := queryInt(t, s.db, "SELECT COUNT(*) FROM rental")
		// duplicate_rows, applied second, copies volume_spike's copies in
		// its window too.
		if want := 600 + rows["anomaly.volume_spike.replay"] + rows["anomaly.duplicate_rows.twice"]; n < want || n <= 600 {
			t.Errorf("rental has %d rows after the copies, want at least %d", n, want)
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if got := s.checksum(t); got != before {
			t.Error("rollback of the copies is not byte-identical")
		}

		execSQL(t, s.db, "CREATE UNIQUE INDEX film_title_key ON film (title)")
		dir = s.dir(t, "anomaly \"volume_spike\" \"films\" {\n  target = target.film\n  amplitude = 1\n}\n")
		r = cli(t, dir, "plan")
		if r.code == 0 {
			t.Fatalf("copies that repeat a unique title planned:\n%s", r)
		}
		wantAll(t, r, r.stderr, "Copies would break unique index film_title_key of", "unique index film_title_key (title) does not include film_id")
	})
}

// TestRentalSequences: copies that take fresh integer keys move the key's
// generator past them, so that the application's next insert does not
// collide: on PostgreSQL the rental sequence, which is not OWNED BY the
// column (only its default names it, as in Pagila); on MariaDB the
// AUTO_INCREMENT counter. Rollback leaves the generator where it is.
func TestRentalSequences(t *testing.T) {
	rentalFixtures(t, func(t *testing.T, s *rentalShop) {
		// Only the key generator is at stake here: rental's unique index
		// (which copies keep, see above) is dropped.
		next := "SELECT AUTO_INCREMENT - 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'rental'"
		drop := "ALTER TABLE rental DROP INDEX idx_unq_rental_rental_date_inventory_id_customer_id"
		if s.name == "postgres" {
			next = "SELECT last_value FROM rental_rental_id_seq"
			drop = "DROP INDEX idx_unq_rental_rental_date_inventory_id_customer_id"
		}
		execSQL(t, s.db, drop)
		if got := queryInt(t, s.db, next); got < 600 {
			t.Fatalf("the rental key generator is at %d before, want at least 600", got)
		}
		dir := s.dir(t, "anomaly \"duplicate_rows\" \"twice\" {\n  target = target.rental\n  volume = 0.3\n"+rentalWindow+"}\n"+
			"anomaly \"volume_spike\" \"replay\" {\n  target = target.rental\n  amplitude = 0.5\n"+rentalWindow+"}\n")
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		top := queryInt(t, s.db, "SELECT MAX(rental_id) FROM rental")
		if got := queryInt(t, s.db, next); top <= 600 || got < top {
			t.Fatalf("after copies up to rental_id %d the key generator is at %d: the application's next insert would collide", top, got)
		}
		// The application's next insert takes a key past the copies.
		execSQL(t, s.db, "INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id) VALUES ('2026-03-01 12:00:00', 1, 1, 1)")
		id := queryInt(t, s.db, "SELECT rental_id FROM rental WHERE rental_date = '2026-03-01 12:00:00'")
		if id <= top {
			t.Errorf("the next insert got rental_id %d, not past the copies' %d", id, top)
		}
		execSQL(t, s.db, fmt.Sprintf("DELETE FROM rental WHERE rental_id = %d", id))
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if got := queryInt(t, s.db, "SELECT MAX(rental_id) FROM rental"); got != 600 {
			t.Errorf("after rollback the largest rental_id is %d, want 600", got)
		}
		if got := queryInt(t, s.db, next); got < id {
			t.Errorf("rollback moved the key generator back to %d (sequences are left alone)", got)
		}
	})
}

// TestRentalEnums: enum columns (PostgreSQL enum types, MariaDB ENUM) are
// category columns: category_mix_shift, invalid_category with labels of
// the type, stuck_values and segments apply and roll back byte-identical;
// invalid_category without labels is refused, saying why; on PostgreSQL a
// domain over text is a text column.
func TestRentalEnums(t *testing.T) {
	rentalFixtures(t, func(t *testing.T, s *rentalShop) {
		before := s.checksum(t)
		anoms := "anomaly \"category_mix_shift\" \"rated_r\" {\n  target = target.film\n  column = \"rating\"\n  from = \"PG\"\n  to = \"R\"\n  volume = 0.5\n}\n" +
			"anomaly \"category_mix_shift\" \"kiosks\" {\n  target = target.rental\n  column = \"channel\"\n  from = \"store\"\n  to = \"kiosk\"\n" + rentalWindow + "}\n" +
			"anomaly \"invalid_category\" \"rare_label\" {\n  target = target.rental\n  column = \"channel\"\n  values = [\"kiosk\"]\n  volume = 0.3\n" + rentalWindow + "}\n" +
			"anomaly \"stuck_values\" \"frozen_channel\" {\n  target = target.rental\n  column = \"channel\"\n  window {\n    start    = \"2026-02-20T00:00:00Z\"\n    duration = \"2d\"\n  }\n}\n" +
			"anomaly \"null_rate\" \"web_returns\" {\n  target = target.rental\n  column = \"return_date\"\n  volume = 0.5\n  segment {\n    column = \"channel\"\n    values = [\"web\"]\n  }\n" + rentalWindow + "}\n" +
			"anomaly \"string_case\" \"loud_emails\" {\n  target = target.customer\n  column = \"email\"\n  volume = 0.5\n" + rentalWindow + "}\n"
		dir := s.dir(t, anoms)
		r := mustOK(t, cli(t, dir, "plan"))
		rows := plannedRows(t, r.stdout)
		for _, a := range []string{"category_mix_shift.rated_r", "category_mix_shift.kiosks", "invalid_category.rare_label", "stuck_values.frozen_channel", "null_rate.web_returns", "string_case.loud_emails"} {
			if rows["anomaly."+a] == 0 {
				t.Errorf("anomaly.%s plans to change no row:\n%s", a, r.stdout)
			}
		}
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		if n := queryInt(t, s.db, "SELECT COUNT(*) FROM film WHERE rating = 'R'"); n <= 40 {
			t.Errorf("%d films rated R after the shift, want more than the 40 before", n)
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if got := s.checksum(t); got != before {
			t.Error("rollback of the enum anomalies is not byte-identical")
		}

		for _, c := range []struct{ block, want string }{
			{"anomaly \"invalid_category\" \"unseen\" {\n  target = target.rental\n  column = \"channel\"\n" + rentalWindow + "}\n", "An enum cannot hold an invalid label"},
			{"anomaly \"invalid_category\" \"typo\" {\n  target = target.rental\n  column = \"channel\"\n  values = [\"STORE\", \"kiosk\"]\n" + rentalWindow + "}\n", `"STORE" is not among them`},
			{"anomaly \"category_mix_shift\" \"x\" {\n  target = target.film\n  column = \"rating\"\n  from = \"PG\"\n  to = \"X\"\n}\n", `accepts only the labels "G", "PG", "PG-13", "R", "NC-17"`},
			{"anomaly \"null_rate\" \"seg\" {\n  target = target.rental\n  column = \"return_date\"\n  segment {\n    column = \"channel\"\n    values = [\"mail\"]\n  }\n" + rentalWindow + "}\n", `the segment names "mail", which no row can hold`},
			{"anomaly \"string_case\" \"loud\" {\n  target = target.rental\n  column = \"channel\"\n" + rentalWindow + "}\n", "Kind string_case does not suit"},
		} {
			r := cli(t, s.dir(t, c.block), "plan")
			if r.code == 0 {
				t.Errorf("planned:\n%s", r)
				continue
			}
			wantAll(t, r, r.stderr, c.want)
		}
	})
}
