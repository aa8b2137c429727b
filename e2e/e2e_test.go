//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/pgtest"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/mods"
)

// benchmark is the root benchmark's full name.
const benchmark = "cloudtrailcc.benchmark." + mods.RootBenchmark

// account is one seeded scenario account, or organization, with its own
// bridge schema.
type account struct {
	schema         string
	accessKey      string
	secretKey      string
	accountID      string // "" = the emulator's default account
	wantExit       int    // Powerpipe's exit code: 0 all ok, 1 alarms, 2 error rows
	wantAlarmsRows bool
	// seed seeds the scenario and returns the account the connection reads.
	seed func(context.Context, seed.Target) (*seed.Account, error)
	// exceptions, when set, writes the exceptions file of the account's
	// bridge connection for what was seeded.
	exceptions func(*seed.Account) string
	// connection are extra connection flags of the bridge (an organization
	// audit).
	connection []string
}

// organization reports whether a audits an organization.
func (a account) organization() bool { return len(a.connection) > 0 }

var accounts = []account{
	{schema: "clean", accessKey: "test", secretKey: "test", wantExit: 0, seed: seed.Clean},
	{schema: "bad", accessKey: "AKIAE2EBADACCOUNT", secretKey: "e2e-bad-secret", accountID: "210987654321", wantExit: 1, wantAlarmsRows: true, seed: seed.Bad},
	{schema: "accepted", accessKey: "AKIAE2EACCEPTED", secretKey: "e2e-accepted-secret", accountID: "345678901234", wantExit: 1, wantAlarmsRows: true,
		seed: seed.Bad, exceptions: acceptedRisks},
	// The bad organization layout: alarms on the central bucket and key,
	// and error rows for the member whose audit role is missing.
	{schema: "org", accessKey: "AKIAE2EORGMANAGER", secretKey: "e2e-org-secret", accountID: "100000000042", wantExit: 2, wantAlarmsRows: true,
		seed: func(ctx context.Context, t seed.Target) (*seed.Account, error) {
			o, err := seed.OrganizationBad(ctx, t)
			if err != nil {
				return nil, err
			}
			return o.Management, nil
		},
		connection: []string{"--organization-role-name", seed.OrgRoleName}},
}

// env is what every step needs.
type env struct {
	root, modDir       string
	db                 string
	cli, powerpipe     string
	emulator           *emuclient.Client
	emulatorURL        string
	stateDir           string
	powerpipeInstallTo string
	// installed are the bridge schemas installed so far.
	installed []string
}

func TestPowerpipeBenchmarkOnPlainPostgres(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	for _, a := range accounts {
		t.Run(a.schema, func(t *testing.T) {
			seeded, err := a.seed(ctx, seed.Target{EndpointURL: e.emulatorURL, AccessKey: a.accessKey, SecretKey: a.secretKey, Control: e.emulator})
			if err != nil {
				t.Fatalf("seeding: %v", err)
			}
			e.install(t, a, seeded)
			if err := e.emulator.ResetCalls(ctx); err != nil {
				t.Fatal(err)
			}

			run := e.benchmark(t, a, benchmarkOptions{wantExits: []int{a.wantExit}, wantControls: allControls()})
			e.assertOneCollection(t, seeded.AccountID, a.organization())
			if a.organization() {
				e.assertEveryAccountReported(t, run.csv)
			}
			e.assertControlsMatchFindings(t, a, run.controls)
			e.assertCSVMatchesCLI(t, a, run.csv)
			e.assertDashboardQueriesRun(t, a)
			if a.exceptions != nil {
				e.assertSuppressedControlsSkip(t, a, run.controls)
				return // the runs below show nothing the exceptions change
			}
			e.assertDashboardSnapshot(t, a)
			e.assertCISTagSelectsCISControls(t, a)
			e.assertDimensionsFollowVariable(t, a)
			e.assertTagDimensionsAddTagColumns(t, a, seeded)
		})
	}
	t.Run("log_integrity", e.assertLogIntegrityBenchmark)
	for _, schema := range e.installed {
		e.uninstall(t, schema)
	}
	if _, err := os.Stat(filepath.Join(e.stateDir, "cache")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the last uninstall left the snapshot cache (%v)", err)
	}
}

