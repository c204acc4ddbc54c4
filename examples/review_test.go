package examples

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
)

// reviewStep is one anomgen command of the review workflow: the job it
// runs in, its arguments, and the file its standard output goes to.
type reviewStep struct {
	job    string
	args   []string
	stdout string
}

func (s reviewStep) String() string {
	line := s.job + ": anomgen " + strings.Join(s.args, " ")
	if s.stdout != "" {
		line += " > " + s.stdout
	}
	return line
}

// reviewSteps reads the anomgen commands of examples/review's workflow,
// job by job, in order. The workflow writes each on one "run:" line,
// without quotes; "> FILE" sends standard output to FILE.
func reviewSteps(t *testing.T) []reviewStep {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("review", "anomgen-review.yml"))
	if err != nil {
		t.Fatal(err)
	}
	jobRE := regexp.MustCompile(`^  ([A-Za-z0-9_-]+):\s*$`)
	runRE := regexp.MustCompile(`^\s+(?:- )?run: anomgen (.*)$`)
	var steps []reviewStep
	inJobs, job := false, ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "jobs:" {
			inJobs = true
			continue
		}
		if !inJobs {
			continue
		}
		if m := jobRE.FindStringSubmatch(line); m != nil {
			job = m[1]
			continue
		}
		m := runRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		cmd, out, _ := strings.Cut(m[1], ">")
		if strings.ContainsAny(cmd, `"'|&;$`) {
			t.Fatalf("workflow step %q: keep anomgen steps to plain arguments and one > FILE", line)
		}
		steps = append(steps, reviewStep{job: job, args: strings.Fields(cmd), stdout: strings.TrimSpace(out)})
	}
	return steps
}

