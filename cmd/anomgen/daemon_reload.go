package main

// Reloading the daemon's configuration (SIGHUP, or -watch on each
// workspace's *.hcl files): the files are read again and, when they load
// without error, served from then on: the per-anomaly jobs are replaced by
// the new blocks' and the workspace runs what is due at once, through the
// planner as at any fire time: the applied occurrence of a removed block
// is destroyed (reverted), that of a changed block replaced (or, when no
// occurrence of the new block runs now, reverted, and the next fire
// applies the new block), and a new block's running occurrence applied.
// Each plan carried out is printed as plan's summary line. Files that do
// not load (or a guard that refuses them) are reported with their
// diagnostics, and the previous configuration stays in service.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/fsnotify/fsnotify"
	"github.com/go-co-op/gocron/v2"
)

// watchDebounce is how long -watch waits after the last change to a
// workspace's files before it reloads (an editor writes a file in several
// steps).
var watchDebounce = 300 * time.Millisecond

// reload reads r's files again and, when they load, serves them (see the
// top of this file). It reports whether the new files are served.
func (r *wsRunner) reload(work context.Context, s gocron.Scheduler) bool {
	if r.stopping != nil && r.stopping.Err() != nil {
		return false // stopping: no new work
	}
	if r.replicaReload != nil {
		return r.replicaReload(work, s) // a replica's (daemon_river.go)
	}
	if _, ok := r.reloadConfig(nil); !ok {
		return false
	}
	if err := r.schedule(work, s); err != nil {
		r.report(err)
	}
	r.tick(work, s)
	fmt.Fprintf(r.a.out, "anomgen daemon: reloaded %s\n", r.dir)
	r.a.log.Info("daemon reloaded", "workspace", r.dir)
	return true
}

// reloadConfig is the part of a reload the local daemon and a replica
// (daemon_river.go) share: it reads r's files again, checks them with the
// daemon's guards and then, when extra is not nil, with extra (which
// prints its own diagnostic), and, when they pass, serves them as r.cfg
// and on the status page and metrics. Files that fail are reported with
// a warning, r keeps its previous configuration, and ok is false.
func (r *wsRunner) reloadConfig(extra func(*config.Config) error) (cfg *config.Config, ok bool) {
	fmt.Fprintf(r.a.out, "anomgen daemon: reloading %s\n", r.dir)
	cfg, err := r.a.loadConfig() // prints the diagnostics, at file:line:col
	if err == nil {
		if diags := daemonGuards(cfg); diags.HasErrors() {
			_ = r.a.diagnostics(cfg.Files, diags)
			err = errors.New("the daemon refuses the new files")
		} else if extra != nil {
			err = extra(cfg)
		}
	}
	if err != nil {
		fmt.Fprintf(r.a.err, "%s %s: the reload failed (see above); the daemon keeps serving the previous files\n", r.a.paint(yellow, "Warning:"), r.dir)
		r.a.log.Warn("daemon reload failed", "workspace", r.dir, "error", err)
		return nil, false
	}
	r.cfgMu.Lock()
	r.cfg = cfg
	r.cfgMu.Unlock()
	r.o.observe.obs.workspace(r.dir, cfg) // the status page and metrics follow the new files at once
	return cfg, true
}

// startReload reloads the workspaces on SIGHUP, on the options' reload
// channel (tests) and, with -watch, when their *.hcl files change. The
// returned function stops it.
func (a *app) startReload(ctx, work context.Context, s gocron.Scheduler, runners []*wsRunner) (func(), error) {
	if len(runners) == 0 {
		return func() {}, nil
	}
	o := runners[0].o
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	var events chan fsnotify.Event
	var watchErrs chan error
	var w *fsnotify.Watcher
	byDir := map[string]*wsRunner{}
	if o.watch {
		var err error
		if w, err = fsnotify.NewWatcher(); err != nil {
			signal.Stop(hup)
			return nil, fmt.Errorf("-watch: %w", err)
		}
		for _, r := range runners {
			dir, _ := filepath.Abs(r.a.dir)
			if err := w.Add(dir); err != nil {
				signal.Stop(hup)
				_ = w.Close()
				return nil, fmt.Errorf("-watch %s: %w", r.dir, err)
			}
			byDir[dir] = r
		}
		events, watchErrs = w.Events, w.Errors
	}
	done := make(chan struct{})
	due := make(chan *wsRunner, len(runners))
	var timersMu sync.Mutex
	timers := map[*wsRunner]*time.Timer{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		all := func() {
			for _, r := range runners {
				r.reload(work, s)
			}
			if o.reloaded != nil {
				o.reloaded()
			}
		}
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-hup:
				all()
			case <-o.reload:
				all()
			case ev, ok := <-events:
				if !ok {
					events = nil
					continue
				}
				r := byDir[filepath.Dir(ev.Name)]
				if r == nil || !strings.HasSuffix(ev.Name, ".hcl") || ev.Op == fsnotify.Chmod {
					continue
				}
				timersMu.Lock()
				if t := timers[r]; t != nil {
					t.Stop()
				}
				timers[r] = time.AfterFunc(watchDebounce, func() {
					select {
					case due <- r:
					case <-done:
					}
				})
				timersMu.Unlock()
			case err, ok := <-watchErrs:
				if !ok {
					watchErrs = nil
					continue
				}
				a.log.Warn("daemon -watch", "error", err)
			case r := <-due:
				r.reload(work, s)
				if o.reloaded != nil {
					o.reloaded()
				}
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
		timersMu.Lock()
		for _, t := range timers {
			t.Stop()
		}
		timersMu.Unlock()
		wg.Wait()
		if w != nil {
			_ = w.Close()
		}
	}, nil
}