// setup builds the binaries, starts the emulator, finds Powerpipe and
// creates a fresh database.
func setup(t *testing.T) *env {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{root: root, modDir: filepath.Join(root, "mods", "cloudtrailcc")}
	e.db = pgtest.NewDB(t)
	e.powerpipe = powerpipeBinary(t, root)
	// The database server's OS user runs the CLI (file_fdw program): it must
	// reach the binary and the bridge's files.
	binDir := pgtest.ServerDir(t)
	e.cli = goBuild(t, root, binDir, "cloudtrailcc", "./cmd/cloudtrailcc")
	emu := goBuild(t, root, binDir, "awsemu", "./cmd/awsemu")
	e.stateDir = filepath.Join(pgtest.ServerDir(t), "bridge")
	e.powerpipeInstallTo = t.TempDir()
	e.emulatorURL = startEmulator(t, emu)
	e.emulator = emuclient.New(e.emulatorURL)
	for _, a := range accounts {
		if a.accountID == "" {
			continue
		}
		if err := e.emulator.AddAccount(context.Background(), a.accessKey, a.secretKey, a.accountID); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// powerpipeBinary returns Powerpipe v1.5.2, built by e2e/powerpipe.sh when
// the cached binary is missing.
func powerpipeBinary(t *testing.T, root string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(root, "e2e", "powerpipe.sh")).Output()
	if err != nil {
		t.Fatalf("e2e/powerpipe.sh: %v", stderrOf(err))
	}
	return strings.TrimSpace(string(out))
}

// goBuild builds a main package of the module into dir.
func goBuild(t *testing.T, root, dir, name, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// startEmulator runs the emulator on a free loopback port and returns its
// URL; it is stopped (SIGTERM) when the test ends.
func startEmulator(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("emulator printed no URL: %v; stderr: %s", err, stderr.String())
	}
	return strings.TrimSpace(line)
}

// cliRun runs the CLI and returns its exit code and output. Like the
// foreign tables' exports, which the database server runs, it gets no AWS_*
// environment: the connection says everything, so both read the same cached
// snapshot.
func (e *env) cliRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return e.cliRunAs(t, nil, args...)
}

// ownerOf returns the credential of file's owner when this test runs as
// root and someone else owns it; nil otherwise.
func ownerOf(t *testing.T, file string) *syscall.Credential {
	t.Helper()
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if os.Geteuid() != 0 || int(st.Uid) == os.Geteuid() {
		return nil
	}
	return &syscall.Credential{Uid: st.Uid, Gid: st.Gid}
}

// cliRunAs is cliRun as user cred (this test's user when nil).
func (e *env) cliRunAs(t *testing.T, cred *syscall.Credential, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(e.cli, args...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = "/"
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errOut.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errOut.String()
	}
	t.Fatalf("%s %v: %v", e.cli, args, err)
	return 0, "", ""
}

// install puts account a's tables into its own schema, with its exceptions
// file (written where the database server's user can read it) when it has one.
func (e *env) install(t *testing.T, a account, seeded *seed.Account) {
	t.Helper()
	args := []string{"postgres", "install", "--database", e.db, "--schema", a.schema,
		"--state-dir", e.stateDir, "--endpoint-url", e.emulatorURL, "--access-key", a.accessKey, "--secret-key", a.secretKey}
	if a.exceptions != nil {
		path := filepath.Join(filepath.Dir(e.stateDir), a.schema+"-exceptions.hcl")
		if err := os.WriteFile(path, []byte(a.exceptions(seeded)), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--exceptions", path)
	}
	code, out, errOut := e.cliRun(t, append(args, a.connection...)...)
	if code != 0 {
		t.Fatalf("postgres install: exit %d\n%s%s", code, out, errOut)
	}
	e.installed = append(e.installed, a.schema)
	t.Logf("postgres install:\n%s", out)
}

// uninstall removes a bridge schema and checks its connection file is gone.
func (e *env) uninstall(t *testing.T, schema string) {
	t.Helper()
	code, out, errOut := e.cliRun(t, "postgres", "uninstall", "--database", e.db, "--schema", schema)
	if code != 0 {
		t.Errorf("postgres uninstall %s: exit %d\n%s%s", schema, code, out, errOut)
	}
	if files, _ := filepath.Glob(filepath.Join(e.stateDir, schema+"-*.spc")); len(files) != 0 {
		t.Errorf("uninstall left %v", files)
	}
}

// powerpipeCmd is Powerpipe in the mod directory with a throw-away install
// directory, no update check and no telemetry.
func (e *env) powerpipeCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(e.powerpipe, args...)
	cmd.Dir = e.modDir
	cmd.Env = append(os.Environ(), "POWERPIPE_INSTALL_DIR="+e.powerpipeInstallTo,
		"POWERPIPE_UPDATE_CHECK=false", "POWERPIPE_TELEMETRY=none")
	return cmd
}

