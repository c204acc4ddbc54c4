package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres keeps the states of many workspaces in one PostgreSQL database:
// table <schema>.states holds one row per workspace name (serial, lineage
// and the state as JSON), <schema>.audit the daemon's audit records. The
// state lock is a PostgreSQL advisory lock held on a connection of its
// own: PostgreSQL releases it when that connection ends, so a killed run
// never leaves it behind. <schema>.locks names the holder for the message
// a waiting run prints.
type Postgres struct {
	pool      *pgxpool.Pool
	cfg       *pgxpool.Config
	schema    string
	workspace string
	// secrets are the strings no message may show (the dsn, its
	// password).
	secrets []string
	where   string
}

// OpenPostgres connects to the backend database at dsn and creates its
// tables in schema when they are missing. Errors never hold dsn or its
// password; secrets lists further strings to keep out of them.
func OpenPostgres(ctx context.Context, dsn, schema, workspace string, secrets ...string) (*Postgres, error) {
	p := &Postgres{schema: schema, workspace: workspace, secrets: append([]string{dsn}, secrets...)}
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			p.secrets = append(p.secrets, pw)
		}
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("the backend dsn does not parse: %w", p.scrub(err))
	}
	if pw := cfg.ConnConfig.Password; pw != "" {
		p.secrets = append(p.secrets, pw)
	}
	cfg.MaxConns = 4
	p.cfg = cfg
	p.where = fmt.Sprintf("postgres backend %s/%s, schema %s, workspace %q", cfg.ConnConfig.Host, cfg.ConnConfig.Database, schema, workspace)
	if p.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("connecting to the %s: %w", p.where, p.scrub(err))
	}
	if err := p.migrate(ctx); err != nil {
		p.pool.Close()
		return nil, err
	}
	return p, nil
}

// Pool is the backend's connection pool (the daemon's River client
// shares it).
func (p *Postgres) Pool() *pgxpool.Pool { return p.pool }

// Schema is the backend's schema.
func (p *Postgres) Schema() string { return p.schema }

func (p *Postgres) String() string { return p.where }

// Close closes the pool.
func (p *Postgres) Close() { p.pool.Close() }

// scrub removes the backend's secrets from err's message.
func (p *Postgres) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, s := range p.secrets {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "(sensitive)")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return scrubbed{msg: msg, err: err}
}

// scrubbed is an error whose message had secrets removed; it still
// matches the original's sentinel errors.
type scrubbed struct {
	msg string
	err error
}

func (s scrubbed) Error() string { return s.msg }
func (s scrubbed) Is(target error) bool {
	return errors.Is(s.err, target)
}

func (p *Postgres) table(name string) string {
	return pgx.Identifier{p.schema, name}.Sanitize()
}

// lockKey is the advisory lock of a name in this backend.
func (p *Postgres) lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("anomgen:" + p.schema + ":" + name))
	return int64(h.Sum64())
}

