package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/drift"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// seeded starts an emulator, seeds it with scenario and returns its URL,
// target and account.
func seeded(t *testing.T, scenario func(context.Context, seed.Target) (*seed.Account, error)) (string, seed.Target, *seed.Account) {
	t.Helper()
	url := emulator(t)
	tg := seed.Target{EndpointURL: url, AccessKey: demoAccessKey, SecretKey: demoSecretKey, Control: emuclient.New(url)}
	acct, err := scenario(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	return url, tg, acct
}

// exportJSON runs check against url and returns the path of its JSON export.
func exportJSON(t *testing.T, url, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if r := cli(t, dir, append([]string{"check", "--output", "csv", "--export", path}, emulatorArgs(url)...)...); r.code != 0 && r.code != exitAlarm {
		t.Fatalf("check exit %d: %s", r.code, r.stderr)
	}
	return path
}

// diffJSON runs diff --output json and decodes the changes.
func diffJSON(t *testing.T, old, cur string, extra ...string) ([]drift.Change, int) {
	t.Helper()
	r := cli(t, "", append([]string{"diff", old, cur, "--output", "json"}, extra...)...)
	if r.code != 0 && r.code != exitAlarm {
		t.Fatalf("diff exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Changes []drift.Change `json:"changes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("diff output is not JSON: %v\n%s", err, r.stdout)
	}
	return doc.Changes, r.code
}

func TestDiffCleanAndBadAccountsReportsNewAlarmsOnlyOneWay(t *testing.T) {
	dir := t.TempDir()
	cleanURL, _, _ := seeded(t, seed.Clean)
	badURL, _, _ := seeded(t, seed.Bad)
	clean := exportJSON(t, cleanURL, dir, "clean.json")
	bad := exportJSON(t, badURL, dir, "bad.json")

	changes, code := diffJSON(t, clean, bad)
	if code != exitAlarm {
		t.Errorf("clean -> bad: exit %d, want 1 (new alarms)", code)
	}
	var newAlarms int
	for _, c := range changes {
		// the two accounts share only the account and its regions
		if c.Kind != drift.New && c.Kind != drift.Resolved && (strings.Contains(c.Resource, ":trail/") || strings.Contains(c.Resource, ":s3:::")) {
			t.Errorf("clean and bad share no trail or bucket, yet %s on %s", c.Kind, c.Resource)
		}
		if c.Kind == drift.New && c.NewStatus == "alarm" {
			newAlarms++
		}
	}
	if newAlarms == 0 {
		t.Error("no new alarm from clean to bad")
	}
	// the way back resolves every alarm: nothing regresses
	back, code := diffJSON(t, bad, clean)
	if code != 0 || len(back) != len(changes) {
		t.Errorf("bad -> clean: exit %d with %d changes, want 0 with %d", code, len(back), len(changes))
	}
	if r := cli(t, "", "diff", bad, clean, "--output", "md"); r.code != 0 || !strings.Contains(r.stdout, "| rule | account | change |") {
		t.Errorf("markdown diff: exit %d\n%s", r.code, r.stdout)
	}
}

func TestDiffAfterOneChangeReportsExactlyThatChange(t *testing.T) {
	dir := t.TempDir()
	url, tg, acct := seeded(t, seed.Clean)
	before := exportJSON(t, url, dir, "before.json")
	if changes, code := diffJSON(t, before, exportJSON(t, url, dir, "again.json")); len(changes) != 0 || code != 0 {
		t.Fatalf("two runs of an unchanged account differ (exit %d): %+v", code, changes)
	}

	// a single change: the trail bucket's access logging is switched off
	trail := acct.Trail("main")
	clients, err := seed.NewClients(tg, trail.HomeRegion)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients.S3.PutBucketLogging(context.Background(), &s3.PutBucketLoggingInput{
		Bucket: aws.String(trail.Bucket), BucketLoggingStatus: &s3types.BucketLoggingStatus{}}); err != nil {
		t.Fatal(err)
	}
	noLogging := exportJSON(t, url, dir, "no-logging.json")
	changes, code := diffJSON(t, before, noLogging)
	if len(changes) != 1 {
		t.Fatalf("%d changes, want exactly one: %+v", len(changes), changes)
	}
	c := changes[0]
	if c.Kind != drift.StatusChanged || c.RuleID != "bucket_access_logging" || c.OldStatus != "ok" || c.NewStatus != "alarm" ||
		!strings.HasSuffix(c.Resource, ":::"+trail.Bucket) || c.Severity != "high" {
		t.Errorf("change %+v, want bucket_access_logging ok -> alarm on %s", c, trail.Bucket)
	}
	if code != exitAlarm {
		t.Errorf("a new high alarm: exit %d, want 1", code)
	}
	if _, code := diffJSON(t, before, noLogging, "--fail-on", "critical"); code != 0 {
		t.Errorf("--fail-on critical and a new high alarm: exit %d, want 0", code)
	}

	// a second change, of medium severity: the trail's KMS key is disabled
	seed.NewBuilder(context.Background(), tg, "change").SetKeyState(trail.KeyARN, seed.KeyDisabled)
	keyOff := exportJSON(t, url, dir, "key-off.json")
	changes, code = diffJSON(t, noLogging, keyOff, "--fail-on", "high")
	if len(changes) != 1 || changes[0].RuleID != "kms_encryption" || changes[0].NewStatus != "alarm" || changes[0].Severity != "medium" {
		t.Fatalf("changes %+v, want kms_encryption -> alarm (medium)", changes)
	}
	if code != 0 {
		t.Errorf("--fail-on high and a new medium alarm: exit %d, want 0", code)
	}
	if _, code := diffJSON(t, noLogging, keyOff); code != exitAlarm {
		t.Errorf("--fail-on low and a new medium alarm: exit %d, want 1", code)
	}

	// check --baseline: the old alarm does not fail the run, the drift is on stderr
	r := cli(t, "", append([]string{"check", "--baseline", noLogging, "--fail-on", "high", "--output", "csv"}, emulatorArgs(url)...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "drift: 0 new, 0 resolved, 1 changed status") || !strings.Contains(r.stderr, "kms_encryption") {
		t.Errorf("check --baseline: exit %d\n%s", r.code, r.stderr)
	}
	if r := cli(t, "", append([]string{"check", "--baseline", before, "--output", "csv"}, emulatorArgs(url)...)...); r.code != exitAlarm {
		t.Errorf("check --baseline with new alarms: exit %d, want 1\n%s", r.code, r.stderr)
	}
}

func TestDiffBadInputIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"one argument", []string{"diff", "a.json"}, "two JSON exports"},
		{"missing file", []string{"diff", filepath.Join(dir, "nope.json"), filepath.Join(dir, "nope.json")}, "nope.json"},
		{"bad output", []string{"diff", "a", "b", "--output", "xml"}, "table, json, md"},
		{"bad baseline", []string{"check", "--baseline", filepath.Join(dir, "nope.json")}, "--baseline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, dir, tc.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want 2", r.code)
			}
			r.oneErrorLine(t, tc.want)
		})
	}
}
