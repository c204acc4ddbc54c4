package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

func change(addr, source, table string, prior *state.Anomaly) *planner.Change {
	return &planner.Change{Address: addr, Action: planner.Create, Source: source, Table: planner.TableName{Name: table}, Prior: prior}
}

// Changes that share a table, directly or through a prior on another
// table, form one group, in plan order; no-ops are left out.
func TestGroups(t *testing.T) {
	moved := &state.Anomaly{Address: "anomaly.x.e", Source: "s", Journal: state.Journal{Table: "t3"}}
	p := &planner.Plan{Changes: []*planner.Change{
		change("anomaly.x.a", "s", "t1", nil),
		change("anomaly.x.b", "s", "t2", nil),
		change("anomaly.x.c", "s", "T1", nil), // names are case-insensitive
		change("anomaly.x.d", "s", "t3", nil),
		change("anomaly.x.e", "s", "t4", moved), // its prior was on t3
		change("anomaly.x.f", "other", "t1", nil),
		{Address: "anomaly.x.g", Action: planner.NoOp, Source: "s", Table: planner.TableName{Name: "t2"}},
	}}
	p.Changes[4].Action = planner.Replace
	got := fmt.Sprint(groups(p))
	if want := "[[0 2] [1] [3 4] [5]]"; got != want {
		t.Errorf("groups = %s, want %s", got, want)
	}
}

// Events reach Events in unit order whatever order they are emitted in;
// Progress sees them as they come.
func TestOrderedEvents(t *testing.T) {
	var got, live []string
	e := &Engine{Events: func(ev Event) { got = append(got, ev.Address+":"+ev.Message) }, Progress: func(ev Event) { live = append(live, ev.Address) }}
	o := newOrdered(e, 3)
	o.emit(2, Event{Kind: EventNote, Address: "c", Message: "1"})
	o.emit(1, Event{Kind: EventDone, Address: "b", Message: "1"})
	o.emit(0, Event{Kind: EventNote, Address: "a", Message: "1"})
	o.finish(2)
	o.emit(0, Event{Kind: EventDone, Address: "a", Message: "2"})
	if fmt.Sprint(got) != "[a:1 a:2]" {
		t.Fatalf("before unit 0 finished: %v", got)
	}
	o.finish(0)
	o.emit(1, Event{Kind: EventNote, Address: "b", Message: "2"})
	o.finish(1)
	if want := "[a:1 a:2 b:1 b:2 c:1]"; fmt.Sprint(got) != want {
		t.Errorf("events %v, want %s", got, want)
	}
	if want := "[b a]"; fmt.Sprint(live) != want {
		t.Errorf("progress saw %v, want %s (done events as they came)", live, want)
	}
}

// The scheduler keeps each source within its capacity and the whole run
// within its slots, and runs every task.
func TestScheduleBounds(t *testing.T) {
	cfg := &config.Config{Sources: []*config.Source{
		{Type: "postgres", Name: "a", MaxConnections: 2},
		{Type: "sqlite", Name: "b", MaxConnections: 4}, // one writer whatever it says
		{Type: "postgres", Name: "c", MaxConnections: 8},
	}}
	e := New(cfg)
	e.Parallelism = 3
	if a, b, c := e.capacity("source.postgres.a"), e.capacity("source.sqlite.b"), e.capacity("source.postgres.c"); a != 2 || b != 1 || c != 8 {
		t.Fatalf("capacities %d, %d, %d: want 2, 1 (sqlite), 8", a, b, c)
	}
	var mu sync.Mutex
	running, peak := map[string]int{}, map[string]int{}
	total, peakTotal, ran := 0, 0, 0
	var tasks []task
	for i := 0; i < 30; i++ {
		src := []string{"source.postgres.a", "source.sqlite.b", "source.postgres.c"}[i%3]
		tasks = append(tasks, task{sources: []string{src}, run: func() error {
			mu.Lock()
			running[src]++
			total++
			peak[src] = max(peak[src], running[src])
			peakTotal = max(peakTotal, total)
			ran++
			mu.Unlock()
			time.Sleep(time.Millisecond) // lets others overlap; nothing is timed
			mu.Lock()
			running[src]--
			total--
			mu.Unlock()
			return nil
		}})
	}
	started, errs := e.schedule(context.Background(), tasks, true)
	for i := range tasks {
		if !started[i] || errs[i] != nil {
			t.Fatalf("task %d: started %v, error %v", i, started[i], errs[i])
		}
	}
	if ran != 30 {
		t.Errorf("%d tasks ran, want 30", ran)
	}
	if peak["source.postgres.a"] > 2 || peak["source.sqlite.b"] > 1 || peak["source.postgres.c"] > 3 || peakTotal > 3 {
		t.Errorf("peaks %v, overall %d: want a ≤ 2, b ≤ 1, c ≤ 3, overall ≤ 3", peak, peakTotal)
	}
}

// After a failure no further task starts (stopOnError); with one slot the
// tasks after the failed one never run.
func TestScheduleStops(t *testing.T) {
	e := New(&config.Config{Sources: []*config.Source{{Type: "postgres", Name: "a", MaxConnections: 4}}})
	e.Parallelism = 1
	var tasks []task
	for i := 0; i < 5; i++ {
		tasks = append(tasks, task{sources: []string{"source.postgres.a"}, run: func() error {
			if i == 1 {
				return errors.New("boom")
			}
			return nil
		}})
	}
	started, errs := e.schedule(context.Background(), tasks, true)
	if fmt.Sprint(started) != "[true true false false false]" {
		t.Errorf("started %v, want the first two only", started)
	}
	if errs[1] == nil || errs[0] != nil {
		t.Errorf("errors %v", errs)
	}
	// Shared slots bound two engines together.
	slots := NewSlots(1)
	e2 := New(e.cfg)
	e.Slots, e2.Slots = slots, slots
	var mu sync.Mutex
	inFlight, peak := 0, 0
	body := func() error {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil
	}
	var wg sync.WaitGroup
	for _, eng := range []*Engine{e, e2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			eng.schedule(context.Background(), []task{{run: body}, {run: body}, {run: body}}, false)
		}()
	}
	wg.Wait()
	if peak != 1 {
		t.Errorf("two engines sharing one slot ran %d tasks at once", peak)
	}
}
