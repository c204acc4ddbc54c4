package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// measureHand runs the hand-written apply and restore scripts, one psql per
// table, parallelism at a time, and verifies the checksums afterwards.
func (b *bench) measureHand(ctx context.Context) error {
	if err := b.quiesce(ctx); err != nil {
		return err
	}
	type job struct {
		c      *customer
		t      string
		script string
	}
	var applies, restores []job
	for _, c := range b.customers {
		ap, re := b.handScripts(c)
		for _, t := range c.Tables {
			applies = append(applies, job{c, t, ap[t]})
			restores = append(restores, job{c, t, re[t]})
		}
	}
	for _, phase := range []struct {
		step, name string // the report's step; the scripts' file names
		jobs       []job
	}{{b.applyStep(), "apply", applies}, {b.rollbackStep(), "rollback", restores}} {
		b.logf("hand-written SQL: %s (psql, %d sessions at a time)", phase.name, b.opt.Parallelism)
		var mu sync.Mutex
		var rows int64
		var cpu time.Duration
		m := b.startCPU(ctx)
		start := time.Now()
		err := b.forEach(ctx, len(phase.jobs), func(ctx context.Context, i int) error {
			j := phase.jobs[i]
			name := filepath.Join(b.workdir, "hand", j.c.Name, j.t+"-"+phase.name+".sql")
			if err := writeFile(name, j.script); err != nil {
				return err
			}
			n, t, err := b.psql(ctx, j.c.DSN, name)
			if err != nil {
				return fmt.Errorf("hand-written %s of %s.%s: %w", phase.name, j.c.Name, j.t, err)
			}
			mu.Lock()
			rows += n
			cpu += t
			mu.Unlock()
			return nil
		})
		s := b.res.step(phase.step)
		s.Hand = time.Since(start).Seconds()
		s.HandRows = rows
		s.HandCPU, s.HandServerCPU = cpu.Seconds(), m.seconds(ctx)
		if err != nil {
			return err
		}
		b.logf("hand-written %s: %.2fs, %d rows", phase.name, s.Hand, rows)
		if rows <= 0 {
			return fmt.Errorf("the hand-written %s changed no row", phase.name)
		}
	}
	if a, r := b.res.step(b.applyStep()).HandRows, b.res.step(b.rollbackStep()).HandRows; a != r {
		return fmt.Errorf("the hand-written apply changed %d rows but its restore %d", a, r)
	}
	n, err := b.checksums(ctx, false, "the hand-written restore")
	b.res.ChecksumsAfterRestore = n
	if err != nil {
		return err
	}
	b.logf("every table's checksum equals the seeded one after the hand-written restore (%d tables)", n)
	return nil
}

// tagRows matches psql's command tags of row changes.
var tagRows = regexp.MustCompile(`(?m)^(?:UPDATE|DELETE|INSERT 0) (\d+)$`)

// psql runs a script file in one psql session, stopping at the first
// error, and returns the rows its UPDATE, DELETE and INSERT statements
// changed and the CPU time psql used.
func (b *bench) psql(ctx context.Context, dsn, file string) (int64, time.Duration, error) {
	cmd := exec.CommandContext(ctx, "psql", "-X", "-v", "ON_ERROR_STOP=1", "-f", file, noPassword(dsn))
	cmd.Env = append(os.Environ(), "PGPASSWORD="+b.password())
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("psql -f %s: %w\n%s", file, err, errb.String())
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	var n int64
	for _, m := range tagRows.FindAllStringSubmatch(out.String(), -1) {
		v, _ := strconv.ParseInt(m[1], 10, 64)
		n += v
	}
	return n, cpu, nil
}

// noPassword strips the password from a URL: psql and pgbench get it from
// PGPASSWORD, never on their command line.
func noPassword(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

// pgEnv is the environment for libpq tools: the connection as PG*
// variables (pgbench takes no URL), the password never on a command line.
func (b *bench) pgEnv(dsn string) ([]string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PGPASSWORD="+b.password(), "PGHOST="+u.Hostname(),
		"PGDATABASE="+strings.TrimPrefix(u.Path, "/"))
	if p := u.Port(); p != "" {
		env = append(env, "PGPORT="+p)
	}
	if u.User != nil {
		env = append(env, "PGUSER="+u.User.Username())
	}
	if m := u.Query().Get("sslmode"); m != "" {
		env = append(env, "PGSSLMODE="+m)
	}
	return env, nil
}
