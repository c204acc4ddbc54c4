package executor

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/providers"
)

// flaky fails its first failures opens with err.
type flaky struct {
	mu       sync.Mutex
	failures int
	err      error
	opens    int
}

func (f *flaky) Open(ctx context.Context, s providers.Settings) (*providers.Conn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opens++
	if f.opens <= f.failures {
		return nil, f.err
	}
	return nil, errors.New("opened") // stands for success: no real connection is needed
}

func engineFor(t *testing.T, typ string, d providers.Driver) (*Engine, *[]Event) {
	t.Helper()
	providers.Register(typ, d)
	cfg := &config.Config{Sources: []*config.Source{{Type: typ, Name: "db", JournalSchema: "anomgen", Password: config.NewSecret("pw-canary")}}}
	e := New(cfg)
	var events []Event
	e.Events = func(ev Event) { events = append(events, ev) }
	e.Retry = Retry{Attempts: 4, Initial: 5 * time.Millisecond}
	return e, &events
}

// TestConnectRetries: transient failures are retried with growing waits,
// each reported; the last error says how many attempts were made.
func TestConnectRetries(t *testing.T) {
	refused := &providers.ConnectError{Class: providers.ClassUnreachable, Source: "source.flaky1.db", Detail: "the server did not answer", Transient: true}
	f := &flaky{failures: 10, err: refused}
	e, events := engineFor(t, "flaky1", f)
	start := time.Now()
	err := e.Open(context.Background(), []string{"source.flaky1.db"})
	if f.opens != 4 {
		t.Errorf("%d attempts, want 4", f.opens)
	}
	if !strings.Contains(err.Error(), "the server did not answer (4 attempts)") {
		t.Errorf("error %q", err)
	}
	var ce *providers.ConnectError
	if !errors.As(err, &ce) || ce.Class != providers.ClassUnreachable {
		t.Errorf("the error lost its class: %T %v", err, err)
	}
	var retries []Event
	for _, ev := range *events {
		if ev.Kind == EventRetry {
			retries = append(retries, ev)
		}
	}
	if len(retries) != 3 {
		t.Fatalf("%d retry events, want 3: %v", len(retries), *events)
	}
	if !strings.Contains(retries[0].Message, "retrying in") || !strings.Contains(retries[0].Message, "attempt 2 of 4") || retries[0].Err == nil {
		t.Errorf("retry event: %+v", retries[0])
	}
	// 5 + 10 + 20 ms, ±20 %.
	if el := time.Since(start); el < 28*time.Millisecond {
		t.Errorf("the retries took %s: no backoff", el)
	}

	// A transient failure that clears: the next attempt succeeds.
	f2 := &flaky{failures: 1, err: refused}
	e2, _ := engineFor(t, "flaky2", f2)
	if err := e2.Open(context.Background(), []string{"source.flaky2.db"}); err == nil || err.Error() != "opened" || f2.opens != 2 {
		t.Errorf("after one failure: %v, %d opens", err, f2.opens)
	}
}

// TestConnectNoRetry: a wrong password, a missing database or a TLS
// failure is reported at once.
func TestConnectNoRetry(t *testing.T) {
	for i, class := range []providers.Class{providers.ClassAuth, providers.ClassDatabase, providers.ClassTLS} {
		typ := "final" + string(rune('a'+i))
		f := &flaky{failures: 10, err: &providers.ConnectError{Class: class, Source: "x", Detail: "no"}}
		e, events := engineFor(t, typ, f)
		err := e.Open(context.Background(), []string{"source." + typ + ".db"})
		if err == nil || f.opens != 1 || len(*events) != 0 {
			t.Errorf("%s: %v after %d attempts, events %v", class, err, f.opens, *events)
		}
	}
}

// TestConnectCancelled: Ctrl-C during the wait stops retrying.
func TestConnectCancelled(t *testing.T) {
	f := &flaky{failures: 10, err: &providers.ConnectError{Class: providers.ClassBusy, Source: "x", Detail: "starting up", Transient: true}}
	e, _ := engineFor(t, "cancelled", f)
	e.Retry = Retry{Attempts: 4, Initial: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := e.Open(ctx, []string{"source.cancelled.db"}); err == nil || time.Since(start) > 5*time.Second || f.opens != 1 {
		t.Errorf("%v after %s and %d attempts", err, time.Since(start), f.opens)
	}
}

func TestDefaultRetry(t *testing.T) {
	r := Retry{}.orDefault()
	total := time.Duration(0)
	for n := 1; n < r.Attempts; n++ {
		total += r.Initial << (n - 1)
	}
	if r.Attempts != 4 || total < 5*time.Second || total > 10*time.Second {
		t.Errorf("default retry: %d attempts over %s of waiting", r.Attempts, total)
	}
}
