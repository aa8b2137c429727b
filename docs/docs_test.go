package docs_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/pgtest"
)

// bridgeSchema is the schema the example queries run in (through
// search_path, as Powerpipe's --search-path-prefix does): not the bridge's
// default, so a query naming a schema fails.
const bridgeSchema = "docs_examples"

// Emulated account credentials: the emulator's default account.
const accessKey, secretKey = "test", "test"

// emulatedRegions are the demo account's enabled regions: the two the demo
// seeds trails in and two without a trail of their own.
var emulatedRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1"}

// emptyInDemo lists the table examples that rightly return no rows against
// the demo account, keyed by "file#heading", with the reason. Every other
// table example must return rows there, so a query that runs but can never
// match (a misspelt jsonb key, a wrong status value) fails the test.
var emptyInDemo = map[string]string{
	"cloudtrailcc_trail.md#Trails that are not logging, or whose status could not be read":                  "every demo trail is logging",
	"cloudtrailcc_trail_bucket.md#Buckets that are missing, owned by another account, or could not be read": "the demo account owns and can read every trail bucket",
	"cloudtrailcc_region.md#Regions where API activity may go unrecorded":                                   "the demo's multi-region trail logs all management events everywhere",
	"cloudtrailcc_region.md#Regions without data events":                                                    "the demo's multi-region trail records S3 data events everywhere",
	"cloudtrailcc_config_change.md#Who stopped logging or deleted a trail in the last day":                  "the demo stops no trail and deletes none",
	"cloudtrailcc_log_integrity.md#Log files that no digest lists":                                          "the demo's clock delivers no log file",
}

// extraNames are backticked names a table page may use besides its own
// columns, the plugin's tables, rule ids and finding statuses: the
// connection arguments the pages refer to.
var extraNames = []string{"regions", "config_change_lookback", "config_change_events", "exceptions_file", "organization_role_name", "organization_role_arn", "accounts"}

// example is one ```sql block of a Markdown page.
type example struct {
	file    string // path relative to the module root
	line    int    // line of the opening fence
	heading string // the nearest heading above it
	sql     string
	intro   []string // the non-blank prose lines between the heading and the block
	lang    string   // the fence's language: sql or sql+postgres
}

func (e example) String() string { return fmt.Sprintf("%s:%d (%s)", e.file, e.line, e.heading) }

// key identifies an example in emptyInDemo.
func (e example) key() string { return filepath.Base(e.file) + "#" + e.heading }

// page is a parsed Markdown page: its lines outside code blocks and its
// sql examples.
type page struct {
	file     string
	front    map[string]string // the YAML front matter's fields, nil without one
	prose    []string
	headings []string
	examples []example
	// sqlite are the ```sql+sqlite blocks: the examples written for
	// Steampipe's SQLite engine (not run here).
	sqlite []example
}

