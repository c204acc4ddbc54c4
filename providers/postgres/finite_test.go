package postgres_test

import (
	"fmt"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestNumericChecksAgreeWithTextForms checks, on a live PostgreSQL, that
// the dialect's cheap NonFinite and Differs (arithmetic and equality where
// the type allows) decide every value of every numeric type as the text
// forms do: NaN, ±Infinity, 0 and −0, scales, NULL, extremes, and new
// values that round, keep or change the old one.
func TestNumericChecksAgreeWithTextForms(t *testing.T) {
	pg := providertest.NewPostgres(t)
	d := postgres.Dialect{}
	var version int
	if err := pg.DB.QueryRow(`SELECT current_setting('server_version_num')::int`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	values := []string{"NULL", "'NaN'", "0", "'-0'", "1.5", "1.50", "-2.345", "123456.789", "1e-7", "99999999", "-3000"}
	infinite := []string{"'Infinity'", "'-Infinity'"}
	types := []struct {
		typ   string
		class planner.ColumnClass
		inf   bool // holds ±Infinity
	}{
		{"numeric", planner.ClassDecimal, version >= 140000},
		{"numeric(12,2)", planner.ClassDecimal, version >= 140000},
		{"numeric(20,5)", planner.ClassDecimal, version >= 140000},
		{"double precision", planner.ClassFloat, true},
		{"real", planner.ClassFloat, true},
		{"integer", planner.ClassInteger, false},
		{"bigint", planner.ClassInteger, false},
		{"smallint", planner.ClassInteger, false},
	}
	// New values from the old one v: unchanged, rounded, scaled, signed.
	afters := []string{"t.v", "t.v * 1", "t.v * 1.25", "t.v + 0.001", "-t.v", "t.v * 0", "NULL", "t.v * 1.0000001"}
	for _, ty := range types {
		t.Run(ty.typ, func(t *testing.T) {
			if _, err := pg.DB.Exec(`DROP TABLE IF EXISTS vals; CREATE TABLE vals (i serial PRIMARY KEY, v ` + ty.typ + `)`); err != nil {
				t.Fatal(err)
			}
			vs := values
			if ty.inf {
				vs = append(append([]string(nil), values...), infinite...)
			}
			rows := 0
			for _, v := range vs {
				// Values the type cannot hold (NaN in an integer, Infinity
				// in a numeric of declared precision, overflows) are refused.
				if _, err := pg.DB.Exec(fmt.Sprintf(`INSERT INTO vals (v) VALUES (CAST(%s AS %s))`, v, ty.typ)); err == nil {
					rows++
				}
			}
			c := planner.Column{Name: "v", Type: ty.typ, Class: ty.class, Nullable: true}
			nonFinite := d.NonFinite("t.v", c)
			textNonFinite := "(t.v IS NOT NULL AND CAST(t.v AS text) IN ('NaN', 'Infinity', '-Infinity'))"
			for _, after := range afters {
				if ty.class == planner.ClassInteger && after == "t.v * 1.0000001" {
					continue // out of range for the largest integers
				}
				differs := d.Differs(after, "t.v", c)
				textDiffers := fmt.Sprintf("CAST(CAST(%s AS %s) AS text) IS DISTINCT FROM CAST(t.v AS text)", after, ty.typ)
				q := fmt.Sprintf(`SELECT COUNT(*),
					COUNT(*) FILTER (WHERE (%s) IS DISTINCT FROM (%s)),
					COUNT(*) FILTER (WHERE (%s) IS DISTINCT FROM (%s)),
					string_agg(CAST(t.v AS text), ', ') FILTER (WHERE (%s) IS DISTINCT FROM (%s) OR (%s) IS DISTINCT FROM (%s))
					FROM vals t`,
					nonFinite, textNonFinite, differs, textDiffers, nonFinite, textNonFinite, differs, textDiffers)
				var n, badFinite, badDiffers int
				var which *string
				if err := pg.DB.QueryRow(q).Scan(&n, &badFinite, &badDiffers, &which); err != nil {
					t.Fatalf("%s: %v\n%s", after, err, q)
				}
				if n == 0 || badFinite > 0 || badDiffers > 0 {
					w := ""
					if which != nil {
						w = *which
					}
					t.Errorf("%s, new value %s: of %d values, %d decided otherwise than the text forms by NonFinite (%s), %d by Differs (%s): %s",
						ty.typ, after, n, badFinite, nonFinite, badDiffers, differs, w)
				}
			}
			if rows < 7 {
				t.Fatalf("only %d values of %s", rows, ty.typ)
			}
		})
	}
}
