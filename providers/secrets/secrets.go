// Package secrets resolves the secret references of scenario files
// (secret(PROVIDER, NAME[, KEY])) to their values: from the environment, from
// a file only its owner may read, or (through a Fetcher such as
// providers/secrets/awssm) from AWS Secrets Manager.
//
// config only records references (Ref) and calls a Resolver through the
// interface; the executor resolves them, in memory, when it opens a
// connection. Values are never cached beyond one Registry (one run), and no
// error of this package contains a value: each names the secret by its
// reference instead. This package imports no SDK, so that config stays
// light; the AWS provider lives in awssm.
package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Provider names, as the first argument of secret().
const (
	Env               = "env"
	File              = "file"
	AWSSecretsManager = "aws_secretsmanager"
)

// Providers lists the provider names secret() accepts.
var Providers = []string{AWSSecretsManager, Env, File}

// Ref is a reference to a secret: secret(Provider, Name[, Key]).
type Ref struct {
	// Provider is env, file or aws_secretsmanager.
	Provider string
	// Name is the environment variable, the file path (relative to the
	// scenario folder) or the Secrets Manager secret name or ARN.
	Name string
	// Key, when set, selects a field of a secret holding a JSON object.
	Key string
}

// String is the reference as written in a scenario file. It holds no value.
func (r Ref) String() string {
	if r.Key != "" {
		return fmt.Sprintf("secret(%q, %q, %q)", r.Provider, r.Name, r.Key)
	}
	return fmt.Sprintf("secret(%q, %q)", r.Provider, r.Name)
}

// Resolver returns the value a reference stands for.
type Resolver interface {
	Resolve(ctx context.Context, ref Ref) (string, error)
}

// Error is a failed resolution. Its message names the reference and the
// reason, never a value.
type Error struct {
	Ref    Ref
	Reason string
	// Err is the underlying error, for errors.Is/As (its text is not shown:
	// Reason says what matters).
	Err error
}

func (e *Error) Error() string { return e.Ref.String() + ": " + e.Reason }
func (e *Error) Unwrap() error { return e.Err }

// Fetcher reads a raw secret by name (ref.Key is applied by the
// Registry). Errors must be *Error and hold no value.
type Fetcher interface {
	Fetch(ctx context.Context, ref Ref) (string, error)
}

// Options configure a Registry.
type Options struct {
	// Dir is the scenario folder: relative file names are read from it.
	Dir string
	// Getenv reads the environment for the env provider; nil means
	// os.Getenv.
	Getenv func(string) string
	// Fetchers are the providers besides env and file, by name: the
	// executor sets aws_secretsmanager to an awssm.Provider.
	Fetchers map[string]Fetcher

	// lookupGiven is set when Getenv was given (a test's environment):
	// then whether an empty variable is set cannot be told.
	lookupGiven bool
}

// Registry resolves references through the env, file and
// aws_secretsmanager providers. Each raw secret (provider and name) is
// fetched once per Registry and kept in memory only; make a new Registry
// for each run so that rotated secrets are read anew. It is safe for
// concurrent use.
type Registry struct {
	opt Options

	mu  sync.Mutex
	raw map[[2]string]string
}

// New returns a registry.
func New(opt Options) *Registry {
	opt.lookupGiven = opt.Getenv != nil
	if opt.Getenv == nil {
		opt.Getenv = os.Getenv
	}
	return &Registry{opt: opt, raw: map[[2]string]string{}}
}

// Resolve returns the value of ref: the raw secret, or with ref.Key the
// field Key of the JSON object the raw secret holds.
func (r *Registry) Resolve(ctx context.Context, ref Ref) (string, error) {
	raw, err := r.fetch(ctx, ref)
	if err != nil {
		return "", err
	}
	return selectKey(ref, raw)
}

func (r *Registry) fetch(ctx context.Context, ref Ref) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := [2]string{ref.Provider, ref.Name}
	if v, ok := r.raw[k]; ok {
		return v, nil
	}
	if ref.Name == "" {
		return "", &Error{Ref: ref, Reason: "the name is empty"}
	}
	var v string
	var err error
	switch ref.Provider {
	case Env:
		v, err = r.env(ref)
	case File:
		v, err = readFile(r.opt.Dir, ref)
	default:
		if f := r.opt.Fetchers[ref.Provider]; f != nil {
			v, err = f.Fetch(ctx, ref)
		} else if ref.Provider == AWSSecretsManager {
			err = &Error{Ref: ref, Reason: "the aws_secretsmanager provider is not set up in this program"}
		} else {
			err = &Error{Ref: ref, Reason: fmt.Sprintf("there is no secret provider %q; use %s", ref.Provider, strings.Join(Providers, ", "))}
		}
	}
	if err != nil {
		return "", err
	}
	r.raw[k] = v
	return v, nil
}

func (r *Registry) env(ref Ref) (string, error) {
	v := r.opt.Getenv(ref.Name)
	if v == "" {
		if r.opt.lookupGiven {
			return "", &Error{Ref: ref, Reason: fmt.Sprintf("the environment variable %s is not set (or empty) where anomgen runs", ref.Name)}
		}
		if _, set := os.LookupEnv(ref.Name); set {
			return "", &Error{Ref: ref, Reason: fmt.Sprintf("the environment variable %s is empty where anomgen runs", ref.Name)}
		}
		return "", &Error{Ref: ref, Reason: fmt.Sprintf("the environment variable %s is not set where anomgen runs", ref.Name)}
	}
	return v, nil
}

// selectKey applies ref.Key. Without a key the raw value is the secret,
// except that a Secrets Manager secret holding a JSON object (the key/value
// form of the AWS console) needs a key.
func selectKey(ref Ref, raw string) (string, error) {
	var obj map[string]json.RawMessage
	isObject := json.Unmarshal([]byte(raw), &obj) == nil && obj != nil
	if ref.Key == "" {
		if isObject && ref.Provider == AWSSecretsManager {
			names := fieldNames(obj)
			if len(names) == 0 {
				return "", &Error{Ref: ref, Reason: "the secret is an empty JSON object"}
			}
			return "", &Error{Ref: ref, Reason: fmt.Sprintf("the secret is a JSON object with the fields %s: name the one to use as the third argument, e.g. secret(%q, %q, %q)",
				quoted(names), ref.Provider, ref.Name, names[0])}
		}
		return raw, nil
	}
	if !isObject {
		return "", &Error{Ref: ref, Reason: fmt.Sprintf("a key (%q) is given, but the secret is a plain string, not a JSON object: leave out the key to use the whole secret", ref.Key)}
	}
	f, ok := obj[ref.Key]
	if !ok {
		reason := fmt.Sprintf("the secret's JSON object has no field %q", ref.Key)
		if names := fieldNames(obj); len(names) > 0 {
			reason += "; its fields are " + quoted(names)
		} else {
			reason += "; it has no fields"
		}
		return "", &Error{Ref: ref, Reason: reason}
	}
	var s string
	if json.Unmarshal(f, &s) == nil {
		return s, nil
	}
	var n json.Number
	if json.Unmarshal(f, &n) == nil {
		return n.String(), nil
	}
	var b bool
	if json.Unmarshal(f, &b) == nil {
		return strconv.FormatBool(b), nil
	}
	return "", &Error{Ref: ref, Reason: fmt.Sprintf("field %q is not a string, number or boolean", ref.Key)}
}

// fieldNames lists the field names of a JSON object, sorted. Names are not
// secret; values never appear.
func fieldNames(obj map[string]json.RawMessage) []string {
	out := make([]string, 0, len(obj))
	for k := range obj {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
