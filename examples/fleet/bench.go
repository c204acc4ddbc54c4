package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// bench is one run.
type bench struct {
	opt       options
	workdir   string
	bin       string
	end       time.Time // the newest row is just before end (a UTC midnight)
	customers []*customer
	stderr    io.Writer
	res       *results
	// saved is true when the binary has fleet plan -out and fleet apply
	// -plan: apply is then measured as the reviewed flow.
	saved bool

	mu  sync.Mutex
	dbs map[string]*sql.DB
	// postmaster is the server's process id where it runs on this
	// machine, -1 where it does not, 0 before serverCPU looked.
	postmaster int
}

// step is one measured line of the report.
type step struct {
	Step string `json:"step"`
	// Anomgen and Hand are wall times in seconds (Hand 0: no counterpart).
	Anomgen float64 `json:"anomgen_seconds"`
	Hand    float64 `json:"hand_seconds,omitempty"`
	Ratio   float64 `json:"ratio,omitempty"`
	// Rows changed (plan: rows the plan will change); HandRows the
	// hand-written SQL's.
	Rows     int64 `json:"rows"`
	HandRows int64 `json:"hand_rows,omitempty"`
	// RSSKB is anomgen's peak resident set (the largest process), KB.
	RSSKB int64 `json:"anomgen_peak_rss_kb,omitempty"`
	// CPU seconds of the step (cpu.go): the client's (anomgen's, or the
	// psql sessions') and the database server's; 0 where not measured.
	AnomgenCPU       float64 `json:"anomgen_cpu_seconds,omitempty"`
	AnomgenServerCPU float64 `json:"anomgen_server_cpu_seconds,omitempty"`
	HandCPU          float64 `json:"hand_cpu_seconds,omitempty"`
	HandServerCPU    float64 `json:"hand_server_cpu_seconds,omitempty"`
	Note             string  `json:"note,omitempty"`
	// NotInTotal marks a step measured for comparison only (apply (plans
	// again) next to apply (saved plan)): the totals leave it out.
	NotInTotal bool `json:"not_in_total,omitempty"`
}

// The steps of the report. With a binary that has saved fleet plans, the
// reviewed flow: plan is fleet plan -out, "apply (saved plan)" fleet apply
// -plan, "plan -destroy" fleet plan -destroy -out and "rollback (saved
// plan)" fleet apply -plan of that (the two compared with the hand-written
// apply and restore); then, for comparison, the plain fleet apply and
// fleet rollback, which plan again ("apply (plans again)", "rollback
// (plans again)"). Without, plan, "apply (plans again)" and "rollback
// (plans again)".
const (
	stepPlan          = "plan"
	stepApplySaved    = "apply (saved plan)"
	stepPlanDestroy   = "plan -destroy"
	stepRollbackSaved = "rollback (saved plan)"
	stepApplyAgain    = "apply (plans again)"
	stepRollbackAgain = "rollback (plans again)"
	// savedPlanName and undoPlanName are the files fleet plan -out and
	// fleet plan -destroy -out write in each workspace.
	savedPlanName = "reviewed.plan"
	undoPlanName  = "undo.plan"
)

// applyStep and rollbackStep are the apply and the rollback the
// hand-written SQL is compared with.
func (b *bench) applyStep() string {
	if b.saved {
		return stepApplySaved
	}
	return stepApplyAgain
}

func (b *bench) rollbackStep() string {
	if b.saved {
		return stepRollbackSaved
	}
	return stepRollbackAgain
}

// results is what the benchmark prints.
type results struct {
	Date        string `json:"date"`
	Customers   int    `json:"customers"`
	Tables      int    `json:"tables_per_customer"`
	Rows        int    `json:"rows_per_table"`
	Days        int    `json:"days"`
	Parallelism int    `json:"parallelism"`
	CPUs        int    `json:"cpus"`
	// Mode says how anomgen ran: "fleet" (one anomgen fleet process) or
	// "per-workspace" (one anomgen -chdir DIR process per customer).
	Mode          string  `json:"mode"`
	HandFirst     bool    `json:"hand_written_first"`
	SeedSeconds   float64 `json:"seed_seconds"`
	Anomalies     int     `json:"anomalies"`
	Steps         []step  `json:"steps"`
	TablesChecked int     `json:"tables_checked"`
	// ChecksumsAfterRollback and ChecksumsAfterRestore count the tables
	// whose checksum equals the seeded one after anomgen's rollback and
	// after the hand-written restore.
	ChecksumsAfterRollback int  `json:"checksums_equal_after_rollback"`
	ChecksumsAfterRestore  int  `json:"checksums_equal_after_restore"`
	Big                    *big `json:"big,omitempty"`
}

