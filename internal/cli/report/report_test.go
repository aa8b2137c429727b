package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// powerpipeColumns is the fixed part of Powerpipe v1.5.2's control CSV
// header (internal/controldisplay/templates/csv/output.tmpl).
var powerpipeColumns = []string{"group_id", "title", "description", "control_id", "control_title",
	"control_description", "reason", "resource", "status", "severity"}

func benchmark(t *testing.T) *Benchmark {
	t.Helper()
	b, err := LoadBenchmark()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sample is a report with findings of every status, an account-level
// finding (no region) and several findings of one rule on one resource.
func sample(t *testing.T) *Report {
	t.Helper()
	trail := "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main"
	findings := []Finding{
		{RuleID: "sns_topic_exists", Status: "skip", Severity: "medium", Reason: "trail main has no SNS topic", Resource: trail, AccountID: "123456789012", Region: "eu-west-1", Partition: "aws"},
		{RuleID: "bucket_access_logging", Status: "ok", Severity: "high", Reason: "bucket logs has access logging to audit/", Resource: "arn:aws:s3:::logs", AccountID: "123456789012", Region: "eu-west-1", Partition: "aws"},
		{RuleID: "bucket_access_logging", Status: "alarm", Severity: "high", Reason: "bucket other, has no access logging, \"quoted\"\nsecond line", Resource: "arn:aws:s3:::other", AccountID: "123456789012", Region: "us-east-1", Partition: "aws",
			Remediation: "Enable server access logging.", References: []string{"https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html"}, ConformityID: "CT-002"},
		{RuleID: "bucket_access_logging", Status: "error", Severity: "high", Reason: "s3:GetBucketLogging failed: AccessDenied", Resource: "arn:aws:s3:::denied", AccountID: "123456789012", Region: "us-east-1", Partition: "aws"},
		{RuleID: "multi_region", Status: "alarm", Severity: "high", Reason: "no multi-region trail is logging", Resource: "arn:aws:::123456789012", AccountID: "123456789012", Partition: "aws"},
		{RuleID: "config_changes", Status: "alarm", Severity: "low", Reason: "StopLogging by arn:aws:iam::123456789012:user/a at 2024-01-01T00:00:00Z", Resource: trail, AccountID: "123456789012", Region: "eu-west-1", Partition: "aws"},
		{RuleID: "config_changes", Status: "alarm", Severity: "low", Reason: "DeleteTrail by arn:aws:iam::123456789012:user/a at 2024-01-01T00:01:00Z", Resource: trail, AccountID: "123456789012", Region: "eu-west-1", Partition: "aws"},
		{RuleID: "management_events", Status: "info", Severity: "medium", Reason: "org trail status unreadable", Resource: trail, AccountID: "123456789012", Region: "eu-west-1", Partition: "aws"},
	}
	r, err := New(benchmark(t), findings, time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), "test")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEveryRuleIsAControlOfTheBenchmark(t *testing.T) {
	b := benchmark(t)
	if b.ID != "cloudtrailcc.benchmark.cloudtrail_best_practices" {
		t.Errorf("benchmark id = %q", b.ID)
	}
	if len(b.Controls) != len(rules.Catalogue()) {
		t.Errorf("benchmark has %d controls, catalogue %d rules", len(b.Controls), len(rules.Catalogue()))
	}
	groups := map[string]bool{}
	for _, r := range rules.Catalogue() {
		c, ok := b.Control(r.ID)
		if !ok {
			t.Errorf("rule %s has no control", r.ID)
			continue
		}
		if c.ControlID != "control."+r.ID || c.FullName != "cloudtrailcc.control."+r.ID {
			t.Errorf("rule %s: control_id %q, full name %q", r.ID, c.ControlID, c.FullName)
		}
		if !strings.HasPrefix(c.GroupID, "cloudtrailcc.benchmark.") || c.GroupID == b.ID || c.GroupTitle == "" || c.GroupDescription == "" {
			t.Errorf("rule %s: group %q %q: want a titled sub-benchmark", r.ID, c.GroupID, c.GroupTitle)
		}
		if c.Title != r.Title || c.Severity != string(r.Severity) || c.Tags["rule_id"] != r.ID {
			t.Errorf("rule %s: control title %q severity %q tags %v disagree with the catalogue", r.ID, c.Title, c.Severity, c.Tags)
		}
		groups[c.GroupID] = true
	}
	if len(groups) != 5 {
		t.Errorf("controls sit in %d sub-benchmarks, want 5: %v", len(groups), groups)
	}
}

func TestCSVHeaderIsPowerpipes(t *testing.T) {
	b := benchmark(t)
	want := append(slices.Clone(powerpipeColumns), "account_id", "region")
	want = append(want, b.TagKeys...)
	if got := b.CSVHeader(); !slices.Equal(got, want) {
		t.Fatalf("header\n got %v\nwant %v", got, want)
	}
	for _, k := range []string{"cis", "conformity_id", "rule_id", "security_hub", "service"} {
		if !slices.Contains(b.TagKeys, k) {
			t.Errorf("tag column %s missing from %v", k, b.TagKeys)
		}
	}
	if !slices.IsSorted(b.TagKeys) {
		t.Errorf("tag columns not sorted: %v", b.TagKeys)
	}
}

// TestCSVHeaderMatchesPowerpipeTemplate reads the fixed columns from
// Powerpipe v1.5.2's own CSV template when the module cache holds it.
func TestCSVHeaderMatchesPowerpipeTemplate(t *testing.T) {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skip("go env GOMODCACHE:", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "github.com/turbot/powerpipe@v1.5.2/internal/controldisplay/templates/csv/output.tmpl")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Skip("Powerpipe v1.5.2 is not in the module cache:", err)
	}
	header := strings.SplitN(string(src), "\n", 4)[2]
	header = regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(header, ",")
	var cols []string
	for _, c := range strings.Split(header, ",") {
		if c = strings.TrimSpace(c); c != "" {
			cols = append(cols, c)
		}
	}
	if !slices.Equal(cols, powerpipeColumns) {
		t.Fatalf("Powerpipe's template header is %v, the report writes %v", cols, powerpipeColumns)
	}
}

