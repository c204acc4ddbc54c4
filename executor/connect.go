package executor

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/anomgen/anomgen/providers"
)

// Retry is how connecting retries transient failures (the server refused
// or did not answer, has too many connections, is starting up): Attempts
// tries in all, waiting Initial before the second and twice as long before
// each one after, with ±20 % jitter. Authentication failures, missing
// databases, TLS and settings errors are never retried.
type Retry struct {
	Attempts int
	Initial  time.Duration
}

// DefaultRetry tries 4 times over about 7 s of waiting (1 s, 2 s, 4 s).
var DefaultRetry = Retry{Attempts: 4, Initial: time.Second}

func (r Retry) orDefault() Retry {
	if r.Attempts <= 0 {
		return DefaultRetry
	}
	return r
}

// wait is the pause before attempt n+1 (n ≥ 1), jittered.
func (r Retry) wait(n int) time.Duration {
	d := r.Initial << (n - 1)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// connect opens one source, retrying transient failures per e.Retry and
// reporting each retry as an EventRetry.
func (e *Engine) connect(ctx context.Context, addr string, s providers.Settings) (*providers.Conn, error) {
	r := e.Retry.orDefault()
	for attempt := 1; ; attempt++ {
		c, err := providers.Open(ctx, s)
		if err == nil {
			return c, nil
		}
		var ce *providers.ConnectError
		if !errors.As(err, &ce) || !ce.Transient || attempt >= r.Attempts || ctx.Err() != nil {
			if attempt > 1 && ce != nil && ce.Transient {
				ce2 := *ce
				ce2.Detail += fmt.Sprintf(" (%d attempts)", attempt)
				return nil, &ce2
			}
			return nil, err
		}
		wait := r.wait(attempt)
		e.emit(Event{Kind: EventRetry, Address: addr, Err: err,
			Message: fmt.Sprintf("connecting to %s failed (%s); retrying in %s, attempt %d of %d", addr, ce.Detail, wait.Round(10*time.Millisecond), attempt+1, r.Attempts)})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}
