package state

import (
	"context"
	"time"
)

// Backend is where a workspace's state lives and how it is locked: the
// local file (.anomgen/state.json with its file lock) or a PostgreSQL
// database (Postgres: a row per workspace, locked by an advisory lock).
type Backend interface {
	// Lock takes the workspace's state lock, waiting up to timeout; the
	// error names the holder (it wraps ErrLocked) when it is held.
	Lock(ctx context.Context, timeout time.Duration, info LockInfo) (Unlocker, error)
	// Load reads the state; a workspace never saved has an empty state.
	Load(ctx context.Context) (*State, error)
	// Save increments the serial and writes the state.
	Save(ctx context.Context, st *State) error
	// Close releases the backend's connections.
	Close()
	// String describes the backend for messages (never a secret).
	String() string
}

// Unlocker releases a held state lock.
type Unlocker interface {
	Release() error
}

// Local is the state file at Path with its lock file beside it.
type Local struct{ Path string }

// Lock takes the file lock Path.lock.
func (l Local) Lock(ctx context.Context, timeout time.Duration, info LockInfo) (Unlocker, error) {
	lk, err := Acquire(ctx, l.Path+".lock", timeout, info)
	if err != nil {
		return nil, err
	}
	return lk, nil
}

// Load reads the state file.
func (l Local) Load(context.Context) (*State, error) { return Load(l.Path) }

// Save writes the state file atomically.
func (l Local) Save(_ context.Context, st *State) error { return Save(l.Path, st) }

// Close does nothing: a file needs no connection.
func (Local) Close() {}

func (l Local) String() string { return "state file " + l.Path }
