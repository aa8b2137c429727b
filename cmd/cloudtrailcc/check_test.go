package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// powerpipeCSVColumns is the fixed part of Powerpipe v1.5.2's benchmark CSV
// header; the dimension columns and then the tag columns follow.
var powerpipeCSVColumns = []string{"group_id", "title", "description", "control_id", "control_title",
	"control_description", "reason", "resource", "status", "severity"}

// readCSV reads a CSV file into its header and rows.
func readCSV(t *testing.T, path string) ([]string, []map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v", path, err)
	}
	if len(recs) == 0 {
		t.Fatalf("%s is empty", path)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return recs[0], rows
}

// checkPowerpipeCSV asserts the CSV at path has Powerpipe's benchmark layout
// and a row for every rule, each in the sub-benchmark the mod puts it in.
func checkPowerpipeCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	header, rows := readCSV(t, path)
	bench, err := report.LoadBenchmark()
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(powerpipeCSVColumns), "account_id", "region")
	want = append(want, bench.TagKeys...)
	if !slices.Equal(header, want) {
		t.Fatalf("CSV header\n got %v\nwant %v", header, want)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		id := strings.TrimPrefix(row["control_id"], "control.")
		c, ok := bench.Control(id)
		if !ok {
			t.Errorf("row for unknown control %q", row["control_id"])
			continue
		}
		if row["group_id"] != c.GroupID || row["title"] != c.GroupTitle || row["control_title"] != c.Title || row["rule_id"] != id {
			t.Errorf("row of %s: group %q title %q control_title %q rule_id tag %q", id, row["group_id"], row["title"], row["control_title"], row["rule_id"])
		}
		if !slices.Contains(rules.Statuses, rules.Status(row["status"])) || row["reason"] == "" || row["account_id"] != "123456789012" {
			t.Errorf("row of %s: status %q reason %q account %q", id, row["status"], row["reason"], row["account_id"])
		}
		seen[id] = true
	}
	for _, id := range ruleIDs() {
		if !seen[id] {
			t.Errorf("no CSV row for rule %s", id)
		}
	}
	return rows
}

