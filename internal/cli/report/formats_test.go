package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// decode writes r with write and decodes the JSON array it produced.
func decode(t *testing.T, r *Report, write func(*bytes.Buffer, *Report) error) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, r); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("output is not a JSON array of objects: %v\n%s", err, buf.String())
	}
	if len(out) != len(r.Findings) {
		t.Fatalf("%d objects for %d findings", len(out), len(r.Findings))
	}
	return out
}

// get walks a dotted path through decoded JSON.
func get(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// nonEmpty reports whether a decoded value is present and not empty.
func nonEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// asffRequired are the top-level attributes every ASFF finding must have
// (Security Hub user guide, "Required top-level ASFF attributes").
var asffRequired = []string{"AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn",
	"Resources", "SchemaVersion", "Severity", "Title", "Types", "UpdatedAt"}

func TestASFFIsWhatBatchImportFindingsAccepts(t *testing.T) {
	r := sample(t)
	findings := decode(t, r, func(b *bytes.Buffer, r *Report) error { return WriteASFF(b, r) })
	labels := []string{"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
	compliance := []string{"PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"}
	productArn := regexp.MustCompile(`^arn:aws:securityhub:[a-z0-9-]+:(\d{12}):product/(\d{12})/default$`)
	typeFormat := regexp.MustCompile(`^[^/]+(/[^/]+){0,2}$`)
	ids := map[string]bool{}
	for i, f := range findings {
		src := r.Findings[i]
		for _, k := range asffRequired {
			if !nonEmpty(f[k]) {
				t.Errorf("finding %d: required %s missing or empty", i, k)
			}
		}
		if f["SchemaVersion"] != "2018-10-08" {
			t.Errorf("SchemaVersion = %v", f["SchemaVersion"])
		}
		id, _ := f["Id"].(string)
		if ids[id] || len(id) > 512 {
			t.Errorf("Id %q repeated or too long", id)
		}
		ids[id] = true
		m := productArn.FindStringSubmatch(f["ProductArn"].(string))
		if m == nil || m[1] != src.AccountID || m[2] != src.AccountID || f["AwsAccountId"] != src.AccountID {
			t.Errorf("ProductArn %v / AwsAccountId %v", f["ProductArn"], f["AwsAccountId"])
		}
		for _, ty := range f["Types"].([]any) {
			if !typeFormat.MatchString(ty.(string)) {
				t.Errorf("type %q is not namespace/category/classifier", ty)
			}
		}
		for _, k := range []string{"CreatedAt", "UpdatedAt"} {
			if _, err := time.Parse(time.RFC3339, f[k].(string)); err != nil {
				t.Errorf("%s %v: %v", k, f[k], err)
			}
		}
		label, _ := get(f, "Severity.Label").(string)
		if !slices.Contains(labels, label) {
			t.Errorf("Severity.Label %q", label)
		}
		if src.Status == "alarm" && label != strings.ToUpper(src.Severity) {
			t.Errorf("alarm of severity %s labelled %s", src.Severity, label)
		}
		if src.RuleID == "bucket_access_logging" {
			reqs, _ := get(f, "Compliance.RelatedRequirements").([]any)
			if !slices.Contains(reqs, any("CIS AWS Foundations Benchmark 3.4 (v3-v5)")) || !slices.Contains(reqs, any("CIS AWS Foundations Benchmark 4.4 (v6-v7)")) {
				t.Errorf("bucket_access_logging RelatedRequirements %v lack its CIS items", reqs)
			}
		}
		status, _ := get(f, "Compliance.Status").(string)
		if !slices.Contains(compliance, status) {
			t.Errorf("Compliance.Status %q", status)
		}
		if want := map[rules.Status]string{rules.StatusOK: "PASSED", rules.StatusAlarm: "FAILED"}[src.Status]; want != "" && status != want {
			t.Errorf("status %s mapped to %s, want %s", src.Status, status, want)
		}
		if len([]rune(f["Title"].(string))) > 256 || len([]rune(f["Description"].(string))) > 1024 {
			t.Error("Title or Description too long")
		}
		res := f["Resources"].([]any)
		for _, x := range res {
			if !nonEmpty(get(x, "Type")) || !nonEmpty(get(x, "Id")) || get(x, "Partition") != "aws" || !nonEmpty(get(x, "Region")) {
				t.Errorf("resource %v lacks Type, Id, Partition or Region", x)
			}
		}
		if get(f, "RecordState") != "ACTIVE" || !slices.Contains([]string{"NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"}, get(f, "Workflow.Status").(string)) {
			t.Errorf("RecordState %v Workflow %v", f["RecordState"], f["Workflow"])
		}
		if src.Remediation != "" && !nonEmpty(get(f, "Remediation.Recommendation.Text")) {
			t.Error("remediation text missing")
		}
	}
	if got := get(findings[2], "Resources"); get(got.([]any)[0], "Type") != "AwsS3Bucket" {
		t.Errorf("bucket resource type = %v", got)
	}
	if get(findings[3], "Resources").([]any)[0].(map[string]any)["Type"] != "AwsAccount" {
		t.Errorf("account resource type = %v", findings[3]["Resources"])
	}
}

// ocsfRequired are the attributes the OCSF schema requires of a Compliance
// Finding: the base event's (activity_id, category_uid, class_uid,
// type_uid, severity_id, time, metadata with version and product with
// vendor_name), the finding's (finding_info with uid), the class's
// (compliance with standards) and the cloud profile's (cloud with
// provider); then the recommended ones the events fill (product name,
// finding title, compliance control and status_id, status_id, resources,
// the cloud account).
var ocsfRequired = []string{"activity_id", "category_uid", "class_uid", "type_uid", "severity_id", "time",
	"metadata", "metadata.version", "metadata.product", "metadata.product.vendor_name",
	"finding_info", "finding_info.uid", "compliance", "compliance.standards", "cloud", "cloud.provider",
	// recommended
	"metadata.product.name", "finding_info.title", "compliance.control", "compliance.status", "status_id",
	"resources", "cloud.account.uid"}

func TestOCSFIsAComplianceFinding(t *testing.T) {
	r := sample(t)
	events := decode(t, r, func(b *bytes.Buffer, r *Report) error { return WriteOCSF(b, r) })
	uids := map[string]bool{}
	for i, e := range events {
		src := r.Findings[i]
		for _, k := range ocsfRequired {
			if !nonEmpty(get(e, k)) {
				t.Errorf("event %d: required %s missing or empty", i, k)
			}
		}
		if get(e, "class_uid") != 2003.0 || get(e, "category_uid") != 2.0 || get(e, "activity_id") != 1.0 || get(e, "type_uid") != 200301.0 {
			t.Errorf("class/category/activity/type = %v %v %v %v", e["class_uid"], e["category_uid"], e["activity_id"], e["type_uid"])
		}
		if ms := get(e, "time").(float64); ms != float64(r.Time.UnixMilli()) {
			t.Errorf("time %v is not epoch milliseconds", ms)
		}
		sev := get(e, "severity_id").(float64)
		if sev < 0 || sev > 6 {
			t.Errorf("severity_id %v", sev)
		}
		if src.Status == "alarm" && sev != map[string]float64{"low": 2, "medium": 3, "high": 4, "critical": 5}[src.Severity] {
			t.Errorf("alarm of severity %s has severity_id %v", src.Severity, sev)
		}
		cs := get(e, "compliance.status_id").(float64)
		if want := map[rules.Status]float64{rules.StatusOK: 1, rules.StatusAlarm: 3, rules.StatusInfo: 2, rules.StatusError: 0, rules.StatusSkip: 99}[src.Status]; cs != want {
			t.Errorf("status %s: compliance.status_id %v, want %v", src.Status, cs, want)
		}
		if sid := get(e, "status_id").(float64); sid != 1 && sid != 4 {
			t.Errorf("status_id %v", sid)
		}
		if get(e, "cloud.provider") != "AWS" || get(e, "cloud.account.uid") != src.AccountID {
			t.Errorf("cloud = %v", e["cloud"])
		}
		if get(e, "compliance.control") != "control."+src.RuleID {
			t.Errorf("compliance.control = %v", get(e, "compliance.control"))
		}
		res := get(e, "resources").([]any)
		if len(res) != 1 || get(res[0], "uid") != src.Resource || !nonEmpty(get(res[0], "type")) {
			t.Errorf("resources = %v", res)
		}
		uid := get(e, "finding_info.uid").(string)
		if uids[uid] {
			t.Errorf("finding_info.uid %q repeated", uid)
		}
		uids[uid] = true
	}
}

func TestJSONCarriesEveryField(t *testing.T) {
	r := sample(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Benchmark string           `json:"benchmark"`
		Summary   Counts           `json:"summary"`
		Findings  []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Benchmark != r.Benchmark.ID || doc.Summary.Total != len(r.Findings) || len(doc.Findings) != len(r.Findings) {
		t.Fatalf("benchmark %q total %d findings %d", doc.Benchmark, doc.Summary.Total, len(doc.Findings))
	}
	for _, k := range []string{"rule_id", "status", "severity", "reason", "resource", "account_id", "title", "group_id", "group_title", "control_id", "tags"} {
		if !nonEmpty(doc.Findings[0][k]) {
			t.Errorf("finding field %s missing: %v", k, doc.Findings[0])
		}
	}
}

func TestTableShowsEveryFinding(t *testing.T) {
	r := sample(t)
	var buf bytes.Buffer
	if err := WriteTable(&buf, r, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, f := range r.Findings {
		if !strings.Contains(out, f.Resource) {
			t.Errorf("table lacks %s", f.Resource)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("table without Color has escape codes")
	}
}

func TestTableKeepsEveryLineOfLongReasons(t *testing.T) {
	long := strings.Repeat("word ", 60) + "lastword"
	findings := []Finding{
		{RuleID: "bucket_access_logging", Status: "alarm", Severity: "high", Reason: long, Resource: "arn:aws:s3:::a", AccountID: "123456789012"},
		{RuleID: "bucket_access_logging", Status: "alarm", Severity: "high", Reason: long + "2", Resource: "arn:aws:s3:::b", AccountID: "123456789012"},
	}
	r, err := New(benchmark(t), findings, time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, r, TableOptions{ReasonWidth: 40}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "lastword ") || !strings.Contains(buf.String(), "lastword2") {
		t.Errorf("wrapped reasons lost their last lines:\n%s", buf.String())
	}
	if strings.Count(buf.String(), "bucket_access_logging") != 1 {
		t.Errorf("the rule cell is repeated:\n%s", buf.String())
	}
}
