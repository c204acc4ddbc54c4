// Package awssm is the aws_secretsmanager secret provider: GetSecretValue
// through the AWS SDK, with the standard credential chain, an optional
// profile, role (sts:AssumeRole) and endpoint, and bounded retries.
package awssm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/anomgen/anomgen/providers/secrets"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Settings configure the aws_secretsmanager provider: the
// anomgen { secrets "aws" { ... } } block. Empty fields leave the standard
// AWS configuration in charge (environment, shared config and credentials
// files, SSO, web identity, container and instance roles).
type Settings struct {
	// Region of Secrets Manager (default: AWS_REGION or the profile's; a
	// secret named by ARN falls back to the ARN's region).
	Region string
	// Profile is a profile of the shared AWS configuration files.
	Profile string
	// RoleARN, when set, is assumed (sts:AssumeRole) with the credentials
	// found above, and the role's credentials read the secrets.
	RoleARN string
	// Endpoint replaces the Secrets Manager endpoint (a VPC endpoint, a
	// local emulator), e.g. https://vpce-….secretsmanager.eu-west-1.vpce.amazonaws.com.
	Endpoint string
	// MaxAttempts bounds the tries of each request (default 3), MaxBackoff
	// the wait between two tries (default 2 s). Throttled and transient
	// failures are retried; a missing secret or denied access are not.
	MaxAttempts int
	MaxBackoff  time.Duration
}

// DefaultMaxAttempts and DefaultMaxBackoff bound the SDK's retries.
const (
	DefaultMaxAttempts = 3
	DefaultMaxBackoff  = 2 * time.Second
)

// Provider reads secrets from AWS Secrets Manager; it is a
// secrets.Fetcher. The AWS configuration is loaded on first use, so a run
// that needs no AWS secret never touches AWS. Safe for concurrent use.
type Provider struct {
	settings Settings

	mu      sync.Mutex
	client  *secretsmanager.Client
	region  string
	initErr error
}

// New returns a provider with settings s.
func New(s Settings) *Provider { return &Provider{settings: s} }

func (p *Provider) init(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.client != nil || p.initErr != nil {
		return p.initErr
	}
	s := p.settings
	attempts, backoff := s.MaxAttempts, s.MaxBackoff
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	if backoff <= 0 {
		backoff = DefaultMaxBackoff
	}
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				o.MaxBackoff = backoff
			})
		}),
	}
	if s.Region != "" {
		opts = append(opts, awsconfig.WithRegion(s.Region))
	}
	if s.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(s.Profile))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		p.initErr = fmt.Errorf("cannot load the AWS configuration: %v", err)
		return p.initErr
	}
	if s.RoleARN != "" {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), s.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "anomgen"
		}))
	}
	p.region = cfg.Region
	p.client = secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if s.Endpoint != "" {
			o.BaseEndpoint = aws.String(s.Endpoint)
		}
	})
	return nil
}

// Fetch returns the SecretString of secret ref.Name (its current
// version). Errors are *secrets.Error: they name the secret, never a value.
func (p *Provider) Fetch(ctx context.Context, ref secrets.Ref) (string, error) {
	if err := p.init(ctx); err != nil {
		return "", &secrets.Error{Ref: ref, Reason: err.Error(), Err: err}
	}
	region := p.region
	if region == "" {
		region = arnRegion(ref.Name)
	}
	if region == "" {
		return "", &secrets.Error{Ref: ref, Reason: `no AWS region is configured: set region in the anomgen { secrets "aws" { region = "…" } } block, or AWS_REGION in the environment, or name the secret by its ARN`}
	}
	out, err := p.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(ref.Name)}, func(o *secretsmanager.Options) {
		o.Region = region
	})
	if err != nil {
		return "", &secrets.Error{Ref: ref, Reason: explainAWS(err, region, p.settings.Endpoint), Err: err}
	}
	if out.SecretString == nil {
		if len(out.SecretBinary) > 0 {
			return "", &secrets.Error{Ref: ref, Reason: "the secret holds binary data (SecretBinary); anomgen reads text secrets (SecretString) only"}
		}
		return "", &secrets.Error{Ref: ref, Reason: "the secret has no value (no SecretString)"}
	}
	if *out.SecretString == "" {
		return "", &secrets.Error{Ref: ref, Reason: "the secret's value is empty"}
	}
	return *out.SecretString, nil
}

// explainAWS turns an SDK error into a reason: what went wrong and what to
// do. AWS error messages name resources and identities, never the value.
func explainAWS(err error, region, endpoint string) string {
	attempts := ""
	var me *retry.MaxAttemptsError
	if errors.As(err, &me) {
		attempts = fmt.Sprintf(" (%d attempts)", me.Attempt)
	}
	if cause, ok := credentialsFailure(err); ok {
		return fmt.Sprintf("no usable AWS credentials (%s). anomgen uses the standard AWS credential chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or profile in the anomgen { secrets \"aws\" { … } } block, SSO, web identity, container or instance roles", cause)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return "interrupted before AWS Secrets Manager answered" + attempts
		}
		where := "in " + region
		if endpoint != "" {
			where = "at " + endpoint
		}
		return fmt.Sprintf("cannot reach AWS Secrets Manager %s%s: %v", where, attempts, rootCause(err))
	}
	msg := ""
	if m := strings.TrimSpace(ae.ErrorMessage()); m != "" {
		msg = " (AWS says: " + m + ")"
	}
	switch ae.ErrorCode() {
	case "ResourceNotFoundException":
		return fmt.Sprintf("AWS Secrets Manager in %s has no such secret%s: check the name and the region, and that the secret is not scheduled for deletion", region, msg)
	case "AccessDeniedException":
		return fmt.Sprintf("AWS denied access%s: the identity anomgen runs as needs secretsmanager:GetSecretValue on this secret (and kms:Decrypt on its key when that is a customer-managed key)", msg)
	case "DecryptionFailure":
		return fmt.Sprintf("AWS could not decrypt the secret with its KMS key%s: the identity needs kms:Decrypt on that key", msg)
	case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch", "ExpiredTokenException", "ExpiredToken":
		return fmt.Sprintf("AWS rejected the credentials (%s)%s: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile, and renew expired session credentials", ae.ErrorCode(), msg)
	}
	if _, throttled := retry.DefaultThrottleErrorCodes[ae.ErrorCode()]; throttled {
		return fmt.Sprintf("AWS Secrets Manager throttled the request%s%s: too many requests for this account and region; try again in a moment", attempts, msg)
	}
	return fmt.Sprintf("AWS Secrets Manager refused the request with %s%s%s", ae.ErrorCode(), attempts, msg)
}

// credentialsFailure reports whether err is a failure to find or refresh
// credentials (before any request was sent), and its cause.
func credentialsFailure(err error) (string, bool) {
	var se *v4.SigningError
	msg := err.Error()
	for _, marker := range []string{"get credentials: ", "failed to retrieve credentials: "} {
		if i := strings.LastIndex(msg, marker); i >= 0 {
			return strings.TrimPrefix(msg[i+len(marker):], "failed to refresh cached credentials, "), true
		}
	}
	if errors.As(err, &se) {
		return rootCause(se).Error(), true
	}
	return "", false
}

// rootCause is the innermost error, e.g. "connection refused" rather than
// the SDK's whole operation chain.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// arnRegion returns the region of arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME.
func arnRegion(name string) string {
	parts := strings.SplitN(name, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "secretsmanager" {
		return parts[3]
	}
	return ""
}
