package providers_test

import (
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestClassifyShared(t *testing.T) {
	for _, tc := range []struct {
		err   error
		class providers.Class
		want  string
	}{
		{driver.ErrBadConn, providers.ClassConnLost, "connection lost"},
		{sql.ErrConnDone, providers.ClassConnLost, "connection lost"},
		{fmt.Errorf("commit: %w", io.EOF), providers.ClassConnLost, "connection lost"},
		{io.ErrUnexpectedEOF, providers.ClassConnLost, "connection lost"},
		{fmt.Errorf("read tcp 127.0.0.1:5432: %w", syscall.ECONNRESET), providers.ClassConnLost, "connection lost"},
		{errors.New("write: connection reset by peer"), providers.ClassConnLost, "Check that the server is up"},
		{context.DeadlineExceeded, providers.ClassOther, "did not finish in time"},
		{errors.New("syntax error\nat line 2"), providers.ClassOther, "syntax error"},
	} {
		got := providers.Classify(tc.err)
		var pe *providers.Error
		if !errors.As(got, &pe) {
			t.Fatalf("Classify(%v) = %T, want *providers.Error", tc.err, got)
		}
		if pe.Class != tc.class || !strings.Contains(got.Error(), tc.want) {
			t.Errorf("Classify(%v) = %s %q, want %s containing %q", tc.err, pe.Class, got, tc.class, tc.want)
		}
		if !errors.Is(got, tc.err) {
			t.Errorf("Classify(%v) does not wrap the original error", tc.err)
		}
		if strings.Contains(got.Error(), "\n") {
			t.Errorf("Classify(%v) has several lines: %q", tc.err, got)
		}
	}
	if providers.Classify(nil) != nil {
		t.Errorf("Classify(nil) is not nil")
	}
	ce := &providers.ConnectError{Class: providers.ClassAuth, Source: "s", Detail: "d"}
	if got := providers.Classify(ce); got != error(ce) {
		t.Errorf("a ConnectError must be returned as is, got %v", got)
	}
}

// TestWithStatement: where the database names only the object (PostgreSQL
// does), the statement that failed decides the privilege.
func TestWithStatement(t *testing.T) {
	for _, tc := range []struct {
		object, stmt, want string
	}{
		{"table orders", `UPDATE "public"."orders" AS t SET "email" = j."anomgen_after" FROM "anomgen"."j_1" AS j WHERE t."id" = j."id"`, "permission denied: UPDATE on orders"},
		{"table orders", `DELETE FROM "public"."orders" AS t USING "anomgen"."j_1" AS j WHERE t."id" = j."id"`, "permission denied: DELETE on orders"},
		{"table orders", "DELETE t FROM `shop`.`orders` AS t JOIN `j`.`j_1` AS j ON t.`id` = j.`id`", "permission denied: DELETE on orders"},
		{"table orders", `INSERT INTO "public"."orders" ("id") SELECT j."id" FROM "anomgen"."j_1" j`, "permission denied: INSERT on orders"},
		// The journal insert reads the table: SELECT is what is missing.
		{"table orders", `INSERT INTO "anomgen"."j_1" ("id") SELECT t."id" FROM "public"."orders" t WHERE true`, "permission denied: SELECT on orders"},
		{"table orders", `CREATE TABLE "anomgen"."j_1" AS SELECT t."id" FROM "public"."orders" t WHERE 1 = 0`, "permission denied: SELECT on orders"},
		// PostgreSQL's batch: one statement of data-modifying CTEs, whose
		// parts read the table, write it and insert into the journal.
		{"table orders", `WITH j AS (SELECT t.tableoid AS "anomgen_rel", t.ctid AS "anomgen_tid", t."id" FROM "public"."orders" t WHERE true ORDER BY t."id" LIMIT 10), u AS (UPDATE "public"."orders" AS t SET "email" = j."anomgen_after" FROM j AS j WHERE t.ctid = j."anomgen_tid" RETURNING j."id"), ins AS (INSERT INTO "anomgen"."j_1" ("id") SELECT * FROM u) SELECT 1`, "permission denied: UPDATE on orders"},
		{"table orders", `WITH j AS (SELECT t.ctid AS "anomgen_tid" FROM "public"."orders" t), u AS (DELETE FROM "public"."orders" AS t USING j AS j WHERE t.ctid = j."anomgen_tid" RETURNING t.*), ins AS (INSERT INTO "anomgen"."j_1" SELECT * FROM u) SELECT 1`, "permission denied: DELETE on orders"},
		{"table j_1", `WITH j AS (SELECT t.ctid AS "anomgen_tid" FROM "public"."orders" t), u AS (DELETE FROM "public"."orders" AS t USING j AS j WHERE t.ctid = j."anomgen_tid" RETURNING t.*), ins AS (INSERT INTO "anomgen"."j_1" SELECT * FROM u) SELECT 1`, "permission denied: INSERT on j_1"},
		{"table orders", `WITH j AS (SELECT t.ctid AS "anomgen_tid", t."id" FROM ONLY "public"."orders" t WHERE true), c AS (UPDATE ONLY "public"."orders" AS t SET "email" = NULL WHERE t.ctid = ANY (ARRAY(SELECT j."anomgen_tid" FROM j)) RETURNING t."id"), u AS (SELECT j."id" FROM c JOIN j ON c."id" = j."id") INSERT INTO "anomgen"."j_1" ("id") SELECT * FROM u`, "permission denied: UPDATE on orders"},
		{"table orders", `WITH j AS (SELECT t.ctid AS "anomgen_tid" FROM ONLY "public"."orders" t), u AS (DELETE FROM ONLY "public"."orders" AS t WHERE t.ctid = ANY (ARRAY(SELECT j."anomgen_tid" FROM j)) RETURNING t.*) INSERT INTO "anomgen"."j_1" SELECT * FROM u`, "permission denied: DELETE on orders"},
		{"table j_1", `WITH j AS (SELECT t.ctid AS "anomgen_tid" FROM ONLY "public"."orders" t), u AS (DELETE FROM ONLY "public"."orders" AS t WHERE t.ctid = ANY (ARRAY(SELECT j."anomgen_tid" FROM j)) RETURNING t.*) INSERT INTO "anomgen"."j_1" SELECT * FROM u`, "permission denied: INSERT on j_1"},
		{"table orders", `UPDATE ONLY "public"."orders" AS t SET "email" = NULL`, "permission denied: UPDATE on orders"},
		{"schema anomgen", `CREATE TABLE IF NOT EXISTS "anomgen"."journals" (id text)`, "permission denied: CREATE on schema anomgen"},
		{"schema anomgen", `SELECT id FROM "anomgen"."journals"`, "permission denied: USAGE on schema anomgen"},
		{"database shop", `CREATE SCHEMA IF NOT EXISTS "anomgen"`, "permission denied: CREATE on database shop"},
		{"database shop", `DO $anomgen$ BEGIN IF NOT EXISTS (SELECT 1) THEN CREATE SCHEMA "anomgen"; END IF; END $anomgen$`, "permission denied: CREATE on database shop"},
	} {
		base := providers.Permission(errors.New("denied"), "", tc.object, "")
		got := providers.WithStatement(base, tc.stmt)
		if !strings.HasPrefix(got.Error(), tc.want) {
			t.Errorf("%s / %s:\n got %q\nwant %q", tc.object, tc.stmt, got, tc.want)
		}
	}
	// A privilege the database named is kept.
	named := providers.Permission(errors.New("denied"), "update", "shop.orders", "u@%")
	if got := providers.WithStatement(named, "INSERT INTO x SELECT 1"); !strings.HasPrefix(got.Error(), "permission denied: UPDATE on shop.orders for user u@%") {
		t.Errorf("got %q", got)
	}
}

// TestScrubEscaped: a password is removed however a DSN escaped it.
func TestScrubEscaped(t *testing.T) {
	s := providers.Settings{Password: "p@ss/w:rd?"}
	err := fmt.Errorf(`parse "postgres://u:p%%40ss%%2Fw%%3Ard%%3F@h/db": invalid port; raw p@ss/w:rd?`)
	got := providers.Scrub(err, s).Error()
	if strings.Contains(got, "p@ss") || strings.Contains(got, "p%40ss") {
		t.Errorf("Scrub left the password: %q", got)
	}
}

// TestTLSConfig: require encrypts without verifying; verify-ca checks the
// chain against ca_file but not the host name; verify-full checks both.
func TestTLSConfig(t *testing.T) {
	c := providertest.NewCerts(t)
	base := providers.Settings{Type: "mysql", Name: "db", CertFile: c.ClientCert, KeyFile: c.ClientKey}
	for _, tc := range []struct {
		mode, ca, host string
		ok             bool
	}{
		{"require", c.OtherCAFile, "wrong.example", true},
		{"", "", "wrong.example", true},
		{"verify-ca", c.CAFile, "wrong.example", true},
		{"verify-ca", c.OtherCAFile, c.ServerName, false},
		{"verify-full", c.CAFile, c.ServerName, true},
		{"verify-full", c.CAFile, "wrong.example", false},
		{"verify-full", c.OtherCAFile, c.ServerName, false},
	} {
		s := base
		s.TLS, s.CAFile = tc.mode, tc.ca
		cfg, err := providers.TLSConfig(s, tc.host)
		if err != nil {
			t.Fatalf("%s: %v", tc.mode, err)
		}
		if len(cfg.Certificates) != 1 {
			t.Errorf("%s: the client certificate is not used", tc.mode)
		}
		err = c.Handshake(cfg)
		if (err == nil) != tc.ok {
			t.Errorf("tls %q, ca %s, host %s: handshake error %v, want ok=%v", tc.mode, tc.ca, tc.host, err, tc.ok)
		}
	}
	if cfg, err := providers.TLSConfig(providers.Settings{TLS: "disable", CAFile: "/nonexistent"}, "h"); cfg != nil || err != nil {
		t.Errorf("disable: %v, %v", cfg, err)
	}
	for _, s := range []providers.Settings{
		{TLS: "verify-ca", CAFile: "/nonexistent/ca.pem"},
		{TLS: "verify-full", CAFile: c.ClientKey},
		{TLS: "require", CertFile: c.ClientCert, KeyFile: "/nonexistent/key.pem"},
	} {
		_, err := providers.TLSConfig(s, "h")
		var ce *providers.ConnectError
		if !errors.As(err, &ce) || ce.Class != providers.ClassTLS {
			t.Errorf("%+v: got %v, want a tls ConnectError", s, err)
			continue
		}
		if !strings.Contains(err.Error(), "/nonexistent") && !strings.Contains(err.Error(), c.ClientKey) {
			t.Errorf("the error does not name the file: %v", err)
		}
	}
	_ = tls.VersionTLS12
}