// dbArgs point Powerpipe at the bridge schema of a.
func (e *env) dbArgs(a account) []string {
	return []string{"--database", e.db, "--search-path-prefix", a.schema}
}

// benchmarkRun is what one Powerpipe benchmark run exported.
type benchmarkRun struct {
	csv      []byte
	controls map[string]exportedControl
}

// exportedControl is one control of Powerpipe's JSON export.
type exportedControl struct {
	ControlID string `json:"control_id"`
	RunError  string `json:"run_error"`
	Results   []struct {
		Reason   string `json:"reason"`
		Resource string `json:"resource"`
		Status   string `json:"status"`
	} `json:"results"`
}

// exportedGroup is one benchmark of Powerpipe's JSON export.
type exportedGroup struct {
	GroupID  string            `json:"group_id"`
	Groups   []exportedGroup   `json:"groups"`
	Controls []exportedControl `json:"controls"`
}

// benchmarkOptions are what one benchmark run adds to the command line and
// expects.
type benchmarkOptions struct {
	// benchmark is the benchmark's full name; the root benchmark when "".
	benchmark string
	// args are extra Powerpipe arguments (--tag, --var).
	args []string
	// wantExits are the accepted exit codes.
	wantExits []int
	// wantControls are the control ids ("control.NAME") that must run, no more.
	wantControls []string
}

// allControls are the control ids of every rule.
func allControls() []string {
	var out []string
	for _, r := range rules.Catalogue() {
		out = append(out, "control."+r.ID)
	}
	return out
}