func TestCSVRowsArePowerpipes(t *testing.T) {
	r := sample(t)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, buf.String())
	}
	header := recs[0]
	col := func(rec []string, name string) string { return rec[slices.Index(header, name)] }
	rows := recs[1:]
	if len(rows) != len(r.Findings) {
		t.Fatalf("%d rows for %d findings", len(rows), len(r.Findings))
	}
	// benchmark tree order, then Powerpipe's status order within a control
	var order []string
	for _, rec := range rows {
		order = append(order, col(rec, "control_id")+"/"+col(rec, "status"))
	}
	want := []string{"control.bucket_access_logging/error", "control.bucket_access_logging/alarm", "control.bucket_access_logging/ok",
		"control.multi_region/alarm", "control.management_events/info", "control.sns_topic_exists/skip",
		"control.config_changes/alarm", "control.config_changes/alarm"}
	if !slices.Equal(order, want) {
		t.Errorf("row order\n got %v\nwant %v", order, want)
	}
	b := r.Benchmark
	for _, rec := range rows {
		c, _ := b.Control(strings.TrimPrefix(col(rec, "control_id"), "control."))
		if col(rec, "group_id") != c.GroupID || col(rec, "title") != c.GroupTitle || col(rec, "description") != c.GroupDescription ||
			col(rec, "control_title") != c.Title || col(rec, "control_description") != c.Description || col(rec, "severity") != c.Severity {
			t.Errorf("row %v does not carry its control's benchmark context", rec[:6])
		}
		if col(rec, "rule_id") != c.RuleID || col(rec, "service") == "" || col(rec, "service") != c.Tags["service"] || col(rec, "plugin") != "cloudtrailcc" {
			t.Errorf("row tags: rule_id %q service %q plugin %q", col(rec, "rule_id"), col(rec, "service"), col(rec, "plugin"))
		}
	}
	// a NULL region prints as Powerpipe prints a nil dimension
	if got := col(rows[3], "region"); got != "<nil>" {
		t.Errorf("account-level region cell = %q, want <nil>", got)
	}
	if got := col(rows[1], "reason"); got != "bucket other, has no access logging, \"quoted\"\nsecond line" {
		t.Errorf("reason with comma, quotes and newline round-trips as %q", got)
	}
	if !strings.HasSuffix(buf.String(), "\n") && buf.Len() > 0 {
		t.Error("CSV does not end with a newline")
	}
}

