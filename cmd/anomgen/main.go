// Command anomgen injects realistic anomalies into databases, with plans,
// journals and exact rollback.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := newApp(os.Stdin, os.Stdout, os.Stderr)
	// What logs without a command's logger (slog's default, the log
	// package) goes through the same redacting standard error.
	slog.SetDefault(slog.New(slog.NewTextHandler(a.err, &slog.HandlerOptions{Level: slog.LevelWarn})))
	code := a.execute(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
