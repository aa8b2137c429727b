// Package pgtest gives tests a real PostgreSQL database of their own: a
// fresh database per test on the server named by
// CLOUDTRAILCC_TEST_DATABASE_URL (make test and .ci/run start PostgreSQL 15
// on loopback and set it), dropped when the test ends, plus helpers to run
// SQL and to fingerprint what the Postgres bridge can touch.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable holding the test server's URL (a superuser).
const EnvURL = "CLOUDTRAILCC_TEST_DATABASE_URL"

// AdminURL returns the test server's URL, skipping the test when it is not set.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Skip(EnvURL + " is not set (make test starts PostgreSQL 15 and sets it)")
	}
	return u
}

// RandomSuffix returns 8 random hex digits for unique names.
func RandomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// WithDB returns u with another database name and, when user is set,
// other credentials.
func WithDB(t testing.TB, u, db, user, password string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	if db != "" {
		p.Path = "/" + db
	}
	if user != "" {
		p.User = url.UserPassword(user, password)
	}
	return p.String()
}

// DBName returns the database name of a URL.
func DBName(t testing.TB, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(p.Path, "/")
}

// NewDB creates a fresh database (no extensions, no schemas but public) and
// returns its URL; it is dropped when the test ends.
func NewDB(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	name := "ctcc_test_" + RandomSuffix()
	Exec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { Exec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return WithDB(t, admin, name, "", "")
}

// NewRole creates a login role with password (dropped when the test ends,
// after the test's databases) and returns its name.
func NewRole(t testing.TB, password string, grants ...string) string {
	t.Helper()
	admin := AdminURL(t)
	role := "ctcc_role_" + RandomSuffix()
	stmts := []string{"CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'"}
	for _, g := range grants {
		stmts = append(stmts, "GRANT "+g+" TO "+role)
	}
	Exec(t, admin, stmts...)
	t.Cleanup(func() {
		// Databases created later in the test are dropped first (cleanups
		// run last-in first-out); drop what the role still owns elsewhere.
		Exec(t, admin, "DROP ROLE IF EXISTS "+role)
	})
	return role
}

// Exec runs statements on dbURL, failing the test on the first error.
func Exec(t testing.TB, dbURL string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// Strings runs a query returning one text column.
func Strings(t testing.TB, dbURL, sql string, args ...any) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// State fingerprints what the bridge could touch: schemas (with comments),
// extensions, foreign servers (with comments) and relations outside the
// system schemas. Equal fingerprints mean the database was left as it was.
func State(t testing.TB, dbURL string) string {
	t.Helper()
	return strings.Join(Strings(t, dbURL, `
		SELECT 'schema ' || nspname || ' ' || coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace
			WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
		UNION ALL SELECT 'extension ' || extname FROM pg_extension
		UNION ALL SELECT 'server ' || srvname || ' ' || coalesce(obj_description(oid, 'pg_foreign_server'), '') FROM pg_foreign_server
		UNION ALL SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
		ORDER BY 1`), "\n")
}

// ServerDir returns a new directory (removed when the test ends) that the
// database server's OS user can enter and read: programs and files the
// server must reach go there, not in the test's private temp dirs.
func ServerDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ctcc-server-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// CopyExecutable copies the file at src into dir as name, mode 0755.
func CopyExecutable(t testing.TB, src, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, name)
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}
