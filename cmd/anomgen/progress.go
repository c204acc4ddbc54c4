package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress shows how a fleet run advances: on a terminal, one live bar per
// customer and one overall (rows done, rate, ETA); otherwise one line per
// finished anomaly (customer, address, rows, elapsed).
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	bars    *mpb.Progress // nil without a terminal
	overall *mpb.Bar
	all     []*mpb.Bar
	total   int64
}

func newProgress(w io.Writer, terminal bool) *progress {
	pr := &progress{w: w}
	if terminal {
		// The bars go to the terminal itself, so that mpb knows its width;
		// they hold workspace names and counts only, nothing to redact.
		out := w
		for {
			u, ok := out.(interface{ Unwrap() io.Writer })
			if !ok {
				break
			}
			out = u.Unwrap()
		}
		pr.bars = mpb.New(mpb.WithOutput(out), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond), mpb.WithAutoRefresh())
	}
	return pr
}

// weight is how much a change counts on a bar: its rows, at least one.
func weight(rows int64) int64 {
	if rows < 1 {
		return 1
	}
	return rows
}

// customer adds a customer's plan and returns the hook its engine reports
// to (executor.Engine.Progress).
func (pr *progress) customer(name string, p *planner.Plan) func(executor.Event) {
	planned := map[string]int64{}
	var total int64
	for _, ch := range p.Changes {
		if ch.Action != planner.NoOp {
			planned[ch.Address] = weight(ch.Rows)
			total += weight(ch.Rows)
		}
	}
	var bar *mpb.Bar
	if pr.bars != nil && total > 0 {
		pr.mu.Lock()
		bar = pr.bars.AddBar(total,
			mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR), decor.CountersNoUnit("%d / %d rows", decor.WCSyncSpace)),
			mpb.AppendDecorators(decor.AverageSpeed(0, "%.0f rows/s", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
		pr.total += total
		pr.all = append(pr.all, bar)
		pr.mu.Unlock()
	}
	reported := map[string]int64{} // rows shown so far per address
	advance := func(addr string, n int64) {
		if bar == nil || n <= 0 {
			return
		}
		reported[addr] += n
		bar.IncrInt64(n)
		if pr.overall != nil {
			pr.overall.IncrInt64(n)
		}
	}
	return func(ev executor.Event) {
		pr.mu.Lock()
		defer pr.mu.Unlock()
		switch ev.Kind {
		case executor.EventProgress:
			if w := planned[ev.Address]; ev.Rows > reported[ev.Address] && ev.Rows <= w {
				advance(ev.Address, ev.Rows-reported[ev.Address])
			}
		case executor.EventDone, executor.EventFailed:
			advance(ev.Address, planned[ev.Address]-reported[ev.Address])
			if pr.bars != nil {
				return
			}
			outcome := "done"
			if ev.Kind == executor.EventFailed {
				outcome = "failed"
			}
			fmt.Fprintf(pr.w, "%s: %s %s: %s rows in %s\n", name, ev.Address, outcome, planner.Thousands(ev.Rows), ev.Elapsed.Round(time.Millisecond))
		}
	}
}

// start adds the overall bar, once every customer is added.
func (pr *progress) start() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.bars != nil && pr.total > 0 {
		pr.overall = pr.bars.AddBar(pr.total,
			mpb.PrependDecorators(decor.Name("overall", decor.WCSyncSpaceR), decor.CountersNoUnit("%d / %d rows", decor.WCSyncSpace)),
			mpb.AppendDecorators(decor.AverageSpeed(0, "%.0f rows/s", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
		pr.all = append(pr.all, pr.overall)
	}
}

// stop ends the bars, completing those whose changes were not all run
// (a failure), and waits for their last frame.
func (pr *progress) stop() {
	if pr.bars == nil {
		return
	}
	pr.mu.Lock()
	for _, b := range pr.all {
		if !b.Completed() {
			b.SetTotal(-1, true) // complete at the current count
		}
	}
	pr.mu.Unlock()
	pr.bars.Wait()
}
