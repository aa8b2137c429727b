package cloudtrailcc_test

import (
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/contracttest"
)

// With ignore_error_codes naming the error a read fails with, the findings
// that needed the fact are skip, naming the error and the entry, never ok;
// without it they are error.
func TestIgnoredErrorCodeMakesFindingsSkipNeverOK(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	f.Emu.AddFault(awsemu.Fault{Action: "cloudtrail:GetEventSelectors", ErrorCode: "AccessDenied"})
	rule := inproc.Qual{Column: "rule_id", Operator: "=", Value: "multi_region"}
	for _, tc := range []struct {
		extra  []string
		status string
		words  []string
	}{
		{nil, "error", []string{"cloudtrail:GetEventSelectors", "AccessDenied"}},
		{[]string{`ignore_error_codes = ["AccessDenied*"]`}, "skip",
			[]string{"not evaluated", "cloudtrail:GetEventSelectors", `ignored by ignore_error_codes "AccessDenied*"`}},
	} {
		rows := query(t, open(t, f, tc.extra...), "cloudtrailcc_finding", []string{"status", "reason"}, rule)
		if len(rows) == 0 {
			t.Fatalf("%v: no multi_region finding", tc.extra)
		}
		for _, r := range rows {
			reason, _ := r["reason"].(string)
			if r["status"] != tc.status {
				t.Errorf("%v: status %v (%s), want %s", tc.extra, r["status"], reason, tc.status)
			}
			for _, w := range tc.words {
				if !strings.Contains(reason, w) {
					t.Errorf("%v: reason %q lacks %q", tc.extra, reason, w)
				}
			}
		}
	}
}
