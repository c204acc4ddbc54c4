package sqlite_test

import (
	"context"
	"os"
	"testing"

	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestPrivileges: SQLite has no users; what decides is whether this
// process may read and write the file (and its folder).
func TestPrivileges(t *testing.T) {
	s := providertest.NewSQLite(t)
	if _, err := s.DB.Exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, email TEXT)"); err != nil {
		t.Fatal(err)
	}
	c, err := providers.Open(context.Background(), s.Settings())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	checker, ok := c.Inspector.(providers.Checker)
	if !ok {
		t.Fatal("the sqlite inspector is not a providers.Checker")
	}
	privs, err := checker.Privileges(context.Background(), []string{"orders"}, "anomgen", true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range privs {
		got[p.Privilege+" on "+p.Object] = p.Granted
	}
	for _, want := range []string{"SELECT on orders", "UPDATE on orders", "DELETE on orders", "INSERT on orders", "ALTER on orders", "CREATE on journal tables anomgen_*"} {
		if granted, ok := got[want]; !ok || !granted {
			t.Errorf("%s: granted %v, reported %v (all: %v)", want, granted, ok, got)
		}
	}

	if os.Geteuid() == 0 {
		t.Log("running as root, which may write any file: the read-only case is not exercised")
		return
	}
	if err := os.Chmod(s.Path, 0o444); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(s.Path, 0o644)
	privs, err = checker.Privileges(context.Background(), []string{"orders"}, "anomgen", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range privs {
		if want := p.Privilege == "SELECT"; p.Granted != want {
			t.Errorf("read-only file: %s on %s granted %v", p.Privilege, p.Object, p.Granted)
		}
		if !p.Granted && p.Detail == "" {
			t.Errorf("%s on %s: no explanation", p.Privilege, p.Object)
		}
	}
}
