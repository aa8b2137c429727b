package drift

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

func finding(rule, resource, status, severity, reason string) report.Finding {
	return report.Finding{RuleID: rule, Resource: resource, Status: status, Severity: severity, Reason: reason,
		AccountID: "123456789012", Region: "us-east-1"}
}

func TestRepeatedFindingsOfOneResourceAreToldApartByReason(t *testing.T) {
	const trail = "arn:aws:cloudtrail:us-east-1:123456789012:trail/t"
	old := []report.Finding{
		finding("config_changes", trail, "alarm", "low", "StopLogging on t at 2024-01-01T00:00:00Z"),
		finding("config_changes", trail, "alarm", "low", "CreateTrail on t at 2024-01-01T00:00:00Z"),
	}
	cur := []report.Finding{
		finding("config_changes", trail, "alarm", "low", "CreateTrail on t at 2024-01-01T00:00:00Z"),
		finding("config_changes", trail, "alarm", "low", "DeleteTrail on t at 2024-01-02T00:00:00Z"),
	}
	changes := Compare(old, cur)
	if len(changes) != 2 {
		t.Fatalf("changes %+v, want StopLogging resolved and DeleteTrail new", changes)
	}
	for _, c := range changes {
		switch {
		case c.Kind == Resolved && c.OldReason == old[0].Reason:
		case c.Kind == New && c.NewReason == cur[1].Reason:
			if !c.Regression(report.SeverityRank("low")) || c.Regression(report.SeverityRank("medium")) {
				t.Errorf("a new low alarm regresses at low only: %+v", c)
			}
		default:
			t.Errorf("unexpected change %+v", c)
		}
	}
}

func TestTimestampOnlyReasonChangesAreNoDrift(t *testing.T) {
	const acct = "arn:aws:::123456789012"
	old := []report.Finding{finding("config_changes", acct, "ok", "low", "no change since 2024-01-01T00:00:00Z")}
	cur := []report.Finding{finding("config_changes", acct, "ok", "low", "no change since 2024-01-01T00:00:07Z")}
	if c := Compare(old, cur); len(c) != 0 {
		t.Errorf("timestamp shift reported as %+v", c)
	}
	cur[0].Reason = "no change in region x since 2024-01-01T00:00:07Z"
	if c := Compare(old, cur); len(c) != 1 || c[0].Kind != ReasonChanged || c[0].Regression(0) {
		t.Errorf("changed reason reported as %+v", c)
	}
	cur[0].Status = "alarm"
	if c := Compare(old, cur); len(c) != 1 || c[0].Kind != StatusChanged || !c[0].Regression(0) {
		t.Errorf("ok -> alarm reported as %+v", c)
	}
	old[0].Status = "alarm"
	if c := Compare(old, cur); len(c) != 1 || c[0].Regression(0) {
		t.Errorf("an alarm that stays an alarm regressed: %+v", c)
	}
}

func TestSuppressedAlarmsAreNoRegressionAndAnExpiredExceptionIsOne(t *testing.T) {
	const bucket = "arn:aws:s3:::logs"
	accepted := finding("bucket_mfa_delete", bucket, "alarm", "high", "MFA Delete never configured")
	accepted.Suppressed, accepted.SuppressionReason, accepted.SuppressionExpires = true, "root device", "2027-01-31"

	if c := Compare(nil, []report.Finding{accepted}); len(c) != 1 || c[0].Kind != New || c[0].NewStatus != "skip" || c[0].Regression(0) {
		t.Errorf("a new suppressed alarm: %+v; want a new skip, no regression", c)
	}
	plain := finding("bucket_mfa_delete", bucket, "alarm", "high", "MFA Delete never configured")
	expired := plain
	expired.Reason += " (its exception, x.hcl:1, expired on 2027-01-31)"
	c := Compare([]report.Finding{accepted}, []report.Finding{expired})
	if len(c) != 1 || c[0].Kind != StatusChanged || c[0].OldStatus != "skip" || c[0].NewStatus != "alarm" || !c[0].Regression(0) {
		t.Errorf("the exception expired: %+v; want skip -> alarm, a regression", c)
	}
	if c := Compare([]report.Finding{plain}, []report.Finding{accepted}); len(c) != 1 || c[0].NewStatus != "skip" || c[0].Regression(0) {
		t.Errorf("an alarm accepted since: %+v; want alarm -> skip, no regression", c)
	}
}

func TestDriftOutputsShowControlCharactersEscaped(t *testing.T) {
	const hostile = "bucket \x1b]0;owned\x07 \x1b[2J gone\r\n| x"
	changes := Compare(nil, []report.Finding{finding("bucket_not_public", "arn:aws:s3:::b\x1b[31m", "alarm", "critical", hostile)})
	for _, format := range []string{"table", "md", "json"} {
		var b strings.Builder
		if err := Write(&b, changes, 0, format); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for i := 0; i < len(out); i++ {
			if c := out[i]; c < 0x20 && c != '\n' || c == 0x7f {
				t.Errorf("%s output holds byte %#x: %q", format, c, out)
				break
			}
		}
	}
}

// TestLoadRefusesNestingBeforeParsingAndNamesTheLine: brackets inside
// strings are not nesting; real nesting beyond MaxExportNesting, and a
// syntax error, are reported at PATH:LINE.
func TestLoadRefusesNestingBeforeParsingAndNamesTheLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	brackets := strings.Repeat("[{", MaxExportNesting)
	ok := write("ok.json", `{"benchmark":"b","findings":[{"rule_id":"r","reason":"`+brackets+`\"","evidence":{"a":[[["x"]]]}}]}`)
	if fs, err := Load(ok); err != nil || len(fs) != 1 {
		t.Fatalf("brackets in a string: %v", err)
	}
	for _, c := range []struct{ name, content, want string }{
		{"deep.json", "{\"benchmark\":\"b\",\n\"findings\":[\n" + strings.Repeat("[", MaxExportNesting) + "]}", "deep.json:3: nesting deeper than 64 levels"},
		{"syntax.json", "{\"benchmark\":\"b\",\n\"findings\":[\n}", "syntax.json:3: not a cloudtrailcc JSON export"},
		{"type.json", "{\"benchmark\":\"b\",\n\n\"findings\":7}", "type.json:3: not a cloudtrailcc JSON export"},
	} {
		path := write(c.name, c.content)
		_, err := Load(path)
		if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, c.want)) {
			t.Errorf("%s: %v, want an error starting %q", c.name, err, filepath.Join(dir, c.want))
		}
	}
}
