package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/state"
)

// stateBackend returns where cfg's state lives: the local file, or the
// anomgen { backend "postgres" { ... } } database (its dsn resolved here,
// in memory only, and registered with the redactor before anything could
// print it).
func (a *app) stateBackend(ctx context.Context, cfg *config.Config) (state.Backend, error) {
	if cfg.Backend == nil {
		return state.Local{Path: a.statePath()}, nil
	}
	p, err := a.openPostgresBackend(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// openPostgresBackend connects to cfg's postgres backend.
func (a *app) openPostgresBackend(ctx context.Context, cfg *config.Config) (*state.Postgres, error) {
	b := cfg.Backend
	if err := b.DSN.Resolve(ctx, executor.NewSecrets(cfg)); err != nil {
		return nil, fmt.Errorf("backend %q (%s): dsn: %w", b.Type, b.DeclRange, err)
	}
	dsn := b.DSN.Reveal()
	a.redact.add(append([]string{dsn}, b.DSN.Sensitive()...))
	p, err := state.OpenPostgres(ctx, dsn, b.Schema, cfg.Workspace, b.DSN.Sensitive()...)
	if err != nil {
		return nil, fmt.Errorf("backend %q (%s): %w", b.Type, b.DeclRange, err)
	}
	a.redact.add(p.Secrets())
	return p, nil
}

// readState reads the working folder's state without locking it (state
// list, state show): from its backend when the scenario files declare
// one, else from .anomgen/state.json (also when there are no scenario
// files).
func (a *app) readState(ctx context.Context) (*state.State, error) {
	if files, _ := filepath.Glob(filepath.Join(a.dir, "*.hcl")); len(files) == 0 {
		return state.Load(a.statePath())
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	b, err := a.stateBackend(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return b.Load(ctx)
}

// scrub returns err with every secret the app knows replaced, for errors
// that leave the process other than through its output (River stores a
// failed job's error in the backend).
func (a *app) scrub(err error) error {
	if err == nil {
		return nil
	}
	if msg := a.redact.redact(err.Error()); msg != err.Error() {
		return errors.New(msg)
	}
	return err
}