func (r *results) step(name string) *step {
	for i := range r.Steps {
		if r.Steps[i].Step == name {
			return &r.Steps[i]
		}
	}
	r.Steps = append(r.Steps, step{Step: name})
	return &r.Steps[len(r.Steps)-1]
}

func (b *bench) logf(format string, args ...any) {
	if !b.opt.Quiet {
		fmt.Fprintf(b.stderr, "fleet: "+format+"\n", args...)
	}
}

// run is the whole benchmark. The results are returned even on failure,
// with what was measured so far.
func run(ctx context.Context, opt options, stdout, stderr io.Writer) (*results, error) {
	b := &bench{opt: opt, stderr: stderr, dbs: map[string]*sql.DB{},
		end: time.Now().UTC().Truncate(24 * time.Hour)}
	b.res = &results{Date: time.Now().UTC().Format(time.RFC3339), Customers: opt.Customers, Tables: opt.Tables,
		Rows: opt.Rows, Days: opt.Days, Parallelism: opt.Parallelism, CPUs: runtime.NumCPU(), HandFirst: opt.HandFirst}
	defer func() {
		for _, db := range b.dbs {
			db.Close()
		}
	}()
	b.workdir = opt.Workdir
	if b.workdir == "" {
		d, err := os.MkdirTemp("", "anomgen-fleet-")
		if err != nil {
			return nil, err
		}
		b.workdir = d
	}
	if err := os.MkdirAll(b.workdir, 0o755); err != nil {
		return nil, err
	}
	if !opt.Keep {
		defer b.cleanup()
	}
	if _, err := exec.LookPath("psql"); err != nil {
		return nil, fmt.Errorf("psql not found: the hand-written side runs through psql (Debian: apt-get install postgresql-client)")
	}
	if err := b.build(ctx); err != nil {
		return nil, err
	}
	if b.hasFleet(ctx) {
		b.res.Mode = "fleet"
		b.saved = b.hasSavedPlans(ctx)
	} else {
		b.res.Mode = "per-workspace"
	}
	order := []string{stepPlan, stepApplyAgain, stepRollbackAgain}
	if b.saved {
		order = []string{stepPlan, stepApplySaved, stepPlanDestroy, stepRollbackSaved, stepApplyAgain, stepRollbackAgain}
	}
	for _, st := range order {
		b.res.step(st) // the report's order, whichever side runs first
	}
	b.logf("workdir %s, anomgen %s", b.workdir, b.bin)

	start := time.Now()
	b.logf("seeding %d customers × %d tables × %d rows over %d days", opt.Customers, opt.Tables, opt.Rows, opt.Days)
	if err := b.seed(ctx); err != nil {
		return b.res, err
	}
	for _, c := range b.customers {
		if err := b.writeWorkspace(c); err != nil {
			return b.res, err
		}
		db, err := b.open(c.DSN)
		if err != nil {
			return b.res, err
		}
		if _, err := db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS hand`); err != nil {
			return b.res, err
		}
	}
	if _, err := b.checksums(ctx, true, ""); err != nil {
		return b.res, err
	}
	b.res.SeedSeconds = time.Since(start).Seconds()
	b.res.Anomalies = 3 * opt.Customers * opt.Tables
	b.res.TablesChecked = opt.Customers * opt.Tables
	b.logf("seeded in %.1fs; workspaces in %s", b.res.SeedSeconds, b.workdir)

	sides := []func(context.Context) error{b.measureAnomgen, b.measureHand}
	if opt.HandFirst {
		sides[0], sides[1] = sides[1], sides[0]
	}
	for _, side := range sides {
		if err := side(ctx); err != nil {
			return b.res, err
		}
	}
	if b.saved {
		// The hand-written apply and restore are the counterparts of both
		// applies and both rollbacks.
		for _, pair := range [][2]string{{stepApplySaved, stepApplyAgain}, {stepRollbackSaved, stepRollbackAgain}} {
			main, again := b.res.step(pair[0]), b.res.step(pair[1])
			again.Hand, again.HandRows = main.Hand, main.HandRows
		}
	}
	for _, s := range b.res.Steps {
		if s.Hand > 0 && s.Anomgen > 0 {
			b.res.step(s.Step).Ratio = s.Anomgen / s.Hand
		}
	}
	if opt.BigRows > 0 {
		if err := b.measureBig(ctx); err != nil {
			return b.res, err
		}
	}
	return b.res, nil
}

// build compiles anomgen unless -anomgen names a binary.
func (b *bench) build(ctx context.Context) error {
	if b.opt.Anomgen != "" {
		p, err := filepath.Abs(b.opt.Anomgen)
		if err != nil {
			return err
		}
		b.bin = p
		return nil
	}
	b.bin = filepath.Join(b.workdir, "anomgen")
	b.logf("building anomgen (go build ./cmd/anomgen)")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", b.bin, "github.com/anomgen/anomgen/cmd/anomgen")
	cmd.Stderr = b.stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/anomgen (run from inside the anomgen module, or pass -anomgen): %w", err)
	}
	return nil
}

func (b *bench) cleanup() {
	for _, db := range b.dbs {
		db.Close()
	}
	b.dbs = map[string]*sql.DB{}
	if admin, err := sql.Open("pgx", b.opt.DSN); err == nil {
		_ = dropCustomers(context.Background(), admin, b.opt.Prefix)
		admin.Close()
	}
	if b.opt.Workdir == "" {
		os.RemoveAll(b.workdir)
	}
}

// password is the admin DSN's password, handed to anomgen, psql and
// pgbench through the environment only.
func (b *bench) password() string {
	if u, err := url.Parse(b.opt.DSN); err == nil && u.User != nil {
		p, _ := u.User.Password()
		return p
	}
	return ""
}

// proc is one finished process.
type proc struct {
	out   string
	wall  time.Duration
	rssKB int64
	cpu   time.Duration // user + system
}

// runAnomgen runs the binary with args; the output is also saved in the
// workdir under logName.
func (b *bench) runAnomgen(ctx context.Context, logName string, args ...string) (proc, error) {
	cmd := exec.CommandContext(ctx, b.bin, args...)
	cmd.Env = append(os.Environ(), "FLEET_PG_PASSWORD="+b.password(), "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	p := proc{out: out.String(), wall: time.Since(start)}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			p.rssKB = ru.Maxrss
		}
		p.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	_ = os.WriteFile(filepath.Join(b.workdir, logName), out.Bytes(), 0o644)
	if err != nil {
		return p, fmt.Errorf("anomgen %s: %w\n%s", strings.Join(args, " "), err, tail(p.out, 40))
	}
	return p, nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// hasFleet tells whether the binary has the fleet command.
func (b *bench) hasFleet(ctx context.Context) bool {
	out, err := exec.CommandContext(ctx, b.bin, "fleet", "-h").CombinedOutput()
	return err == nil && !strings.Contains(string(out), "unknown command")
}

// measureAnomgen runs plan, apply and rollback over every workspace and
// verifies the checksums after the rollback. With saved fleet plans it
// measures the reviewed flow first (fleet plan -out, fleet apply -plan,
// fleet plan -destroy -out, fleet apply -plan of that), then, from the same
// vacuumed start, the plain fleet apply and fleet rollback, which plan
// again, for comparison (outside the totals).
func (b *bench) measureAnomgen(ctx context.Context) error {
	if err := b.quiesce(ctx); err != nil {
		return err
	}
	type run struct {
		name, cmd, log string
		extra          []string
		zeroOK         bool // plan -destroy: its table may show no rows
		notInTotal     bool
		quiesce        bool // vacuum and checkpoint first
	}
	runs := []run{
		{name: stepPlan, cmd: "plan", log: "fleet-plan.log"},
		{name: stepApplyAgain, cmd: "apply", log: "fleet-apply.log"},
		{name: stepRollbackAgain, cmd: "rollback", log: "fleet-rollback.log"},
	}
	if b.saved {
		runs = []run{
			{name: stepPlan, cmd: "plan", log: "fleet-plan.log", extra: []string{"-out", savedPlanName}},
			{name: stepApplySaved, cmd: "apply", log: "fleet-apply.log", extra: []string{"-plan", savedPlanName}},
			{name: stepPlanDestroy, cmd: "plan", log: "fleet-plan-destroy.log", extra: []string{"-destroy", "-out", undoPlanName}, zeroOK: true},
			{name: stepRollbackSaved, cmd: "apply", log: "fleet-rollback.log", extra: []string{"-plan", undoPlanName}},
			{name: stepApplyAgain, cmd: "apply", log: "fleet-apply-plans-again.log", notInTotal: true, quiesce: true},
			{name: stepRollbackAgain, cmd: "rollback", log: "fleet-rollback-plans-again.log", notInTotal: true},
		}
	}
	for _, r := range runs {
		if r.quiesce {
			if err := b.quiesce(ctx); err != nil {
				return err
			}
		}
		b.logf("anomgen %s (%s)", r.name, b.res.Mode)
		var s step
		var err error
		if b.res.Mode == "fleet" {
			s, err = b.fleetStep(ctx, r.cmd, r.log, r.extra...)
		} else {
			s, err = b.perWorkspaceStep(ctx, r.cmd)
		}
		st := b.res.step(r.name)
		st.Anomgen, st.Rows, st.RSSKB, st.NotInTotal = s.Anomgen, s.Rows, s.RSSKB, r.notInTotal
		st.AnomgenCPU, st.AnomgenServerCPU = s.AnomgenCPU, s.AnomgenServerCPU
		if err != nil {
			return err
		}
		b.logf("anomgen %s: %.2fs, %d rows, peak RSS %d KB", r.name, s.Anomgen, s.Rows, s.RSSKB)
		switch want := b.res.step(stepPlan).Rows; {
		case s.Rows <= 0 && !r.zeroOK:
			return fmt.Errorf("anomgen %s changed no row (see %s)", r.name, b.workdir)
		case s.Rows > 0 && s.Rows != want:
			return fmt.Errorf("plan counted %d rows but %s reports %d", want, r.name, s.Rows)
		}
	}
	n, err := b.checksums(ctx, false, "anomgen rollback")
	b.res.ChecksumsAfterRollback = n
	if err != nil {
		return err
	}
	b.logf("every table's checksum equals the seeded one after anomgen rollback (%d tables)", n)
	return nil
}

func (b *bench) dirs() []string {
	var d []string
	for _, c := range b.customers {
		d = append(d, c.Dir)
	}
	return d
}

// hasSavedPlans tells whether the binary has fleet plan -out and fleet
// apply -plan.
func (b *bench) hasSavedPlans(ctx context.Context) bool {
	out, err := exec.CommandContext(ctx, b.bin, "fleet", "apply", "-h").CombinedOutput()
	return err == nil && strings.Contains(string(out), "-plan NAME")
}

// fleetStep runs one `anomgen fleet` command over every workspace, with
// extra flags; its output goes to logName in the workdir.
func (b *bench) fleetStep(ctx context.Context, st, logName string, extra ...string) (step, error) {
	args := []string{"fleet", st}
	if st != "plan" {
		args = append(args, "-auto-approve")
	}
	args = append(args, extra...)
	args = append(args, "-parallelism", strconv.Itoa(b.opt.Parallelism),
		"-workspaces", strconv.Itoa(min(b.opt.Parallelism, len(b.customers))))
	args = append(args, b.dirs()...)
	m := b.startCPU(ctx)
	p, err := b.runAnomgen(ctx, logName, args...)
	s := step{Anomgen: p.wall.Seconds(), RSSKB: p.rssKB, AnomgenCPU: p.cpu.Seconds(), AnomgenServerCPU: m.seconds(ctx)}
	if err != nil {
		return s, err
	}
	rows, n, perr := parseFleetRows(p.out, b.dirs())
	if perr != nil {
		return s, fmt.Errorf("anomgen fleet %s: %w\n%s", st, perr, tail(p.out, 30))
	}
	if n != len(b.customers) {
		return s, fmt.Errorf("anomgen fleet %s reported %d customers, want %d\n%s", st, n, len(b.customers), tail(p.out, 30))
	}
	s.Rows = rows
	// apply and rollback also print a line per finished anomaly: their sum
	// must be the table's.
	if r, n := outputRows(p.out); st != "plan" && n == b.res.Anomalies && r != rows {
		return s, fmt.Errorf("anomgen fleet %s: its table says %d rows, its anomalies' lines %d", st, rows, r)
	}
	return s, nil
}

// fleetRow matches a line of the fleet's final table: the customer (its
// workspace folder), its anomaly count, rows, duration and outcome.
var fleetRow = regexp.MustCompile(`^\s*(\S+)\s+(\d+)\s+([\d,]+)\s+\S+\s+(\S+)`)

// parseFleetRows sums the rows column of anomgen fleet's final table over
// the workspaces dirs, and counts the customers found in it; a customer
// whose outcome is not ok is an error.
func parseFleetRows(out string, dirs []string) (rows int64, customers int, err error) {
	known := map[string]bool{}
	for _, d := range dirs {
		known[d], known[filepath.Base(d)] = true, true
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		m := fleetRow.FindStringSubmatch(line)
		if m == nil || !known[m[1]] || seen[m[1]] {
			continue
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(m[3], ",", ""), 10, 64)
		if err != nil {
			continue
		}
		if m[4] != "ok" {
			return 0, 0, fmt.Errorf("customer %s: outcome %s", m[1], m[4])
		}
		seen[m[1]] = true
		rows += n
	}
	if len(seen) == 0 {
		return 0, 0, fmt.Errorf("no customer line in the fleet's table")
	}
	return rows, len(seen), nil
}

// perWorkspaceStep runs one anomgen process per workspace, parallelism at
// a time (what `anomgen fleet` does in one process).
func (b *bench) perWorkspaceStep(ctx context.Context, st string) (step, error) {
	var mu sync.Mutex
	var s step
	m := b.startCPU(ctx)
	start := time.Now()
	err := b.forEach(ctx, len(b.customers), func(ctx context.Context, i int) error {
		c := b.customers[i]
		var args []string
		switch st {
		case "plan":
			args = []string{"-chdir", c.Dir, "plan", "-json"}
		case "apply":
			args = []string{"-chdir", c.Dir, "apply", "-auto-approve"}
		case "rollback":
			args = []string{"-chdir", c.Dir, "rollback", "-all", "-auto-approve"}
		}
		p, err := b.runAnomgen(ctx, c.Name+"-"+st+".log", args...)
		if err != nil {
			return err
		}
		var rows int64
		if st == "plan" {
			rows, err = planRows(p.out)
		} else if r, n := outputRows(p.out); n != 3*len(c.Tables) {
			err = fmt.Errorf("anomgen %s reported %d finished anomalies, want %d", st, n, 3*len(c.Tables))
		} else {
			rows = r
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		mu.Lock()
		defer mu.Unlock()
		s.Rows += rows
		s.RSSKB = max(s.RSSKB, p.rssKB)
		s.AnomgenCPU += p.cpu.Seconds()
		return nil
	})
	s.Anomgen = time.Since(start).Seconds()
	s.AnomgenServerCPU = m.seconds(ctx)
	return s, err
}

// planRows sums the rows of a `plan -json` view's changes.
func planRows(out string) (int64, error) {
	var v struct {
		Changes []struct {
			Actions []string `json:"actions"`
			Rows    *int64   `json:"rows"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &v); err != nil {
		return 0, fmt.Errorf("reading plan -json: %w", err)
	}
	var n int64
	for _, c := range v.Changes {
		if c.Rows != nil && (len(c.Actions) != 1 || c.Actions[0] != "no-op") {
			n += *c.Rows
		}
	}
	return n, nil
}

