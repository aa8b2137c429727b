package pgbridge_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/pgbridge"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/pgtest"
)

// helperEnv makes the test binary print a fixture table in WriteCSV's
// format: it is the program the foreign tables run.
const helperEnv = "PGBRIDGE_TEST_TABLE"

// fixture tables: every Steampipe column type, and a probe table.
var (
	typesCols = []inproc.Column{
		{Name: "name", Type: "STRING", Description: "A name."},
		{Name: "count", Type: "INT"},
		{Name: "ratio", Type: "DOUBLE"},
		{Name: "enabled", Type: "BOOL"},
		{Name: "doc", Type: "JSON"},
		{Name: "at", Type: "TIMESTAMP"},
		{Name: "ip", Type: "IPADDR"},
		{Name: "net", Type: "CIDR"},
	}
	typesRows = []inproc.Row{
		{"name": `he said "hi", then left` + "\nnew line", "count": int64(-42), "ratio": 0.125, "enabled": true,
			"doc": map[string]any{"a": []any{1.0, "x"}, "b": nil, "nul": "x\x00y"}, "at": time.Date(2026, 11, 25, 21, 0, 0, 123456000, time.UTC),
			"ip": "10.0.0.1", "net": "10.0.0.0/16"},
		{"name": "", "count": nil, "ratio": nil, "enabled": false, "doc": nil, "at": nil, "ip": nil, "net": nil},
	}
	probeCols = []inproc.Column{{Name: "rule_id", Type: "STRING"}}
	probeRows = []inproc.Row{{"rule_id": "multi_region"}}
	// costly is a table whose tags column is lazy (read only when named):
	// two rows share a resource.
	costlyCols = []inproc.Column{
		{Name: "rule_id", Type: "STRING"}, {Name: "resource", Type: "STRING"},
		{Name: "tags", Type: "JSON", Description: "The tags."}, {Name: "status", Type: "STRING"},
	}
	costlyRows = []inproc.Row{
		{"rule_id": "a", "resource": "arn:1", "tags": map[string]any{"owner": "x"}, "status": "ok"},
		{"rule_id": "b", "resource": "arn:1", "tags": map[string]any{"owner": "x"}, "status": "alarm"},
		{"rule_id": "c", "resource": "arn:2", "tags": nil, "status": "ok"},
	}
)

// columnsEnv lists the columns the test program prints (all when unset); logEnv
// is a file it appends each run's table and columns to.
const (
	columnsEnv = "PGBRIDGE_TEST_COLUMNS"
	logEnv     = "PGBRIDGE_TEST_LOG"
)

// pick returns the columns named by columnsEnv, in that order.
func pick(cols []inproc.Column) []inproc.Column {
	names := os.Getenv(columnsEnv)
	if names == "" {
		return cols
	}
	var out []inproc.Column
	for _, n := range strings.Split(names, ",") {
		for _, c := range cols {
			if c.Name == n {
				out = append(out, c)
			}
		}
	}
	return out
}

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "types":
		err := pgbridge.WriteCSV(os.Stdout, typesCols, typesRows)
		exit(err)
	case "probe":
		exit(pgbridge.WriteCSV(os.Stdout, probeCols, probeRows))
	case "costly":
		if log := os.Getenv(logEnv); log != "" {
			f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				exit(err)
			}
			fmt.Fprintf(f, "costly %s\n", os.Getenv(columnsEnv))
			f.Close()
		}
		exit(pgbridge.WriteCSV(os.Stdout, pick(costlyCols), costlyRows))
	default:
		exit(fmt.Errorf("unknown table %q", os.Getenv(helperEnv)))
	}
}

