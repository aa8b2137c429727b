package drift

import (
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

func finding(rule, resource string, status rules.Status, severity, reason string) report.Finding {
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
