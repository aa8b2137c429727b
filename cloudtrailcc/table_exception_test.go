package cloudtrailcc_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/contracttest"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/filewatch"
)

// writeExceptionsFile writes one exception of the fixture's bucket expiring
// on expires to path.
func writeExceptionsFile(t *testing.T, path string, f *contracttest.Fixture, expires time.Time) {
	t.Helper()
	src := fmt.Sprintf("exception {\n  rule = \"bucket_mfa_delete\"\n  resource = \"arn:aws:s3:::%s\"\n  reason = \"accepted\"\n  expires = %q\n}\n",
		f.Bucket, expires.UTC().Format("2006-01-02"))
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExceptionTableReadsAWSOnlyForMatchedFindings(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	if rows := query(t, open(t, f), "cloudtrailcc_exception", nil); len(rows) != 0 || len(f.Actions()) != 0 {
		t.Fatalf("without exceptions_file: rows %v, AWS calls %v; want none of either", rows, f.Actions())
	}

	path := filepath.Join(t.TempDir(), "accepted.hcl")
	writeExceptionsFile(t, path, f, time.Now().AddDate(0, 1, 0))
	c := open(t, f, fmt.Sprintf("exceptions_file = %q", path))
	rows := query(t, c, "cloudtrailcc_exception", []string{"line", "rule_id", "reason", "expired"})
	if len(rows) != 1 || rows[0]["rule_id"] != "bucket_mfa_delete" || rows[0]["expired"] != false || len(f.Actions()) != 0 {
		t.Fatalf("exception rows %v with AWS calls %v; want the one entry and no call", rows, f.Actions())
	}
	rows = query(t, c, "cloudtrailcc_exception", []string{"line", "matched_findings"})
	if len(rows) != 1 || rows[0]["matched_findings"] != int64(1) || called(f, "s3:GetBucketVersioning") != 1 {
		t.Fatalf("matched_findings rows %v (GetBucketVersioning called %d times); want 1 match read once", rows, called(f, "s3:GetBucketVersioning"))
	}

	// an edit takes effect at the next query
	writeExceptionsFile(t, path, f, time.Now().AddDate(0, 0, -2))
	rows = query(t, c, "cloudtrailcc_finding", []string{"status", "suppressed", "control_status"},
		inproc.Qual{Column: "rule_id", Operator: "=", Value: "bucket_mfa_delete"})
	if len(rows) != 1 || rows[0]["status"] != "alarm" || rows[0]["suppressed"] != false || rows[0]["control_status"] != "alarm" {
		t.Errorf("after the exception expired: %v; want an unsuppressed alarm", rows)
	}
}

// The connection's settings are parsed once per connection config: however
// many queries and tables read the findings, the exceptions file is opened
// again only when it changed, and then once.
func TestExceptionsFileIsReadAgainOnlyWhenItChanges(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	path := filepath.Join(t.TempDir(), "accepted.hcl")
	writeExceptionsFile(t, path, f, time.Now().AddDate(0, 1, 0))
	opens := filewatch.Opens(t, path)
	c := open(t, f, fmt.Sprintf("exceptions_file = %q", path))
	suppressed := func() any {
		rows := query(t, c, "cloudtrailcc_finding", []string{"suppressed"},
			inproc.Qual{Column: "rule_id", Operator: "=", Value: "bucket_mfa_delete"})
		if len(rows) != 1 {
			t.Fatalf("bucket_mfa_delete rows %v; want the fixture's bucket", rows)
		}
		return rows[0]["suppressed"]
	}
	if got := suppressed(); got != true {
		t.Fatalf("suppressed = %v; want the accepted alarm suppressed", got)
	}
	first := opens()
	if first < 1 {
		t.Fatalf("the exceptions file was opened %d times by the first query; the watch sees nothing", first)
	}
	for range 5 {
		suppressed()
		query(t, c, "cloudtrailcc_exception", []string{"line", "matched_findings"})
		query(t, c, "cloudtrailcc_trail", []string{"name"})
	}
	if n := opens() - first; n != 0 {
		t.Fatalf("15 more queries opened the unchanged exceptions file %d more times; want none", n)
	}

	writeExceptionsFile(t, path, f, time.Now().AddDate(0, 0, -2)) // the exception expired
	before := opens()
	if got := suppressed(); got != false {
		t.Fatalf("after the edit: suppressed = %v; want the expired exception to suppress nothing", got)
	}
	suppressed()
	if n := opens() - before; n != 1 {
		t.Fatalf("two queries after one edit opened the file %d times; want once", n)
	}
}