func exit(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// program copies the test binary where the server's OS user can run it and
// returns the Command for Options.
func program(t *testing.T, env ...string) func(table string, columns []string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := pgtest.CopyExecutable(t, self, pgtest.ServerDir(t), "helper")
	return func(table string, columns []string) string {
		vars := append([]string{helperEnv + "=" + strings.TrimPrefix(table, "cloudtrailcc_")}, env...)
		if columns != nil {
			vars = append(vars, columnsEnv+"="+strings.Join(columns, ","))
		}
		return strings.Join(vars, " ") + " " + pgbridge.ShellQuote(bin)
	}
}

func options(dbURL, schema string, command func(string, []string) string) pgbridge.Options {
	return pgbridge.Options{
		DatabaseURL: dbURL,
		Schema:      schema,
		Tables:      map[string][]inproc.Column{"cloudtrailcc_types": typesCols, "cloudtrailcc_probe": probeCols},
		Command:     command,
		ConfigFile:  "/nonexistent/bridge.spc",
		ProbeTable:  "cloudtrailcc_probe",
	}
}

func TestInstallGivesSteampipeColumnTypesAndValues(t *testing.T) {
	db := pgtest.NewDB(t)
	inst, prev, err := pgbridge.Install(context.Background(), options(db, "", program(t)))
	if err != nil {
		t.Fatal(err)
	}
	if prev != nil || inst.Schema != "cloudtrailcc" || !inst.CreatedSchema || !inst.CreatedExtension {
		t.Errorf("installation %+v, previous %+v; want a first install that created schema cloudtrailcc and file_fdw", inst, prev)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	rows, _ := conn.Query(ctx, `SELECT column_name || ' ' || data_type FROM information_schema.columns
		WHERE table_schema = 'cloudtrailcc' AND table_name = 'cloudtrailcc_types' ORDER BY ordinal_position`)
	types, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := "name text|count bigint|ratio double precision|enabled boolean|doc jsonb|at timestamp with time zone|ip inet|net cidr"
	if got := strings.Join(types, "|"); got != want {
		t.Errorf("columns:\n got %s\nwant %s", got, want)
	}

	var name, doc, ip, cidr string
	var count int64
	var ratio float64
	var enabled bool
	var at time.Time
	err = conn.QueryRow(ctx, `SELECT name, count, ratio, enabled, doc::text, at, host(ip), net::text
		FROM cloudtrailcc.cloudtrailcc_types WHERE enabled`).Scan(&name, &count, &ratio, &enabled, &doc, &at, &ip, &cidr)
	if err != nil {
		t.Fatal(err)
	}
	if name != typesRows[0]["name"] || count != -42 || ratio != 0.125 || !at.Equal(typesRows[0]["at"].(time.Time)) ||
		ip != "10.0.0.1" || cidr != "10.0.0.0/16" {
		t.Errorf("values: %q %d %v %v %s %s", name, count, ratio, at, ip, cidr)
	}
	if doc != `{"a": [1, "x"], "b": null, "nul": "x\ufffdy"}` && doc != `{"a": [1, "x"], "b": null, "nul": "x�y"}` {
		t.Errorf("jsonb %s", doc)
	}
	// The second row: an empty string stays empty, every other value is NULL.
	var nulls int
	var empty bool
	err = conn.QueryRow(ctx, `SELECT name = '', num_nulls(count, ratio, doc, at, ip, net)
		FROM cloudtrailcc.cloudtrailcc_types WHERE NOT enabled`).Scan(&empty, &nulls)
	if err != nil {
		t.Fatal(err)
	}
	if !empty || nulls != 6 {
		t.Errorf("second row: empty name %v, %d NULLs; want true and 6", empty, nulls)
	}
	var comment string
	if err := conn.QueryRow(ctx, `SELECT col_description('cloudtrailcc.cloudtrailcc_types'::regclass, 1)`).Scan(&comment); err != nil || comment != "A name." {
		t.Errorf("column comment %q, %v", comment, err)
	}
}

func TestReinstallReplacesAndUninstallDropsWhatInstallCreated(t *testing.T) {
	db := pgtest.NewDB(t)
	before := pgtest.State(t, db)
	cmd := program(t)
	ctx := context.Background()
	if _, _, err := pgbridge.Install(ctx, options(db, "audit", cmd)); err != nil {
		t.Fatal(err)
	}
	o := options(db, "audit", cmd)
	o.ConfigFile = "/nonexistent/second.spc"
	inst, prev, err := pgbridge.Install(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if prev == nil || prev.ConfigFile != "/nonexistent/bridge.spc" || !inst.CreatedSchema || !inst.CreatedExtension {
		t.Fatalf("reinstall: %+v, previous %+v; want the first install returned and created-flags kept", inst, prev)
	}
	removed, kept, err := pgbridge.Uninstall(ctx, db, "audit")
	if err != nil {
		t.Fatal(err)
	}
	if removed.ConfigFile != "/nonexistent/second.spc" || len(kept) != 0 {
		t.Errorf("uninstall removed %+v, kept %v", removed, kept)
	}
	if after := pgtest.State(t, db); after != before {
		t.Errorf("after install+uninstall the database differs:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if _, _, err := pgbridge.Uninstall(ctx, db, "audit"); err == nil || !strings.Contains(err.Error(), "no cloudtrailcc bridge is installed") {
		t.Errorf("second uninstall: %v", err)
	}
}

func TestUninstallKeepsWhatExistedBefore(t *testing.T) {
	db := pgtest.NewDB(t)
	pgtest.Exec(t, db, "CREATE EXTENSION file_fdw", "CREATE SCHEMA audit")
	before := pgtest.State(t, db)
	ctx := context.Background()
	inst, _, err := pgbridge.Install(ctx, options(db, "audit", program(t)))
	if err != nil {
		t.Fatal(err)
	}
	if inst.CreatedSchema || inst.CreatedExtension {
		t.Errorf("install claims to have created what existed: %+v", inst)
	}
	if _, _, err := pgbridge.Uninstall(ctx, db, "audit"); err != nil {
		t.Fatal(err)
	}
	if after := pgtest.State(t, db); after != before {
		t.Errorf("uninstall dropped what it did not create:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestUninstallRefusesWhenAViewDependsOnTheTables(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	if _, _, err := pgbridge.Install(ctx, options(db, "audit", program(t))); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, db, "CREATE VIEW public.rules AS SELECT rule_id FROM audit.cloudtrailcc_probe")
	before := pgtest.State(t, db)
	_, _, err := pgbridge.Uninstall(ctx, db, "audit")
	if err == nil || !strings.Contains(err.Error(), "depend") {
		t.Fatalf("got %v, want an error naming the dependent view", err)
	}
	if after := pgtest.State(t, db); after != before {
		t.Errorf("failed uninstall changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestBadInputLeavesDatabaseAsItWas covers each refusal: the message is one
// line saying what is wrong, and nothing in the database changed.
func TestBadInputLeavesDatabaseAsItWas(t *testing.T) {
	role := pgtest.NewRole(t, "np")
	db := pgtest.NewDB(t)
	cmd := program(t)
	pgtest.Exec(t, db, "GRANT CREATE ON DATABASE "+pgtest.DBName(t, db)+" TO "+role,
		"CREATE SCHEMA busy", "CREATE TABLE busy.accounts (id int)")
	asRole := pgtest.WithDB(t, db, "", role, "np")

	cases := []struct {
		name string
		opts pgbridge.Options
		want string
	}{
		{"no database", options("", "audit", cmd), "--database is required"},
		{"unreachable database", options("postgres://postgres:x@127.0.0.1:1/postgres?connect_timeout=2", "audit", cmd), "cannot connect to database postgres@127.0.0.1:1/postgres"},
		{"missing database", options(pgtest.WithDB(t, db, "no_such_db_"+pgtest.RandomSuffix(), "", ""), "audit", cmd), "does not exist"},
		{"bad schema name", options(db, "Audit; drop", cmd), "--schema"},
		{"schema with other tables", options(db, "busy", cmd), "schema busy already holds objects that cloudtrailcc postgres install did not create (table accounts)"},
		{"role without file_fdw rights", options(asRole, "audit", cmd), "may not run programs on the database server"},
		{"program the server cannot run", options(db, "audit", func(string, []string) string { return "/nonexistent/cloudtrailcc export" }), "the database server could not read audit.cloudtrailcc_probe"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := pgtest.State(t, db)
			_, _, err := pgbridge.Install(context.Background(), c.opts)
			if err == nil {
				t.Fatal("install succeeded")
			}
			msg := err.Error()
			t.Logf("message: %s", msg)
			if !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q\nwant one line containing %q", msg, c.want)
			}
			if strings.Contains(msg, ":x@") || strings.Contains(msg, ":np@") {
				t.Errorf("error shows the password: %s", msg)
			}
			if after := pgtest.State(t, db); after != before {
				t.Errorf("database changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

func TestRoleWithProgramRightsButNoExtension(t *testing.T) {
	role := pgtest.NewRole(t, "pe", "pg_execute_server_program")
	db := pgtest.NewDB(t)
	pgtest.Exec(t, db, "GRANT CREATE ON DATABASE "+pgtest.DBName(t, db)+" TO "+role)
	before := pgtest.State(t, db)
	_, _, err := pgbridge.Install(context.Background(), options(pgtest.WithDB(t, db, "", role, "pe"), "audit", program(t)))
	if err == nil || !strings.Contains(err.Error(), "CREATE EXTENSION file_fdw") {
		t.Fatalf("got %v, want a message asking a superuser to create file_fdw", err)
	}
	if after := pgtest.State(t, db); after != before {
		t.Errorf("database changed:\n%s\n%s", before, after)
	}
	// Once a superuser created it and granted its use, the role can install.
	pgtest.Exec(t, db, "CREATE EXTENSION file_fdw", "GRANT USAGE ON FOREIGN DATA WRAPPER file_fdw TO "+role)
	if _, _, err := pgbridge.Install(context.Background(), options(pgtest.WithDB(t, db, "", role, "pe"), "audit", program(t))); err != nil {
		t.Fatalf("install with pg_execute_server_program and file_fdw usage: %v", err)
	}
}

// A table with a lazy column is a view whose columns are the table's, in
// order; the lazy column's program runs only for a query that names it,
// and reinstall and uninstall handle the view.
func TestLazyColumnIsReadOnlyWhenNamed(t *testing.T) {
	db := pgtest.NewDB(t)
	before := pgtest.State(t, db)
	logDir := pgtest.ServerDir(t)
	log := logDir + "/runs.log"
	if err := os.WriteFile(log, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(log, 0o666); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o := options(db, "audit", program(t, logEnv+"="+log))
	o.Tables["cloudtrailcc_costly"] = costlyCols
	o.Lazy = map[string]pgbridge.LazyColumns{"cloudtrailcc_costly": {Key: "resource", Columns: []string{"tags"}}}
	inst, _, err := pgbridge.Install(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(inst.Views) != 1 || inst.Views[0] != "cloudtrailcc_costly" || len(inst.Tables) != 3 {
		t.Errorf("installation %+v, want three tables, cloudtrailcc_costly a view", inst)
	}
	runs := func() string {
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(log, 0); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	runs()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	cols, err := pgx.CollectRows(must(conn.Query(ctx, `SELECT column_name || ' ' || data_type FROM information_schema.columns
		WHERE table_schema = 'audit' AND table_name = 'cloudtrailcc_costly' ORDER BY ordinal_position`)), pgx.RowTo[string])
	if err != nil || strings.Join(cols, "|") != "rule_id text|resource text|tags jsonb|status text" {
		t.Errorf("view columns %v (%v), want the table's in order", cols, err)
	}
	var comment string
	if err := conn.QueryRow(ctx, `SELECT col_description('audit.cloudtrailcc_costly'::regclass, 3)`).Scan(&comment); err != nil || comment != "The tags." {
		t.Errorf("tags column comment %q, %v", comment, err)
	}

	statuses, err := pgx.CollectRows(must(conn.Query(ctx, `SELECT rule_id || '=' || status FROM audit.cloudtrailcc_costly ORDER BY 1`,
		pgx.QueryExecModeSimpleProtocol)), pgx.RowTo[string])
	if err != nil || strings.Join(statuses, ",") != "a=ok,b=alarm,c=ok" {
		t.Errorf("rows %v (%v)", statuses, err)
	}
	if got := runs(); got != "costly rule_id,resource,status" {
		t.Errorf("a query without tags ran %q, want only the table without tags", got)
	}

	owners, err := pgx.CollectRows(must(conn.Query(ctx, `SELECT rule_id || '=' || coalesce(tags ->> 'owner', 'NULL') FROM audit.cloudtrailcc_costly ORDER BY 1`,
		pgx.QueryExecModeSimpleProtocol)), pgx.RowTo[string])
	if err != nil || strings.Join(owners, ",") != "a=x,b=x,c=NULL" {
		t.Errorf("tags ->> 'owner': %v (%v), want each row its resource's tags", owners, err)
	}
	if got := strings.Split(runs(), "\n"); len(got) != 2 || !slices.Contains(got, "costly resource,tags") {
		t.Errorf("a query of tags ran %q, want both parts once each", got)
	}

	if _, prev, err := pgbridge.Install(ctx, o); err != nil || prev == nil {
		t.Fatalf("reinstall over the view: %v", err)
	}
	if _, _, err := pgbridge.Uninstall(ctx, db, "audit"); err != nil {
		t.Fatal(err)
	}
	if after := pgtest.State(t, db); after != before {
		t.Errorf("after install+uninstall the database differs:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
