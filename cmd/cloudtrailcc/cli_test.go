package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// cliBinary is the cloudtrailcc binary TestMain builds once for the tests.
var cliBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cloudtrailcc-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cliBinary = filepath.Join(dir, "cloudtrailcc")
	if out, err := exec.Command("go", "build", "-o", cliBinary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building cloudtrailcc: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	if seededServer != nil {
		seededServer.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary left behind.
type result struct {
	code           int
	stdout, stderr string
}

// cli runs the built binary in dir (a temp dir when empty) as a user with no
// AWS configuration: no AWS_* or CLOUDTRAILCC_* variables and an empty HOME
// (no ~/.aws). The EC2 instance metadata lookup is switched off so that the
// SDK's credential chain stays on loopback.
func cli(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return cliVia(t, dir, nil, args...)
}

// cliVia is cli with the binary run through a wrapper command line (e.g.
// prlimit with its options); none when wrapper is empty.
func cliVia(t *testing.T, dir string, wrapper []string, args ...string) result {
	t.Helper()
	return cliWithStderr(t, dir, wrapper, nil, args...)
}

// cliWithStderr is cliVia with the binary's stderr going to stderr when it is not
// nil (result.stderr is then empty).
func cliWithStderr(t *testing.T, dir string, wrapper []string, stderr io.Writer, args ...string) result {
	t.Helper()
	return execCLI(t, dir, wrapper, stderr, nil, args...)
}

// cliWithEnv is cli with env's variables set over the clean environment.
func cliWithEnv(t *testing.T, dir string, env map[string]string, args ...string) result {
	t.Helper()
	return execCLI(t, dir, nil, nil, env, args...)
}

// execCLI runs the built binary in dir (a temp dir when empty) through
// wrapper, in the clean environment (cleanEnv) with env's variables set
// over it; its stderr goes to stderr when that is not nil.
func execCLI(t *testing.T, dir string, wrapper []string, stderr io.Writer, env map[string]string, args ...string) result {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append(append(slices.Clone(wrapper), cliBinary), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(t)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if stderr != nil {
		cmd.Stderr = stderr
	}
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running cloudtrailcc %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// oneErrorLine asserts that stderr is exactly one "error: ..." line holding want.
func (r result) oneErrorLine(t *testing.T, want ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "error: ") {
		t.Fatalf("stderr is not one error line:\n%s", r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(lines[0], w) {
			t.Errorf("error line %q does not contain %q", lines[0], w)
		}
	}
}

// emulatorOptions keep the emulated accounts small: three regions, no
// LookupEvents pacing.
var emulatorOptions = awsemu.Options{Regions: []string{"us-east-1", "eu-west-1", "ap-southeast-2"}, LookupEventsRate: -1}

// emulator starts an empty AWS emulator for the test and returns its URL.
func emulator(t *testing.T) string {
	t.Helper()
	_, url := emulatorServer(t)
	return url
}

// emulatorServer starts an empty AWS emulator for the test and returns it
// (its request log counts the calls) with its URL.
func emulatorServer(t *testing.T) (*awsemu.Server, string) {
	t.Helper()
	srv := awsemu.New(emulatorOptions)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, url
}

// The emulator holding the demo account, shared by the tests that only read
// it (started by the first of them, closed by TestMain).
var (
	seededOnce   sync.Once
	seededServer *awsemu.Server
	seededURL    string
	seededErr    error
)

// seededEmulator returns the URL of the shared emulator seeded with
// seed.Demo (deliberate mistakes for every rule).
func seededEmulator(t *testing.T) string {
	t.Helper()
	seededOnce.Do(func() {
		seededServer = awsemu.New(emulatorOptions)
		if seededURL, seededErr = seededServer.Start("127.0.0.1:0"); seededErr != nil {
			return
		}
		_, seededErr = seed.Demo(context.Background(), seed.Target{EndpointURL: seededURL, AccessKey: demoAccessKey,
			SecretKey: demoSecretKey, Control: emuclient.New(seededURL)})
	})
	if seededErr != nil {
		t.Fatalf("seeding the demo account: %v", seededErr)
	}
	return seededURL
}

// emulatorArgs are the connection flags of the emulator's default account.
func emulatorArgs(url string) []string {
	return []string{"--endpoint-url", url, "--access-key", demoAccessKey, "--secret-key", demoSecretKey}
}

func ruleIDs() []string {
	var ids []string
	for _, r := range rules.Catalogue() {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestBadInputGetsOneLineNamingTheChoicesAndExit2(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown rule", []string{"check", "--rule", "no_such_rule"}, []string{`"no_such_rule"`, "valid rule ids: bucket_access_logging, bucket_mfa_delete"}},
		{"unknown status", []string{"check", "--status", "failed"}, []string{`"failed"`, "valid statuses: ok, alarm, info, skip, error"}},
		{"unknown output format", []string{"check", "--output", "xml"}, []string{`"xml"`, "valid formats: table, csv, json, asff, ocsf"}},
		{"unknown export ending", []string{"check", "--export", "findings.txt"}, []string{"findings.txt", ".csv", ".asff.json", ".ocsf.json", "csv, json, asff, ocsf"}},
		{"unknown fail-on", []string{"check", "--fail-on", "severe"}, []string{`"severe"`, "none, low, medium, high, critical"}},
		{"unknown table", []string{"export", "cloudtrailcc_nope"}, []string{`"cloudtrailcc_nope"`, "cloudtrailcc_finding", "cloudtrailcc_trail_bucket"}},
		{"unknown where column", []string{"export", "cloudtrailcc_finding", "--where", "colour=red"}, []string{`"colour"`, "columns: rule_id, title, status"}},
		{"unknown columns", []string{"export", "cloudtrailcc_rule", "--columns", "rule_id,nope"}, []string{`"nope"`, "columns: rule_id"}},
		{"malformed where", []string{"export", "cloudtrailcc_rule", "--where", "rule_id"}, []string{"COLUMN=VALUE"}},
		{"unknown export format", []string{"export", "cloudtrailcc_rule", "--output", "xml"}, []string{`"xml"`, "csv, json"}},
		{"export without table", []string{"export"}, []string{"TABLE", "cloudtrailcc_finding"}},
		{"unknown rules format", []string{"rules", "--output", "yaml"}, []string{`"yaml"`, "table, csv, json"}},
		{"unknown command", []string{"audit"}, []string{`"audit"`}},
		{"unknown flag", []string{"check", "--colour"}, []string{"--colour"}},
		{"bad connection value", []string{"export", "cloudtrailcc_rule", "--config-change-lookback", "forever"}, []string{"config_change_lookback", "forever"}},
		{"missing config file", []string{"check", "--config", "nope.spc"}, []string{"nope.spc"}},
		{"unknown log level", []string{"export", "cloudtrailcc_rule", "--log-level", "loud"}, []string{`"loud"`, "trace, debug"}},
		{"unknown plan format", []string{"remediate", "--format", "ansible"}, []string{`"ansible"`, "bash, terraform"}},
		{"unknown plan rule", []string{"remediate", "--rule", "no_such_rule", "--from", "x.json"}, []string{`"no_such_rule"`, "valid rule ids"}},
		{"missing plan export", []string{"remediate", "--from", "nope.json"}, []string{"--from", "nope.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, "", tc.args...)
			if r.code != exitUsage {
				t.Errorf("exit code %d, want %d", r.code, exitUsage)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", r.stdout)
			}
			r.oneErrorLine(t, tc.want...)
		})
	}
}

func TestCheckWithoutCredentialsSaysSoInOneLine(t *testing.T) {
	url := emulator(t)
	r := cli(t, "", "check", "--endpoint-url", url)
	if r.code != exitUsage || r.stdout != "" {
		t.Errorf("exit code %d, stdout %q; want 2 and nothing", r.code, r.stdout)
	}
	r.oneErrorLine(t, "error: no AWS credentials found: ", "AWS_ACCESS_KEY_ID")
}

func TestCheckWithWrongCredentialsSaysSoInOneLine(t *testing.T) {
	url := emulator(t)
	for _, tc := range []struct {
		name       string
		key, token string
		want       string
	}{
		{"wrong secret", demoAccessKey, "not-the-secret", "secret"},
		{"unknown access key", "AKIAUNKNOWN000000000", "whatever", "access key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, "", "check", "--endpoint-url", url, "--access-key", tc.key, "--secret-key", tc.token)
			if r.code != exitUsage || r.stdout != "" {
				t.Errorf("exit code %d, stdout %q; want 2 and nothing", r.code, r.stdout)
			}
			r.oneErrorLine(t, tc.want)
		})
	}
}

func TestRulesListsTheCatalogueWithBenchmarkGroups(t *testing.T) {
	r := cli(t, "", "rules", "--output", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var entries []catalogueEntry
	if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.ID)
		if e.GroupID == "" || e.ControlID != "control."+e.ID || len(e.IAMActions) == 0 {
			t.Errorf("rule %s: group %q control %q actions %v", e.ID, e.GroupID, e.ControlID, e.IAMActions)
		}
	}
	if !slices.Equal(got, ruleIDs()) {
		t.Errorf("rules %v, want %v", got, ruleIDs())
	}
	table := cli(t, "", "rules")
	for _, id := range ruleIDs() {
		if !strings.Contains(table.stdout, id) {
			t.Errorf("rules table lacks %s", id)
		}
	}
	// A rule without a Conformity id says why instead of a blank cell.
	for _, rule := range rules.Catalogue() {
		if rule.ConformityID != "" {
			continue
		}
		for _, line := range strings.Split(table.stdout, "\n") {
			if strings.Contains(line, " "+rule.ID+" ") && !strings.Contains(line, rules.NoConformityID) {
				t.Errorf("rules table row of %s does not say why it has no Conformity id:\n%s", rule.ID, line)
			}
		}
	}
}

func TestExportRuleTableWithQualsAndColumns(t *testing.T) {
	r := cli(t, "", "export", "cloudtrailcc_rule", "--where", "severity=high", "--columns", "rule_id,severity")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	for _, rule := range rules.Catalogue() {
		if rule.Severity == rules.SeverityHigh {
			want = append(want, []string{rule.ID, "high"})
		}
	}
	// rows come sorted by the printed columns
	slices.SortFunc(want, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	if !slices.Equal(recs[0], []string{"rule_id", "severity"}) || len(recs)-1 != len(want) {
		t.Fatalf("export gave\n%s", r.stdout)
	}
	for i, rec := range recs[1:] {
		if !slices.Equal(rec, want[i]) {
			t.Errorf("row %d = %v, want %v", i, rec, want[i])
		}
	}
}

func TestExportForTheBridgeHasEveryColumnAndNoHeader(t *testing.T) {
	r := cli(t, "", "export", "cloudtrailcc_rule", "--output", bridgeOutput)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(rules.Catalogue()) {
		t.Fatalf("%d records for %d rules (a header?)\n%s", len(recs), len(rules.Catalogue()), r.stdout)
	}
	plain := cli(t, "", "export", "cloudtrailcc_rule", "--output", "csv")
	header := strings.Split(strings.SplitN(plain.stdout, "\n", 2)[0], ",")
	if got := len(recs[0]); got != len(header)+len(sdkColumns) {
		t.Errorf("bridge rows have %d fields, want the %d table columns plus the SDK's %v", got, len(header), sdkColumns)
	}
}
