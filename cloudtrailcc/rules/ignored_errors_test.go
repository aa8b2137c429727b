package rules

import (
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// ignoredDenied is an AccessDenied read error ignore_error_codes names.
func ignoredDenied(action string) *snapshot.ReadError {
	e := denied(action)
	e.Ignored = `ignore_error_codes "AccessDenied*"`
	return e
}

// A fact whose read error the connection ignores (ignore_error_codes,
// ignore_error_messages) is not evaluated: the finding that would have been
// error is skip, naming the error and the option; it is never ok, and the
// same error not ignored stays error.
func TestIgnoredReadErrorSkipsNeverOK(t *testing.T) {
	runCases(t, "multi_region", []ruleCase{
		{"ignored selectors error is skip", withTrail(func(t *snapshot.Trail) {
			failSelectors(t, ignoredDenied("cloudtrail:GetEventSelectors"))
		}), acctRes, StatusSkip, []string{"not evaluated", "cloudtrail:GetEventSelectors", "AccessDenied", `ignored by ignore_error_codes "AccessDenied*"`}},
		{"the same error not ignored is error", withTrail(func(t *snapshot.Trail) {
			failSelectors(t, denied("cloudtrail:GetEventSelectors"))
		}), acctRes, StatusError, []string{"cloudtrail:GetEventSelectors", "AccessDenied"}},
	})
	runCases(t, "log_file_validation", []ruleCase{
		{"ignored trail list error is skip", with(func(a *snapshot.Account) {
			a.Trails = nil
			a.TrailListErrors = map[string]*snapshot.ReadError{"us-east-1": ignoredDenied("cloudtrail:DescribeTrails")}
		}), "arn:aws::us-east-1:123456789012", StatusSkip, []string{"not evaluated", "cloudtrail:DescribeTrails", "ignored by"}},
	})
}

// An organization member that cannot be audited for an ignored error is
// skip for every rule, never ok.
func TestIgnoredAccountFailureSkips(t *testing.T) {
	org := &snapshot.Organization{Multi: true, Failed: []snapshot.AccountFailure{{AccountID: "210987654321", Err: ignoredDenied("sts:AssumeRole")}}}
	fs := EvaluateOrganization(org, "multi_region")
	if len(fs) != 1 || fs[0].Status != StatusSkip || !contains(fs[0].Reason, "ignored by ignore_error_codes") {
		t.Errorf("findings %s; want one skip naming ignore_error_codes", dump(fs))
	}
}
