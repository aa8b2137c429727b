package contracttest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
)

// day is today (UTC) plus days, as YYYY-MM-DD.
func day(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format("2006-01-02") }

// writeExceptions writes an HCL exceptions file and returns its path.
func writeExceptions(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accepted.hcl")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExceptionsOverGRPC(t *testing.T) {
	f := Start(t)
	f.Seed(t)
	pc := launch(t)
	exc := writeExceptions(t, fmt.Sprintf(`exception {
  rule     = "bucket_mfa_delete"
  resource = "arn:aws:s3:::%s"
  reason   = "MFA Delete needs the root user"
  expires  = %q
  owner    = "secops"
}

exception {
  rule     = "kms_encryption"
  resource = "arn:aws:cloudtrail:*:trail/gone"
  reason   = "trail removed"
  expires  = %q
}
`, f.Bucket, day(7), day(-3)))
	if err := configure(pc, map[string]string{"aws": f.Config(fmt.Sprintf("exceptions_file = %q", exc))}); err != nil {
		t.Fatalf("SetAllConnectionConfigs: %v", err)
	}

	cols := []string{"resource", "status", "reason", "suppressed", "suppression_reason", "suppression_expires", "suppression_owner", "control_status", "control_reason"}
	rows, err := execute(t, pc, "aws", "cloudtrailcc_finding", cols, eq("rule_id", "bucket_mfa_delete"))
	if err != nil || len(rows) != 1 {
		t.Fatalf("bucket_mfa_delete rows = %v, %v; want the seeded bucket's", rows, err)
	}
	r := rows[0]
	reason := r["reason"].GetStringValue()
	want := "suppressed until " + day(7) + " by secops: MFA Delete needs the root user (was: " + reason + ")"
	if r["status"].GetStringValue() != "alarm" || !r["suppressed"].GetBoolValue() || r["suppression_reason"].GetStringValue() != "MFA Delete needs the root user" ||
		r["suppression_expires"].GetStringValue() != day(7) || r["suppression_owner"].GetStringValue() != "secops" ||
		r["control_status"].GetStringValue() != "skip" || r["control_reason"].GetStringValue() != want {
		t.Errorf("suppressed finding over gRPC: %v\nwant status alarm, suppressed, control_status skip, control_reason %q", r, want)
	}

	// the stale entry: one info finding under its rule, and the finding
	// table's other rows are not suppressed
	rows, err = execute(t, pc, "aws", "cloudtrailcc_finding", cols, eq("rule_id", "kms_encryption"))
	if err != nil {
		t.Fatal(err)
	}
	stale := 0
	for _, r := range rows {
		if r["suppressed"].GetBoolValue() || r["suppression_reason"].GetStringValue() != "" {
			t.Errorf("kms_encryption row suppressed: %v", r)
		}
		if strings.HasPrefix(r["reason"].GetStringValue(), "stale exception accepted.hcl:9 ") && r["status"].GetStringValue() == "info" {
			stale++
		}
	}
	if stale != 1 {
		t.Errorf("%d stale findings under kms_encryption, want 1: %v", stale, rows)
	}

	rows, err = execute(t, pc, "aws", "cloudtrailcc_exception", []string{"exceptions_file", "line", "rule_id", "expires", "expired", "owner", "matched_findings"}, nil)
	if err != nil || len(rows) != 2 {
		t.Fatalf("cloudtrailcc_exception = %v, %v; want 2 rows", rows, err)
	}
	slices.SortFunc(rows, func(a, b map[string]*proto.Column) int { return int(a["line"].GetIntValue() - b["line"].GetIntValue()) })
	for i, w := range []struct {
		line    int64
		rule    string
		expired bool
		matched int64
	}{{1, "bucket_mfa_delete", false, 1}, {9, "kms_encryption", true, 0}} {
		r := rows[i]
		if r["exceptions_file"].GetStringValue() != exc || r["line"].GetIntValue() != w.line || r["rule_id"].GetStringValue() != w.rule ||
			r["expired"].GetBoolValue() != w.expired || r["matched_findings"].GetIntValue() != w.matched {
			t.Errorf("exception row %d = %v; want line %d rule %s expired %v matched %d", i, r, w.line, w.rule, w.expired, w.matched)
		}
	}
}

func TestMalformedExceptionsFileFailsTheConnectionNamingTheLine(t *testing.T) {
	f := Start(t)
	pc := launch(t)
	exc := writeExceptions(t, "exception {\n  rule = \"multi_region\"\n  resource = \"*\"\n  reason = \"r\"\n  expires = \"2026-02-30\"\n}\n")
	err := configure(pc, map[string]string{"aws": f.Config(fmt.Sprintf("exceptions_file = %q", exc))})
	if err == nil || !strings.Contains(err.Error(), "exceptions_file: "+exc+`:5: expires "2026-02-30" is not a date`) {
		t.Errorf("SetAllConnectionConfigs: %v; want the connection refused naming %s:5", err, exc)
	}
}
