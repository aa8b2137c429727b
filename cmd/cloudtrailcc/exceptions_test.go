package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// day is today (UTC) plus days, as YYYY-MM-DD.
func day(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format("2006-01-02") }

// writeFile writes content to dir/name and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// euAppTrail matches the demo's eu-west-1 trail, whose SNS topic is gone
// (the one sns_topic_exists alarm of the demo account).
const euAppTrail = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/cloudtrailcc-seed-demo-eu-app-*"

// checkJSON runs check with --output json and decodes the report.
func checkJSON(t *testing.T, dir string, args ...string) (report.JSONReport, result) {
	t.Helper()
	r := cli(t, dir, append([]string{"check", "--output", "json"}, args...)...)
	var doc report.JSONReport
	if r.code == exitOK || r.code == exitAlarm {
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("stdout is not the JSON report: %v\n%s", err, r.stdout)
		}
	}
	return doc, r
}

// onlyAlarm returns the one alarm of a report, failing when there is not exactly one.
func onlyAlarm(t *testing.T, doc report.JSONReport) report.JSONFinding {
	t.Helper()
	var alarms []report.JSONFinding
	for _, f := range doc.Findings {
		if f.Status == "alarm" {
			alarms = append(alarms, f)
		}
	}
	if len(alarms) != 1 {
		t.Fatalf("%d alarms, want 1: %+v", len(alarms), alarms)
	}
	return alarms[0]
}

