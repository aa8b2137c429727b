package cloudtrailcc_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/contracttest"
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

	// the file is read again by every query: an edit takes effect at once
	writeExceptionsFile(t, path, f, time.Now().AddDate(0, 0, -2))
	rows = query(t, c, "cloudtrailcc_finding", []string{"status", "suppressed", "control_status"},
		inproc.Qual{Column: "rule_id", Operator: "=", Value: "bucket_mfa_delete"})
	if len(rows) != 1 || rows[0]["status"] != "alarm" || rows[0]["suppressed"] != false || rows[0]["control_status"] != "alarm" {
		t.Errorf("after the exception expired: %v; want an unsuppressed alarm", rows)
	}
}