// doneRows matches the line apply and rollback print per finished anomaly.
var doneRows = regexp.MustCompile(`(?m)^anomaly\.\S+: done after \S+: (?:changed|restored) (\d+) rows`)

// outputRows sums the rows of every finished anomaly in an apply's or a
// rollback's output, and counts them.
func outputRows(out string) (rows int64, n int) {
	for _, m := range doneRows.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseInt(m[1], 10, 64)
		rows += v
		n++
	}
	return rows, n
}

// quiesce vacuums every table and checkpoints, so each side starts from
// the same state with no checkpoint pending.
func (b *bench) quiesce(ctx context.Context) error {
	type job struct {
		c *customer
		t string
	}
	var jobs []job
	for _, c := range b.customers {
		for _, t := range c.Tables {
			jobs = append(jobs, job{c, t})
		}
	}
	if err := b.forEach(ctx, len(jobs), func(ctx context.Context, i int) error {
		db, err := b.open(jobs[i].c.DSN)
		if err != nil {
			return err
		}
		_, err = db.ExecContext(ctx, "VACUUM public."+jobs[i].t)
		return err
	}); err != nil {
		return err
	}
	admin, err := b.open(b.opt.DSN)
	if err != nil {
		return err
	}
	_, err = admin.ExecContext(ctx, "CHECKPOINT")
	return err
}
