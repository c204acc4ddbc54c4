package awssm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/secrets"
)

// canary is a value that must never show in an error.
const canary = "Cn4ry+/=:@ value-7f3a"

// registry resolves through a registry with this provider, as the
// executor does: the registry applies the key.
func registry(s Settings) *secrets.Registry {
	return secrets.New(secrets.Options{Fetchers: map[string]secrets.Fetcher{secrets.AWSSecretsManager: New(s)}})
}

func resolve(t *testing.T, r *secrets.Registry, ref secrets.Ref) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, err := r.Resolve(ctx, ref)
	if err != nil {
		if strings.Contains(err.Error(), canary) {
			t.Fatalf("the error shows the value: %v", err)
		}
		if !strings.Contains(err.Error(), ref.String()) {
			t.Errorf("the error does not name the secret %s: %v", ref, err)
		}
		var se *secrets.Error
		if !errors.As(err, &se) {
			t.Errorf("error of type %T, want *secrets.Error", err)
		}
	}
	return v, err
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	t.Log(err)
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q lacks %q", err, p)
		}
	}
}

// fakeSecretsManager speaks the GetSecretValue operation of the Secrets
// Manager JSON protocol, and STS AssumeRole (query protocol) for role tests.
type fakeSecretsManager struct {
	t       *testing.T
	mu      sync.Mutex
	calls   map[string]int
	keyIDs  []string // access key ids that signed GetSecretValue requests
	assumed []string // roles assumed
}

