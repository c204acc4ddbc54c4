package main

// The daemon's HTTP server (-listen): /healthz, /readyz, /metrics
// (Prometheus, the observer's own registry) and a read-only status page
// at /. Everything it sends passes the app's redactor, so a secret the
// engine revealed to a driver never leaves through it.

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// observeDaemon creates the run's observer (o.observe.obs) and, with
// -listen, starts the HTTP server; stop shuts it down gracefully.
func (a *app) observeDaemon(o *daemonOptions) (stop func(), err error) {
	obs := newDaemonObserver(a.log, a.redact.redact, o.clock)
	o.observe.obs = obs
	if o.observe.listen == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", o.observe.listen)
	if err != nil {
		return nil, fmt.Errorf("-listen %s: %w (another process may listen there: pick another port, or :0 for a free one)", o.observe.listen, err)
	}
	srv := &http.Server{Handler: obs.handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	addr := ln.Addr().String()
	fmt.Fprintf(a.out, "anomgen daemon: /healthz, /readyz, /metrics and the status page on http://%s/\n", addr)
	a.log.Info("listening", "address", addr)
	if o.observe.bound != nil {
		o.observe.bound(addr)
	}
	return func() {
		obs.setStopping()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		<-served
	}, nil
}

// handler serves the observer's endpoints.
func (o *daemonObserver) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		r := o.readiness()
		if r != "ready" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, r)
	})
	mux.Handle("GET /metrics", o.redacted(promhttp.HandlerFor(o.reg, promhttp.HandlerOpts{DisableCompression: true, ErrorHandling: promhttp.ContinueOnError})))
	mux.Handle("GET /{$}", o.redacted(http.HandlerFunc(o.statusPage)))
	return mux
}

// redacted buffers h's response and sends it through the redactor.
func (o *daemonObserver) redacted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := &bufferedResponse{header: http.Header{}, code: http.StatusOK}
		h.ServeHTTP(b, r)
		for k, v := range b.header {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(b.code)
		_, _ = w.Write([]byte(o.redact(b.body.String())))
	})
}

type bufferedResponse struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) WriteHeader(code int)        { b.code = code }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }

// nextPerAnomaly and nextPerWorkspace bound the next occurrences listed.
const (
	nextPerAnomaly   = 3
	nextPerWorkspace = 10
)

type statusData struct {
	Version, Readiness string
	Started, Now       time.Time
	Uptime             time.Duration
	Workspaces         []workspaceView
}

func (o *daemonObserver) statusPage(w http.ResponseWriter, r *http.Request) {
	now := o.clock.Now().UTC()
	d := statusData{Version: version, Readiness: o.readiness(), Started: o.start.UTC(), Now: now,
		Uptime: time.Since(o.start).Round(time.Second), Workspaces: o.snapshot(now, nextPerAnomaly)}
	for i := range d.Workspaces {
		if n := d.Workspaces[i].Next; len(n) > nextPerWorkspace {
			d.Workspaces[i].Next = n[:nextPerWorkspace]
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if d.Readiness != "ready" {
		w.Header().Set("Refresh", "5")
	}
	if err := statusTemplate.Execute(w, d); err != nil {
		o.log.Error("status page", "error", o.redact(err.Error()))
	}
}

var statusTemplate = template.Must(template.New("status").Funcs(template.FuncMap{
	"ts": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"in": func(now, t time.Time) string { return t.Sub(now).Round(time.Second).String() },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="30">
<title>anomgen daemon</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
header p { color: #555; }
.readiness-ready { color: #126b12; font-weight: bold; }
.readiness-starting, .readiness-stopping { color: #9a5b00; font-weight: bold; }
section.workspace { border-top: 1px solid #ccc; margin-top: 1.5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; font-size: .9rem; }
th { background: #f4f4f4; }
td.rows { text-align: right; }
td.error { font-family: monospace; white-space: pre-wrap; max-width: 60rem; }
p.none { color: #777; }
</style>
</head>
<body>
<header id="daemon">
<h1>anomgen daemon</h1>
<p>version <span id="version">{{.Version}}</span> · <span id="readiness" class="readiness-{{.Readiness}}">{{.Readiness}}</span> · up <span id="uptime">{{.Uptime}}</span> (since <span id="started">{{ts .Started}}</span>) · daemon clock <span id="now">{{ts .Now}}</span> · <a href="/metrics">metrics</a></p>
</header>
<main id="workspaces">
{{- $now := .Now}}
{{- range .Workspaces}}
<section class="workspace" data-workspace="{{.Dir}}">
<h2><span class="workspace-dir">{{.Dir}}</span>{{if .Name}} <span class="workspace-name">({{.Name}})</span>{{end}}</h2>
<h3>Injected now</h3>
{{- if .Injected}}
<table class="injected">
<thead><tr><th>address</th><th>kind</th><th>table</th><th>rows</th><th>applied at</th><th>until</th></tr></thead>
<tbody>
{{- range .Injected}}
<tr class="injected-row" data-address="{{.Address}}"><td class="address">{{.Address}}</td><td class="kind">{{.Kind}}</td><td class="table">{{.Table}}</td><td class="rows">{{.Rows}}</td><td class="applied">{{ts .AppliedAt}}</td><td class="until">{{if .Until}}{{ts .Until}}{{else}}until rolled back{{end}}</td></tr>
{{- end}}
</tbody>
</table>
<p class="held">journal rows held: <span class="held-rows">{{.Held}}</span></p>
{{- else if .Known}}
<p class="none injected-none">Nothing is injected.</p>
{{- else if not .Scheduled}}
<p class="none injected-none">No anomaly of this workspace has a schedule block: the daemon has nothing to do here.</p>
{{- else}}
<p class="none injected-unknown">Not known yet: the workspace's first run has not read its state.</p>
{{- end}}
<h3>Next occurrences</h3>
{{- if .Next}}
<table class="next">
<thead><tr><th>address</th><th>kind</th><th>table</th><th>fires at</th><th>in</th><th>reverted at</th></tr></thead>
<tbody>
{{- range .Next}}
<tr class="next-row" data-address="{{.Address}}"><td class="address">{{.Address}}</td><td class="kind">{{.Kind}}</td><td class="table">{{.Table}}</td><td class="fire">{{ts .Fire}}</td><td class="in">{{in $now .Fire}}</td><td class="revert">{{ts .Revert}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p class="none next-none">No occurrence is scheduled.</p>
{{- end}}
<h3>Last failures</h3>
{{- if .Failures}}
<table class="failures">
<thead><tr><th>time</th><th>address</th><th>occurrence</th><th>error</th></tr></thead>
<tbody>
{{- range .Failures}}
<tr class="failure-row" data-address="{{.Address}}"><td class="time">{{ts .At}}</td><td class="address">{{if .Address}}{{.Address}}{{else}}(the workspace){{end}}</td><td class="occurrence">{{ts .Occurrence}}</td><td class="error">{{.Error}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p class="none failures-none">No failure.</p>
{{- end}}
</section>
{{- end}}
</main>
</body>
</html>
`))
