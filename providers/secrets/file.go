package secrets

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// readFile reads a secret file: relative names from dir. A file that group
// or others may access (mode & 0o077 != 0) is refused, as ssh refuses such
// a key: the secret would not be one. One trailing newline (as echo and
// most editors leave) is removed.
func readFile(dir string, ref Ref) (string, error) {
	path := ref.Name
	if !filepath.IsAbs(path) && dir != "" {
		path = filepath.Join(dir, path)
	}
	st, err := os.Stat(path)
	if err != nil {
		reason := fmt.Sprintf("cannot read %s: %v", path, unwrapPathError(err))
		if os.IsNotExist(err) {
			reason = fmt.Sprintf("there is no file %s (relative names are read from the scenario folder)", path)
		}
		return "", &Error{Ref: ref, Reason: reason, Err: err}
	}
	if !st.Mode().IsRegular() {
		return "", &Error{Ref: ref, Reason: fmt.Sprintf("%s is not a regular file", path)}
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return "", &Error{Ref: ref, Reason: fmt.Sprintf("%s may be read or changed by group or others (mode %04o, %s); anomgen reads secrets only from files that no one but their owner may access. Run: chmod 600 %s",
			path, perm, st.Mode().Perm(), shellQuote(path))}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", &Error{Ref: ref, Reason: fmt.Sprintf("cannot read %s: %v", path, unwrapPathError(err)), Err: err}
	}
	s := string(b)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return "", &Error{Ref: ref, Reason: fmt.Sprintf("%s is empty", path)}
	}
	return s, nil
}

// unwrapPathError drops the operation and path of a *fs.PathError, which
// the message already names.
func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

func shellQuote(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