func TestCheckExportsEveryFormatAndExitsOneOnAlarms(t *testing.T) {
	url := seededEmulator(t)
	dir := t.TempDir()
	args := append([]string{"check", "--output", "json", "--export", "f.csv", "--export", "f.asff.json", "--export", "f.ocsf.json"}, emulatorArgs(url)...)
	r := cli(t, dir, args...)
	if r.code != exitAlarm {
		t.Fatalf("exit code %d, want %d (the demo account has alarms); stderr:\n%s", r.code, exitAlarm, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "summary: 14 rules, ") || !strings.Contains(last, "alarm ") {
		t.Errorf("last stderr line is not the summary: %q", last)
	}
	var doc report.JSONReport
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, r.stdout)
	}
	var got []string
	for _, f := range doc.Findings {
		if !slices.Contains(got, f.RuleID) {
			got = append(got, f.RuleID)
		}
	}
	for _, id := range ruleIDs() {
		if !slices.Contains(got, id) {
			t.Errorf("JSON has no finding of rule %s", id)
		}
	}
	rows := checkPowerpipeCSV(t, filepath.Join(dir, "f.csv"))
	if len(rows) != len(doc.Findings) {
		t.Errorf("CSV has %d rows, JSON %d findings", len(rows), len(doc.Findings))
	}

	var asff []map[string]any
	readJSON(t, filepath.Join(dir, "f.asff.json"), &asff)
	var ocsf []map[string]any
	readJSON(t, filepath.Join(dir, "f.ocsf.json"), &ocsf)
	if len(asff) != len(doc.Findings) || len(ocsf) != len(doc.Findings) {
		t.Fatalf("ASFF %d, OCSF %d, JSON %d findings", len(asff), len(ocsf), len(doc.Findings))
	}
	for i, f := range asff {
		for _, k := range []string{"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types", "CreatedAt", "UpdatedAt", "Severity", "Title", "Description", "Resources", "Compliance"} {
			if f[k] == nil || f[k] == "" {
				t.Errorf("ASFF finding %d lacks %s", i, k)
			}
		}
		if f["AwsAccountId"] != "123456789012" || !strings.HasPrefix(f["ProductArn"].(string), "arn:aws:securityhub:") {
			t.Errorf("ASFF finding %d: account %v product %v", i, f["AwsAccountId"], f["ProductArn"])
		}
	}
	for i, e := range ocsf {
		if e["class_uid"] != 2003.0 || e["type_uid"] != 200301.0 || e["finding_info"] == nil || e["compliance"] == nil || e["metadata"] == nil {
			t.Errorf("OCSF event %d is not a Compliance Finding: %v", i, e)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestCheckFiltersAndFailOn(t *testing.T) {
	url := seededEmulator(t)
	conn := emulatorArgs(url)

	r := cli(t, "", append([]string{"check", "--output", "csv", "--rule", "log_file_validation", "--rule", "kms_encryption", "--fail-on", "none"}, conn...)...)
	if r.code != exitOK {
		t.Errorf("--fail-on none: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(recs) < 3 {
		t.Fatalf("CSV on stdout: %v\n%s", err, r.stdout)
	}
	for _, rec := range recs[1:] {
		if rec[3] != "control.log_file_validation" && rec[3] != "control.kms_encryption" {
			t.Errorf("--rule let %s through", rec[3])
		}
	}

	r = cli(t, "", append([]string{"check", "--output", "json", "--status", "ok"}, conn...)...)
	if r.code != exitOK {
		t.Errorf("only ok findings reported, yet exit %d; stderr:\n%s", r.code, r.stderr)
	}
	var doc report.JSONReport
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) == 0 {
		t.Error("the demo account has no ok finding")
	}
	for _, f := range doc.Findings {
		if f.Status != "ok" {
			t.Errorf("--status ok let a %s finding through", f.Status)
		}
	}

	// the demo's public trail bucket is a critical alarm; nothing there is
	// above critical, so --fail-on critical still fails
	r = cli(t, "", append([]string{"check", "--output", "json", "--fail-on", "critical"}, conn...)...)
	if r.code != exitAlarm {
		t.Errorf("--fail-on critical with a critical alarm: exit %d", r.code)
	}
}

func TestExportFindingsWhere(t *testing.T) {
	url := seededEmulator(t)
	r := cli(t, "", append([]string{"export", "cloudtrailcc_finding", "--output", "json", "--where", "status=alarm",
		"--columns", "rule_id,status,resource"}, emulatorArgs(url)...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(rows) == 0 {
		t.Fatal("no alarm rows")
	}
	for _, row := range rows {
		if row["status"] != "alarm" || len(row) != 3 || row["resource"] == "" {
			t.Errorf("row %v", row)
		}
	}
}

func TestConfigFileConnection(t *testing.T) {
	url := seededEmulator(t)
	dir := t.TempDir()
	spc := `connection "aws" {
  plugin = "aws"
}

connection "audit" {
  plugin        = "local/cloudtrailcc"
  import_schema = "enabled"
  options "connection" {
    cache = true
  }
  endpoint_url = "` + url + `"
  access_key = "test"
  secret_key = "test"
  regions    = ["us-east-1", "eu-west-1"]
}
`
	if err := os.WriteFile(filepath.Join(dir, "cloudtrailcc.spc"), []byte(spc), 0o600); err != nil {
		t.Fatal(err)
	}
	r := cli(t, dir, "check", "--config", "cloudtrailcc.spc", "--output", "json", "--rule", "multi_region", "--fail-on", "none")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc report.JSONReport
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Findings) != 1 {
		t.Fatalf("findings %v (%v)", doc.Findings, err)
	}
	// a flag overrides the file: a wrong secret fails with the credential error
	r = cli(t, dir, "check", "--config", "cloudtrailcc.spc", "--secret-key", "wrong")
	if r.code != exitUsage {
		t.Errorf("--secret-key over the file: exit %d", r.code)
	}
	r.oneErrorLine(t, "secret")
	r = cli(t, dir, "check", "--config", "cloudtrailcc.spc", "--connection", "prod")
	if r.code != exitUsage {
		t.Errorf("unknown connection: exit %d", r.code)
	}
	r.oneErrorLine(t, `"prod"`, "connections: aws, audit")
}

func TestDemoPrintsEveryRuleAndWritesTheCSV(t *testing.T) {
	dir := t.TempDir()
	r := cli(t, dir, "demo")
	if r.code != exitOK {
		t.Fatalf("demo exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "EMULATED") {
		t.Errorf("stderr does not say the account is emulated:\n%s", r.stderr)
	}
	for _, id := range ruleIDs() {
		if !strings.Contains(r.stdout, id) {
			t.Errorf("demo output lacks rule %s", id)
		}
	}
	rows := checkPowerpipeCSV(t, filepath.Join(dir, demoExport))
	alarms := 0
	for _, row := range rows {
		if row["status"] == "alarm" {
			alarms++
		}
	}
	if alarms == 0 {
		t.Error("the demo account shows no alarm")
	}
}

func TestCheckExitsThreeWhenARuleCannotReadItsFacts(t *testing.T) {
	srv := awsemu.New(emulatorOptions)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := seed.Demo(context.Background(), seed.Target{EndpointURL: url, AccessKey: demoAccessKey, SecretKey: demoSecretKey,
		Control: emuclient.New(url)}); err != nil {
		t.Fatalf("seeding: %v", err)
	}
	srv.AddFault(awsemu.Fault{Action: "s3:GetBucketLogging", ErrorCode: "AccessDenied"})
	r := cli(t, "", append([]string{"check", "--output", "json", "--rule", "bucket_access_logging", "--fail-on", "none"}, emulatorArgs(url)...)...)
	if r.code != exitRuleError {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitRuleError, r.stderr)
	}
	var doc report.JSONReport
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range doc.Findings {
		if f.Status != "error" || !strings.Contains(f.Reason, "AccessDenied") {
			t.Errorf("finding %s %q, want an error naming AccessDenied", f.Status, f.Reason)
		}
	}
	if !regexp.MustCompile(`summary: .*error [1-9]`).MatchString(r.stderr) {
		t.Errorf("summary does not count the errors:\n%s", r.stderr)
	}
}

func TestExportByFormatNameIsNamedAsPowerpipe(t *testing.T) {
	bench, err := report.LoadBenchmark()
	if err != nil {
		t.Fatal(err)
	}
	if benchmarkID != bench.ID {
		t.Fatalf("benchmarkID %q, the mod's root benchmark is %q", benchmarkID, bench.ID)
	}
	url := seededEmulator(t)
	dir := t.TempDir()
	r := cli(t, dir, append([]string{"check", "--output", "json", "--export", "csv", "--fail-on", "none"}, emulatorArgs(url)...)...)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, bench.ID+".*.csv"))
	if len(files) != 1 || !regexp.MustCompile(`\.\d{8}T\d{6}\.csv$`).MatchString(files[0]) {
		t.Fatalf("export files %v", files)
	}
	checkPowerpipeCSV(t, files[0])
}

// check reads what the rules need and nothing more: the finding table's
// tags column (cloudtrail:ListTags, s3:GetBucketTagging) is not asked for,
// though the seeded trail and bucket have tags.
func TestCheckReadsNoTags(t *testing.T) {
	srv, url := emulatorServer(t)
	acct, err := seed.Clean(context.Background(), seed.Target{EndpointURL: url, AccessKey: demoAccessKey, SecretKey: demoSecretKey, Control: emuclient.New(url)})
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.Trails) == 0 || acct.Trails[0].Tags == nil {
		t.Fatalf("the clean account's trail is not tagged: %+v", acct.Trails)
	}
	srv.ResetCalls()
	r := cli(t, "", append([]string{"check", "--output", "json"}, emulatorArgs(url)...)...)
	if r.code != 0 && r.code != 1 {
		t.Fatalf("check exit %d: %s", r.code, r.stderr)
	}
	counts := srv.CallCounts()
	if counts["s3:GetBucketAcl"] == 0 {
		t.Fatalf("check read no bucket: %v", counts)
	}
	for _, a := range []string{"cloudtrail:ListTags", "s3:GetBucketTagging"} {
		if counts[a] != 0 {
			t.Errorf("check called %s %d times; no rule reads tags", a, counts[a])
		}
	}
}
