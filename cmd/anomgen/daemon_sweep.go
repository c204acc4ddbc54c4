package main

// Continuous kinds in the daemon: an applied stale_data occurrence keeps
// hiding the rows that arrive while it lasts. Every -sweep interval (and
// at each run of runDue, so -once sweeps too) the rows that arrived since
// are moved into the occurrence's journal and deleted (executor.Sweep, one
// transaction per sweep); the revert at the end of its duration releases
// them all. late_arrival needs no sweep: its occurrence lasts its delay
// (the kind sets it), so its hidden rows come back when the delay ends.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/go-co-op/gocron/v2"
)

// continuous reports whether an's occurrences keep acting while they last.
func continuous(an *config.Anomaly) bool { return an.Kind == "stale_data" }

// sweepApplied sweeps the applied occurrences of the continuous anomalies
// among sched in the open session s, at now. An occurrence whose duration
// has ended is left to its revert; one whose block changed is left to its
// replacement.
func (r *wsRunner) sweepApplied(ctx context.Context, s *session, sched []*config.Anomaly, now time.Time) error {
	var errs []error
	for _, an := range sched {
		addr := an.Addr()
		prior := s.st.Get(addr)
		if !continuous(an) || prior == nil || prior.Status != "" || (prior.ExpiresAt != nil && !now.Before(*prior.ExpiresAt)) {
			continue
		}
		// The occurrence's mutation, planned at its fire time as when it
		// was applied (the same cutoff).
		s.now = prior.AppliedAt
		p, err := r.a.makePlan(ctx, s, []string{addr}, false)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: planning its sweep: %w", addr, err))
			continue
		}
		for _, ch := range p.Changes {
			if ch.Address != addr || ch.Action != planner.NoOp || ch.Mutation == nil || ch.Prior == nil {
				continue
			}
			n, err := s.eng.Sweep(ctx, prior, ch.Mutation, s.st, s.saveState)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: sweep: %w", addr, err))
				break
			}
			if n > 0 {
				rows := "rows"
				if n == 1 {
					rows = "row"
				}
				fmt.Fprintf(r.a.out, "%s: swept %s %s that arrived since %s into journal %s\n", addr, planner.Thousands(n), rows, prior.AppliedAt.Format(time.RFC3339), prior.Journal.ID)
				r.a.log.Info("daemon sweep", "workspace", r.dir, "address", addr, "rows", n, "journal", prior.Journal.ID)
			}
		}
	}
	return errors.Join(errs...)
}

// scheduleSweep adds the workspace's sweep job (every o.sweep) when it has
// a continuous scheduled anomaly, or removes it when it has none left.
func (r *wsRunner) scheduleSweep(ctx context.Context, s gocron.Scheduler) error {
	cfg := r.config()
	has := false
	if cfg != nil {
		for _, an := range cfg.Anomalies {
			has = has || (an.Schedule != nil && continuous(an))
		}
	}
	r.revertMu.Lock()
	defer r.revertMu.Unlock()
	switch {
	case !has && r.sweeper != nil:
		_ = s.RemoveJob(r.sweeper.ID())
		r.sweeper = nil
	case has && r.sweeper == nil && r.o.sweep > 0:
		j, err := s.NewJob(gocron.DurationJob(r.o.sweep), gocron.NewTask(func() { r.sweepNow(ctx) }),
			gocron.WithName(r.dir+" sweep"), gocron.WithSingletonMode(gocron.LimitModeReschedule))
		if err != nil {
			return fmt.Errorf("%s: scheduling the sweep: %w", r.dir, err)
		}
		r.sweeper = j
	}
	return nil
}

// sweepNow runs a sweep of the workspace (the sweep job).
func (r *wsRunner) sweepNow(ctx context.Context) {
	if r.stopping != nil && r.stopping.Err() != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.a.open(ctx, openOptions{lockOp: "daemon", lockTimeout: time.Minute, cfg: r.config()})
	if err != nil {
		r.report(connectError(err))
		return
	}
	defer s.close()
	s.occurrences = true
	var sched []*config.Anomaly
	for _, an := range s.cfg.Anomalies {
		if an.Schedule != nil {
			sched = append(sched, an)
		}
	}
	if err := r.sweepApplied(ctx, s, sched, r.o.clock.Now().UTC()); err != nil {
		r.report(err)
	}
}
