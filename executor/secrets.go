package executor

import (
	"context"
	"errors"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/secrets"
	"github.com/anomgen/anomgen/providers/secrets/awssm"
)

// NewSecrets returns a registry of the secret providers configured by the
// scenario files' anomgen block: one per run, so that each run reads the
// secrets anew and keeps them in memory only.
func NewSecrets(cfg *config.Config) *secrets.Registry {
	var aws awssm.Settings
	if a := cfg.AWSSecrets; a != nil {
		aws = awssm.Settings{Region: a.Region, Profile: a.Profile, RoleARN: a.RoleARN, Endpoint: a.Endpoint}
	}
	return secrets.New(secrets.Options{Dir: cfg.Dir, Fetchers: map[string]secrets.Fetcher{secrets.AWSSecretsManager: awssm.New(aws)}})
}

// SecretError is a secret of a source that could not be resolved; its
// message names the source, the attribute and the reference, never a value.
type SecretError struct {
	Source string
	Err    error
}

func (e *SecretError) Error() string { return e.Err.Error() }
func (e *SecretError) Unwrap() error { return e.Err }

// settings resolves the secrets of src (when it has secret() references)
// and returns its provider settings, telling Revealed the secret values.
func (e *Engine) settings(ctx context.Context, src *config.Source) (providers.Settings, error) {
	r := e.Secrets
	if r == nil {
		r = NewSecrets(e.cfg)
		e.Secrets = r
	}
	if err := src.ResolveSecrets(ctx, r); err != nil {
		var se *secrets.Error
		if !errors.As(err, &se) {
			// Only *secrets.Error is known to hold no value; anything else
			// from a Resolver is reduced to where it happened.
			err = errors.New(src.Addr() + ": a secret could not be resolved")
		}
		return providers.Settings{}, &SecretError{Source: src.Addr(), Err: err}
	}
	s := Settings(src, e.cfg.Dir)
	if e.Revealed != nil {
		e.Revealed(s.SecretValues())
	}
	return s, nil
}

// Scrub removes from err every secret of every source of the scenario
// files that this process has revealed.
func (e *Engine) Scrub(err error) error {
	for _, src := range e.cfg.Sources {
		err = providers.Scrub(err, Settings(src, e.cfg.Dir))
	}
	return err
}