func TestAMatchingExceptionSuppressesTheAlarmEverywhere(t *testing.T) {
	url := seededEmulator(t)
	dir := t.TempDir()
	conn := append([]string{"--rule", "sns_topic_exists"}, emulatorArgs(url)...)
	before, r := checkJSON(t, dir, conn...)
	if r.code != exitAlarm {
		t.Fatalf("without exceptions: exit %d, want %d (the demo's missing topic)", r.code, exitAlarm)
	}
	alarm := onlyAlarm(t, before)

	writeFile(t, dir, "accepted.hcl", `# accepted risks
exception {
  rule     = "sns_topic_exists"
  resource = "`+euAppTrail+`"
  account  = "123456789012"
  region   = "eu-west-1"
  reason   = "topic retired with the old pager; SEC-7"
  expires  = "`+day(30)+`"
  owner    = "secops"
}
`)
	args := append([]string{"check", "--output", "csv", "--exceptions", "accepted.hcl",
		"--export", "f.json", "--export", "f.asff.json", "--export", "f.ocsf.json", "--export", "f.junit.xml"}, conn...)
	r = cli(t, dir, args...)
	if r.code != exitOK {
		t.Fatalf("every alarm suppressed, yet exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "skip 2 (1 suppressed)") || !strings.Contains(r.stderr, "alarm 0") {
		t.Errorf("summary does not count the suppressed alarm as a skip:\n%s", r.stderr)
	}
	wantReason := "suppressed until " + day(30) + " by secops: topic retired with the old pager; SEC-7 (was: " + alarm.Reason + ")"
	_, rows := readCSVText(t, r.stdout)
	found := false
	for _, row := range rows {
		if row["resource"] != alarm.Resource {
			continue
		}
		found = true
		if row["status"] != "skip" || row["reason"] != wantReason {
			t.Errorf("CSV row: status %q reason %q\nwant skip %q", row["status"], row["reason"], wantReason)
		}
	}
	if !found {
		t.Errorf("no CSV row for %s", alarm.Resource)
	}

	var doc report.JSONReport
	readJSON(t, filepath.Join(dir, "f.json"), &doc)
	got := onlyAlarm(t, doc)
	if !got.Suppressed || got.SuppressionReason != "topic retired with the old pager; SEC-7" || got.SuppressionExpires != day(30) ||
		got.SuppressionOwner != "secops" || got.Reason != alarm.Reason {
		t.Errorf("JSON finding keeps its status and reason and gains the suppression: %+v", got.Finding)
	}
	var asff []report.ASFFFinding
	readJSON(t, filepath.Join(dir, "f.asff.json"), &asff)
	var ocsf []report.OCSFFinding
	readJSON(t, filepath.Join(dir, "f.ocsf.json"), &ocsf)
	suppressed := 0
	for i, a := range asff {
		if a.Workflow.Status != "SUPPRESSED" {
			continue
		}
		suppressed++
		if a.Compliance.Status != "FAILED" || a.Note == nil || !strings.HasPrefix(a.Note.Text, "suppressed until "+day(30)+" by secops: ") || a.Note.UpdatedBy != "secops" {
			t.Errorf("ASFF suppressed finding: compliance %s, note %+v", a.Compliance.Status, a.Note)
		}
		if o := ocsf[i]; o.StatusID != 3 || o.Status != "Suppressed" || o.Compliance.Status != "Fail" {
			t.Errorf("OCSF event of the suppressed alarm: status_id %d %q, compliance %q", o.StatusID, o.Status, o.Compliance.Status)
		}
	}
	if suppressed != 1 {
		t.Errorf("%d ASFF findings with Workflow.Status SUPPRESSED, want 1", suppressed)
	}
	// --status filters on the status the outputs show
	for status, want := range map[string]int{"alarm": 0, "skip": 1} {
		doc, _ := checkJSON(t, dir, append([]string{"--exceptions", "accepted.hcl", "--status", status}, conn...)...)
		n := 0
		for _, f := range doc.Findings {
			if f.Resource == alarm.Resource {
				n++
			}
		}
		if n != want {
			t.Errorf("--status %s: %d findings of the suppressed alarm's trail, want %d", status, n, want)
		}
	}
	junit, err := os.ReadFile(filepath.Join(dir, "f.junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(junit), "<failure") || !strings.Contains(string(junit), "suppressed until "+day(30)) {
		t.Errorf("JUnit: the suppressed alarm must be skipped, not failed:\n%s", junit)
	}
}

func TestAnExpiredExceptionNoLongerSuppresses(t *testing.T) {
	url := seededEmulator(t)
	dir := t.TempDir()
	writeFile(t, dir, "accepted.yaml", `exceptions:
  - rule: sns_topic_exists
    resource: "`+euAppTrail+`"
    reason: topic retired with the old pager
    expires: `+day(-1)+`
    owner: secops
`)
	conn := append([]string{"--rule", "sns_topic_exists"}, emulatorArgs(url)...)
	before, _ := checkJSON(t, dir, conn...)
	doc, r := checkJSON(t, dir, append([]string{"--exceptions", "accepted.yaml"}, conn...)...)
	if r.code != exitAlarm {
		t.Fatalf("expired exception: exit %d, want %d; stderr:\n%s", r.code, exitAlarm, r.stderr)
	}
	got := onlyAlarm(t, doc)
	want := onlyAlarm(t, before).Reason + " (its exception, accepted.yaml:2, expired on " + day(-1) + ")"
	if got.Suppressed || got.Reason != want {
		t.Errorf("finding: suppressed %v, reason %q\nwant not suppressed, reason %q", got.Suppressed, got.Reason, want)
	}
}

func TestAnExceptionMatchingNothingIsReportedOnceAsStale(t *testing.T) {
	url := seededEmulator(t)
	dir := t.TempDir()
	writeFile(t, dir, "accepted.hcl", `exception {
  rule     = "log_file_validation"
  resource = "arn:aws:cloudtrail:*:trail/decommissioned"
  reason   = "removed with the old VPC"
  expires  = "`+day(10)+`"
}

exception {
  rule     = "*"
  resource = "arn:aws:s3:::no-such-bucket-*"
  reason   = "bucket gone"
  expires  = "`+day(10)+`"
}
`)
	conn := append([]string{"--exceptions", "accepted.hcl"}, emulatorArgs(url)...)
	doc, r := checkJSON(t, dir, conn...)
	if r.code != exitAlarm {
		t.Fatalf("exit %d, want %d: the demo's alarms stand; stderr:\n%s", r.code, exitAlarm, r.stderr)
	}
	stale := map[string]string{}
	for _, f := range doc.Findings {
		if strings.HasPrefix(f.Reason, "stale exception ") {
			if _, dup := stale[f.RuleID]; dup {
				t.Errorf("%s reports a stale exception twice", f.RuleID)
			}
			stale[f.RuleID] = f.Reason
			if f.Status != "info" || f.Resource != "arn:aws:::123456789012" || f.Suppressed {
				t.Errorf("stale finding: %+v", f.Finding)
			}
		}
	}
	want := map[string]string{
		"log_file_validation": "stale exception accepted.hcl:1 (rule log_file_validation, resource arn:aws:cloudtrail:*:trail/decommissioned) matches no alarm",
		"multi_region":        "stale exception accepted.hcl:8 (rule *, resource arn:aws:s3:::no-such-bucket-*) matches no alarm",
	}
	if len(stale) != len(want) {
		t.Errorf("stale findings %v, want one per entry: %v", stale, want)
	}
	for rule, prefix := range want {
		if !strings.HasPrefix(stale[rule], prefix) {
			t.Errorf("%s: stale reason %q, want %q...", rule, stale[rule], prefix)
		}
	}

	// Powerpipe runs one query per control: multi_region alone still
	// reports the entry for every rule, and log_file_validation alone its own.
	for _, rule := range []string{"multi_region", "log_file_validation"} {
		one, _ := checkJSON(t, dir, append([]string{"--rule", rule}, conn...)...)
		n := 0
		for _, f := range one.Findings {
			if strings.HasPrefix(f.Reason, "stale exception ") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("--rule %s: %d stale findings, want 1", rule, n)
		}
	}
}

func TestAMalformedExceptionsFileIsOneErrorNamingTheLineAndExit2(t *testing.T) {
	url := seededEmulator(t)
	dir := t.TempDir()
	bad := writeFile(t, dir, "accepted.hcl", `exception {
  rule     = "sns_topic_exists"
  resource = "`+euAppTrail+`"
  reason   = "topic retired"
  expires  = "next year"
}
`)
	r := cli(t, dir, append([]string{"check", "--exceptions", "accepted.hcl"}, emulatorArgs(url)...)...)
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
	}
	r.oneErrorLine(t, "exceptions_file", bad+`:5: expires "next year" is not a date; write YYYY-MM-DD`)

	link := filepath.Join(dir, "link.hcl")
	if err := os.Symlink(bad, link); err != nil {
		t.Fatal(err)
	}
	r = cli(t, dir, append([]string{"export", "cloudtrailcc_exception", "--exceptions", link}, emulatorArgs(url)...)...)
	if r.code != exitUsage {
		t.Fatalf("symbolic link: exit %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
	}
	r.oneErrorLine(t, link+" is a symbolic link")
}

// readCSVText parses CSV text into its header and rows.
func readCSVText(t *testing.T, text string) ([]string, []map[string]string) {
	t.Helper()
	path := writeFile(t, t.TempDir(), "out.csv", text)
	return readCSV(t, path)
}

// TestAnExceptionForEverythingNeedsAllowAllAndWarnsOnEveryRun: rule "*"
// with resource "*" used to hide every alarm, critical ones included,
// without a word. Without allow_all = true it is refused (exit 2, one line
// naming the file and line); with it, every run prints one warning line on
// stderr and reports an info finding saying how many alarms it matches.
func TestAnExceptionForEverythingNeedsAllowAllAndWarnsOnEveryRun(t *testing.T) {
	url := seededEmulator(t)
	dir := t.TempDir()
	entry := "exception {\n  rule     = \"*\"\n  resource = \"arn:aws:*\"\n  reason   = \"account being migrated\"\n  expires  = \"" + day(30) + "\"\n"
	all := writeFile(t, dir, "all.hcl", entry+"}\n")
	r := cli(t, dir, append([]string{"check", "--exceptions", "all.hcl"}, emulatorArgs(url)...)...)
	if r.code != exitUsage {
		t.Fatalf("without allow_all: exit %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
	}
	r.oneErrorLine(t, all+":1: this exception matches every rule and every resource", "write allow_all = true")

	writeFile(t, dir, "all.hcl", entry+"  allow_all = true\n}\n")
	for run := 1; run <= 2; run++ {
		doc, r := checkJSON(t, dir, append([]string{"--exceptions", "all.hcl"}, emulatorArgs(url)...)...)
		if r.code != exitOK {
			t.Fatalf("run %d: exit %d, want 0 (every alarm accepted); stderr:\n%s", run, r.code, r.stderr)
		}
		var warned []string
		for _, l := range strings.Split(r.stderr, "\n") {
			if strings.Contains(l, "accepts every alarm of every rule and resource") {
				warned = append(warned, l)
			}
		}
		if len(warned) != 1 || !strings.HasPrefix(warned[0], "warning: exceptions_file "+all+":1 accepts every alarm") {
			t.Errorf("run %d: warning lines %q, want one naming %s:1", run, warned, all)
		}
		suppressed, notices := 0, 0
		for _, f := range doc.Findings {
			if f.Suppressed {
				suppressed++
			}
		}
		for _, f := range doc.Findings {
			if f.Status == "info" && strings.HasPrefix(f.Reason, "exception all.hcl:1 accepts every alarm") && strings.Contains(f.Reason, fmt.Sprintf("it matches %d alarms", suppressed)) {
				notices++
			}
		}
		if suppressed == 0 {
			t.Errorf("run %d: no alarm suppressed; the seeded account has alarms", run)
		}
		if notices != 1 {
			t.Errorf("run %d: %d allow_all info findings, want 1", run, notices)
		}
	}
}

// TestAnExceptionsFileOthersCanReplaceIsRefused: a file in a directory
// group or others may write can be swapped by another user; the CLI
// refuses it with one line naming the directory and what to do.
func TestAnExceptionsFileOthersCanReplaceIsRefused(t *testing.T) {
	url := seededEmulator(t)
	shared := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, shared, "accepted.hcl", "exception {\n  rule = \"sns_topic_exists\"\n  resource = \""+euAppTrail+"\"\n  reason = \"r\"\n  expires = \""+day(30)+"\"\n}\n")
	r := cli(t, "", append([]string{"check", "--exceptions", path}, emulatorArgs(url)...)...)
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
	}
	r.oneErrorLine(t, "exceptions_file: "+path+": the directory above it "+shared+" is writable by group or others (mode 0777)", "chmod go-w "+shared)
}