// TestReviewWorkflowCommands runs the anomgen commands of the review
// workflow in order against a throwaway PostgreSQL database standing for
// staging: the pull-request job in one checkout, then the merge job in a
// fresh checkout holding only the saved plan (the artifact). Every step
// must pass.
func TestReviewWorkflowCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds anomgen and needs PostgreSQL")
	}
	steps := reviewSteps(t)
	jobs := map[string]bool{}
	for _, s := range steps {
		jobs[s.job] = true
	}
	if !jobs["review"] || !jobs["apply"] {
		t.Fatalf("the workflow's jobs review and apply hold no anomgen steps: %v", steps)
	}
	for _, want := range []string{"review: anomgen fmt -check", "review: anomgen validate", "review: anomgen plan -out plan.bin",
		"review: anomgen plan -format markdown > plan.md", "apply: anomgen show plan.bin", "apply: anomgen apply -auto-approve plan.bin"} {
		found := false
		for _, s := range steps {
			found = found || strings.HasPrefix(s.String(), want)
		}
		if !found {
			t.Errorf("the workflow lacks the step %q", want)
		}
	}

	pg := providertest.NewPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := pg.DB.ExecContext(ctx, `
CREATE TABLE public.orders (
  id         bigint PRIMARY KEY,
  email      text,
  amount     numeric(10,2) NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO public.orders
SELECT g, 'customer' || g || '@example.com', 10 + (g % 90), now() - (g * interval '29 minutes')
FROM generate_series(1, 500) g;`); err != nil {
		t.Fatal(err)
	}
	nulls := func() int {
		var n int
		if err := pg.DB.QueryRowContext(ctx, `SELECT count(*) FROM public.orders WHERE email IS NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	bin := filepath.Join(t.TempDir(), "anomgen")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/anomgen/anomgen/cmd/anomgen").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The workflow connects as a role of its own whose password is a
	// canary: it comes from the environment (the repository's secrets)
	// and must show in no output, plan file, comment or state.
	role := "review_" + strings.TrimPrefix(pg.Name, "anomgen_test_")
	password := "Cnry-" + role + "-p4ss/+=?"
	if _, err := pg.DB.ExecContext(ctx, `CREATE ROLE `+role+` LOGIN PASSWORD '`+password+`'`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = pg.DB.Exec(`REASSIGN OWNED BY ` + role + ` TO CURRENT_USER`)
		_, _ = pg.DB.Exec(`DROP OWNED BY ` + role)
		_, _ = pg.DB.Exec(`DROP ROLE IF EXISTS ` + role)
	})
	if _, err := pg.DB.ExecContext(ctx, `GRANT CONNECT, CREATE ON DATABASE `+pg.Name+` TO `+role+`; ALTER TABLE public.orders OWNER TO `+role); err != nil {
		t.Fatal(err)
	}
	port := pg.URL.Port()
	if port == "" {
		port = "5432"
	}
	env := append(os.Environ(),
		"STAGING_PG_HOST="+pg.URL.Hostname(),
		"STAGING_PG_PORT="+port,
		"STAGING_PG_DATABASE="+pg.Name,
		"STAGING_PG_USER="+role,
		"STAGING_PG_PASSWORD="+password,
		"STAGING_PG_TLS=disable",
		"NO_COLOR=1",
	)

	checkout := func() string {
		dir := t.TempDir()
		for _, name := range []string{"main.hcl", "anomalies.hcl"} {
			b, err := os.ReadFile(filepath.Join("review", name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	prDir := checkout()
	// A plain plan first: the staging stand-in is reachable.
	plain := exec.CommandContext(ctx, bin, "plan")
	plain.Dir, plain.Env = prDir, env
	if out, err := plain.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("anomaly.null_rate.email_nulls")) || bytes.Contains(out, []byte(password)) {
		t.Fatalf("anomgen plan: %v\n%s", err, out)
	}
	dirs := map[string]string{"review": prDir}
	applied, shown := false, ""
	for _, s := range steps {
		dir, ok := dirs[s.job]
		if !ok {
			// The merge job: a fresh checkout with the plan artifact.
			dir = checkout()
			dirs[s.job] = dir
			if b, err := os.ReadFile(filepath.Join(prDir, "plan.bin")); err == nil {
				if err := os.WriteFile(filepath.Join(dir, "plan.bin"), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		cmd := exec.CommandContext(ctx, bin, s.args...)
		cmd.Dir, cmd.Env = dir, env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if s.stdout != "" {
			if werr := os.WriteFile(filepath.Join(dir, s.stdout), out.Bytes(), 0o644); werr != nil {
				t.Fatal(werr)
			}
		}
		report := s.String() + "\n--- stdout ---\n" + out.String() + "--- stderr ---\n" + errb.String()
		if strings.Contains(report, password) {
			t.Errorf("the staging password shows in the output of %s", s)
		}
		if err != nil {
			t.Fatalf("workflow step failed: %v\n%s", err, report)
		}
		t.Logf("ok: %s", s)
		if s.args[0] == "plan" && !strings.Contains(out.String()+errb.String(), "anomaly.null_rate.email_nulls") && s.stdout == "" {
			t.Errorf("the plan does not name anomaly.null_rate.email_nulls\n%s", report)
		}
		if s.args[0] == "show" {
			shown = out.String()
		}
		if s.args[0] == "apply" {
			applied = true
		}
	}
	if data, err := os.ReadFile(filepath.Join(prDir, "plan.md")); err != nil || !strings.Contains(string(data), "email_nulls") {
		t.Errorf("plan.md does not name email_nulls (%v):\n%s", err, data)
	}
	for _, dir := range dirs {
		for _, name := range []string{"plan.bin", "plan.md", filepath.Join(".anomgen", "state.json")} {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && bytes.Contains(b, []byte(password)) {
				t.Errorf("%s holds the staging password", name)
			}
		}
	}
	if !applied {
		t.Fatal("the workflow's apply step did not run")
	}
	{
		n := nulls()
		if n == 0 {
			t.Errorf("apply plan.bin ran but no email is NULL")
		}
		// Exactly the rows the saved plan listed, as show printed them.
		if m := regexp.MustCompile(`anomaly\.null_rate\.email_nulls[^\n]*\n(?:[^\n]*\n)*?\s*rows\s+= ([\d,]+) of`).FindStringSubmatch(shown); m != nil {
			if want := strings.ReplaceAll(m[1], ",", ""); want != strconv.Itoa(n) {
				t.Errorf("the saved plan lists %s rows for email_nulls, apply set %d emails to NULL", want, n)
			}
		} else {
			t.Errorf("show plan.bin printed no row count for email_nulls:\n%s", shown)
		}
	}
}