// readPage parses a Markdown file (path relative to the module root).
func readPage(t *testing.T, file string) page {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", file))
	if err != nil {
		t.Fatal(err)
	}
	p := page{file: file}
	var (
		inFence bool
		lang    string
		cur     *example
		heading string
		intro   []string
	)
	front, rest, skipped := readFrontMatter(data)
	p.front = front
	sc := bufio.NewScanner(bytes.NewReader(rest))
	for n := 1 + skipped; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if !inFence {
				inFence, lang = true, strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))
				switch lang {
				case "sql", "sql+postgres", "sql+sqlite":
					cur = &example{file: file, line: n, heading: heading, intro: intro, lang: lang}
				}
				continue
			}
			inFence = false
			if cur != nil && cur.lang == "sql+sqlite" {
				p.sqlite = append(p.sqlite, *cur)
			} else if cur != nil {
				p.examples = append(p.examples, *cur)
			}
			cur = nil
			continue
		}
		switch {
		case cur != nil:
			cur.sql += line + "\n"
		case inFence:
		case strings.HasPrefix(line, "#"):
			heading, intro = strings.TrimSpace(strings.TrimLeft(line, "#")), nil
			p.headings = append(p.headings, line)
			p.prose = append(p.prose, line)
		default:
			p.prose = append(p.prose, line)
			if trimmed != "" {
				intro = append(intro, trimmed)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if inFence {
		t.Fatalf("%s: unclosed code fence", file)
	}
	return p
}

// pluginClient runs the plugin in-process with a connection that is never
// sent to AWS: the tests only read its schema and its catalogue.
func pluginClient(t *testing.T) *inproc.Client {
	t.Helper()
	c, err := inproc.New(context.Background(), []inproc.Connection{{Name: "cloudtrailcc", Config: ""}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// pluginSchema returns the plugin's tables and their columns, as Steampipe
// gets them (GetSchema through the SDK's plugin server; no AWS call).
func pluginSchema(t *testing.T) map[string][]inproc.Column {
	t.Helper()
	s, err := pluginClient(t).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tablePages returns the plugin's tables, sorted, and each one's page.
func tablePages(t *testing.T, schema map[string][]inproc.Column) ([]string, map[string]page) {
	t.Helper()
	tables := make([]string, 0, len(schema))
	for name := range schema {
		tables = append(tables, name)
	}
	sort.Strings(tables)
	files, err := filepath.Glob("tables/*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]page{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".md")
		if _, ok := schema[name]; !ok {
			t.Errorf("docs/%s documents %s, which is not a table of the plugin (tables: %s)", f, name, strings.Join(tables, ", "))
			continue
		}
		pages[name] = readPage(t, "docs/"+f)
	}
	for _, name := range tables {
		if _, ok := pages[name]; !ok {
			t.Errorf("table %s has no page docs/tables/%s.md", name, name)
		}
	}
	return tables, pages
}

// identifier matches a backticked name in prose that could be a column.
var identifier = regexp.MustCompile("`([a-z][a-z0-9_]*)`")

// TestTablePagesFollowHubFormat checks each table page against the
// Steampipe hub layout and the plugin's schema: the title names the table,
// a description precedes "## Examples", every "###" example holds exactly
// one sql query that reads its table, and every backticked snake_case name
// in the prose is one of the table's columns, another plugin table, a rule
// id or a finding status.
func TestTablePagesFollowHubFormat(t *testing.T) {
	schema := pluginSchema(t)
	tables, pages := tablePages(t, schema)
	known := map[string]bool{}
	for _, name := range tables {
		known[name] = true
	}
	for _, s := range slices.Concat([]string{"ok", "alarm", "info", "skip", "error", "low", "medium", "high", "critical"}, extraNames, pluginAWSNames) {
		known[s] = true
	}
	for _, id := range ruleIDs(t) {
		known[id] = true
	}
	for _, name := range tables {
		p, ok := pages[name]
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) {
			cols := map[string]bool{}
			for _, c := range schema[name] {
				cols[c.Name] = true
			}
			top := checkTopSections(t, p, name)
			sections := 0
			for _, h := range p.headings[min(top, len(p.headings)):] {
				if !strings.HasPrefix(h, "### ") {
					t.Errorf("%s: heading %q: examples are \"### \" sections", p.file, h)
				}
				sections++
			}
			if sections < 3 || len(p.examples) != sections || len(p.sqlite) != sections {
				t.Errorf("%s: %d example sections, %d sql+postgres and %d sql+sqlite blocks; want at least 3 sections of one sql+postgres and one sql+sqlite block each, as the hub shows them", p.file, sections, len(p.examples), len(p.sqlite))
			}
			for i, e := range p.examples {
				if e.lang != "sql+postgres" {
					t.Errorf("%s: a ```%s block; the hub's example blocks are ```sql+postgres and ```sql+sqlite", e, e.lang)
				}
				if i < len(p.sqlite) && p.sqlite[i].heading != e.heading {
					t.Errorf("%s: the sql+sqlite block of this section is missing", e)
				}
			}
			joins := 0
			for _, e := range p.examples {
				if joinsOnARN(e.sql) {
					joins++
				}
			}
			if joins == 0 {
				t.Errorf("%s: no example joins aws_cloudtrail_trail or aws_s3_bucket (steampipe-plugin-aws) on arn", p.file)
			}
			for _, e := range p.examples {
				if e.heading == "Examples" || strings.HasPrefix(e.heading, "Table:") {
					t.Errorf("%s: sql block outside an example section", e)
				}
				if !regexp.MustCompile(`\b` + name + `\b`).MatchString(e.sql) {
					t.Errorf("%s: the query does not read %s", e, name)
				}
			}
			for _, line := range p.prose {
				for _, m := range identifier.FindAllStringSubmatch(line, -1) {
					if !cols[m[1]] && !known[m[1]] {
						t.Errorf("%s: `%s` is not a column of %s (nor a table, rule id or status)", p.file, m[1], name)
					}
				}
			}
		})
	}
}

// proseBetween joins the prose lines from heading from to heading to.
func proseBetween(p page, from, to string) string {
	var b strings.Builder
	in := false
	for _, line := range p.prose {
		switch line {
		case from:
			in = true
			continue
		case to:
			in = false
		}
		if in {
			b.WriteString(line + " ")
		}
	}
	return b.String()
}

// ruleIDs returns the catalogue's rule ids through the plugin (no AWS call).
func ruleIDs(t *testing.T) []string {
	t.Helper()
	rows, err := pluginClient(t).Query(context.Background(), "cloudtrailcc", "cloudtrailcc_rule", []string{"rule_id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, fmt.Sprint(r["rule_id"]))
	}
	return ids
}

// TestExampleQueriesRunOnPostgres runs every sql example of the table pages,
// docs/index.md and README.md on PostgreSQL 15 through the Postgres bridge
// (the CLI's `postgres install`, file_fdw running the CLI binary) against
// the emulated demo account, with search_path set to the bridge's schema.
// Every query must run; the table pages' queries must also return rows,
// unless emptyInDemo says why not (and those must return none).
func TestExampleQueriesRunOnPostgres(t *testing.T) {
	pgtest.AdminURL(t) // skips when no test database is configured
	examples, nTable := exampleQueries(t)
	db := installBridge(t, seed.Demo)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn := bridgeConn(ctx, t, db)
	for i, e := range examples {
		n, err := runQuery(ctx, conn, e.sql)
		switch {
		case err != nil:
			t.Errorf("%s: %v\n%s", e, err, e.sql)
		case i >= nTable:
			t.Logf("%s: %d rows", e, n)
		case n == 0 && emptyInDemo[e.key()] == "":
			t.Errorf("%s: no rows against the demo account; fix the query or list it in emptyInDemo with the reason\n%s", e, e.sql)
		case n > 0 && emptyInDemo[e.key()] != "":
			t.Errorf("%s: %d rows against the demo account, but emptyInDemo says %q: remove it from emptyInDemo", e, n, emptyInDemo[e.key()])
		default:
			t.Logf("%s: %d rows", e, n)
		}
	}
	for k := range emptyInDemo {
		if !slices.ContainsFunc(examples, func(e example) bool { return e.key() == k }) {
			t.Errorf("emptyInDemo names %s, which is no example", k)
		}
	}
}

// exampleQueries returns the sql examples of the table pages, then those of
// docs/index.md and README.md; nTable counts the table pages' ones.
func exampleQueries(t *testing.T) (examples []example, nTable int) {
	t.Helper()
	_, pages := tablePages(t, pluginSchema(t))
	for _, name := range slices.Sorted(maps.Keys(pages)) {
		examples = append(examples, pages[name].examples...)
	}
	nTable = len(examples)
	for _, f := range []string{"docs/index.md", "README.md"} {
		if _, err := os.Stat(filepath.Join("..", f)); err == nil {
			examples = append(examples, readPage(t, f).examples...)
		}
	}
	if nTable == 0 {
		t.Fatal("no sql examples in docs/tables")
	}
	return examples, nTable
}

// bridgeConn connects to the bridge's database with search_path set to its
// schema, then the plugin-aws stand-ins' (createPluginAWSStandIns); the connection closes when the test ends.
func bridgeConn(ctx context.Context, t *testing.T, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "SET search_path TO "+bridgeSchema+", public"); err != nil {
		t.Fatal(err)
	}
	createPluginAWSStandIns(ctx, t, conn)
	return conn
}

// runQuery runs one query to the end and returns its row count. The simple
// protocol makes file_fdw report a failed program as the query's error.
func runQuery(ctx context.Context, conn *pgx.Conn, sql string) (int, error) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// installBridge starts the emulator, seeds an account into it with
// scenario (seed.Demo, ...) and installs the bridge for it into a fresh
// database, returning the database's URL. The CLI binary the database
// server runs is built into a directory that server can read.
func installBridge(t *testing.T, scenario func(context.Context, seed.Target) (*seed.Account, error)) string {
	t.Helper()
	db := pgtest.NewDB(t)
	srv := awsemu.New(awsemu.Options{Regions: emulatedRegions})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := scenario(ctx, seed.Target{EndpointURL: url, AccessKey: accessKey, SecretKey: secretKey, Control: emuclient.New(url)}); err != nil {
		t.Fatalf("seeding the account: %v", err)
	}
	dir := pgtest.ServerDir(t)
	bin := filepath.Join(dir, "cloudtrailcc")
	buildCtx, cancelBuild := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancelBuild()
	build := exec.CommandContext(buildCtx, "go", "build", "-o", bin, "github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cmd/cloudtrailcc")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the CLI: %v\n%s", err, out)
	}
	install := exec.CommandContext(ctx, bin, "postgres", "install", "--database", db, "--schema", bridgeSchema,
		"--state-dir", filepath.Join(dir, "bridge"), "--program", bin, "--exceptions", writeDemoExceptions(t, dir),
		"--endpoint-url", url, "--access-key", accessKey, "--secret-key", secretKey)
	install.Env = withoutAWS(os.Environ())
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("cloudtrailcc postgres install: %v\n%s", err, out)
	}
	return db
}

// writeDemoExceptions writes the exceptions file of the bridge's connection
// into dir (which the database server reads): one entry that suppresses a
// demo alarm, one expired, and one that matches nothing (a stale exception).
func writeDemoExceptions(t *testing.T, dir string) string {
	t.Helper()
	day := func(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format("2006-01-02") }
	src := fmt.Sprintf(`exception {
  rule     = "bucket_mfa_delete"
  resource = "arn:aws:s3:::cloudtrailcc-seed-demo-eu-app-trail-*"
  reason   = "MFA Delete needs the root user's device; tracked in SEC-42"
  expires  = %q
  owner    = "secops"
}

exception {
  rule     = "cloudwatch_integration"
  resource = "*"
  reason   = "CloudWatch Logs rolled out next quarter"
  expires  = %q
}

exception {
  rule     = "*"
  resource = "arn:aws:cloudtrail:*:trail/decommissioned"
  reason   = "trail removed with the old VPC"
  expires  = %q
}
`, day(20), day(-1), day(90))
	path := filepath.Join(dir, "exceptions.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// withoutAWS drops AWS_* variables, so the install's connection is the
// flags' alone.
func withoutAWS(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "AWS_") })
}