// benchmark runs the real Powerpipe on the bridge and checks its exit code,
// stderr and the controls that ran.
func (e *env) benchmark(t *testing.T, a account, o benchmarkOptions) benchmarkRun {
	t.Helper()
	dir := t.TempDir()
	csvPath, jsonPath := filepath.Join(dir, "out.csv"), filepath.Join(dir, "out.json")
	benchmark := cmp.Or(o.benchmark, benchmark)
	args := append([]string{"benchmark", "run", benchmark, "--export", csvPath, "--export", jsonPath, "--progress=false"}, e.dbArgs(a)...)
	args = append(args, o.args...)
	cmd := e.powerpipeCmd(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("powerpipe benchmark run %s %v (%s): exit %d in %v\n%s", benchmark, o.args, a.schema, code, time.Since(start).Round(time.Millisecond), tail(stdout.String(), 16))
	if code == 250 || !slices.Contains(o.wantExits, code) {
		t.Fatalf("powerpipe exit %d, want one of %v (2: a control errored, 250: set-up failed)\nstdout:\n%s\nstderr:\n%s", code, o.wantExits, stdout.String(), stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.TrimSpace(line) == "" || strings.Contains(line, "--database has been deprecated") {
			continue
		}
		t.Errorf("powerpipe stderr: %s", line)
	}

	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var root exportedGroup
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatalf("powerpipe JSON export: %v", err)
	}
	// Powerpipe wraps the benchmark run in a "root_result_group".
	if len(root.Groups) != 1 || root.Groups[0].GroupID != benchmark {
		t.Errorf("JSON export holds groups %v, want the one benchmark %s", groupIDs(root.Groups), benchmark)
	}
	controls := map[string]exportedControl{}
	var walk func(g exportedGroup)
	walk = func(g exportedGroup) {
		for _, c := range g.Controls {
			if _, dup := controls[c.ControlID]; dup {
				t.Errorf("control %s ran twice", c.ControlID)
			}
			controls[c.ControlID] = c
		}
		for _, sub := range g.Groups {
			walk(sub)
		}
	}
	walk(root)
	want := slices.Clone(o.wantControls)
	var got []string
	for id, c := range controls {
		got = append(got, id)
		if c.RunError != "" {
			t.Errorf("%s errored: %s", id, c.RunError)
		}
		if len(c.Results) == 0 {
			t.Errorf("%s returned no rows (every rule yields at least one finding)", id)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("controls that ran: %v\nwant: %v", got, want)
	}
	csvData, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	return benchmarkRun{csv: csvData, controls: controls}
}

// assertOneCollection checks the emulator's request log for the benchmark
// run: the account was read once (one GetCallerIdentity, one
// DescribeRegions), not once per control; for an organization, the
// management account also listed the accounts and assumed their roles.
func (e *env) assertOneCollection(t *testing.T, accountID string, organization bool) {
	t.Helper()
	calls, err := e.emulator.Calls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	total := 0
	for _, c := range calls {
		if c.AccountID == accountID {
			counts[c.Action]++
			total++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-45s %d\n", k, counts[k])
	}
	t.Logf("AWS API calls for the whole benchmark run (account %s): %d\n%s", accountID, total, b.String())
	if counts["ec2:DescribeRegions"] != 1 {
		t.Errorf("ec2:DescribeRegions called %d times during the benchmark run, want 1 (one account collection shared by the fourteen controls)", counts["ec2:DescribeRegions"])
	}
	// Every scan is a process that reads the caller identity before it is
	// served the cached snapshot of that identity.
	if counts["sts:GetCallerIdentity"] == 0 {
		t.Error("sts:GetCallerIdentity was never called during the benchmark run")
	}
	// The controls read findings only: no call beyond what some rule needs
	// (no ListTags, no GetInsightSelectors).
	needed := map[string]bool{"sts:GetCallerIdentity": true, "organizations:ListAccounts": organization, "sts:AssumeRole": organization}
	for _, r := range rules.Catalogue() {
		for _, a := range r.IAMActions {
			needed[a] = true
		}
	}
	for _, action := range keys {
		if !needed[action] {
			t.Errorf("%s called %d times during the benchmark run, though no rule needs it", action, counts[action])
		}
	}
}

// assertEveryAccountReported checks that the organization run's CSV holds
// rows of every account of the layout: the audited ones, the one whose
// role is missing (its errors) and the suspended one (its skip).
func (e *env) assertEveryAccountReported(t *testing.T, powerpipeCSV []byte) {
	t.Helper()
	recs := readCSV(t, "powerpipe", powerpipeCSV)
	col := slices.Index(recs[0], "account_id")
	if col < 0 {
		t.Fatalf("CSV header %v has no account_id", recs[0])
	}
	got := map[string]int{}
	for _, r := range recs[1:] {
		got[r[col]]++
	}
	want := append([]string{seed.LogArchiveAccountID, seed.SecurityAccountID, seed.RoleMissingAccountID, seed.SuspendedAccountID}, seed.MemberAccountIDs...)
	for _, id := range want {
		if got[id] == 0 {
			t.Errorf("the organization's benchmark CSV has no row of account %s (rows by account: %v)", id, got)
		}
	}
	t.Logf("organization benchmark CSV rows by account: %v", got)
}

// finding is a (resource, status, reason) row.
type finding struct{ resource, status, reason string }

// connect opens a connection to the test database, closed when the test ends.
func (e *env) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// assertControlsMatchFindings compares each control's rows with the
// cloudtrailcc_finding rows of its rule as a control reports them
// (control_status, control_reason), read through the bridge with pgx.
func (e *env) assertControlsMatchFindings(t *testing.T, a account, controls map[string]exportedControl) {
	t.Helper()
	ctx := context.Background()
	conn := e.connect(t)
	for _, r := range rules.Catalogue() {
		rows, err := conn.Query(ctx, "SELECT resource, control_status, control_reason FROM "+pgx.Identifier{a.schema, "cloudtrailcc_finding"}.Sanitize()+" WHERE rule_id = $1", r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (finding, error) {
			var f finding
			err := row.Scan(&f.resource, &f.status, &f.reason)
			return f, err
		})
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		var got []finding
		for _, res := range controls["control."+r.ID].Results {
			got = append(got, finding{res.Resource, res.Status, res.Reason})
		}
		cmp := func(x, y finding) int {
			return strings.Compare(x.resource+"\x00"+x.status+"\x00"+x.reason, y.resource+"\x00"+y.status+"\x00"+y.reason)
		}
		slices.SortFunc(want, cmp)
		slices.SortFunc(got, cmp)
		if !slices.Equal(got, want) {
			t.Errorf("control %s rows differ from cloudtrailcc_finding:\ncontrol: %v\nfinding: %v", r.ID, got, want)
		}
	}
}

// assertCSVMatchesCLI compares Powerpipe's CSV export with the CLI's
// `check --output csv` for the same account (the bridge's connection file,
// so both read the same cached snapshot), row for row after sorting.
func (e *env) assertCSVMatchesCLI(t *testing.T, a account, powerpipeCSV []byte) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(e.stateDir, a.schema+"-*.spc"))
	if len(files) != 1 {
		t.Fatalf("bridge connection files for %s: %v", a.schema, files)
	}
	// As the database server's OS user, who owns the bridge's files: the
	// snapshot cache serves only its own user, so the check then reads the
	// snapshot the benchmark run read.
	code, out, errOut := e.cliRunAs(t, ownerOf(t, files[0]), "check", "--output", "csv", "--config", files[0])
	if code != 0 && code != 1 && !(a.organization() && code == 3) {
		t.Fatalf("cloudtrailcc check: exit %d\n%s", code, errOut)
	}
	pp, cli := readCSV(t, "powerpipe", powerpipeCSV), readCSV(t, "cli", []byte(out))
	if !slices.Equal(pp[0], cli[0]) {
		t.Fatalf("CSV headers differ:\npowerpipe: %v\ncli:       %v", pp[0], cli[0])
	}
	ppRows, cliRows := joinRows(pp[1:]), joinRows(cli[1:])
	if !slices.Equal(ppRows, cliRows) {
		for _, r := range diff(ppRows, cliRows) {
			t.Errorf("only in powerpipe: %s", r)
		}
		for _, r := range diff(cliRows, ppRows) {
			t.Errorf("only in cli:       %s", r)
		}
	}
	t.Logf("CSV: %d rows, identical to cloudtrailcc check --output csv after sorting", len(ppRows))
}

func readCSV(t *testing.T, what string, b []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s CSV: %v", what, err)
	}
	if len(recs) < 2 {
		t.Fatalf("%s CSV has no rows:\n%s", what, b)
	}
	return recs
}

