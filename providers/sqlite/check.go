package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/anomgen/anomgen/providers"
)

var _ providers.Checker = inspector{}

// Privileges reports what this process may do with the database file:
// SQLite has no users, so SELECT needs the file readable, and INSERT,
// UPDATE, DELETE (and ALTER) and the journal tables need the file writable
// and its folder writable too (SQLite writes its rollback journal beside
// the file).
func (in inspector) Privileges(ctx context.Context, tables []string, journalSchema string, alter bool) ([]providers.Privilege, error) {
	readable, writable := true, true
	why := ""
	if f, err := os.OpenFile(in.path, os.O_RDWR, 0); err != nil {
		writable = false
		why = fmt.Sprintf("the file %s is not writable for this user (chmod u+w, or run as its owner)", in.path)
		if f, err := os.Open(in.path); err != nil {
			readable = false
			why = fmt.Sprintf("the file %s is not readable for this user", in.path)
		} else {
			f.Close()
		}
	} else {
		f.Close()
		dir := filepath.Dir(in.path)
		if tmp, err := os.CreateTemp(dir, ".anomgen-check-*"); err != nil {
			writable = false
			why = fmt.Sprintf("the folder %s is not writable for this user, and SQLite writes its rollback journal there", dir)
		} else {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}
	var out []providers.Privilege
	add := func(object, priv string, ok bool, detail string) {
		if !ok {
			detail = why
		}
		out = append(out, providers.Privilege{Object: object, Privilege: priv, Granted: ok, Detail: detail})
	}
	privs := []string{"UPDATE", "DELETE", "INSERT"}
	if alter {
		privs = append(privs, "ALTER")
	}
	for _, t := range tables {
		add(t, "SELECT", readable, "")
		for _, p := range privs {
			add(t, p, writable, "")
		}
	}
	add("journal tables "+journalSchema+"_*", "CREATE", writable, "in the same file")
	return out, nil
}
