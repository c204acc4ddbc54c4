package planner

import (
	"hash/fnv"
	"sort"
	"time"

	"github.com/anomgen/anomgen/config"
)

// maxFires bounds FiresBetween so a long outage with a short interval
// cannot make a catch-up list without end.
const maxFires = 100000

// NextFires returns the next n fire times of s strictly after after, in
// order. It is pure: no clock, no I/O.
//
//   - every: fire times are start + k·every (k ≥ 0); without start they
//     are the multiples of every since the Unix epoch (1970-01-01T00:00Z),
//     so that every = "6h" fires at 00:00, 06:00, 12:00, 18:00 UTC.
//   - cron: the expression's times read in s.Timezone (UTC when unset),
//     from start on. A local time skipped by a DST change does not fire
//     that day (robfig/cron's rule); a local time repeated when DST ends fires
//     once, at its first instant.
//   - until: no nominal fire time after it; max_runs: at most that many
//     occurrences counted from start (earlier ones count even when they
//     are before after).
//   - jitter: each fire time is delayed by a deterministic amount in
//     [0, jitter) derived from seed and the nominal fire time, so every
//     replica computes the same instant. A jittered time is what is
//     compared with after and returned.
//
// A schedule with neither every nor cron (unresolved) has no fire times.
func NextFires(s *config.Schedule, after time.Time, n int, seed string) []time.Time {
	if s == nil || n <= 0 {
		return nil
	}
	var out []time.Time
	fires(s, after.Add(-s.Jitter), seed, func(t time.Time) bool {
		if !t.After(after) {
			return true
		}
		out = append(out, t)
		sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
		return true
	}, func(nominal time.Time) bool {
		// Stop once n are held and no later nominal time can come before
		// the n-th (jitter only delays).
		return len(out) >= n && nominal.After(out[n-1])
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// FiresBetween returns the fire times t of s with from < t ≤ to, in
// order (at most 100 000): the occurrences a daemon that was down from
// from to to missed, for catch_up.
func FiresBetween(s *config.Schedule, from, to time.Time, seed string) []time.Time {
	if s == nil || !to.After(from) {
		return nil
	}
	var out []time.Time
	fires(s, from.Add(-s.Jitter), seed, func(t time.Time) bool {
		if t.After(from) && !t.After(to) {
			out = append(out, t)
		}
		return len(out) < maxFires
	}, func(nominal time.Time) bool { return nominal.After(to) })
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// fires calls emit with the jittered fire time of each nominal fire time
// strictly after from (or from start, when max_runs counts from there),
// until emit returns false, stop(nominal) is true, until or max_runs is
// reached.
func fires(s *config.Schedule, from time.Time, seed string, emit func(time.Time) bool, stop func(time.Time) bool) {
	next, first := nominalIter(s, from)
	if next == nil {
		return
	}
	run := first
	for t := next(); !t.IsZero(); t = next() {
		if !s.Until.IsZero() && t.After(s.Until) {
			return
		}
		if s.MaxRuns > 0 && run >= s.MaxRuns {
			return
		}
		run++
		if stop(t) {
			return
		}
		if !t.Before(s.Start) && !emit(t.Add(Jitter(s.Jitter, seed, t))) {
			return
		}
	}
}

// nominalIter returns an iterator over the nominal fire times after from
// and the run number (from start, 0-based) of the first one it yields.
func nominalIter(s *config.Schedule, from time.Time) (func() time.Time, int64) {
	switch {
	case s.Every > 0:
		anchor := time.Unix(0, 0).UTC()
		if !s.Start.IsZero() {
			anchor = s.Start
		}
		// The first k with anchor + k·every > from (and k ≥ 0 with a start).
		var k int64
		switch {
		case !from.Before(anchor):
			k = int64(from.Sub(anchor)/s.Every) + 1
		case s.Start.IsZero():
			k = -int64(anchor.Sub(from) / s.Every)
		}
		first := k
		if s.Start.IsZero() {
			first = 0 // max_runs needs start; nothing to count
		}
		return func() time.Time {
			t := anchor.Add(time.Duration(k) * s.Every)
			k++
			return t
		}, first
	case s.Cron != "":
		sched, err := config.ParseCron(s.Cron)
		if err != nil {
			return nil, 0
		}
		loc := s.Location()
		cur := from
		var first int64
		if !s.Start.IsZero() && (s.MaxRuns > 0 || from.Before(s.Start)) {
			// Count the runs from start (max_runs), or begin there.
			cur = s.Start.Add(-time.Nanosecond)
			if s.MaxRuns > 0 && from.After(cur) {
				c := cur
				for first < s.MaxRuns {
					t := sched.Next(c.In(loc))
					if t.IsZero() || t.After(from) {
						break
					}
					first++
					c = t
				}
				cur = c
			}
		}
		return func() time.Time {
			for {
				t := sched.Next(cur.In(loc))
				if t.IsZero() {
					return t
				}
				cur = t
				// A local time repeated when DST ends (02:30 twice in
				// Berlin) fires once, at its first instant.
				if repeatedWall(t, loc) {
					continue
				}
				return t.UTC()
			}
		}, first
	}
	return nil, 0
}

// Jitter is the deterministic delay in [0, max) of the occurrence whose
// nominal fire time is t: the same seed and t give the same delay on every
// replica and restart.
func Jitter(max time.Duration, seed string, t time.Time) time.Duration {
	if max <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(seed))
	h.Write([]byte{0})
	h.Write([]byte(t.UTC().Format(time.RFC3339Nano)))
	return time.Duration(h.Sum64() % uint64(max))
}

// repeatedWall tells whether t's local wall time in loc already happened
// shortly before t (the second pass of a time repeated when DST ends).
func repeatedWall(t time.Time, loc *time.Location) bool {
	wall := t.In(loc).Format("2006-01-02T15:04:05")
	for _, d := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if t.Add(-d).In(loc).Format("2006-01-02T15:04:05") == wall {
			return true
		}
	}
	return false
}

// PrevFire returns the latest fire time t of s with t ≤ at (ok false: none
// yet, or none within eight years before at): the occurrence that should be
// running at at, or the last one a restarted daemon missed. Pure, like
// NextFires; jitter is applied the same way.
func PrevFire(s *config.Schedule, at time.Time, seed string) (time.Time, bool) {
	if s == nil || (s.Every <= 0 && s.Cron == "") {
		return time.Time{}, false
	}
	span := s.Every + s.Jitter
	if span < time.Hour {
		span = time.Hour
	}
	const maxSpan = 8 * 366 * 24 * time.Hour
	for {
		from := at.Add(-span)
		var last time.Time
		fires(s, from.Add(-s.Jitter), seed, func(t time.Time) bool {
			if t.After(from) && !t.After(at) && t.After(last) {
				last = t
			}
			return true
		}, func(nominal time.Time) bool { return nominal.After(at) })
		if !last.IsZero() {
			return last, true
		}
		if span >= maxSpan || (!s.Start.IsZero() && at.Add(-span).Before(s.Start)) {
			return time.Time{}, false
		}
		span *= 4
	}
}
