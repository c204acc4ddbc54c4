package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"
)

// LockInfo says who holds a state lock. It is written into the lock file so a
// waiting run can name the holder.
type LockInfo struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"`
	Who       string    `json:"who"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Created   time.Time `json:"created"`
}

func (i LockInfo) String() string {
	return fmt.Sprintf("%s on %s (pid %d, %s) since %s, lock id %s",
		i.Who, i.Host, i.PID, i.Operation, i.Created.Format(time.RFC3339), i.ID)
}

// ErrLocked is returned (wrapped in a *LockedError) when the lock is held.
var ErrLocked = errors.New("state is locked")

// LockedError names the holder of a lock that could not be taken.
type LockedError struct {
	Path   string
	Holder *LockInfo
}

func (e *LockedError) Error() string {
	holder := "another anomgen run (holder unknown)"
	if e.Holder != nil {
		holder = e.Holder.String()
	}
	return fmt.Sprintf("the state is locked by %s.\nWait for that run to finish, or retry with -lock-timeout=60s to wait for it. The lock is %s; the operating system releases it when the holding process exits.", holder, e.Path)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock is a held state lock.
type Lock struct {
	f    *os.File
	Info LockInfo
}

// NewLockInfo describes the current process for operation op.
func NewLockInfo(op string) LockInfo {
	host, _ := os.Hostname()
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	return LockInfo{ID: NewID(), Operation: op, Who: who, Host: host, PID: os.Getpid(), Created: time.Now().UTC()}
}

// Acquire takes the lock at path, waiting up to timeout (polling) when
// another process holds it. The lock is an advisory file lock: a process
// killed while holding it releases it with its last file descriptor.
func Acquire(ctx context.Context, path string, timeout time.Duration, info LockInfo) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			holder := readHolder(path)
			f.Close()
			return nil, &LockedError{Path: path, Holder: holder}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	b, _ := json.Marshal(info)
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(b, '\n'), 0)
		_ = f.Sync()
	}
	return &Lock{f: f, Info: info}, nil
}

// Release clears the holder and releases the lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

func readHolder(path string) *LockInfo {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return nil
	}
	var info LockInfo
	if json.Unmarshal(b, &info) != nil {
		return nil
	}
	return &info
}

// ForceUnlock breaks the lock at path held under lock id: it removes the
// lock file, so the next run locks a fresh one. It refuses when the file
// names another id. Use it only when the holder is gone or hung for good:
// a live holder keeps running without the lock.
func ForceUnlock(path, id string) (*LockInfo, error) {
	holder := readHolder(path)
	if holder == nil {
		return nil, fmt.Errorf("%s names no holder: there is no lock to release", path)
	}
	if holder.ID != id {
		return holder, fmt.Errorf("the lock is held under id %s, not %s (%s); check the id and try again", holder.ID, id, holder)
	}
	if err := os.Remove(path); err != nil {
		return holder, err
	}
	return holder, nil
}