func newFake(t *testing.T) (*fakeSecretsManager, *httptest.Server) {
	f := &fakeSecretsManager{t: t, calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeSecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("X-Amz-Target") == "" && strings.Contains(string(body), "Action=AssumeRole") {
		f.assumeRole(w, r, string(body))
		return
	}
	if got := r.Header.Get("X-Amz-Target"); got != "secretsmanager.GetSecretValue" {
		f.t.Errorf("X-Amz-Target %q", got)
		apiError(w, http.StatusBadRequest, "UnknownOperationException", "")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		f.t.Errorf("Content-Type %q", ct)
	}
	auth := r.Header.Get("Authorization")
	keyID := ""
	if _, after, ok := strings.Cut(auth, "Credential="); ok {
		keyID, _, _ = strings.Cut(after, "/")
	}
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || !strings.Contains(auth, "/secretsmanager/aws4_request") {
		f.t.Errorf("request not signed for secretsmanager: %q", auth)
	}
	var in struct{ SecretId string }
	if err := json.Unmarshal(body, &in); err != nil {
		f.t.Errorf("body %q: %v", body, err)
	}
	f.mu.Lock()
	f.calls[in.SecretId]++
	f.keyIDs = append(f.keyIDs, keyID)
	f.mu.Unlock()
	arn := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + in.SecretId + "-AbCdEf"
	ok := func(value string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": arn, "Name": in.SecretId, "SecretString": value,
			"VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9})
	}
	switch in.SecretId {
	case "staging/shop":
		ok(`{"username":"anomgen","password":"` + strings.ReplaceAll(canary, `"`, `\"`) + `"}`)
	case "staging/plain":
		ok(canary)
	case "staging/binary":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprintf(w, `{"ARN":%q,"Name":%q,"SecretBinary":"aGVsbG8="}`, arn, in.SecretId)
	case "staging/denied":
		apiError(w, http.StatusBadRequest, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: secretsmanager:GetSecretValue on resource: staging/denied")
	case "staging/throttled":
		apiError(w, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	default:
		apiError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	}
}

func (f *fakeSecretsManager) assumeRole(w http.ResponseWriter, r *http.Request, body string) {
	f.mu.Lock()
	f.assumed = append(f.assumed, body)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprint(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAROLEKEY</AccessKeyId>
      <SecretAccessKey>rolesecret</SecretAccessKey>
      <SessionToken>roletoken</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/reader/anomgen</Arn>
      <AssumedRoleId>AROAEXAMPLE:anomgen</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`)
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// awsEnv gives the SDK static test credentials and keeps it away from the
// machine's AWS configuration and the instance metadata service.
func awsEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "testAKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testSECRET")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_DEFAULT_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_MAX_ATTEMPTS", "")
	t.Setenv("AWS_RETRY_MODE", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_STS", "")
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "no-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestAWSSecretsManager(t *testing.T) {
	awsEnv(t)
	fake, srv := newFake(t)
	r := registry(Settings{Region: "eu-west-1", Endpoint: srv.URL, MaxAttempts: 3, MaxBackoff: time.Millisecond})
	ref := func(name, key string) secrets.Ref {
		return secrets.Ref{Provider: secrets.AWSSecretsManager, Name: name, Key: key}
	}

	if v, err := resolve(t, r, ref("staging/shop", "password")); err != nil || v != canary {
		t.Errorf("JSON secret with key: %v (value right: %v)", err, v == canary)
	}
	if v, err := resolve(t, r, ref("staging/shop", "username")); err != nil || v != "anomgen" {
		t.Errorf("JSON secret, second key: %q, %v", v, err)
	}
	if fake.calls["staging/shop"] != 1 {
		t.Errorf("staging/shop fetched %d times, want once per run", fake.calls["staging/shop"])
	}
	if v, err := resolve(t, r, ref("staging/plain", "")); err != nil || v != canary {
		t.Errorf("plain secret: %v (value right: %v)", err, v == canary)
	}
	if len(fake.keyIDs) == 0 || fake.keyIDs[0] != "testAKID" {
		t.Errorf("requests signed with %v, want the environment's testAKID", fake.keyIDs)
	}

	_, err := resolve(t, r, ref("staging/plain", "password"))
	wantErr(t, err, `a key ("password") is given`, "plain string")
	_, err = resolve(t, r, ref("staging/shop", "passwd"))
	wantErr(t, err, `no field "passwd"`, `"password", "username"`)
	_, err = resolve(t, r, ref("staging/shop", ""))
	wantErr(t, err, `JSON object with the fields "password", "username"`, `secret("aws_secretsmanager", "staging/shop", "password")`)
	_, err = resolve(t, r, ref("staging/missing", ""))
	wantErr(t, err, "has no such secret", "eu-west-1", "can't find the specified secret")
	if fake.calls["staging/missing"] != 1 {
		t.Errorf("a missing secret was asked for %d times: not found is not retried", fake.calls["staging/missing"])
	}
	_, err = resolve(t, r, ref("staging/denied", "password"))
	wantErr(t, err, "AWS denied access", "secretsmanager:GetSecretValue", "not authorized")
	start := time.Now()
	_, err = resolve(t, r, ref("staging/throttled", ""))
	wantErr(t, err, "throttled", "(3 attempts)", "Rate exceeded")
	if n := fake.calls["staging/throttled"]; n != 3 {
		t.Errorf("throttled: %d attempts, want 3", n)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("throttled: retries took %s", el)
	}
	_, err = resolve(t, r, ref("staging/binary", ""))
	wantErr(t, err, "binary data")
}

func TestAWSAssumeRole(t *testing.T) {
	awsEnv(t)
	fake, srv := newFake(t)
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
	r := registry(Settings{Region: "eu-west-1", Endpoint: srv.URL, RoleARN: "arn:aws:iam::123456789012:role/reader", MaxBackoff: time.Millisecond})
	if v, err := resolve(t, r, secrets.Ref{Provider: secrets.AWSSecretsManager, Name: "staging/plain"}); err != nil || v != canary {
		t.Fatalf("through the role: %v", err)
	}
	if len(fake.assumed) != 1 || !strings.Contains(fake.assumed[0], "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Freader") || !strings.Contains(fake.assumed[0], "RoleSessionName=anomgen") {
		t.Errorf("AssumeRole calls: %q", fake.assumed)
	}
	if len(fake.keyIDs) != 1 || fake.keyIDs[0] != "ASIAROLEKEY" {
		t.Errorf("GetSecretValue signed with %v, want the role's ASIAROLEKEY", fake.keyIDs)
	}
}

func TestAWSErrorsWithoutServer(t *testing.T) {
	awsEnv(t)
	// No region anywhere: a clear message, no request.
	r := registry(Settings{Endpoint: "http://127.0.0.1:1"})
	_, err := resolve(t, r, secrets.Ref{Provider: secrets.AWSSecretsManager, Name: "staging/shop", Key: "password"})
	wantErr(t, err, "no AWS region is configured", `anomgen { secrets "aws"`)

	// Nothing listens: unreachable, after the bounded retries.
	ln := httptest.NewServer(http.NotFoundHandler())
	url := ln.URL
	ln.Close()
	r = registry(Settings{Region: "eu-west-1", Endpoint: url, MaxAttempts: 2, MaxBackoff: time.Millisecond})
	_, err = resolve(t, r, secrets.Ref{Provider: secrets.AWSSecretsManager, Name: "staging/shop", Key: "password"})
	wantErr(t, err, "cannot reach AWS Secrets Manager at "+url, "(2 attempts)")

	// No credentials at all.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, srv := newFake(t)
	r = registry(Settings{Region: "eu-west-1", Endpoint: srv.URL, MaxAttempts: 1})
	_, err = resolve(t, r, secrets.Ref{Provider: secrets.AWSSecretsManager, Name: "staging/plain"})
	wantErr(t, err, "no usable AWS credentials", "credential chain")

	// An ARN brings its region.
	if got := arnRegion("arn:aws:secretsmanager:us-east-2:123456789012:secret:staging/shop-AbCdEf"); got != "us-east-2" {
		t.Errorf("arnRegion: %q", got)
	}
}
