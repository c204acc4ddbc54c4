package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CPU time: where the database server runs on this machine, the benchmark
// also reads how much CPU each step cost the server and the client
// (anomgen, or the psql sessions), so that a ratio of wall times can be
// told apart from a ratio of work. Linux's /proc only; elsewhere the
// figures stay 0 and the report leaves them out.

// clockTicks is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTicks = 100

// procStat reads a process's parent, its CPU time and its reaped
// children's, from /proc/PID/stat.
func procStat(pid int) (ppid int, own, children time.Duration, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command may hold spaces
	if i < 0 {
		return 0, 0, 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 15 {
		return 0, 0, 0, false
	}
	num := func(k int) int64 { v, _ := strconv.ParseInt(f[k-3], 10, 64); return v }
	tick := func(v int64) time.Duration { return time.Duration(v) * time.Second / clockTicks }
	return int(num(4)), tick(num(14) + num(15)), tick(num(16) + num(17)), true
}

// serverCPU returns the CPU time the PostgreSQL server has used so far:
// the postmaster's, its live processes' and those it reaped (backends
// that ended, their WAL and buffer writes included). ok is false where
// the server is not a process of this machine.
func (b *bench) serverCPU(ctx context.Context) (time.Duration, bool) {
	if b.postmaster == 0 {
		admin, err := b.open(b.opt.DSN)
		if err != nil {
			return 0, false
		}
		var pid int
		if err := admin.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			return 0, false
		}
		pm, _, _, ok := procStat(pid)
		if !ok || pm <= 1 {
			b.postmaster = -1
			return 0, false
		}
		b.postmaster = pm
	}
	if b.postmaster < 0 {
		return 0, false
	}
	_, own, reaped, ok := procStat(b.postmaster)
	if !ok {
		return 0, false
	}
	total := own + reaped
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, t, _, ok := procStat(pid); ok && pp == b.postmaster {
			total += t
		}
	}
	return total, true
}

// cpuMeter measures one step's server CPU time.
type cpuMeter struct {
	b     *bench
	start time.Duration
	ok    bool
}

func (b *bench) startCPU(ctx context.Context) cpuMeter {
	t, ok := b.serverCPU(ctx)
	return cpuMeter{b: b, start: t, ok: ok}
}

// seconds is the server CPU time since the meter started (0 where it
// cannot be read).
func (m cpuMeter) seconds(ctx context.Context) float64 {
	if !m.ok {
		return 0
	}
	t, ok := m.b.serverCPU(ctx)
	if !ok {
		return 0
	}
	return (t - m.start).Seconds()
}

// cpuText renders client + server CPU seconds.
func cpuText(client, server float64) string {
	if server == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f + %.1f s", client, server)
}
