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

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/pgtest"
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
	if !strings.Contains(out, "installed 8 tables in schema audit") {
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
			if _, err := os.Stat(filepath.Join(stateDir, "bin")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("left the program copy behind (%v)", err)
			}
		})
	}
}

// installBridge installs the bridge (schema audit, static keys) into a new
// database from a new copy of the binary and returns them with the state
// directory and the install's output.
func installBridge(t *testing.T) (db, bin, stateDir, stdout, stderr string) {
	t.Helper()
	db = pgtest.NewDB(t)
	bin = bridgeBinary(t)
	stateDir = filepath.Join(pgtest.ServerDir(t), "bridge")
	code, stdout, stderr := runCLI(t, installArgs(bin, db, "audit", stateDir)...)
	if code != 0 {
		t.Fatalf("install: exit %d\n%s%s", code, stdout, stderr)
	}
	return db, bin, stateDir, stdout, stderr
}

// TestPostgresInstallRunsARootOwnedCopyOfTheProgram: the foreign tables run
// a copy of the program in the state directory that only its installer
// (root here) may change, not the program given.
func TestPostgresInstallRunsARootOwnedCopyOfTheProgram(t *testing.T) {
	db, bin, stateDir, out, _ := installBridge(t)
	cp := filepath.Join(stateDir, "bin", "cloudtrailcc")
	fi, err := os.Stat(cp)
	if err != nil {
		t.Fatalf("no program copy: %v", err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("program copy mode %04o, want 0755", fi.Mode().Perm())
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; int(uid) != os.Geteuid() {
		t.Errorf("program copy owned by uid %d, want the installer (uid %d)", uid, os.Geteuid())
	}
	options := pgtest.Strings(t, db, `SELECT array_to_string(ftoptions, ' ') FROM pg_foreign_table ft
		JOIN pg_class c ON c.oid = ft.ftrelid WHERE c.relname = 'cloudtrailcc_rule'`)
	if len(options) != 1 || !strings.Contains(options[0], "program="+cp+" ") {
		t.Errorf("cloudtrailcc_rule runs %v; want the copy %s", options, cp)
	}
	// The original can now go: the tables keep working.
	if err := os.Remove(bin); err != nil {
		t.Fatal(err)
	}
	if ids := pgtest.Strings(t, db, "SELECT rule_id FROM audit.cloudtrailcc_rule"); len(ids) != 14 {
		t.Errorf("after removing the original program: %d rules", len(ids))
	}
	if !strings.Contains(out, "running "+cp) {
		t.Errorf("install output does not name the copy:\n%s", out)
	}
	code, out, errOut := runCLI(t, "postgres", "uninstall", "--database", db, "--schema", "audit")
	if code != 0 {
		t.Fatalf("uninstall: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(stateDir, "bin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("uninstall left the program copy (%v)", err)
	}
}

// TestPostgresInstallRefusesAProgramOthersCanChange: the database server
// would run, as its own OS user on every scan, whatever another user put
// in a program they can write: install refuses it (or one in a directory
// they can write) with one clear line, changing nothing, and accepts it
// with --force, saying so.
func TestPostgresInstallRefusesAProgramOthersCanChange(t *testing.T) {
	db := pgtest.NewDB(t)
	cases := []struct {
		name     string
		make     func(t *testing.T) string
		refusing string
	}{
		{"world-writable program", func(t *testing.T) string {
			bin := bridgeBinary(t)
			must(t, os.Chmod(bin, 0o777))
			return bin
		}, "is writable by everyone (mode 0777)"},
		{"group-writable directory", func(t *testing.T) string {
			bin := bridgeBinary(t)
			must(t, os.Chmod(filepath.Dir(bin), 0o775))
			return bin
		}, "its directory " + "%DIR%" + " is writable by group"},
		{"another user's program", func(t *testing.T) string {
			if os.Geteuid() != 0 {
				t.Skip("chown needs root")
			}
			bin := bridgeBinary(t)
			must(t, os.Chown(bin, 65534, 65534))
			return bin
		}, "is owned by uid 65534"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bin := c.make(t)
			want := strings.ReplaceAll(c.refusing, "%DIR%", filepath.Dir(bin))
			stateDir := filepath.Join(pgtest.ServerDir(t), "bridge")
			before := pgtest.State(t, db)
			code, out, errOut := runCLI(t, installArgs(bin, db, "audit", stateDir)...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitUsage, out, errOut)
			}
			line := strings.TrimSpace(errOut)
			for _, w := range []string{"refusing program " + bin, want, "--force"} {
				if !strings.Contains(line, w) || strings.Contains(line, "\n") {
					t.Errorf("stderr %q; want one line containing %q", line, w)
				}
			}
			if after := pgtest.State(t, db); after != before {
				t.Errorf("a refused install changed the database:\n%s", after)
			}
			if _, err := os.Stat(stateDir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused install created %s (%v)", stateDir, err)
			}

			code, out, errOut = runCLI(t, append(installArgs(bin, db, "audit", stateDir), "--force")...)
			if code != 0 {
				t.Fatalf("install --force: exit %d\n%s%s", code, out, errOut)
			}
			if !strings.Contains(errOut, "warning: --force: installing a copy of program "+bin) {
				t.Errorf("install --force does not say what it accepted:\n%s", errOut)
			}
			if ids := pgtest.Strings(t, db, "SELECT rule_id FROM audit.cloudtrailcc_rule"); len(ids) != 14 {
				t.Errorf("after install --force: %d rules", len(ids))
			}
			if code, out, errOut := runCLI(t, "postgres", "uninstall", "--database", db, "--schema", "audit"); code != 0 {
				t.Fatalf("uninstall: exit %d\n%s%s", code, out, errOut)
			}
		})
	}
}

// TestPostgresInstallWarnsAboutStaticKeys: keys given to the bridge are
// stored where every role allowed to read server files can read them;
// install says so and recommends a profile or an instance role. A
// connection naming a profile gets no such warning.
func TestPostgresInstallWarnsAboutStaticKeys(t *testing.T) {
	db, bin, stateDir, _, errOut := installBridge(t)
	files, _ := filepath.Glob(filepath.Join(stateDir, "audit-*.spc"))
	if len(files) != 1 {
		t.Fatalf("connection files %v", files)
	}
	for _, w := range []string{"warning: the connection holds static AWS keys", files[0], "pg_read_server_files", "pg_execute_server_program", "profile", "instance role"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("install with --access-key: stderr does not say %q:\n%s", w, errOut)
		}
	}
	if fi, err := os.Stat(stateDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state directory %v (%v); want 0700, not listable by others", fi.Mode(), err)
	}

	withProfile := []string{"postgres", "install", "--database", db, "--schema", "audit", "--state-dir", stateDir,
		"--program", bin, "--endpoint-url", "http://127.0.0.1:1", "--profile", "audit", "--region", "us-east-1"}
	code, out, errOut := runCLI(t, withProfile...)
	if code != 0 {
		t.Fatalf("install with a profile: exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(errOut, "static AWS keys") {
		t.Errorf("install with a profile warns about static keys:\n%s", errOut)
	}
}
