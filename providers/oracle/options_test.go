package oracle

import "testing"

// TestConnConfigOptionValuesIntact: an option value with spaces, +,
// quotes and separators reaches go-ora as written (it reads the URL's
// query as url.Values does), from the settings and over a dsn. Options
// are go-ora URL options only: Oracle never receives them as SQL text.
func TestConnConfigOptionValuesIntact(t *testing.T) {
	const v = `my app+1, it's "x"; z=w & q%`
	for _, dsn := range []string{"", "oracle://anomgen:pw@db.example.com:1521/ORCLPDB1?PROGRAM=old+name&TRACE%20FILE=a+b"} {
		s := settings()
		s.DSN = dsn
		s.Options = map[string]string{"PROGRAM": v}
		cfg, err := ConnConfig(s)
		if err != nil {
			t.Fatal(err)
		}
		_, q := parse(t, cfg)
		if q.Get("PROGRAM") != v {
			t.Errorf("dsn %q: PROGRAM %q, want %q", dsn, q.Get("PROGRAM"), v)
		}
		if dsn != "" && q.Get("TRACE FILE") != "a b" {
			t.Errorf("the dsn's own option changed: TRACE FILE %q", q.Get("TRACE FILE"))
		}
	}
}