// joinRows renders records as sorted lines.
func joinRows(recs [][]string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = strings.Join(r, " | ")
	}
	slices.Sort(out)
	return out
}

// diff returns the lines of a that b lacks (multiset).
func diff(a, b []string) []string {
	left := map[string]int{}
	for _, s := range b {
		left[s]++
	}
	var out []string
	for _, s := range a {
		if left[s] > 0 {
			left[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}

// assertDashboardQueriesRun lists the dashboard and runs each of its
// panels' queries with Powerpipe against the bridge.
func (e *env) assertDashboardQueriesRun(t *testing.T, a account) {
	t.Helper()
	out, err := e.powerpipeCmd("dashboard", "list").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "cloudtrailcc.dashboard.cloudtrail_posture") {
		t.Fatalf("powerpipe dashboard list: %v\n%s", err, out)
	}
	m, err := mods.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := m.Dashboards["cloudtrail_posture"]
	if d == nil || len(d.Panels) == 0 {
		t.Fatal("the mod has no cloudtrail_posture dashboard panels")
	}
	for _, p := range d.Panels {
		name := "cloudtrailcc." + p.Query
		args := append([]string{"query", "run", name, "--output", "json"}, e.dbArgs(a)...)
		for _, k := range slices.Sorted(maps.Keys(p.Args)) {
			args = append(args, "--arg", k+"="+p.Args[k])
		}
		cmd := e.powerpipeCmd(args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("%s panel %s: %v\n%s", p.Kind, name, err, stderr.String())
			continue
		}
		var res struct {
			Rows []map[string]any `json:"rows"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
			t.Errorf("%s: JSON output: %v", name, err)
			continue
		}
		switch {
		case p.Kind == "card" && (len(res.Rows) != 1 || res.Rows[0]["value"] == nil):
			t.Errorf("card %s: rows %v, want one row with a value", name, res.Rows)
		case p.Kind == "chart" && len(res.Rows) == 0:
			t.Errorf("chart %s: no rows", name)
		case p.Kind == "table" && a.wantAlarmsRows && len(res.Rows) == 0:
			t.Errorf("table %s: no alarms listed for the %s account", name, a.schema)
		}
	}
}

// assertDashboardSnapshot runs the whole dashboard headless (Powerpipe's
// snapshot output: every panel's query, as the web UI would run them) and
// logs its cards.
func (e *env) assertDashboardSnapshot(t *testing.T, a account) {
	t.Helper()
	cmd := e.powerpipeCmd(append([]string{"dashboard", "run", "cloudtrailcc.dashboard.cloudtrail_posture", "--output", "snapshot"}, e.dbArgs(a)...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("powerpipe dashboard run: %v\n%s", err, stderr.String())
	}
	var snap struct {
		Panels map[string]struct {
			PanelType string `json:"panel_type"`
			Status    string `json:"status"`
			Error     string `json:"error"`
			Data      *struct {
				Rows []map[string]any `json:"rows"`
			} `json:"data"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &snap); err != nil {
		t.Fatalf("dashboard snapshot: %v", err)
	}
	m, err := mods.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, p := range m.Dashboards["cloudtrail_posture"].Panels {
		want[p.Kind]++
	}
	got := map[string]int{}
	var cards []string
	for name, p := range snap.Panels {
		if p.Status != "complete" || p.Error != "" {
			t.Errorf("dashboard panel %s: status %s, error %q", name, p.Status, p.Error)
		}
		if want[p.PanelType] == 0 {
			continue
		}
		got[p.PanelType]++
		if p.PanelType == "card" && p.Data != nil && len(p.Data.Rows) == 1 {
			r := p.Data.Rows[0]
			cards = append(cards, fmt.Sprintf("%v: %v (%v)", r["label"], r["value"], r["type"]))
		}
	}
	for kind, n := range want {
		if got[kind] != n {
			t.Errorf("dashboard snapshot has %d %s panels, the mod declares %d", got[kind], kind, n)
		}
	}
	slices.Sort(cards)
	t.Logf("dashboard cards (%s): %s", a.schema, strings.Join(cards, "; "))
}

// groupIDs lists the ids of groups.
func groupIDs(gs []exportedGroup) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.GroupID)
	}
	return out
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// stderrOf adds a command's stderr to its error.
func stderrOf(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}

// assertCISTagSelectsCISControls runs the benchmark with --tag cis=true:
// exactly the controls the mod tags cis = "true" (the rules the catalogue
// maps to a CIS item) run. Then it runs the CIS v3-v5 benchmark with --tag
// cis_item_id=3.4: exactly that version's controls of CIS item 3.4 run.
func (e *env) assertCISTagSelectsCISControls(t *testing.T, a account) {
	t.Helper()
	m, err := mods.Load()
	if err != nil {
		t.Fatal(err)
	}
	leaves, err := m.Walk(mods.RootBenchmark)
	if err != nil {
		t.Fatal(err)
	}
	var cis []string
	for _, l := range leaves {
		if l.Control.Tags["cis"] == "true" {
			cis = append(cis, "control."+l.Control.Name)
		}
	}
	if len(cis) == 0 || len(cis) == len(leaves) {
		t.Fatalf("%d of %d controls tagged cis = true: the run would not show the selection", len(cis), len(leaves))
	}
	run := e.benchmark(t, a, benchmarkOptions{args: []string{"--tag", "cis=true"}, wantExits: []int{0, 1, a.wantExit}, wantControls: cis})
	t.Logf("--tag cis=true ran the %d CIS-mapped controls (%d CSV lines)", len(run.controls), bytes.Count(run.csv, []byte("\n")))

	const cisBenchmark, item = "cis_v3_v5", "3.4"
	cisLeaves, err := m.Walk(cisBenchmark)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range cisLeaves {
		if l.Control.Tags["cis_item_id"] == item {
			want = append(want, "control."+l.Control.Name)
		}
	}
	if len(want) == 0 || len(want) == len(cisLeaves) {
		t.Fatalf("%d of %d controls of %s tagged cis_item_id = %s: the run would not show the selection", len(want), len(cisLeaves), cisBenchmark, item)
	}
	run = e.benchmark(t, a, benchmarkOptions{benchmark: "cloudtrailcc.benchmark." + cisBenchmark, args: []string{"--tag", "cis_item_id=" + item},
		wantExits: []int{0, 1, a.wantExit}, wantControls: want})
	recs := readCSV(t, "powerpipe", run.csv)
	col := slices.Index(recs[0], "cis_item_id")
	if col < 0 {
		t.Fatalf("CSV header %v has no cis_item_id column", recs[0])
	}
	for _, r := range recs[1:] {
		if r[col] != item {
			t.Errorf("--tag cis_item_id=%s: a row with cis_item_id %q: %v", item, r[col], r)
		}
	}
	t.Logf("%s --tag cis_item_id=%s ran %v (%d rows)", cisBenchmark, item, want, len(recs)-1)
}

// assertDimensionsFollowVariable runs the benchmark with connection_name
// added to common_dimensions: the CSV's dimension columns are the three,
// sorted as Powerpipe sorts them, and every row names the bridge's
// connection. (The default run's header, account_id and region, is compared
// with the CLI's in assertCSVMatchesCLI.)
func (e *env) assertDimensionsFollowVariable(t *testing.T, a account) {
	t.Helper()
	run := e.benchmark(t, a, benchmarkOptions{
		args:      []string{"--var", `common_dimensions=["account_id","region","connection_name"]`},
		wantExits: []int{a.wantExit}, wantControls: allControls(),
	})
	recs := readCSV(t, "powerpipe", run.csv)
	header := recs[0]
	i := slices.Index(header, "severity")
	if i < 0 || len(header) < i+4 || !slices.Equal(header[i+1:i+4], []string{"account_id", "connection_name", "region"}) {
		t.Fatalf("CSV header %v: want the dimensions account_id, connection_name, region after severity", header)
	}
	conn := i + 2
	names := map[string]int{}
	for _, r := range recs[1:] {
		names[r[conn]]++
	}
	if len(names) != 1 || names[""] > 0 || names["<nil>"] > 0 {
		t.Errorf("connection_name column values %v, want the one bridge connection on every row", names)
	}
	t.Logf("--var common_dimensions with connection_name: header %v, connection_name %v", header[i+1:i+4], names)
}

// assertTagDimensionsAddTagColumns runs the benchmark with the owner tag in
// tag_dimensions: the CSV gains an owner column holding the tag of each
// finding's trail or bucket (NULL for account and region findings), and
// only this run reads the tags (the default run's calls are asserted by
// assertOneCollection). Accounts seeded without tags are not asked.
func (e *env) assertTagDimensionsAddTagColumns(t *testing.T, a account, seeded *seed.Account) {
	t.Helper()
	const key = "owner"
	tagged := map[string]string{} // resource ARN -> owner tag
	for _, tr := range seeded.Trails {
		if v, ok := tr.Tags[key]; ok {
			tagged[tr.ARN] = v
		}
	}
	for _, b := range seeded.Buckets {
		if v, ok := b.Tags[key]; ok {
			tagged["arn:"+seeded.Partition+":s3:::"+b.Name] = v
		}
	}
	if len(tagged) == 0 {
		return
	}
	if err := e.emulator.ResetCalls(context.Background()); err != nil {
		t.Fatal(err)
	}
	run := e.benchmark(t, a, benchmarkOptions{
		args:      []string{"--var", `tag_dimensions=["` + key + `"]`},
		wantExits: []int{a.wantExit}, wantControls: allControls(),
	})
	recs := readCSV(t, "powerpipe", run.csv)
	col, res := slices.Index(recs[0], key), slices.Index(recs[0], "resource")
	if col < 0 || res < 0 {
		t.Fatalf("CSV header %v: no %s column (or no resource column)", recs[0], key)
	}
	seen := map[string]int{}
	for _, r := range recs[1:] {
		want, ok := tagged[r[res]]
		if !ok {
			want = "<nil>" // NULL: Powerpipe writes a NULL dimension so
		}
		if r[col] != want {
			t.Errorf("%s on %s: %s = %q, want %q", r[slices.Index(recs[0], "control_id")], r[res], key, r[col], want)
		}
		if ok {
			seen[r[res]]++
		}
	}
	if len(seen) != len(tagged) {
		t.Errorf("rows about the tagged resources %v, want every one of %v", seen, tagged)
	}
	calls, err := e.emulator.Calls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]int{}
	for _, c := range calls {
		read[c.Action]++
	}
	// the trails' tags may come from the connection's cache: a bridge
	// query of cloudtrailcc_trail (a foreign table exports every column)
	// reads them; the default run above read none, so a tag read here is
	// the tag_dimensions run's
	if read["cloudtrail:ListTags"]+read["s3:GetBucketTagging"] == 0 {
		t.Errorf("the tag_dimensions run read no tags (ListTags %d, GetBucketTagging %d), yet the default run read none either",
			read["cloudtrail:ListTags"], read["s3:GetBucketTagging"])
	}
	t.Logf("--var tag_dimensions=[%q]: %d rows, the tag on %d resources", key, len(recs)-1, len(seen))
}