func TestCSVCellIsPowerpipesToCsvCell(t *testing.T) {
	for in, want := range map[string]string{
		"plain":      "plain",
		"a,b":        `"a,b"`,
		`say "hi"`:   `"say ""hi"""`,
		"two\nlines": "\"two\nlines\"",
		"  padded ":  `"  padded "`,
		"":           "",
	} {
		if got := escape.CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDimensionsFollowTheControlSQL(t *testing.T) {
	ds, err := dimensionsOf("select resource, status, reason, account_id, coalesce(region, '') as region from cloudtrailcc_finding where rule_id = 'x'")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0] != (Dimension{Key: "account_id", Null: "<nil>"}) || ds[1] != (Dimension{Key: "region", Null: ""}) {
		t.Errorf("dimensions = %+v", ds)
	}
	if _, err := dimensionsOf("select resource, status, reason, title from cloudtrailcc_finding"); err == nil {
		t.Error("a dimension the finding does not carry was accepted")
	}
}

func TestNewRejectsFindingsWithoutControl(t *testing.T) {
	_, err := New(benchmark(t), []Finding{{RuleID: "no_such_rule", Status: "ok"}}, time.Now(), "")
	if err == nil || !strings.Contains(err.Error(), "no_such_rule") {
		t.Fatalf("err = %v, want it to name the rule", err)
	}
}

func TestSummary(t *testing.T) {
	got := sample(t).Summary().String()
	want := "5 rules, 8 findings: ok 1, alarm 4 (high 2, low 2), info 1, skip 1, error 1"
	if got != want {
		t.Errorf("summary\n got %q\nwant %q", got, want)
	}
}

func TestFormats(t *testing.T) {
	for path, want := range map[string]Format{
		"out.csv": FormatCSV, "out.JSON": FormatJSON, "dir/x.asff.json": FormatASFF, "x.ocsf.json": FormatOCSF,
	} {
		if got, err := FormatForFile(path); err != nil || got != want {
			t.Errorf("FormatForFile(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
	for _, bad := range []string{"out.txt", "out", ".csv"} {
		_, err := FormatForFile(bad)
		if err == nil || !strings.Contains(err.Error(), ".asff.json") {
			t.Errorf("FormatForFile(%q) error %v should list the endings", bad, err)
		}
	}
	_, err := ParseFormat("xml")
	if err == nil || !strings.Contains(err.Error(), "table, csv, json, asff, ocsf") {
		t.Errorf("ParseFormat error %v should list the formats", err)
	}
}

func TestExportTargetNamesFilesAsPowerpipe(t *testing.T) {
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.Local)
	for arg, want := range map[string]struct {
		path string
		f    Format
	}{
		"csv":             {"cloudtrailcc.benchmark.x.20240304T050607.csv", FormatCSV},
		"asff":            {"cloudtrailcc.benchmark.x.20240304T050607.asff.json", FormatASFF},
		"OCSF":            {"cloudtrailcc.benchmark.x.20240304T050607.ocsf.json", FormatOCSF},
		"json":            {"cloudtrailcc.benchmark.x.20240304T050607.json", FormatJSON},
		"out/f.asff.json": {"out/f.asff.json", FormatASFF},
	} {
		path, f, err := ExportTarget(arg, "cloudtrailcc.benchmark.x", now)
		if err != nil || path != want.path || f != want.f {
			t.Errorf("ExportTarget(%q) = %q, %q, %v; want %q, %q", arg, path, f, err, want.path, want.f)
		}
	}
	if _, _, err := ExportTarget("table", "x", now); err == nil || !strings.Contains(err.Error(), "csv, json, asff, ocsf") {
		t.Errorf("--export table: %v", err)
	}
}