// migrate creates the backend's schema and tables, one run at a time
// (replicas start together).
func (p *Postgres) migrate(ctx context.Context) error {
	// Made already (the usual case): no DDL, which needs the CREATE
	// privilege even with IF NOT EXISTS.
	var made bool
	if err := p.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AND to_regclass($3) IS NOT NULL",
		p.table("states"), p.table("locks"), p.table("audit")).Scan(&made); err != nil {
		return fmt.Errorf("connecting to the %s: %w", p.where, p.scrub(err))
	}
	if made {
		return nil
	}
	return p.WithSetupLock(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{
			"CREATE SCHEMA IF NOT EXISTS " + pgx.Identifier{p.schema}.Sanitize(),
			"CREATE TABLE IF NOT EXISTS " + p.table("states") + " (workspace text PRIMARY KEY, serial bigint NOT NULL, lineage text NOT NULL, state jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())",
			"CREATE TABLE IF NOT EXISTS " + p.table("locks") + " (workspace text PRIMARY KEY, info jsonb NOT NULL)",
			"CREATE TABLE IF NOT EXISTS " + p.table("audit") + " (id bigserial PRIMARY KEY, workspace text NOT NULL, at timestamptz NOT NULL DEFAULT now(), record jsonb NOT NULL)",
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}

// WithSetupLock runs f in a transaction that holds the backend's setup
// lock (a transaction-scoped advisory lock): schema changes of replicas
// starting together run one after the other.
func (p *Postgres) WithSetupLock(ctx context.Context, f func(pgx.Tx) error) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("setting up the %s: %w", p.where, p.scrub(err))
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", p.lockKey("setup")); err != nil {
		return fmt.Errorf("setting up the %s: %w", p.where, p.scrub(err))
	}
	if err := f(tx); err != nil {
		return fmt.Errorf("setting up the %s: %w", p.where, p.scrub(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("setting up the %s: %w", p.where, p.scrub(err))
	}
	return nil
}

// pgLock is a held advisory lock and its connection.
type pgLock struct {
	p    *Postgres
	conn *pgx.Conn
	key  int64
	info LockInfo
}

// Lock takes the workspace's advisory lock on a connection of its own,
// polling until timeout. When it is held, the error names the holder as
// recorded in <schema>.locks.
func (p *Postgres) Lock(ctx context.Context, timeout time.Duration, info LockInfo) (Unlocker, error) {
	conn, err := pgx.ConnectConfig(ctx, p.cfg.ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("locking the state in the %s: %w", p.where, p.scrub(err))
	}
	key := p.lockKey("state/" + p.workspace)
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
			_ = conn.Close(context.Background())
			return nil, fmt.Errorf("locking the state in the %s: %w", p.where, p.scrub(err))
		}
		if ok {
			break
		}
		if !time.Now().Before(deadline) {
			holder := p.holder(ctx, conn)
			_ = conn.Close(context.Background())
			return nil, &PGLockedError{Where: p.where, Holder: holder}
		}
		select {
		case <-ctx.Done():
			_ = conn.Close(context.Background())
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	b, _ := json.Marshal(info)
	if _, err := conn.Exec(ctx, "INSERT INTO "+p.table("locks")+" (workspace, info) VALUES ($1, $2) ON CONFLICT (workspace) DO UPDATE SET info = EXCLUDED.info", p.workspace, string(b)); err != nil {
		_ = conn.Close(context.Background())
		return nil, fmt.Errorf("locking the state in the %s: %w", p.where, p.scrub(err))
	}
	return &pgLock{p: p, conn: conn, key: key, info: info}, nil
}

// holder reads who holds the lock, as its holder recorded it.
func (p *Postgres) holder(ctx context.Context, conn *pgx.Conn) *LockInfo {
	var b []byte
	if err := conn.QueryRow(ctx, "SELECT info FROM "+p.table("locks")+" WHERE workspace = $1", p.workspace).Scan(&b); err != nil {
		return nil
	}
	var info LockInfo
	if json.Unmarshal(b, &info) != nil {
		return nil
	}
	return &info
}

// Release clears the holder record and ends the lock's connection (which
// releases the advisory lock in any case).
func (l *pgLock) Release() error {
	if l == nil || l.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = l.conn.Exec(ctx, "DELETE FROM "+l.p.table("locks")+" WHERE workspace = $1 AND info->>'id' = $2", l.p.workspace, l.info.ID)
	_, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", l.key)
	if cerr := l.conn.Close(ctx); err == nil {
		err = cerr
	}
	l.conn = nil
	return l.p.scrub(err)
}

// PGLockedError names the holder of a backend state lock that could not
// be taken.
type PGLockedError struct {
	Where  string
	Holder *LockInfo
}

func (e *PGLockedError) Error() string {
	holder := "another anomgen run (holder unknown)"
	if e.Holder != nil {
		holder = e.Holder.String()
	}
	return fmt.Sprintf("the state is locked by %s.\nWait for that run to finish, or retry with -lock-timeout=60s to wait for it. The lock is a PostgreSQL advisory lock of the %s; PostgreSQL releases it when the holder's connection ends.", holder, e.Where)
}

func (e *PGLockedError) Unwrap() error { return ErrLocked }

// Load reads the workspace's state; a workspace never saved has an empty
// state.
func (p *Postgres) Load(ctx context.Context) (*State, error) {
	var b []byte
	err := p.pool.QueryRow(ctx, "SELECT state FROM "+p.table("states")+" WHERE workspace = $1", p.workspace).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return New(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the state from the %s: %w", p.where, p.scrub(err))
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("the state in the %s is not valid JSON (%v)", p.where, err)
	}
	if s.Version > Version {
		return nil, fmt.Errorf("the state in the %s has format version %d; this anomgen understands up to %d: upgrade anomgen", p.where, s.Version, Version)
	}
	if s.Lineage == "" {
		s.Lineage = NewID()
	}
	return &s, nil
}

// Save increments the serial and writes the state. It refuses to write
// over a state with a higher serial (saved by another run meanwhile: the
// lock was broken).
func (p *Postgres) Save(ctx context.Context, s *State) error {
	s.Version = Version
	s.Serial++
	b, err := json.Marshal(s)
	if err != nil {
		s.Serial--
		return err
	}
	tag, err := p.pool.Exec(ctx, "INSERT INTO "+p.table("states")+" (workspace, serial, lineage, state, updated_at) VALUES ($1, $2, $3, $4, now()) "+
		"ON CONFLICT (workspace) DO UPDATE SET serial = EXCLUDED.serial, lineage = EXCLUDED.lineage, state = EXCLUDED.state, updated_at = now() "+
		"WHERE "+p.table("states")+".serial < EXCLUDED.serial", p.workspace, s.Serial, s.Lineage, string(b))
	if err != nil {
		s.Serial--
		return fmt.Errorf("saving the state to the %s: %w", p.where, p.scrub(err))
	}
	if tag.RowsAffected() == 0 {
		s.Serial--
		return fmt.Errorf("saving the state to the %s: it holds a newer state (serial %d or more) that another run saved meanwhile; run the command again", p.where, s.Serial+1)
	}
	return nil
}

// AppendAudit adds audit records (JSON objects) to the backend's audit
// table, shared by every replica.
func (p *Postgres) AppendAudit(ctx context.Context, records [][]byte) error {
	if len(records) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	for _, r := range records {
		batch.Queue("INSERT INTO "+p.table("audit")+" (workspace, record) VALUES ($1, $2)", p.workspace, string(r))
	}
	if err := p.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("writing the audit log to the %s: %w", p.where, p.scrub(err))
	}
	return nil
}

// Secrets are the strings no message may show: the dsn and its password.
func (p *Postgres) Secrets() []string { return append([]string(nil), p.secrets...) }

// WithSetupSessionLock runs f while holding the backend's setup lock on a
// connection of its own (for setup steps that commit several
// transactions, such as River's migrations).
func (p *Postgres) WithSetupSessionLock(ctx context.Context, f func() error) error {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("setting up the %s: %w", p.where, p.scrub(err))
	}
	defer conn.Release()
	key := p.lockKey("setup")
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("setting up the %s: %w", p.where, p.scrub(err))
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key) //nolint:errcheck // the connection's end releases it too
	if err := f(); err != nil {
		return fmt.Errorf("setting up the %s: %w", p.where, p.scrub(err))
	}
	return nil
}
