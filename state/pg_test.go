package state

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgBackendDSN creates a database for the test on the server of
// ANOMGEN_TEST_POSTGRES (skipping when there is none) and returns a DSN
// for it whose password is canary (the test server trusts local
// connections, so any password connects).
func pgBackendDSN(t *testing.T, canary string) string {
	t.Helper()
	admin := os.Getenv("ANOMGEN_TEST_POSTGRES")
	if admin == "" {
		t.Skip("ANOMGEN_TEST_POSTGRES is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Skipf("PostgreSQL not reachable: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "anomgen_state_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, admin); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	user := "postgres"
	if u.User != nil && u.User.Username() != "" {
		user = u.User.Username()
	}
	u.User = url.UserPassword(user, canary)
	return u.String()
}

func TestPostgresBackend(t *testing.T) {
	const canary = "state-canary-93be"
	dsn := pgBackendDSN(t, canary)
	ctx := context.Background()
	// Two sessions on one workspace, as two processes would have.
	a, err := OpenPostgres(ctx, dsn, "anomgen_backend", "ws-1")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenPostgres(ctx, dsn, "anomgen_backend", "ws-1")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	other, err := OpenPostgres(ctx, dsn, "anomgen_backend", "ws-2")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	// A workspace never saved is empty; what one session saves the other loads.
	st, err := a.Load(ctx)
	if err != nil || len(st.Anomalies) != 0 || st.Serial != 0 || st.Lineage == "" {
		t.Fatalf("fresh state: %+v, %v", st, err)
	}
	exp := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	st.Put(&Anomaly{Address: "anomaly.null_rate.x", Kind: "null_rate", Source: "source.postgres.shop", Rows: 12,
		AppliedAt: time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC), ExpiresAt: &exp, Occurrence: "ws-1/anomaly.null_rate.x/2026-03-01T04:00:00Z",
		Journal: Journal{ID: "abc", Schema: "anomgen", Op: "update", Table: "orders", Key: []string{"id"}, Column: "email"}})
	st.RecordRan("anomaly.null_rate.x", "ws-1/anomaly.null_rate.x/2026-02-28T04:00:00Z")
	if err := a.Save(ctx, st); err != nil {
		t.Fatal(err)
	}
	got, err := b.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Serial != 1 || got.Lineage != st.Lineage || len(got.Anomalies) != 1 || got.Anomalies[0].Occurrence != st.Anomalies[0].Occurrence ||
		!got.Anomalies[0].ExpiresAt.Equal(exp) || !got.HasRun("anomaly.null_rate.x", "ws-1/anomaly.null_rate.x/2026-02-28T04:00:00Z") {
		t.Fatalf("loaded %+v, saved %+v", got, st)
	}
	if o, err := other.Load(ctx); err != nil || len(o.Anomalies) != 0 {
		t.Fatalf("another workspace sees %+v (%v)", o, err)
	}
	// A stale copy is refused.
	stale := *st
	stale.Serial = 0
	if err := b.Save(ctx, &stale); err == nil || !strings.Contains(err.Error(), "newer state") {
		t.Fatalf("stale save: %v", err)
	}

	// The lock: the second session fails naming the holder, the other
	// workspace is not held up, and after the release the second gets it.
	held, err := a.Lock(ctx, time.Second, LockInfo{ID: "l1", Operation: "apply", Who: "alice", Host: "h1", PID: 42, Created: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Lock(ctx, 500*time.Millisecond, NewLockInfo("plan"))
	var le *PGLockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || le.Holder == nil || le.Holder.Who != "alice" || !strings.Contains(err.Error(), "alice on h1 (pid 42, apply)") {
		t.Fatalf("second lock: %v", err)
	}
	ol, err := other.Lock(ctx, time.Second, NewLockInfo("apply"))
	if err != nil {
		t.Fatalf("another workspace's lock: %v", err)
	}
	_ = ol.Release()
	released := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		released <- held.Release()
	}()
	second, err := b.Lock(ctx, 10*time.Second, NewLockInfo("plan"))
	if err != nil {
		t.Fatalf("the waiting lock: %v", err)
	}
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	_ = second.Release()

	// Secrets never show in errors: a dsn that does not parse, a server
	// that does not answer.
	for _, bad := range []string{
		"postgres://u:" + canary + "@127.0.0.1:1/x?connect_timeout=2",
		"postgres://u:" + canary + "@127.0.0.1:notaport/x",
		"host=127.0.0.1 port=1 password=" + canary + " connect_timeout=2 sslmode=bogus",
	} {
		_, err := OpenPostgres(ctx, bad, "anomgen_backend", "ws-1")
		if err == nil {
			t.Errorf("opening %q succeeded", "(dsn)")
			continue
		}
		if strings.Contains(err.Error(), canary) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
