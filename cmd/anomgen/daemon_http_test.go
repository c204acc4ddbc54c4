package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/chromedp/chromedp"
	"github.com/jonboulle/clockwork"
)

// The daemon's observability (-listen, -log-format json): tests run the
// daemon in-process with a fake clock, let an occurrence apply, then read
// its endpoints over HTTP and its status page in a real headless Chromium.

// statusScenario writes a workspace whose postgres source takes its DSN
// from the environment variable dsnVar (env()), with the daemon test's
// schedule: every 6h from 04:00, each occurrence lasting 2h.
func statusScenario(t *testing.T, name, dsnVar string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", fmt.Sprintf(`anomgen {
  workspace = %q
}

source "postgres" "shop" {
  dsn          = env(%q)
  allow_writes = true
  daemon       = true
}

target "orders" {
  source      = source.postgres.shop
  table       = "orders"
  time_column = "created_at"
}
`, name, dsnVar))
	writeFile(t, dir, "anomalies.hcl", "anomaly \"null_rate\" \"hourly\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n  seed   = 7\n  window {\n    last = \"2h\"\n  }\n  schedule {\n    every    = \"6h\"\n    duration = \"2h\"\n    start    = \"2026-01-01T04:00:00Z\"\n  }\n}\n")
	return dir
}

// seedOrders creates the fixtures' orders table in a PostgreSQL database.
func seedOrders(t *testing.T, p *providertest.Postgres) {
	t.Helper()
	execSQL(t, p.DB,
		`CREATE TABLE orders (id bigint PRIMARY KEY, email text, amount numeric(10,2), created_at timestamptz NOT NULL, note text NOT NULL)`,
		fmt.Sprintf(`INSERT INTO orders SELECT i, CASE WHEN i %% 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
		   (i %% 97) + 0.25, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', 'n' || i
		 FROM generate_series(1, %d) i`, ordersRows),
	)
}

// runningDaemon is a daemon started in-process with -listen 127.0.0.1:0.
type runningDaemon struct {
	base string // http://127.0.0.1:PORT
	stop context.CancelFunc
	// done is closed when the daemon returned, with its result in res.
	done chan struct{}
	res  result
}

func startListeningDaemon(t *testing.T, clock clockwork.Clock, args ...string) *runningDaemon {
	t.Helper()
	bound := make(chan string, 1)
	daemonHook = func(o *daemonOptions) {
		o.clock = clock
		o.stopTimeout = 5 * time.Second
		o.observe.bound = func(addr string) { bound <- addr }
	}
	t.Cleanup(func() { daemonHook = nil })
	ctx, stop := context.WithCancel(context.Background())
	d := &runningDaemon{stop: stop, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		var out, errb strings.Builder
		code := run(ctx, args, strings.NewReader(""), &out, &errb)
		d.res = result{args: args, code: code, stdout: out.String(), stderr: errb.String()}
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-d.done:
		case <-time.After(30 * time.Second):
		}
	})
	select {
	case addr := <-bound:
		d.base = "http://" + addr
	case <-d.done:
		t.Fatalf("the daemon ended before listening:\n%s", d.res)
	case <-time.After(60 * time.Second):
		t.Fatal("the daemon did not listen within a minute")
	}
	return d
}

func httpGet(t *testing.T, u string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp.StatusCode, string(b)
}

// waitReady polls /readyz until it answers 200.
func (d *runningDaemon) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := httpGet(t, d.base+"/readyz")
		if code == http.StatusOK {
			if strings.TrimSpace(body) != "ready" {
				t.Fatalf("/readyz 200 says %q", body)
			}
			return
		}
		if code != http.StatusServiceUnavailable {
			t.Fatalf("/readyz: %d %s", code, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d after a minute: %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// metricValue finds the sample of name whose labels are exactly labels
// in a Prometheus text exposition; ok is false when there is none.
func metricValue(t *testing.T, exposition, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	for _, line := range strings.Split(exposition, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		series, val := line[:sp], line[sp+1:]
		metric, lbls, _ := strings.Cut(series, "{")
		if metric != name {
			continue
		}
		got := map[string]string{}
		lbls = strings.TrimSuffix(lbls, "}")
		for lbls != "" {
			k, rest, _ := strings.Cut(lbls, "=")
			v, err := strconv.QuotedPrefix(rest)
			if err != nil {
				t.Fatalf("metric line %q: %v", line, err)
			}
			got[k], _ = strconv.Unquote(v)
			lbls = strings.TrimPrefix(rest[len(v):], ",")
		}
		if len(got) != len(labels) {
			continue
		}
		match := true
		for k, v := range labels {
			match = match && got[k] == v
		}
		if match {
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", line, err)
			}
			return f, true
		}
	}
	return 0, false
}

// chromiumPath is the browser the status page is checked in:
// ANOMGEN_TEST_CHROMIUM, else /usr/bin/chromium. Missing, the browser
// checks skip, or fail where servers are required (CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("ANOMGEN_TEST_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("ANOMGEN_TEST_REQUIRE_SERVERS") == "1" {
			t.Fatalf("Chromium is required for the status page test (ANOMGEN_TEST_REQUIRE_SERVERS=1) but %s is missing: %v (test.sh installs it with apt-get in CI)", p, err)
		}
		t.Skipf("no Chromium at %s (set ANOMGEN_TEST_CHROMIUM, or apt-get install chromium)", p)
	}
	return p
}

// browser starts a headless Chromium with a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	profile, err := os.MkdirTemp("", "anomgen-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for the browser to exit
		_ = os.RemoveAll(profile)
	})
	// The first run starts the browser and binds it to ctx (no timeout
	// there: it would end the browser); actions get their own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// TestDaemonStatusPage runs the daemon with -listen on two workspaces:
// one whose occurrence applies, one whose database does not exist (every
// run fails). Both sources take their DSN, with a canary password, from
// env(). It checks /healthz, /readyz, the metrics against the journal,
// and the status page as Chromium renders it; the canary appears in
// neither.
func TestDaemonStatusPage(t *testing.T) {
	p := providertest.NewPostgres(t)
	seedOrders(t, p)
	canary := "Canary" + randHex() + "Pw"
	good := *p.URL
	good.User = url.UserPassword(p.URL.User.Username(), canary)
	bad := good
	bad.Path = "/anomgen_no_such_db_" + randHex()
	t.Setenv("ANOMGEN_TEST_STATUS_DSN", good.String())
	t.Setenv("ANOMGEN_TEST_STATUS_BAD_DSN", bad.String())
	ok := statusScenario(t, "customer-a", "ANOMGEN_TEST_STATUS_DSN")
	failing := statusScenario(t, "customer-b", "ANOMGEN_TEST_STATUS_BAD_DSN")

	// One minute after the first fire time: the initial reconcile applies
	// the occurrence of 04:00 (reverted at 06:00); the next fires at 10:00.
	clock := clockwork.NewFakeClockAt(daemonStart.Add(time.Minute))
	d := startListeningDaemon(t, clock, "-chdir", ok, "-log-format", "json", "daemon", "-listen", "127.0.0.1:0", ok, failing)

	if code, body := httpGet(t, d.base+"/healthz"); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	d.waitReady(t)

	// What the occurrence changed, read from the database: its journal.
	a := daemonStateOf(t, ok, daemonAddr)
	if a == nil || a.Status != "" || !a.AppliedAt.Equal(daemonStart) {
		t.Fatalf("the occurrence of %s is not applied: %+v", daemonStart, a)
	}
	id := pgCatalog(t, p.DB)[daemonAddr]
	if id == "" {
		t.Fatal("no journal in the catalog")
	}
	journalRows := queryInt(t, p.DB, "SELECT COUNT(*) FROM anomgen.j_"+id)
	if journalRows == 0 {
		t.Fatal("the journal is empty")
	}

	code, metrics := httpGet(t, d.base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d\n%s", code, metrics)
	}
	okLabels := map[string]string{"workspace": ok, "address": daemonAddr}
	want := func(name string, labels map[string]string) float64 {
		t.Helper()
		v, found := metricValue(t, metrics, name, labels)
		if !found {
			t.Fatalf("/metrics has no %s%v:\n%s", name, labels, metrics)
		}
		return v
	}
	if v := want("anomgen_daemon_occurrences_fired_total", okLabels); v != 1 {
		t.Errorf("fired = %v, want 1", v)
	}
	if v := want("anomgen_daemon_rows_changed_total", map[string]string{"workspace": ok, "address": daemonAddr, "action": "apply"}); v != float64(journalRows) {
		t.Errorf("rows changed = %v, the journal holds %d rows", v, journalRows)
	}
	if v := want("anomgen_daemon_journal_rows_held", map[string]string{"workspace": ok}); v != float64(journalRows) {
		t.Errorf("journal rows held = %v, the journal holds %d rows", v, journalRows)
	}
	next := want("anomgen_daemon_next_occurrence_seconds", okLabels)
	if wantNext := daemonStart.Add(6 * time.Hour).Sub(clock.Now()).Seconds(); next <= 0 || next != wantNext {
		t.Errorf("seconds to the next occurrence = %v, want %v", next, wantNext)
	}
	if v := want("anomgen_daemon_occurrences_reverted_total", okLabels); v != 0 {
		t.Errorf("reverted = %v before any revert", v)
	}
	if v := want("anomgen_daemon_occurrences_skipped_total", okLabels); v != 0 {
		t.Errorf("skipped = %v, nothing was skipped", v)
	}
	if v := want("anomgen_daemon_occurrences_failed_total", map[string]string{"workspace": failing, "address": ""}); v < 1 {
		t.Errorf("the failing workspace's failures = %v", v)
	}
	if v := want("anomgen_daemon_ready", map[string]string{}); v != 1 {
		t.Errorf("anomgen_daemon_ready = %v", v)
	}
	if _, found := metricValue(t, metrics, "go_goroutines", map[string]string{}); !found {
		t.Error("/metrics has no Go collector (go_goroutines)")
	}
	if strings.Contains(metrics, canary) {
		t.Fatal("/metrics shows the canary password")
	}

	t.Run("chromium", func(t *testing.T) {
		browserCtx := browser(t)
		ctx, cancel := context.WithTimeout(browserCtx, 60*time.Second)
		defer cancel()
		wsOK := `section.workspace[data-workspace="` + ok + `"] `
		wsBad := `section.workspace[data-workspace="` + failing + `"] `
		if err := chromedp.Do(ctx, chromedp.Navigate(d.base+"/"), chromedp.WaitVisible(chromedp.ID("workspaces"))); err != nil {
			t.Fatalf("chromium: loading the status page: %v", err)
		}
		text := func(sel string) string {
			t.Helper()
			s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
			if err != nil {
				t.Fatalf("chromium: the text of %s: %v", sel, err)
			}
			return strings.TrimSpace(s)
		}
		count := func(sel string) int {
			t.Helper()
			nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(sel), chromedp.AtLeast(0)))
			if err != nil {
				t.Fatalf("chromium: %s: %v", sel, err)
			}
			return len(nodes)
		}
		readiness, pageText := text("#readiness"), text("body")
		html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
		injected, nextRows, failures := count(wsOK+"tr.injected-row"), count(wsOK+"tr.next-row"), count(wsBad+"tr.failure-row")
		if readiness != "ready" {
			t.Errorf("the page says %q, want ready", readiness)
		}
		if injected != 1 || nextRows == 0 || failures == 0 {
			t.Fatalf("rows on the page: %d injected (want 1), %d next, %d failures of the failing workspace:\n%s", injected, nextRows, failures, pageText)
		}
		row := wsOK + "tr.injected-row "
		for sel, want := range map[string]string{
			row + "td.address": daemonAddr,
			row + "td.kind":    "null_rate",
			row + "td.table":   "orders",
			row + "td.rows":    strconv.FormatInt(journalRows, 10),
			row + "td.applied": "2026-01-01 04:00:00Z",
			row + "td.until":   "2026-01-01 06:00:00Z",
			// The first next occurrence: 10:00, reverted at 12:00.
			wsOK + "tr.next-row td.address":     daemonAddr,
			wsOK + "tr.next-row td.fire":        "2026-01-01 10:00:00Z",
			wsOK + "tr.next-row td.revert":      "2026-01-01 12:00:00Z",
			wsBad + "tr.failure-row td.address": "(the workspace)",
			wsBad + ".injected-unknown":         "Not known yet: the workspace's first run has not read its state.",
		} {
			if got := text(sel); got != want {
				t.Errorf("%s: %q, want %q", sel, got, want)
			}
		}
		if msg := text(wsBad + "tr.failure-row td.error"); !strings.Contains(msg, "anomgen_no_such_db_") {
			t.Errorf("the failure says %q; want the connection failure naming the missing database", msg)
		}
		if strings.Contains(pageText, canary) || strings.Contains(html, canary) {
			t.Fatal("the status page shows the canary password")
		}
	})

	// SIGTERM (the context): the daemon stops and its server with it.
	d.stop()
	select {
	case <-d.done:
		r := d.res
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s", r.code, r)
		}
		if strings.Contains(r.stdout+r.stderr, canary) {
			t.Fatal("the daemon's output shows the canary password")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the daemon did not stop")
	}
	if _, err := (&http.Client{Timeout: 5 * time.Second}).Get(d.base + "/healthz"); err == nil {
		t.Error("the HTTP server still answers after the daemon stopped")
	}
}

// TestDaemonJSONLog: with -log-format json every line the daemon logs is
// a JSON object, and each applied, reverted or skipped occurrence is one
// line with its workspace, address, occurrence and rows.
func TestDaemonJSONLog(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenario(t, f, true)
	clock := clockwork.NewFakeClockAt(daemonStart)
	useDaemonClock(t, clock)
	lines := func(r result) []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
			if l == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("a log line is not JSON: %q: %v\n%s", l, err, r)
			}
			out = append(out, m)
		}
		return out
	}
	find := func(ls []map[string]any, msg string) map[string]any {
		t.Helper()
		var found map[string]any
		for _, m := range ls {
			if m["msg"] == msg {
				if found != nil {
					t.Fatalf("two %q lines", msg)
				}
				found = m
			}
		}
		if found == nil {
			t.Fatalf("no %q line in %v", msg, ls)
		}
		return found
	}
	r := mustOK(t, cli(t, dir, "-log-format", "json", "daemon", "-once"))
	a := daemonState(t, dir)
	if a == nil || a.Rows == 0 {
		t.Fatalf("not applied: %+v\n%s", a, r)
	}
	applied := find(lines(r), "occurrence applied")
	for k, want := range map[string]any{"workspace": dir, "address": daemonAddr, "occurrence": "2026-01-01T04:00:00Z", "rows": float64(a.Rows), "level": "INFO", "action": "create"} {
		if applied[k] != want {
			t.Errorf("applied line: %s = %v (%T), want %v", k, applied[k], applied[k], want)
		}
	}
	if d, ok := applied["duration"].(float64); !ok || d < 0 {
		t.Errorf("applied line: duration = %v", applied["duration"])
	}
	clock.Advance(2 * time.Hour)
	r = mustOK(t, cli(t, dir, "-log-format", "json", "daemon", "-once"))
	reverted := find(lines(r), "occurrence reverted")
	for k, want := range map[string]any{"workspace": dir, "address": daemonAddr, "occurrence": "2026-01-01T04:00:00Z", "rows": float64(a.Rows), "action": "expire"} {
		if reverted[k] != want {
			t.Errorf("reverted line: %s = %v, want %v", k, reverted[k], want)
		}
	}
	// The occurrence of 10:00 ran its course (until 12:00) while no
	// daemon ran: skipped, one line saying why.
	clock.Advance(daemonStart.Add(8*time.Hour + time.Minute).Sub(clock.Now()))
	r = mustOK(t, cli(t, dir, "-log-format", "json", "daemon", "-once"))
	skipped := find(lines(r), "occurrence skipped")
	for k, want := range map[string]any{"workspace": dir, "address": daemonAddr, "occurrence": "2026-01-01T10:00:00Z", "action": "skip", "rows": float64(0), "duration": float64(0), "reason": "missed while the daemon was not running"} {
		if skipped[k] != want {
			t.Errorf("skipped line: %s = %v, want %v", k, skipped[k], want)
		}
	}
}

// TestDaemonObserverHandler checks the server's answers without a
// database: /readyz through starting, ready and stopping, and a failure
// whose text holds a revealed secret shown redacted on the page.
func TestDaemonObserverHandler(t *testing.T) {
	rd := &redactor{}
	canary := "Canary" + randHex() + "Pw"
	rd.add([]string{canary})
	clock := clockwork.NewFakeClockAt(daemonStart)
	o := newDaemonObserver(slog.New(slog.NewTextHandler(io.Discard, nil)), rd.redact, clock)
	o.workspace("ws-a", nil)
	srv := httptest.NewServer(o.handler())
	defer srv.Close()
	readyz := func() (int, string) {
		code, body := httpGet(t, srv.URL+"/readyz")
		return code, strings.TrimSpace(body)
	}
	if code, body := readyz(); code != http.StatusServiceUnavailable || body != "starting" {
		t.Errorf("before ready: /readyz %d %q, want 503 starting", code, body)
	}
	o.setReady()
	if code, body := readyz(); code != http.StatusOK || body != "ready" {
		t.Errorf("ready: /readyz %d %q, want 200 ready", code, body)
	}
	o.runFailed("ws-a", fmt.Errorf("dial postgres://u:%s@db.example:5432/shop: connection refused", canary))
	code, page := httpGet(t, srv.URL+"/")
	if code != http.StatusOK || strings.Contains(page, canary) || !strings.Contains(page, "postgres://u:(sensitive)@db.example:5432/shop") {
		t.Errorf("status page %d: the failure is not shown redacted:\n%s", code, page)
	}
	_, metrics := httpGet(t, srv.URL+"/metrics")
	if v, ok := metricValue(t, metrics, "anomgen_daemon_occurrences_failed_total", map[string]string{"workspace": "ws-a", "address": ""}); !ok || v != 1 {
		t.Errorf("failed_total = %v (found %v)", v, ok)
	}
	// The same error again (a run's error wrapping one already counted)
	// is not counted twice.
	first := fmt.Errorf("occurrence failed")
	o.runFailed("ws-a", first)
	o.runFailed("ws-a", fmt.Errorf("run: %w", first))
	_, metrics = httpGet(t, srv.URL+"/metrics")
	if v, _ := metricValue(t, metrics, "anomgen_daemon_occurrences_failed_total", map[string]string{"workspace": "ws-a", "address": ""}); v != 2 {
		t.Errorf("failed_total = %v after a wrapped repeat, want 2", v)
	}
	if code, _ := httpGet(t, srv.URL+"/nothing-here"); code != http.StatusNotFound {
		t.Errorf("/nothing-here: %d, want 404", code)
	}
	o.setStopping()
	if code, body := readyz(); code != http.StatusServiceUnavailable || body != "stopping" {
		t.Errorf("stopping: /readyz %d %q, want 503 stopping", code, body)
	}
	if code, body := httpGet(t, srv.URL+"/healthz"); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz while stopping: %d %q", code, body)
	}
}

// TestDaemonFailureCountedOnce (SQLite): an occurrence refused by the
// daemon's -max-rows is one failure of its address, in the metrics and on
// the status page, and not a second one of the whole workspace when the
// run reports its error.
func TestDaemonFailureCountedOnce(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenario(t, f, true)
	orig := f.checksum(t)
	clock := clockwork.NewFakeClockAt(daemonStart.Add(time.Minute))
	d := startListeningDaemon(t, clock, "-chdir", dir, "-log-format", "json", "daemon", "-max-rows", "1", "-listen", "127.0.0.1:0")
	d.waitReady(t)
	if f.checksum(t) != orig {
		t.Fatal("the refused occurrence changed the table")
	}
	_, metrics := httpGet(t, d.base+"/metrics")
	if v, ok := metricValue(t, metrics, "anomgen_daemon_occurrences_failed_total", map[string]string{"workspace": dir, "address": daemonAddr}); !ok || v != 1 {
		t.Errorf("failed_total{address=%s} = %v (found %v), want 1:\n%s", daemonAddr, v, ok, metrics)
	}
	if v, ok := metricValue(t, metrics, "anomgen_daemon_occurrences_failed_total", map[string]string{"workspace": dir, "address": ""}); ok {
		t.Errorf("the run's error was counted again as a workspace failure (%v)", v)
	}
	if v, _ := metricValue(t, metrics, "anomgen_daemon_occurrences_fired_total", map[string]string{"workspace": dir, "address": daemonAddr}); v != 0 {
		t.Errorf("a refused occurrence was counted as fired (%v)", v)
	}
	_, page := httpGet(t, d.base+"/")
	if n := strings.Count(page, `<tr class="failure-row" data-address="`+daemonAddr+`">`); n != 1 {
		t.Errorf("%d failure rows for %s on the status page, want 1:\n%s", n, daemonAddr, page)
	}
	if !strings.Contains(page, "max-rows") && !strings.Contains(page, "max_rows") {
		t.Errorf("the failure does not say which limit refused it:\n%s", page)
	}
	// The log has one JSON line for the failed occurrence.
	d.stop()
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the daemon did not stop")
	}
	var failedLines []map[string]any
	for _, l := range strings.Split(d.res.stderr, "\n") {
		if !strings.HasPrefix(l, "{") {
			continue // the error, printed once as text too
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("a log line is not JSON: %q: %v", l, err)
		}
		if m["msg"] == "occurrence failed" {
			failedLines = append(failedLines, m)
		}
	}
	if len(failedLines) != 1 {
		t.Fatalf("%d 'occurrence failed' lines, want 1:\n%s", len(failedLines), d.res)
	}
	m := failedLines[0]
	if m["level"] != "ERROR" || m["workspace"] != dir || m["address"] != daemonAddr || m["occurrence"] != "2026-01-01T04:00:00Z" || m["rows"] != float64(0) {
		t.Errorf("the failure's log line: %v", m)
	}
	if e, _ := m["error"].(string); !strings.Contains(e, "max") {
		t.Errorf("the failure's log line does not say why: %v", m)
	}
}

// TestObserverReloadWhileRunReports: a reload replaces a workspace's
// scheduled anomalies (workspace) while a run of the configuration
// before still reports applied occurrences from the executor's workers
// (done). Every read of the scheduled list takes the observer's lock:
// under -race, an unlocked one (as done's table lookup was) is reported.
func TestObserverReloadWhileRunReports(t *testing.T) {
	sched := func(every string) *config.Config {
		return viewLoad(t, `
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.1
  window {
    last = "2h"
  }
  schedule {
    every    = "`+every+`"
    duration = "1h"
  }
}
`)
	}
	a, b := sched("2h"), sched("3h")
	o := newDaemonObserver(slog.New(slog.NewTextHandler(io.Discard, nil)), func(s string) string { return s }, clockwork.NewFakeClockAt(daemonStart))
	o.workspace("ws", a)
	r := &observedRun{o: o, w: o.byDir["ws"], failedAddrs: map[string]bool{}}
	const addr = "anomaly.null_rate.email_nulls"
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			o.workspace("ws", []*config.Config{a, b}[i%2]) // reloads
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			r.done(executor.Event{Kind: executor.EventDone, Action: planner.Create, Address: addr, Rows: 1})
		}
	}()
	wg.Wait()
	v := o.snapshot(daemonStart, 1)
	if len(v) != 1 || len(v[0].Injected) != 1 || v[0].Injected[0].Table != "public.orders" || v[0].Injected[0].Kind != "null_rate" {
		t.Errorf("snapshot after the runs: %+v, want %s applied on public.orders", v, addr)
	}
}
