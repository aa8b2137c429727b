package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/pgbridge/pgtest"
)

// bridgeBinary copies the binary TestMain built (cliBinary) into a
// directory the database server's OS user can reach: the foreign tables run it.
func bridgeBinary(t *testing.T) string {
	t.Helper()
	return pgtest.CopyExecutable(t, cliBinary, pgtest.ServerDir(t), "cloudtrailcc")
}

// runCLI runs the command line in-process and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// installArgs are install's arguments for an unreachable AWS endpoint: the
// install itself reads only the catalogue table, which needs no AWS.
func installArgs(bin, db, schema, stateDir string) []string {
	return []string{"postgres", "install", "--database", db, "--schema", schema, "--state-dir", stateDir,
		"--program", bin, "--endpoint-url", "http://127.0.0.1:1", "--access-key", "test", "--secret-key", "test",
		"--region", "us-east-1"}
}

func TestPostgresInstallServesPluginTablesAndUninstallRemovesThem(t *testing.T) {
	db := pgtest.NewDB(t)
	bin := bridgeBinary(t)
	before := pgtest.State(t, db)
	stateDir := filepath.Join(pgtest.ServerDir(t), "bridge")
	code, out, errOut := runCLI(t, installArgs(bin, db, "audit", stateDir)...)
	if code != 0 {
		t.Fatalf("install: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "installed 6 foreign tables in schema audit") {
		t.Errorf("install output:\n%s", out)
	}
	// The catalogue through PostgreSQL, run by the database server.
	ids := pgtest.Strings(t, db, "SELECT rule_id FROM audit.cloudtrailcc_rule ORDER BY rule_id")
	if len(ids) != 14 {
		t.Errorf("cloudtrailcc_rule gave %d rows, want 14: %v", len(ids), ids)
	}
	types := pgtest.Strings(t, db, `SELECT column_name || ' ' || data_type FROM information_schema.columns
		WHERE table_schema = 'audit' AND table_name = 'cloudtrailcc_finding' AND column_name IN ('rule_id', 'evidence') ORDER BY 1`)
	if strings.Join(types, ", ") != "evidence jsonb, rule_id text" {
		t.Errorf("cloudtrailcc_finding columns: %v", types)
	}

	// The connection file: 0600, readable by the server, with the cache settings.
	files, _ := filepath.Glob(filepath.Join(stateDir, "audit-*.spc"))
	if len(files) != 1 {
		t.Fatalf("connection files %v, want one", files)
	}
	fi, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("connection file mode %v, want 0600", fi.Mode().Perm())
	}
	if os.Geteuid() == 0 {
		if st := fi.Sys().(*syscall.Stat_t); st.Uid == 0 {
			t.Errorf("connection file left to root; the database server's OS user must own it")
		}
	}
	spc, _ := os.ReadFile(files[0])
	for _, want := range []string{`plugin = "local/cloudtrailcc"`, "cache_ttl", "cache_dir", `endpoint_url = "http://127.0.0.1:1"`} {
		if !strings.Contains(string(spc), want) {
			t.Errorf("connection file lacks %s:\n%s", want, spc)
		}
	}

	// Installing again replaces the first installation and its file.
	if code, out, errOut := runCLI(t, installArgs(bin, db, "audit", stateDir)...); code != 0 || !strings.Contains(out, "reinstalled") {
		t.Fatalf("reinstall: exit %d\n%s%s", code, out, errOut)
	}
	if files, _ := filepath.Glob(filepath.Join(stateDir, "audit-*.spc")); len(files) != 1 {
		t.Errorf("after reinstall: connection files %v, want one", files)
	}

	code, out, errOut = runCLI(t, "postgres", "uninstall", "--database", db, "--schema", "audit")
	if code != 0 {
		t.Fatalf("uninstall: exit %d\n%s%s", code, out, errOut)
	}
	if files, _ := filepath.Glob(filepath.Join(stateDir, "*.spc")); len(files) != 0 {
		t.Errorf("uninstall left %v", files)
	}
	if _, err := os.Stat(filepath.Join(stateDir, "cache")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("uninstall left the snapshot cache directory (%v)", err)
	}
	if after := pgtest.State(t, db); after != before {
		t.Errorf("install+uninstall changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestPostgresInstallBadInput(t *testing.T) {
	db := pgtest.NewDB(t)
	bin := bridgeBinary(t)
	pgtest.Exec(t, db, "CREATE SCHEMA busy", "CREATE TABLE busy.accounts (id int)")
	stateDir := filepath.Join(pgtest.ServerDir(t), "bridge")
	withoutDB := installArgs(bin, db, "audit", stateDir)
	for i, a := range withoutDB {
		if a == "--database" {
			withoutDB = append(withoutDB[:i:i], withoutDB[i+2:]...)
			break
		}
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no database", withoutDB, "--database is required"},
		{"unreachable database", installArgs(bin, "postgres://postgres:secret@127.0.0.1:1/postgres?connect_timeout=2", "audit", stateDir), "cannot connect to database"},
		{"schema with other tables", installArgs(bin, db, "busy", stateDir), "schema busy already holds objects"},
		{"bad schema name", installArgs(bin, db, "Busy", stateDir), "--schema"},
		{"bad connection config", append(installArgs(bin, db, "audit", stateDir), "--cache-ttl", "-5"), "cache_ttl"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := pgtest.State(t, db)
			code, out, errOut := runCLI(t, c.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d\n%s%s", code, exitUsage, out, errOut)
			}
			if !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("stderr %q, want one line containing %q", errOut, c.want)
			}
			if strings.Contains(errOut, "secret") {
				t.Errorf("stderr shows the password: %s", errOut)
			}
			if after := pgtest.State(t, db); after != before {
				t.Errorf("database changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if files, _ := filepath.Glob(filepath.Join(stateDir, "*.spc")); len(files) != 0 {
				t.Errorf("left connection files behind: %v", files)
			}
		})
	}
}
